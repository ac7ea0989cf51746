// libzstd, loaded when the MQTT sink compresses a batch (or a test
// decompresses one).
#ifndef PICKET_PLATFORM_LINUX_LIB_ZSTD_H_
#define PICKET_PLATFORM_LINUX_LIB_ZSTD_H_

#include <zstd.h>

#include "platform/linux/dynamic_library.h"

namespace picket {

// clang-format off
#define PICKET_LIBZSTD_FUNCTIONS(X) \
  X(ZSTD_compressBound) \
  X(ZSTD_compressCCtx) \
  X(ZSTD_createCCtx) \
  X(ZSTD_decompress) \
  X(ZSTD_freeCCtx) \
  X(ZSTD_getErrorName) \
  X(ZSTD_getFrameContentSize) \
  X(ZSTD_isError)
// clang-format on

PICKET_DYNAMIC_LIBRARY(LibZstd, PICKET_SONAME_ZSTD, PICKET_LIBZSTD_FUNCTIONS)

}  // namespace picket

#endif  // PICKET_PLATFORM_LINUX_LIB_ZSTD_H_

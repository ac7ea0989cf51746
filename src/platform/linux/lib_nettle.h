// libnettle, loaded on first use: SHA-256 of executables (process
// collector) and of the device id. OpenSSL 3 would map 3.4 MiB to compute
// it (provider set-up); nettle maps 0.3 MiB.
#ifndef PICKET_PLATFORM_LINUX_LIB_NETTLE_H_
#define PICKET_PLATFORM_LINUX_LIB_NETTLE_H_

#include <nettle/sha2.h>

#include "platform/linux/dynamic_library.h"

namespace picket {

// The exported names: sha256_init() and friends are macros for these.
// clang-format off
#define PICKET_LIBNETTLE_FUNCTIONS(X) \
  X(nettle_sha256_init) \
  X(nettle_sha256_update) \
  X(nettle_sha256_digest)
// clang-format on

PICKET_DYNAMIC_LIBRARY(LibNettle, PICKET_SONAME_NETTLE,
                       PICKET_LIBNETTLE_FUNCTIONS)

}  // namespace picket

#endif  // PICKET_PLATFORM_LINUX_LIB_NETTLE_H_

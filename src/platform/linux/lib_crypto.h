// libcrypto (OpenSSL), loaded on first use: HMAC-SHA256 and base64 for IoT
// Hub SAS tokens, OpenSSL's error queue for TLS failures. Only the MQTT sink
// uses it, which maps it anyway (libmosquitto's TLS).
#ifndef PICKET_PLATFORM_LINUX_LIB_CRYPTO_H_
#define PICKET_PLATFORM_LINUX_LIB_CRYPTO_H_

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "platform/linux/dynamic_library.h"

namespace picket {

// clang-format off
#define PICKET_LIBCRYPTO_FUNCTIONS(X) \
  X(EVP_sha256) \
  X(EVP_EncodeBlock) \
  X(EVP_DecodeBlock) \
  X(HMAC) \
  X(ERR_peek_last_error) \
  X(ERR_error_string_n) \
  X(ERR_clear_error)
// clang-format on

PICKET_DYNAMIC_LIBRARY(LibCrypto, PICKET_SONAME_CRYPTO,
                       PICKET_LIBCRYPTO_FUNCTIONS)

}  // namespace picket

#endif  // PICKET_PLATFORM_LINUX_LIB_CRYPTO_H_

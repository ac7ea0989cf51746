// libcrypto (OpenSSL), loaded on first use: SHA-256 of executables and of
// the device id, HMAC-SHA256 and base64 for IoT Hub SAS tokens, OpenSSL's
// error queue for TLS failures.
#ifndef PICKET_ENGINE_LINUX_LIB_CRYPTO_H_
#define PICKET_ENGINE_LINUX_LIB_CRYPTO_H_

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine/linux/dynamic_library.h"

namespace picket {

// clang-format off
#define PICKET_LIBCRYPTO_FUNCTIONS(X) \
  X(EVP_MD_CTX_new) \
  X(EVP_MD_CTX_free) \
  X(EVP_DigestInit_ex) \
  X(EVP_DigestUpdate) \
  X(EVP_DigestFinal_ex) \
  X(EVP_Digest) \
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

#endif  // PICKET_ENGINE_LINUX_LIB_CRYPTO_H_

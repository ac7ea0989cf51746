#include "collectors/linux/file_hash.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "engine/linux/lib_crypto.h"

namespace picket {

namespace {

std::string ToHex(const unsigned char* digest, unsigned len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { LibCrypto()->EVP_MD_CTX_free(ctx); }
};

}  // namespace

Result<std::string> Sha256OfFd(int fd, uint64_t max_bytes) {
  const Result<LibCryptoApi>& crypto = LibCrypto();
  if (!crypto.ok()) return crypto.status();
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus("fstat", errno);
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Status::ResourceExhausted("file larger than hash limit");
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(crypto->EVP_MD_CTX_new());
  if (!ctx || crypto->EVP_DigestInit_ex(ctx.get(), crypto->EVP_sha256(),
                                        nullptr) != 1) {
    return Status::ResourceExhausted("EVP_DigestInit_ex failed");
  }
  char buf[16384];
  off_t offset = 0;
  uint64_t total = 0;
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof buf, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("pread", errno);
    }
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > max_bytes) {
      return Status::ResourceExhausted("file grew beyond hash limit");
    }
    crypto->EVP_DigestUpdate(ctx.get(), buf, static_cast<size_t>(n));
    offset += n;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  crypto->EVP_DigestFinal_ex(ctx.get(), digest, &len);
  return ToHex(digest, len);
}

std::string Sha256Hex(const void* data, size_t len) {
  const Result<LibCryptoApi>& crypto = LibCrypto();
  if (!crypto.ok()) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned out_len = 0;
  crypto->EVP_Digest(data, len, digest, &out_len, crypto->EVP_sha256(),
                     nullptr);
  return ToHex(digest, out_len);
}

}  // namespace picket

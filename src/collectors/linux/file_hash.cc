#include "collectors/linux/file_hash.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "platform/linux/lib_nettle.h"

namespace picket {

namespace {

std::string ToHex(const uint8_t* digest, size_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (size_t i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace

Result<std::string> Sha256OfFd(int fd, uint64_t max_bytes) {
  const Result<LibNettleApi>& nettle = LibNettle();
  if (!nettle.ok()) return nettle.status();
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus("fstat", errno);
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Status::ResourceExhausted("file larger than hash limit");
  }
  sha256_ctx ctx;
  nettle->nettle_sha256_init(&ctx);
  uint8_t buf[16384];
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
    nettle->nettle_sha256_update(&ctx, static_cast<size_t>(n), buf);
    offset += n;
  }
  uint8_t digest[SHA256_DIGEST_SIZE];
  nettle->nettle_sha256_digest(&ctx, sizeof digest, digest);
  return ToHex(digest, sizeof digest);
}

std::string Sha256Hex(const void* data, size_t len) {
  const Result<LibNettleApi>& nettle = LibNettle();
  if (!nettle.ok()) return {};
  sha256_ctx ctx;
  nettle->nettle_sha256_init(&ctx);
  nettle->nettle_sha256_update(&ctx, len, static_cast<const uint8_t*>(data));
  uint8_t digest[SHA256_DIGEST_SIZE];
  nettle->nettle_sha256_digest(&ctx, sizeof digest, digest);
  return ToHex(digest, sizeof digest);
}

}  // namespace picket

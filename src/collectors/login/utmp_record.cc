#include "collectors/login/utmp_record.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace picket::login {

namespace {

constexpr size_t kTypeOff = 0;
constexpr size_t kPidOff = 4;
constexpr size_t kLineOff = 8;
constexpr size_t kLineSize = 32;
constexpr size_t kUserOff = 44;
constexpr size_t kUserSize = 32;
constexpr size_t kHostOff = 76;
constexpr size_t kHostSize = 256;
constexpr size_t kSecOff = 340;
constexpr size_t kUsecOff = 344;
constexpr size_t kAddrOff = 348;

// Records are in host byte order; picket's targets are little-endian.
uint32_t Load32(std::string_view b, size_t off) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + off);
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void Store32(std::string* b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[off + i] = static_cast<char>(v >> (8 * i));
}

// The NUL-padded text field; false when it holds control bytes.
bool Text(std::string_view b, size_t off, size_t size, std::string* out) {
  std::string_view field = b.substr(off, size);
  size_t end = field.find('\0');
  if (end != std::string_view::npos) field = field.substr(0, end);
  for (unsigned char c : field) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  out->assign(field);
  return true;
}

std::string FormatAddress(std::string_view b) {
  uint32_t words[4];
  for (int i = 0; i < 4; ++i) words[i] = Load32(b, kAddrOff + 4 * i);
  if ((words[0] | words[1] | words[2] | words[3]) == 0) return "";
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + kAddrOff);
  char buf[64];
  if ((words[1] | words[2] | words[3]) == 0) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
    return buf;
  }
  // Full IPv6, uncompressed hex groups: unambiguous and cheap.
  std::string out;
  for (int i = 0; i < 8; ++i) {
    std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "",
                  (p[2 * i] << 8) | p[2 * i + 1]);
    out += buf;
  }
  return out;
}

}  // namespace

UtmpParse ParseUtmpRecord(std::string_view b, UtmpRecord* out) {
  if (b.size() < kUtmpRecordSize) return UtmpParse::kShort;
  *out = UtmpRecord();
  uint32_t type_word = Load32(b, kTypeOff);
  int16_t type = static_cast<int16_t>(type_word & 0xffff);
  if (type < 0 || type > 9) return UtmpParse::kCorrupt;
  out->type = static_cast<UtmpType>(type);
  out->pid = static_cast<int32_t>(Load32(b, kPidOff));
  if (out->pid < 0) return UtmpParse::kCorrupt;
  if (!Text(b, kLineOff, kLineSize, &out->line) ||
      !Text(b, kUserOff, kUserSize, &out->user) ||
      !Text(b, kHostOff, kHostSize, &out->host)) {
    return UtmpParse::kCorrupt;
  }
  int64_t sec = static_cast<int32_t>(Load32(b, kSecOff));
  int64_t usec = static_cast<int32_t>(Load32(b, kUsecOff));
  if (sec < 0 || usec < 0 || usec >= 1000000) return UtmpParse::kCorrupt;
  out->time_ns = sec * 1000000000 + usec * 1000;
  out->address = FormatAddress(b);
  return UtmpParse::kOk;
}

std::string EncodeUtmpRecord(const UtmpRecord& r) {
  std::string b(kUtmpRecordSize, '\0');
  Store32(&b, kTypeOff, static_cast<uint16_t>(r.type));
  Store32(&b, kPidOff, static_cast<uint32_t>(r.pid));
  std::memcpy(&b[kLineOff], r.line.data(), std::min(r.line.size(), kLineSize));
  std::memcpy(&b[kUserOff], r.user.data(), std::min(r.user.size(), kUserSize));
  std::memcpy(&b[kHostOff], r.host.data(), std::min(r.host.size(), kHostSize));
  Store32(&b, kSecOff, static_cast<uint32_t>(r.time_ns / 1000000000));
  Store32(&b, kUsecOff, static_cast<uint32_t>((r.time_ns / 1000) % 1000000));
  unsigned a, b1, c, d;
  if (std::sscanf(r.address.c_str(), "%u.%u.%u.%u", &a, &b1, &c, &d) == 4) {
    b[kAddrOff] = static_cast<char>(a);
    b[kAddrOff + 1] = static_cast<char>(b1);
    b[kAddrOff + 2] = static_cast<char>(c);
    b[kAddrOff + 3] = static_cast<char>(d);
  }
  return b;
}

}  // namespace picket::login

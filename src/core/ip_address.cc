#include "core/ip_address.h"

#include <cstring>

namespace picket {

namespace {

uint16_t Load16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

void AppendDecimal(unsigned value, char** p) {
  char digits[3];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) *(*p)++ = digits[--n];
}

void AppendIpv4(const uint8_t* b, char** p) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *(*p)++ = '.';
    AppendDecimal(b[i], p);
  }
}

// Parses a dotted quad exactly: four decimal octets, no leading zeros (they
// read as octal elsewhere), nothing else.
bool ParseV4Text(const char* s, const char* end, uint8_t* out) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (s == end || *s != '.') return false;
      ++s;
    }
    const char* start = s;
    unsigned value = 0;
    while (s != end && *s >= '0' && *s <= '9' && s - start < 3) {
      value = value * 10 + static_cast<unsigned>(*s - '0');
      ++s;
    }
    if (s == start || value > 255) return false;
    if (*start == '0' && s - start > 1) return false;
    out[i] = static_cast<uint8_t>(value);
  }
  return s == end;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 4291 section 2.2 text forms, including one "::" and a trailing dotted
// quad. Zone indices ("%eth0") are not addresses and are rejected.
bool ParseV6Text(const char* s, const char* end, uint8_t* out) {
  uint8_t groups[16] = {};
  int count = 0;  // bytes written to `groups`
  int gap = -1;   // byte index where "::" stands
  if (s != end && *s == ':') {
    if (end - s < 2 || s[1] != ':') return false;
    gap = 0;
    s += 2;
  }
  while (s != end) {
    if (count == 16) return false;
    const char* start = s;
    unsigned value = 0;
    while (s != end && HexValue(*s) >= 0 && s - start < 4) {
      value = value << 4 | static_cast<unsigned>(HexValue(*s));
      ++s;
    }
    if (s != end && *s == '.') {
      // The last 32 bits as a dotted quad.
      if (count > 12 || !ParseV4Text(start, end, groups + count)) return false;
      count += 4;
      s = end;
      break;
    }
    if (s == start) return false;
    groups[count++] = static_cast<uint8_t>(value >> 8);
    groups[count++] = static_cast<uint8_t>(value);
    if (s == end) break;
    if (*s != ':') return false;
    ++s;
    if (s != end && *s == ':') {
      if (gap >= 0) return false;
      gap = count;
      ++s;
    } else if (s == end) {
      return false;  // a single trailing colon
    }
  }
  if (gap < 0) {
    if (count != 16) return false;
    std::memcpy(out, groups, 16);
    return true;
  }
  if (count > 14) return false;  // "::" stands for at least one group
  std::memset(out, 0, 16);
  std::memcpy(out, groups, static_cast<size_t>(gap));
  std::memcpy(out + 16 - (count - gap), groups + gap,
              static_cast<size_t>(count - gap));
  return true;
}

}  // namespace

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress a;
  a.family = 4;
  a.bytes[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<uint8_t>(host_order);
  return a;
}

bool IpAddress::is_loopback() const {
  if (family == 4) return bytes[0] == 127;
  if (family != 6) return false;
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0,    0,
                                                0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes.data(), kMappedPrefix, 12) == 0) {
    return bytes[12] == 127;  // ::ffff:127.0.0.1 on a dual-stack socket
  }
  for (size_t i = 0; i < 15; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[15] == 1;
}

std::string IpAddress::ToString() const {
  char text[48];  // longest: "ffff:...:ffff" (39) or the mapped form (45)
  char* p = text;
  if (family == 4) {
    AppendIpv4(bytes.data(), &p);
    return std::string(text, p);
  }
  if (family != 6) return std::string();

  uint16_t groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = Load16(bytes.data() + 2 * i);
  // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
  const bool mapped = groups[0] == 0 && groups[1] == 0 && groups[2] == 0 &&
                      groups[3] == 0 && groups[4] == 0 && groups[5] == 0xffff;
  const int hex_groups = mapped ? 6 : 8;
  // Section 4.2: "::" replaces the longest run of two or more zero groups,
  // the first one on a tie.
  int best_start = -1, best_len = 1;
  for (int i = 0; i < hex_groups;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < hex_groups && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < hex_groups; ++i) {
    if (i == best_start) {
      *p++ = ':';
      *p++ = ':';
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best_start + best_len) *p++ = ':';
    const uint16_t g = groups[i];
    bool leading = true;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const int nibble = (g >> shift) & 0xf;
      if (leading && nibble == 0 && shift > 0) continue;
      leading = false;
      *p++ = kHex[nibble];
    }
  }
  if (mapped) {
    if (best_start + best_len != hex_groups) *p++ = ':';
    AppendIpv4(bytes.data() + 12, &p);
  }
  return std::string(text, p);
}

bool IpAddress::Parse(std::string_view text, IpAddress* out) {
  const char* s = text.data();
  const char* end = s + text.size();
  IpAddress parsed;
  if (text.find(':') == std::string_view::npos) {
    if (!ParseV4Text(s, end, parsed.bytes.data())) return false;
    parsed.family = 4;
  } else {
    if (!ParseV6Text(s, end, parsed.bytes.data())) return false;
    parsed.family = 6;
  }
  *out = parsed;
  return true;
}

bool IpAddress::is_unspecified() const {
  if (family == 0) return false;
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

IpAddress IpAddress::V6(const std::array<uint8_t, 16>& bytes) {
  IpAddress a;
  a.family = 6;
  a.bytes = bytes;
  return a;
}

uint32_t IpAddress::v4() const {
  return static_cast<uint32_t>(bytes[0]) << 24 |
         static_cast<uint32_t>(bytes[1]) << 16 |
         static_cast<uint32_t>(bytes[2]) << 8 | bytes[3];
}

}  // namespace picket

// IpAddress: an IPv4 or IPv6 address as a plain value, with the textual
// forms used everywhere in picket (events, intel feeds, configuration).
// Portable; no OS headers. Thread-safe (a value type).
#ifndef PICKET_CORE_IP_ADDRESS_H_
#define PICKET_CORE_IP_ADDRESS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace picket {

// `bytes` holds the address in network order; IPv4 uses bytes[0..3] and
// leaves the rest zero.
struct IpAddress {
  uint8_t family = 0;  // 4 or 6; 0 = unset
  std::array<uint8_t, 16> bytes{};

  static IpAddress V4(uint32_t host_order);
  static IpAddress V6(const std::array<uint8_t, 16>& bytes);
  bool is_v4() const { return family == 4; }
  bool is_v6() const { return family == 6; }
  // The IPv4 address as a number (192.0.2.1 -> 0xC0000201); IPv4 only.
  uint32_t v4() const;
  // 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104.
  bool is_loopback() const;
  // 0.0.0.0 or :: (a socket bound to every address).
  bool is_unspecified() const;
  bool operator==(const IpAddress& o) const = default;
  // "192.0.2.1", "2001:db8::1" (RFC 5952 form; IPv4-mapped as
  // "::ffff:192.0.2.1"); "" when unset.
  std::string ToString() const;
  // Strict textual IPv4 (no leading zeros) or IPv6 (RFC 4291, embedded
  // dotted quad allowed, no zone); false and *out untouched otherwise.
  static bool Parse(std::string_view text, IpAddress* out);
};

}  // namespace picket

#endif  // PICKET_CORE_IP_ADDRESS_H_

#include "intel/special.h"

#include <array>

namespace picket {

namespace {

struct SpecialRange {
  std::string_view text;  // canonical CIDR, also what is reported
  uint8_t family;
  std::array<uint8_t, 16> net;
  uint8_t len;
};

// RFC 6890 and the IANA IPv4 / IPv6 Special-Purpose Address Registries.
constexpr SpecialRange kSpecialRanges[] = {
    {"0.0.0.0/8", 4, {0}, 8},                    // "this network"
    {"10.0.0.0/8", 4, {10}, 8},                  // private
    {"100.64.0.0/10", 4, {100, 64}, 10},         // shared (carrier-grade NAT)
    {"127.0.0.0/8", 4, {127}, 8},                // loopback
    {"169.254.0.0/16", 4, {169, 254}, 16},       // link-local
    {"172.16.0.0/12", 4, {172, 16}, 12},         // private
    {"192.0.0.0/24", 4, {192, 0, 0}, 24},        // IETF protocol assignments
    {"192.0.2.0/24", 4, {192, 0, 2}, 24},        // documentation (TEST-NET-1)
    {"192.88.99.0/24", 4, {192, 88, 99}, 24},    // 6to4 relay anycast
    {"192.168.0.0/16", 4, {192, 168}, 16},       // private
    {"198.18.0.0/15", 4, {198, 18}, 15},         // benchmarking
    {"198.51.100.0/24", 4, {198, 51, 100}, 24},  // documentation
    {"203.0.113.0/24", 4, {203, 0, 113}, 24},    // documentation
    {"224.0.0.0/4", 4, {224}, 4},                // multicast
    {"240.0.0.0/4", 4, {240}, 4},  // reserved, and limited broadcast
    {"::/128", 6, {0}, 128},       // unspecified
    {"::1/128", 6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},
    {"::ffff:0:0/96", 6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96},
    {"64:ff9b::/96", 6, {0, 0x64, 0xff, 0x9b}, 96},          // NAT64
    {"64:ff9b:1::/48", 6, {0, 0x64, 0xff, 0x9b, 0, 1}, 48},  // local NAT64
    {"100::/64", 6, {1, 0}, 64},                             // discard-only
    {"2001::/23", 6, {0x20, 0x01, 0, 0}, 23},                // IETF protocol
    {"2001:db8::/32", 6, {0x20, 0x01, 0x0d, 0xb8}, 32},      // documentation
    {"2002::/16", 6, {0x20, 0x02}, 16},                      // 6to4
    {"3fff::/20", 6, {0x3f, 0xff}, 20},                      // documentation
    {"fc00::/7", 6, {0xfc}, 7},                              // unique local
    {"fe80::/10", 6, {0xfe, 0x80}, 10},                      // link-local
    {"fec0::/10", 6, {0xfe, 0xc0}, 10},  // site-local (deprecated)
    {"ff00::/8", 6, {0xff}, 8},          // multicast
};

}  // namespace

bool PrefixContains(const IpAddress& net, int len, const IpAddress& a) {
  if (net.family != a.family) return false;
  int bits = net.is_v4() ? 32 : 128;
  if (len < 0 || len > bits) return false;
  int full = len / 8;
  for (int i = 0; i < full; ++i) {
    if (net.bytes[i] != a.bytes[i]) return false;
  }
  int rest = len % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (net.bytes[full] & mask) == (a.bytes[full] & mask);
}

std::string_view SpecialRangeOverlapping(const IpAddress& net, int len) {
  for (const SpecialRange& r : kSpecialRanges) {
    if (r.family != net.family) continue;
    IpAddress special;
    special.family = r.family;
    special.bytes = r.net;
    // Two CIDRs overlap only when one contains the other: the shorter
    // prefix decides.
    int shorter = len < r.len ? len : r.len;
    if (PrefixContains(special, shorter, net)) return r.text;
  }
  return {};
}

bool IsSinkAddress(const IpAddress& a) {
  if (a.is_v4()) {
    uint32_t v = a.v4();
    return v == 0 || v == 0x7F000001u || v == 0xFFFFFFFFu;
  }
  if (!a.is_v6()) return false;
  for (int i = 0; i < 15; ++i) {
    if (a.bytes[i] != 0) return false;
  }
  return a.bytes[15] <= 1;
}

HygieneVerdict CheckHygiene(const Indicator& ind) {
  switch (ind.kind) {
    case IndicatorKind::kIpv4:
      return IsSinkAddress(IpAddress::V4(ind.ipv4))
                 ? HygieneVerdict::kSinkAddress
                 : HygieneVerdict::kKeep;
    case IndicatorKind::kIpv6:
      return IsSinkAddress(IpAddress::V6(ind.ipv6))
                 ? HygieneVerdict::kSinkAddress
                 : HygieneVerdict::kKeep;
    case IndicatorKind::kIpv4Net:
      if (ind.prefix_len >= 32) {
        return IsSinkAddress(IpAddress::V4(ind.ipv4))
                   ? HygieneVerdict::kSinkAddress
                   : HygieneVerdict::kKeep;
      }
      return SpecialRangeOverlapping(IpAddress::V4(ind.ipv4), ind.prefix_len)
                     .empty()
                 ? HygieneVerdict::kKeep
                 : HygieneVerdict::kSpecialRange;
    case IndicatorKind::kIpv6Net:
      if (ind.prefix_len >= 128) {
        return IsSinkAddress(IpAddress::V6(ind.ipv6))
                   ? HygieneVerdict::kSinkAddress
                   : HygieneVerdict::kKeep;
      }
      return SpecialRangeOverlapping(IpAddress::V6(ind.ipv6), ind.prefix_len)
                     .empty()
                 ? HygieneVerdict::kKeep
                 : HygieneVerdict::kSpecialRange;
    case IndicatorKind::kDomain:
    case IndicatorKind::kSha256:
      break;
  }
  return HygieneVerdict::kKeep;
}

}  // namespace picket

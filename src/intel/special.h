// Intel hygiene: special-purpose address space and sink addresses.
//
// Feeds (FireHOL level 1, Spamhaus DROP, bogon lists) list the
// special-purpose ranges of RFC 6890 and the IANA special-purpose address
// registries (private, loopback, link-local, documentation, multicast,
// reserved) as CIDRs, to be blocked at a border router. On the device those
// are its own LAN, its loopback and its broadcasts: as indicators they
// would alert on the device talking to itself. Hosts-format blocklists map
// domains to sink addresses (0.0.0.0, 127.0.0.1, ::, ::1); those and the
// limited broadcast 255.255.255.255 are no host and never an indicator.
// The rules (docs/intel.md, "Intel hygiene"):
//  - a CIDR that lies within a special-purpose range, or covers one (wholly
//    or with public space beside it, such as 0.0.0.0/0 or 192.0.0.0/8), is
//    dropped;
//  - an exact address is kept, even in a special-purpose range (tests and
//    labs list them one by one), unless it is a sink address.
// Pure functions over values; portable, thread-safe.
#ifndef PICKET_INTEL_SPECIAL_H_
#define PICKET_INTEL_SPECIAL_H_

#include <cstdint>
#include <string_view>

#include "core/ip_address.h"
#include "intel/indicator.h"

namespace picket {

// True when the first `len` bits of `a` and `net` agree (same family).
bool PrefixContains(const IpAddress& net, int len, const IpAddress& a);

// The special-purpose range that `net`/`len` lies within or covers, as
// text ("10.0.0.0/8"), or "" when the CIDR is ordinary address space.
std::string_view SpecialRangeOverlapping(const IpAddress& net, int len);

// 0.0.0.0, 127.0.0.1, 255.255.255.255, :: and ::1.
bool IsSinkAddress(const IpAddress& a);

enum class HygieneVerdict {
  kKeep,
  kSpecialRange,  // a CIDR in or over special-purpose space
  kSinkAddress,   // a sink or broadcast address
};

// What the compiler does with `indicator` (rules above). Domains and
// hashes are always kept.
HygieneVerdict CheckHygiene(const Indicator& indicator);

}  // namespace picket

#endif  // PICKET_INTEL_SPECIAL_H_

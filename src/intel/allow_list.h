// IntelAllowList: addresses, CIDRs and domains the intel detector never
// alerts on (`intel.allow`, and the device's own DNS servers, gateways and
// MQTT broker when intel.allow_own_infrastructure is on). A feed may list
// what the device needs to work (a miner blocklist that lists 8.8.8.8 and
// 1.1.1.1); matches of an allowed value are counted, not alerted.
// Lookups are linear over the entries, which are few (tens). Built once
// before the pipeline runs, then read-only: safe to share between threads.
// Portable.
#ifndef PICKET_INTEL_ALLOW_LIST_H_
#define PICKET_INTEL_ALLOW_LIST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.h"

namespace picket {

class IntelAllowList {
 public:
  // Adds "192.0.2.1", "2001:db8::1", "10.0.0.0/8", "2001:db8::/32" (host
  // bits ignored) or a domain name ("pool.example": itself and every
  // subdomain). Returns false, with the reason in *error (naming the item),
  // for anything else; the list is unchanged then.
  bool Add(std::string_view item, std::string* error);

  // True when `address` is an allowed address or lies in an allowed CIDR.
  // An IPv4-mapped IPv6 address is matched as its IPv4 address.
  bool AllowsAddress(const IpAddress& address) const;
  // True when `name` (any case, one trailing dot ignored) is an allowed
  // domain or a subdomain of one.
  bool AllowsDomain(std::string_view name) const;

  bool empty() const { return nets_.empty() && domains_.empty(); }
  size_t size() const { return nets_.size() + domains_.size(); }
  // The entries in canonical text, in the order added (for the log).
  std::vector<std::string> Entries() const;

 private:
  struct Net {
    IpAddress net;
    uint8_t len;
  };
  std::vector<Net> nets_;
  std::vector<std::string> domains_;  // normalised
};

// True when `item` is something IntelAllowList::Add accepts; *error as
// there. For configuration validation.
bool IsValidAllowEntry(std::string_view item, std::string* error);

}  // namespace picket

#endif  // PICKET_INTEL_ALLOW_LIST_H_

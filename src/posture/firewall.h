// The packet-filter state posture rules judge: every chain of nftables and
// of legacy iptables with its hook, default policy and rule count.
//
// On the live system (root "/") the state comes from the kernel itself
// (ReadKernelFirewall: nftables over netlink, legacy iptables through its
// getsockopt interface), which needs CAP_NET_ADMIN. For an offline root (a
// mounted image, a test fixture) only the persisted rulesets can be read;
// the text parsers below handle those: nftables scripts (/etc/nftables.conf)
// and iptables-save files (/etc/iptables/rules.v4, /etc/sysconfig/iptables).
#ifndef PICKET_POSTURE_FIREWALL_H_
#define PICKET_POSTURE_FIREWALL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "picket/status.h"

namespace picket {

struct FirewallChain {
  std::string backend;  // "nftables", "iptables", "ip6tables"
  std::string family;   // nftables family ("inet", "ip", ...); "ip"/"ip6"
  std::string table;
  std::string name;
  std::string type;    // nftables chain type ("filter", "nat", "route");
                       // iptables: the table name
  std::string hook;    // "input", "forward", "output", "prerouting", ...;
                       // empty for a regular (jump target) chain
  std::string policy;  // base chains: "accept" or "drop"
  uint32_t rules = 0;

  // True for a base chain that filters packets on `hook`.
  bool Filters(std::string_view on_hook) const {
    return hook == on_hook && type == "filter";
  }
  // "nftables inet filter input (hook input, policy drop, 3 rules)".
  std::string ToString() const;
};

struct FirewallState {
  std::string source;  // "kernel", or the files read
  std::vector<FirewallChain> chains;
};

// Adds the chains of an nftables script or `nft list ruleset` output.
// Handles table/chain blocks and "add chain/rule" commands; rules are
// counted, not interpreted. "include" lines are not followed.
void ParseNftRuleset(std::string_view text, FirewallState* out);

// Adds the chains of an iptables-save file. `backend` is "iptables" or
// "ip6tables".
void ParseIptablesSave(std::string_view text, std::string_view backend,
                       FirewallState* out);

// Reads the running kernel's rulesets (Linux only). PermissionDenied
// without CAP_NET_ADMIN; an empty state when no filtering is loaded.
Result<FirewallState> ReadKernelFirewall();

}  // namespace picket

#endif  // PICKET_POSTURE_FIREWALL_H_

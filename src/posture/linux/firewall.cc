// The running kernel's packet filter: nftables over netlink (libmnl) and
// legacy iptables/ip6tables through their getsockopt interface. Neither is
// queried unless already loaded (/sys/module/nf_tables, /proc/net/
// ip_tables_names): asking would make the kernel load the module, and a
// posture scan must not change the system it inspects.
#include "posture/firewall.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace picket {

namespace {

bool Exists(const char* path) {
  struct stat st;
  return stat(path, &st) == 0;
}

bool TableLoaded(const char* names_file, const char* table) {
  std::ifstream in(names_file);
  std::string line;
  while (std::getline(in, line)) {
    if (line == table) return true;
  }
  return false;
}

std::string FamilyName(uint8_t family) {
  switch (family) {
    case NFPROTO_INET:
      return "inet";
    case NFPROTO_IPV4:
      return "ip";
    case NFPROTO_IPV6:
      return "ip6";
    case NFPROTO_ARP:
      return "arp";
    case NFPROTO_BRIDGE:
      return "bridge";
    case NFPROTO_NETDEV:
      return "netdev";
    default:
      return std::to_string(family);
  }
}

std::string HookName(uint8_t family, uint32_t hook) {
  if (family == NFPROTO_NETDEV) return hook == 0 ? "ingress" : "egress";
  if (family == NFPROTO_ARP) return hook == 0 ? "input" : "output";
  static constexpr const char* kInet[] = {
      "prerouting", "input", "forward", "output", "postrouting", "ingress"};
  return hook < 6 ? kInet[hook] : std::to_string(hook);
}

struct MnlCloser {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};

// Runs one NFT_MSG_GET* dump and calls `cb` on every message.
Status NftDump(uint16_t msg, mnl_cb_t cb, void* data) {
  std::unique_ptr<mnl_socket, MnlCloser> nl(mnl_socket_open(NETLINK_NETFILTER));
  if (!nl) return ErrnoStatus("netlink netfilter socket", errno);
  if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return ErrnoStatus("netlink bind", errno);
  }
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  uint32_t seq = 1;
  nlh->nlmsg_seq = seq;
  auto* nfg =
      static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = NFPROTO_UNSPEC;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  if (mnl_socket_sendto(nl.get(), nlh, nlh->nlmsg_len) < 0) {
    return ErrnoStatus("netlink send", errno);
  }
  uint32_t portid = mnl_socket_get_portid(nl.get());
  while (true) {
    ssize_t n = mnl_socket_recvfrom(nl.get(), buf.data(), buf.size());
    if (n < 0) return ErrnoStatus("netlink receive", errno);
    int rc =
        mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid, cb, data);
    if (rc < 0) return ErrnoStatus("nftables dump", errno);
    if (rc == MNL_CB_STOP) return Status::Ok();
  }
}

struct NftData {
  FirewallState* state;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> index;
};

// Large enough for the chain, rule and hook attribute sets.
constexpr int kMaxAttr = 32;
static_assert(NFTA_CHAIN_MAX < kMaxAttr && NFTA_RULE_MAX < kMaxAttr &&
              NFTA_HOOK_MAX < kMaxAttr);

int AttrCb(const nlattr* attr, void* data) {
  auto** tb = static_cast<const nlattr**>(data);
  int type = mnl_attr_get_type(attr);
  if (type >= 0 && type < kMaxAttr) {
    tb[type] = attr;
  }
  return MNL_CB_OK;
}

std::string AttrString(const nlattr* attr) {
  return attr ? std::string(mnl_attr_get_str(attr)) : std::string();
}

int ChainCb(const nlmsghdr* nlh, void* data) {
  auto* d = static_cast<NftData*>(data);
  const nlattr* tb[kMaxAttr] = {};
  auto* nfg = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh));
  if (mnl_attr_parse(nlh, sizeof(nfgenmsg), AttrCb, tb) < 0) {
    return MNL_CB_OK;
  }
  FirewallChain chain;
  chain.backend = "nftables";
  chain.family = FamilyName(nfg->nfgen_family);
  chain.table = AttrString(tb[NFTA_CHAIN_TABLE]);
  chain.name = AttrString(tb[NFTA_CHAIN_NAME]);
  chain.type = AttrString(tb[NFTA_CHAIN_TYPE]);
  if (const nlattr* hook = tb[NFTA_CHAIN_HOOK]) {
    const nlattr* hook_tb[kMaxAttr] = {};
    if (mnl_attr_parse_nested(hook, AttrCb, hook_tb) >= 0 &&
        hook_tb[NFTA_HOOK_HOOKNUM] != nullptr) {
      chain.hook =
          HookName(nfg->nfgen_family,
                   ntohl(mnl_attr_get_u32(hook_tb[NFTA_HOOK_HOOKNUM])));
    }
    chain.policy = "accept";
  }
  if (const nlattr* policy = tb[NFTA_CHAIN_POLICY]) {
    chain.policy =
        ntohl(mnl_attr_get_u32(policy)) == NF_DROP ? "drop" : "accept";
  }
  d->index[{chain.family, chain.table, chain.name}] = d->state->chains.size();
  d->state->chains.push_back(std::move(chain));
  return MNL_CB_OK;
}

int RuleCb(const nlmsghdr* nlh, void* data) {
  auto* d = static_cast<NftData*>(data);
  const nlattr* tb[kMaxAttr] = {};
  auto* nfg = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh));
  if (mnl_attr_parse(nlh, sizeof(nfgenmsg), AttrCb, tb) < 0) {
    return MNL_CB_OK;
  }
  auto it = d->index.find({FamilyName(nfg->nfgen_family),
                           AttrString(tb[NFTA_RULE_TABLE]),
                           AttrString(tb[NFTA_RULE_CHAIN])});
  if (it != d->index.end()) ++d->state->chains[it->second].rules;
  return MNL_CB_OK;
}

Status ReadNftables(FirewallState* state) {
  NftData data{state, {}};
  PICKET_RETURN_IF_ERROR(NftDump(NFT_MSG_GETCHAIN, ChainCb, &data));
  return NftDump(NFT_MSG_GETRULE, RuleCb, &data);
}

// Legacy x_tables: the same walk for IPv4 and IPv6 with their own structs.
template <typename GetInfo, typename GetEntries, typename Entry>
Status ReadXtables(int family, int level, int opt_info, int opt_entries,
                   const char* backend, FirewallState* state) {
  int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd < 0) return ErrnoStatus(std::string(backend) + " socket", errno);
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{fd};
  GetInfo info{};
  std::strncpy(info.name, "filter", sizeof info.name - 1);
  socklen_t len = sizeof info;
  if (getsockopt(fd, level, opt_info, &info, &len) != 0) {
    return ErrnoStatus(std::string(backend) + " filter table", errno);
  }
  std::vector<char> buf(sizeof(GetEntries) + info.size);
  auto* entries = reinterpret_cast<GetEntries*>(buf.data());
  std::strncpy(entries->name, "filter", sizeof entries->name - 1);
  entries->size = info.size;
  len = static_cast<socklen_t>(buf.size());
  if (getsockopt(fd, level, opt_entries, entries, &len) != 0) {
    return ErrnoStatus(std::string(backend) + " filter entries", errno);
  }
  const char* base = reinterpret_cast<const char*>(entries->entrytable);
  static constexpr std::pair<int, const char*> kHooks[] = {
      {NF_INET_LOCAL_IN, "INPUT"},
      {NF_INET_FORWARD, "FORWARD"},
      {NF_INET_LOCAL_OUT, "OUTPUT"}};
  for (const auto& [hook, name] : kHooks) {
    if (!(info.valid_hooks & (1u << hook))) continue;
    FirewallChain chain;
    chain.backend = backend;
    chain.family = family == AF_INET ? "ip" : "ip6";
    chain.table = "filter";
    chain.type = "filter";
    chain.name = name;
    chain.hook = HookName(NFPROTO_IPV4, hook);
    chain.policy = "accept";
    uint32_t off = info.hook_entry[hook];
    uint32_t end = info.underflow[hook];
    while (off < end && off + sizeof(Entry) <= info.size) {
      const auto* e = reinterpret_cast<const Entry*>(base + off);
      if (e->next_offset < sizeof(Entry)) break;
      ++chain.rules;
      off += e->next_offset;
    }
    if (end + sizeof(Entry) + sizeof(xt_standard_target) <= info.size) {
      const auto* e = reinterpret_cast<const Entry*>(base + end);
      const auto* target = reinterpret_cast<const xt_standard_target*>(
          base + end + e->target_offset);
      if (end + e->target_offset + sizeof(xt_standard_target) <= info.size &&
          target->verdict == -NF_DROP - 1) {
        chain.policy = "drop";
      }
    }
    state->chains.push_back(std::move(chain));
  }
  return Status::Ok();
}

}  // namespace

Result<FirewallState> ReadKernelFirewall() {
  FirewallState state;
  state.source = "kernel";
  std::vector<std::string> problems;
  if (Exists("/sys/module/nf_tables")) {
    Status st = ReadNftables(&state);
    if (st.code() == Status::Code::kPermissionDenied) {
      return Status::PermissionDenied(
          "cannot read the nftables ruleset (needs root / CAP_NET_ADMIN)");
    }
    if (!st.ok()) problems.push_back(st.message());
  }
  if (TableLoaded("/proc/net/ip_tables_names", "filter")) {
    Status st = ReadXtables<ipt_getinfo, ipt_get_entries, ipt_entry>(
        AF_INET, IPPROTO_IP, IPT_SO_GET_INFO, IPT_SO_GET_ENTRIES, "iptables",
        &state);
    if (st.code() == Status::Code::kPermissionDenied) {
      return Status::PermissionDenied(
          "cannot read the iptables rules (needs root / CAP_NET_ADMIN)");
    }
    if (!st.ok()) problems.push_back(st.message());
  }
  if (TableLoaded("/proc/net/ip6_tables_names", "filter")) {
    Status st = ReadXtables<ip6t_getinfo, ip6t_get_entries, ip6t_entry>(
        AF_INET6, IPPROTO_IPV6, IP6T_SO_GET_INFO, IP6T_SO_GET_ENTRIES,
        "ip6tables", &state);
    if (!st.ok()) problems.push_back(st.message());
  }
  if (state.chains.empty() && !problems.empty()) {
    std::string joined;
    for (const std::string& p : problems) {
      joined += joined.empty() ? p : "; " + p;
    }
    return Status::IOError(joined);
  }
  return state;
}

}  // namespace picket

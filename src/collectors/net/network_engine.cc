#include "collectors/net/network_engine.h"

#include <algorithm>
#include <utility>

namespace picket {

namespace {

constexpr uint8_t kOutbound = 0;
constexpr uint8_t kInbound = 1;

const char* ProtocolName(uint8_t protocol) {
  switch (protocol) {
    case kProtoTcp:
      return "tcp";
    case kProtoUdp:
      return "udp";
    case kProtoIcmp:
      return "icmp";
    case kProtoIcmpv6:
      return "icmpv6";
  }
  return "other";
}

bool IsIcmp(uint8_t protocol) {
  return protocol == kProtoIcmp || protocol == kProtoIcmpv6;
}

// ICMP query/response pairs: the request type, and whether `type` is the
// response half. Errors and other messages pair with nothing.
uint8_t IcmpRequestType(uint8_t protocol, uint8_t type, bool* is_reply) {
  *is_reply = false;
  if (protocol == kProtoIcmp) {
    switch (type) {
      case 0:
        *is_reply = true;
        return 8;  // echo
      case 14:
        *is_reply = true;
        return 13;  // timestamp
      case 16:
        *is_reply = true;
        return 15;  // information
      case 18:
        *is_reply = true;
        return 17;  // address mask
    }
    return type;
  }
  if (type == 129) {
    *is_reply = true;
    return 128;  // echo
  }
  return type;
}

bool IsIcmpQuery(uint8_t protocol, uint8_t type) {
  if (protocol == kProtoIcmp) {
    return type == 8 || type == 13 || type == 15 || type == 17;
  }
  return type == 128;
}

size_t HashBytes(const IpAddress& a, size_t seed) {
  // FNV-1a over the address: cheap and good enough for a bounded table.
  size_t h = seed ^ 1469598103934665603ull;
  size_t n = a.is_v4() ? 4 : 16;
  for (size_t i = 0; i < n; ++i) {
    h ^= a.bytes[i];
    h *= 1099511628211ull;
  }
  return h ^ a.family;
}

}  // namespace

bool NetworkEngine::FlowKey::operator==(const FlowKey& o) const {
  return protocol == o.protocol && direction == o.direction &&
         icmp_type == o.icmp_type && local_port == o.local_port &&
         remote_port == o.remote_port && local == o.local && remote == o.remote;
}

size_t NetworkEngine::FlowKeyHash::operator()(const FlowKey& k) const {
  size_t h = HashBytes(k.local, HashBytes(k.remote, 0));
  h ^= (static_cast<size_t>(k.protocol) << 40) ^
       (static_cast<size_t>(k.direction) << 48) ^
       (static_cast<size_t>(k.icmp_type) << 56) ^
       (static_cast<size_t>(k.local_port) << 16) ^ k.remote_port;
  return h * 0x9e3779b97f4a7c15ull;
}

size_t NetworkEngine::ListenKeyHash::operator()(const ListenKey& k) const {
  return HashBytes(k.local, k.port) ^ (static_cast<size_t>(k.protocol) << 32);
}

NetworkEngine::NetworkEngine(NetworkEngineOptions options, EmitFn emit,
                             OwnerFn owner)
    : options_(std::move(options)),
      emit_(std::move(emit)),
      owner_(std::move(owner)) {}

void NetworkEngine::SetLocalAddresses(std::vector<IpAddress> addresses) {
  local_addresses_ = std::move(addresses);
}

bool NetworkEngine::IsLocal(const IpAddress& address) const {
  if (address.is_loopback()) return true;
  return std::find(local_addresses_.begin(), local_addresses_.end(), address) !=
         local_addresses_.end();
}

void NetworkEngine::OnPacket(const DecodedPacket& p, int64_t time_ns) {
  ++packets_;
  const bool src_local = IsLocal(p.src);
  const bool dst_local = IsLocal(p.dst);
  // Which side is "ours": exactly one local side decides; otherwise (both
  // local, as on loopback, or neither, as in a replayed capture) the
  // initiator is taken as ours.
  bool src_is_local;
  bool outbound;
  FlowKey key{};
  key.protocol = p.protocol;
  if (p.protocol == kProtoTcp) {
    if ((p.tcp_flags & (kTcpSyn | kTcpAck)) != kTcpSyn) return;
    src_is_local = src_local == dst_local ? true : src_local;
    outbound = src_is_local;  // the SYN's sender initiated
  } else if (p.protocol == kProtoUdp) {
    if (p.src_port == 53 && p.payload_len > 0) OnDns(p, time_ns);
    // The client side uses the higher (ephemeral) port.
    bool src_is_client = p.src_port > p.dst_port;
    src_is_local = src_local == dst_local ? src_is_client : src_local;
    outbound = src_is_local == src_is_client;
  } else if (IsIcmp(p.protocol)) {
    bool is_reply = false;
    key.icmp_type = IcmpRequestType(p.protocol, p.icmp_type, &is_reply);
    if (is_reply || IsIcmpQuery(p.protocol, key.icmp_type)) {
      bool src_initiated = !is_reply;
      src_is_local = src_local == dst_local ? src_initiated : src_local;
      outbound = src_is_local == src_initiated;
    } else {
      // Errors (unreachable, time exceeded) and other messages: they are
      // addressed to us unless we clearly sent them.
      src_is_local = src_local && !dst_local;
      outbound = src_is_local;
    }
  } else {
    return;
  }
  key.direction = outbound ? kOutbound : kInbound;
  const IpAddress& local = src_is_local ? p.src : p.dst;
  const IpAddress& remote = src_is_local ? p.dst : p.src;
  uint16_t local_port = src_is_local ? p.src_port : p.dst_port;
  uint16_t remote_port = src_is_local ? p.dst_port : p.src_port;
  key.local = local;
  key.remote = remote;
  key.local_port = outbound ? 0 : local_port;
  key.remote_port = outbound ? remote_port : 0;

  SocketOwner owner;
  bool have_owner = false;
  if (owner_ && !IsIcmp(p.protocol) && flows_.find(key) == flows_.end()) {
    have_owner = owner_(p.protocol, local, local_port, &owner);
  }
  uint64_t in = src_is_local ? 0 : p.ip_length;
  uint64_t out = src_is_local ? p.ip_length : 0;
  Touch(key, 1, in, out, time_ns, have_owner ? &owner : nullptr, "",
        options_.source);
}

void NetworkEngine::Touch(const FlowKey& key, uint64_t count, uint64_t bytes_in,
                          uint64_t bytes_out, int64_t time_ns,
                          const SocketOwner* owner, const std::string& state,
                          const std::string& source) {
  auto it = flows_.find(key);
  if (it != flows_.end()) {
    NetworkEvent& r = it->second.record;
    r.count += count;
    r.bytes_in += bytes_in;
    r.bytes_out += bytes_out;
    if (r.first_seen_ns == 0) r.first_seen_ns = time_ns;
    r.last_seen_ns = time_ns;
    if (owner != nullptr && r.pid == 0) {
      r.pid = owner->pid;
      r.uid = owner->uid;
      r.exe = owner->exe;
    }
    if (!state.empty()) r.state = state;
    it->second.dirty =
        it->second.dirty || count > 0 || bytes_in > 0 || bytes_out > 0;
    it->second.last_activity_ns = time_ns;
    return;
  }
  NetworkEvent r;
  r.protocol = ProtocolName(key.protocol);
  r.direction = key.direction == kOutbound ? "outbound" : "inbound";
  r.local_address = key.local.ToString();
  r.local_port = key.local_port;
  r.remote_address = key.remote.ToString();
  r.remote_port = key.remote_port;
  if (IsIcmp(key.protocol)) r.icmp_type = key.icmp_type;
  r.remote_name = NameOf(key.remote);
  r.state = state;
  if (owner != nullptr) {
    r.pid = owner->pid;
    r.uid = owner->uid;
    r.exe = owner->exe;
  }
  r.count = count;
  r.bytes_in = bytes_in;
  r.bytes_out = bytes_out;
  r.first_seen_ns = time_ns;
  r.last_seen_ns = time_ns;
  r.source = source;
  ++flows_reported_;
  EmitFlow(r, time_ns);
  if (flows_.size() >= options_.max_flows) {
    ++flows_untracked_;
    return;
  }
  Flow flow;
  flow.record = std::move(r);
  // The first-sight event carried these; the interval record starts empty.
  flow.record.count = 0;
  flow.record.bytes_in = 0;
  flow.record.bytes_out = 0;
  flow.record.first_seen_ns = 0;
  flow.last_activity_ns = time_ns;
  flows_.emplace(key, std::move(flow));
}

void NetworkEngine::EmitFlow(const NetworkEvent& record, int64_t time_ns) {
  Event event;
  event.time_ns = time_ns;
  event.type = EventType::kNetworkConnection;
  event.priority = Priority::kLow;
  event.payload = record;
  emit_(std::move(event));
}

void NetworkEngine::BeginSocketScan() {
  for (auto& [key, listener] : listeners_) listener.seen = false;
  for (auto& [inode, bytes] : socket_bytes_) bytes.seen = false;
}

void NetworkEngine::OnSocket(const SocketInfo& s, int64_t time_ns,
                             bool count_new_sockets) {
  const bool unconnected = s.remote.family == 0 || s.state == "listen" ||
                           (s.protocol == kProtoUdp && s.remote_port == 0);
  if (unconnected) {
    if (s.local_port == 0) return;
    ListenKey lk{s.protocol, s.local, s.local_port};
    auto it = listeners_.find(lk);
    if (it != listeners_.end()) {
      it->second.seen = true;
      return;
    }
    if (listeners_.size() >= options_.max_listeners) return;
    NetworkEvent r;
    r.protocol = ProtocolName(s.protocol);
    r.direction = "listen";
    r.local_address = s.local.ToString();
    r.local_port = s.local_port;
    r.state = "listening";
    r.pid = s.owner.pid;
    r.uid = s.owner.pid != 0 ? s.owner.uid : s.uid;
    r.exe = s.owner.exe;
    r.first_seen_ns = time_ns;
    r.last_seen_ns = time_ns;
    r.source = "sock_diag";
    Listener listener{r, true};
    listeners_.emplace(lk, std::move(listener));
    ++listeners_reported_;
    Event event;
    event.time_ns = time_ns;
    event.type = EventType::kNetworkListen;
    event.priority = Priority::kLow;
    event.payload = std::move(r);
    emit_(std::move(event));
    return;
  }

  // A connected socket: inbound when its local port is one we listen on.
  bool inbound = false;
  for (const auto& [lk, listener] : listeners_) {
    if (lk.protocol == s.protocol && lk.port == s.local_port &&
        (lk.local == s.local || lk.local.is_unspecified())) {
      inbound = true;
      break;
    }
  }
  FlowKey key{};
  key.protocol = s.protocol;
  key.direction = inbound ? kInbound : kOutbound;
  key.local = s.local;
  key.remote = s.remote;
  key.local_port = inbound ? s.local_port : 0;
  key.remote_port = inbound ? 0 : s.remote_port;

  uint64_t count = 0, in = 0, out = 0;
  auto [bytes_it, first] = socket_bytes_.try_emplace(s.inode);
  SocketBytes& b = bytes_it->second;
  b.seen = true;
  if (first && count_new_sockets) count = 1;
  if (s.bytes_received >= b.received) in = s.bytes_received - b.received;
  if (s.bytes_sent >= b.sent) out = s.bytes_sent - b.sent;
  b.received = s.bytes_received;
  b.sent = s.bytes_sent;
  const SocketOwner* owner = s.owner.pid != 0 ? &s.owner : nullptr;
  Touch(key, count, in, out, time_ns, owner, s.state, "sock_diag");
}

void NetworkEngine::EndSocketScan(int64_t time_ns) {
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (it->second.seen) {
      ++it;
      continue;
    }
    NetworkEvent r = std::move(it->second.record);
    r.state = "closed";
    r.last_seen_ns = time_ns;
    Event event;
    event.time_ns = time_ns;
    event.type = EventType::kNetworkListen;
    event.priority = Priority::kLow;
    event.payload = std::move(r);
    emit_(std::move(event));
    it = listeners_.erase(it);
  }
  std::erase_if(socket_bytes_, [](const auto& kv) { return !kv.second.seen; });
}

void NetworkEngine::Flush(int64_t time_ns) {
  const int64_t idle_ns = 2 * options_.report_interval_ms * 1000000;
  for (auto it = flows_.begin(); it != flows_.end();) {
    Flow& flow = it->second;
    if (flow.dirty) {
      EmitFlow(flow.record, time_ns);
      flow.record.count = 0;
      flow.record.bytes_in = 0;
      flow.record.bytes_out = 0;
      flow.record.first_seen_ns = 0;
      flow.dirty = false;
    }
    if (time_ns - flow.last_activity_ns >= idle_ns) {
      it = flows_.erase(it);
    } else {
      ++it;
    }
  }
  dns_reported_.clear();
}

void NetworkEngine::OnDns(const DecodedPacket& p, int64_t time_ns) {
  DnsMessage msg;
  Status st = ParseDnsMessage(p.payload, p.payload_len, &msg);
  if (!st.ok()) {
    ++dns_malformed_;
    return;
  }
  if (!msg.is_response || msg.question.empty()) return;
  ++dns_answers_;
  DnsEvent dns;
  dns.query = msg.question;
  dns.qtype = DnsTypeName(msg.qtype);
  dns.rcode = DnsRcodeName(msg.rcode);
  bool first_ttl = true;
  for (const DnsRecord& r : msg.answers) {
    if (r.address.family != 0) {
      dns.addresses.push_back(r.address.ToString());
      RememberName(r.address, msg.question);
    } else if (!r.target.empty()) {
      dns.cnames.push_back(r.target);
    }
    if (first_ttl || r.ttl < dns.ttl) dns.ttl = r.ttl;
    first_ttl = false;
  }
  dns.server = p.src.ToString();
  dns.client = p.dst.ToString();
  dns.source = options_.source;
  // One event per distinct answer per interval: resolvers repeat answers.
  std::string key = dns.query + '|' + dns.qtype + '|' + dns.rcode;
  for (const auto& a : dns.addresses) key += '|' + a;
  if (!dns_reported_.insert(std::move(key)).second) return;
  Event event;
  event.time_ns = time_ns;
  event.type = EventType::kNetworkDns;
  event.priority = Priority::kLow;
  event.payload = std::move(dns);
  emit_(std::move(event));
}

void NetworkEngine::RememberName(const IpAddress& address,
                                 const std::string& name) {
  std::string text = address.ToString();
  auto it = names_.find(text);
  if (it != names_.end()) {
    it->second->second = name;
    name_lru_.splice(name_lru_.begin(), name_lru_, it->second);
    return;
  }
  name_lru_.emplace_front(text, name);
  names_[text] = name_lru_.begin();
  while (names_.size() > options_.max_dns_names) {
    names_.erase(name_lru_.back().first);
    name_lru_.pop_back();
  }
}

std::string NetworkEngine::NameOf(const IpAddress& address) const {
  auto it = names_.find(address.ToString());
  return it == names_.end() ? "" : it->second->second;
}

std::vector<std::pair<std::string, uint64_t>> NetworkEngine::Counters() const {
  return {{"packets", packets_},
          {"flows_reported", flows_reported_},
          {"flows_tracked", flows_.size()},
          {"flows_untracked", flows_untracked_},
          {"listeners", listeners_.size()},
          {"listeners_reported", listeners_reported_},
          {"dns_answers", dns_answers_},
          {"dns_malformed", dns_malformed_}};
}

}  // namespace picket

#include "detectors/baseline/baseline.h"

#include <algorithm>
#include <variant>

namespace picket::baseline {
namespace {

struct KindEntry {
  Kind kind;
  const char* name;
};

constexpr KindEntry kKinds[] = {
    {Kind::kPrograms, "programs"},   {Kind::kParentChild, "parent_child"},
    {Kind::kListeners, "listeners"}, {Kind::kPeers, "peers"},
    {Kind::kSources, "sources"},     {Kind::kLogins, "logins"},
};

struct CounterEntry {
  Counter counter;
  const char* name;
};

constexpr CounterEntry kCounters[] = {
    {Counter::kConnectionsOut, "connections_out"},
    {Counter::kConnectionsIn, "connections_in"},
    {Counter::kDistinctPeers, "distinct_peers"},
    {Counter::kBytesOut, "bytes_out"},
    {Counter::kBytesIn, "bytes_in"},
    {Counter::kDnsQueries, "dns_queries"},
    {Counter::kLoginFailures, "login_failures"},
    {Counter::kLoginSuccesses, "login_successes"},
    {Counter::kProcessStarts, "process_starts"},
    {Counter::kDistinctPrograms, "distinct_programs"},
    {Counter::kListeningPorts, "listening_ports"},
    {Counter::kAlerts, "alerts"},
};

std::string Ports(const Item& item) {
  if (item.any_port()) return "*";
  if (item.port_min == item.port_max) return std::to_string(item.port_min);
  return std::to_string(item.port_min) + "-" + std::to_string(item.port_max);
}

// "tcp/443", "any/53", "udp/*"; empty when neither is set.
std::string ProtocolPort(const Item& item) {
  if (item.protocol.empty() && item.any_port()) return "";
  return (item.protocol.empty() ? "any" : item.protocol) + "/" + Ports(item);
}

void Append(std::string* out, const std::string& part) {
  if (part.empty()) return;
  if (!out->empty()) *out += ' ';
  *out += part;
}

}  // namespace

std::string KindName(Kind kind, bool deny) {
  if (kind == Kind::kRange) return "range";
  for (const KindEntry& e : kKinds) {
    if (e.kind == kind) {
      return std::string(deny ? "denied_" : "allowed_") + e.name;
    }
  }
  return "unknown";
}

bool ParseKind(std::string_view name, Kind* kind, bool* deny) {
  if (name == "range") {
    *kind = Kind::kRange;
    *deny = false;
    return true;
  }
  bool d;
  if (name.starts_with("allowed_")) {
    d = false;
    name.remove_prefix(8);
  } else if (name.starts_with("denied_")) {
    d = true;
    name.remove_prefix(7);
  } else {
    return false;
  }
  for (const KindEntry& e : kKinds) {
    if (name == e.name) {
      *kind = e.kind;
      *deny = d;
      return true;
    }
  }
  return false;
}

std::string_view CounterName(Counter counter) {
  for (const CounterEntry& e : kCounters) {
    if (e.counter == counter) return e.name;
  }
  return "unknown";
}

bool ParseCounter(std::string_view name, Counter* counter) {
  for (const CounterEntry& e : kCounters) {
    if (name == e.name) {
      *counter = e.counter;
      return true;
    }
  }
  return false;
}

const std::vector<Counter>& AllCounters() {
  static const std::vector<Counter>* all = [] {
    auto* v = new std::vector<Counter>;
    for (const CounterEntry& e : kCounters) v->push_back(e.counter);
    return v;
  }();
  return *all;
}

std::string ItemText(Kind kind, const Item& item) {
  std::string out;
  switch (kind) {
    case Kind::kPrograms:
      out = item.program;
      if (!item.sha256.empty()) out += " sha256:" + item.sha256;
      break;
    case Kind::kParentChild:
      out = item.parent + " -> " + item.program;
      break;
    case Kind::kListeners:
      out = (item.protocol.empty() ? "any" : item.protocol) + "/" + Ports(item);
      if (!item.program.empty()) out += " by " + item.program;
      break;
    case Kind::kPeers:
    case Kind::kSources:
      Append(&out, item.address.empty() ? "*" : item.address);
      Append(&out, ProtocolPort(item));
      if (!item.program.empty()) Append(&out, "by " + item.program);
      break;
    case Kind::kLogins:
      out = item.user.empty() ? "*" : item.user;
      if (!item.service.empty()) out += " via " + item.service;
      if (!item.address.empty()) out += " from " + item.address;
      break;
    case Kind::kRange:
      break;
  }
  return out;
}

const std::string* CounterDelta::Key(Counter counter) const {
  switch (counter) {
    case Counter::kDistinctPeers:
      return &peer;
    case Counter::kDistinctPrograms:
      return &program;
    case Counter::kListeningPorts:
      return &listener;
    default:
      return nullptr;
  }
}

bool CounterDeltas(const Event& event, CounterDelta* out) {
  *out = CounterDelta();
  auto add = [out](Counter c, uint64_t n) {
    out->add[static_cast<size_t>(c)] += n;
  };
  switch (event.type) {
    case EventType::kNetworkConnection: {
      const auto* n = std::get_if<NetworkEvent>(&event.payload);
      if (n == nullptr) return false;
      if (n->direction == "outbound") add(Counter::kConnectionsOut, n->count);
      if (n->direction == "inbound") add(Counter::kConnectionsIn, n->count);
      add(Counter::kBytesOut, n->bytes_out);
      add(Counter::kBytesIn, n->bytes_in);
      out->peer = n->remote_address;
      return true;
    }
    case EventType::kNetworkListen: {
      const auto* n = std::get_if<NetworkEvent>(&event.payload);
      if (n == nullptr) return false;
      out->listener = n->protocol + "/" + std::to_string(n->local_port);
      return true;
    }
    case EventType::kNetworkDns:
      add(Counter::kDnsQueries, 1);
      return true;
    case EventType::kLoginFailure:
      add(Counter::kLoginFailures, 1);
      return true;
    case EventType::kLoginSuccess:
      add(Counter::kLoginSuccesses, 1);
      return true;
    case EventType::kProcessExec: {
      add(Counter::kProcessStarts, 1);
      const auto* p = std::get_if<ProcessEvent>(&event.payload);
      if (p != nullptr) out->program = p->process.exe;
      return true;
    }
    default:
      return false;
  }
}

void ProcessPrograms::OnEvent(const Event& event) {
  const auto* p = std::get_if<ProcessEvent>(&event.payload);
  if (p == nullptr) return;
  const int32_t pid = p->process.pid;
  auto it = std::lower_bound(
      programs_.begin(), programs_.end(), pid,
      [](const auto& entry, int32_t key) { return entry.first < key; });
  const bool found = it != programs_.end() && it->first == pid;
  switch (event.type) {
    case EventType::kProcessExit:
      if (found) programs_.erase(it);
      return;
    case EventType::kProcessExec:
    case EventType::kProcessSnapshot:
      if (p->process.exe.empty()) return;
      if (found) {
        it->second = p->process.exe;
        return;
      }
      if (programs_.size() >= kMax) {
        // Bounded: the lowest pids go (pids are reused from the bottom
        // after a wrap, so they are the stalest guess).
        programs_.erase(programs_.begin());
        it = std::lower_bound(
            programs_.begin(), programs_.end(), pid,
            [](const auto& entry, int32_t key) { return entry.first < key; });
      }
      programs_.insert(it, {pid, p->process.exe});
      return;
    default:
      return;
  }
}

const std::string& ProcessPrograms::Program(int32_t pid) const {
  static const std::string* const kNone = new std::string;
  auto it = std::lower_bound(
      programs_.begin(), programs_.end(), pid,
      [](const auto& entry, int32_t key) { return entry.first < key; });
  return it != programs_.end() && it->first == pid ? it->second : *kNone;
}

void Observe(const Event& event, const ProcessPrograms& programs,
             std::vector<Observation>* out) {
  switch (event.type) {
    case EventType::kProcessExec:
    case EventType::kProcessSnapshot: {
      const auto* p = std::get_if<ProcessEvent>(&event.payload);
      if (p == nullptr || p->process.exe.empty()) return;
      Observation o;
      o.kind = Kind::kPrograms;
      o.item.program = p->process.exe;
      o.item.sha256 = p->process.sha256;
      out->push_back(o);
      if (event.type != EventType::kProcessExec) return;
      const std::string& parent = programs.Program(p->process.ppid);
      if (parent.empty()) return;
      Observation pc;
      pc.kind = Kind::kParentChild;
      pc.item.program = p->process.exe;
      pc.item.parent = parent;
      out->push_back(std::move(pc));
      return;
    }
    case EventType::kNetworkListen:
    case EventType::kNetworkConnection: {
      const auto* n = std::get_if<NetworkEvent>(&event.payload);
      if (n == nullptr) return;
      Observation o;
      o.item.protocol = n->protocol;
      o.item.program = n->exe;
      uint16_t port;
      if (event.type == EventType::kNetworkListen) {
        o.kind = Kind::kListeners;
        port = n->local_port;
      } else if (n->direction == "outbound") {
        o.kind = Kind::kPeers;
        o.item.address = n->remote_address;
        o.domain = n->remote_name;
        port = n->remote_port;
      } else if (n->direction == "inbound") {
        o.kind = Kind::kSources;
        o.item.address = n->remote_address;
        port = n->local_port;
      } else {
        return;
      }
      o.item.port_min = o.item.port_max = port;
      out->push_back(std::move(o));
      return;
    }
    case EventType::kLoginSuccess: {
      const auto* l = std::get_if<LoginEvent>(&event.payload);
      if (l == nullptr) return;
      Observation o;
      o.kind = Kind::kLogins;
      o.item.user = l->user;
      o.item.service = l->service;
      o.item.address = l->source_address.empty() ? "local" : l->source_address;
      out->push_back(std::move(o));
      return;
    }
    default:
      return;
  }
}

}  // namespace picket::baseline

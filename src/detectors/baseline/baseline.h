// A security group's baseline: what the devices of the group are expected
// to do, as rules (docs/baselines.md). Allowed sets alert on anything
// outside them, denied sets on a match, ranges on a counter outside
// [min, max] over a window. The YAML form is read and written by
// baseline_yaml.h (host); this model, the detector and the learner are
// portable.
#ifndef PICKET_DETECTORS_BASELINE_BASELINE_H_
#define PICKET_DETECTORS_BASELINE_BASELINE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "picket/event.h"

namespace picket::baseline {

// What a set rule is about.
enum class Kind : uint8_t {
  kPrograms,     // programs executed or running (path glob, optional sha256)
  kParentChild,  // parent program -> child program (globs)
  kListeners,    // listening sockets (protocol, port range, program)
  kPeers,        // outbound connections (address/CIDR/domain, port, ...)
  kSources,      // inbound connections (address/CIDR, local port, ...)
  kLogins,       // successful logins (user glob, service, source)
  kRange,        // a counter over a window
};

// Counters of range rules, computed on the device per window.
enum class Counter : uint8_t {
  kConnectionsOut,    // outbound connections (and UDP/ICMP packets)
  kConnectionsIn,     // inbound connections (and UDP/ICMP packets)
  kDistinctPeers,     // distinct remote addresses, either direction
  kBytesOut,          // bytes sent
  kBytesIn,           // bytes received
  kDnsQueries,        // DNS answers seen
  kLoginFailures,     // failed logins
  kLoginSuccesses,    // successful logins
  kProcessStarts,     // programs executed
  kDistinctPrograms,  // distinct programs executed
  kListeningPorts,    // distinct listening sockets reported
  kAlerts,            // alerts of the other detectors
};

inline constexpr size_t kCounterCount = 12;

// What one event adds to each counter (indexed by Counter), and for the
// distinct counters the key it names (empty: none).
struct CounterDelta {
  uint64_t add[kCounterCount] = {};
  std::string peer;      // distinct_peers
  std::string program;   // distinct_programs
  std::string listener;  // listening_ports
  // The distinct key `counter` counts, or null for a summed counter.
  const std::string* Key(Counter counter) const;
};
// False when `event` counts in no counter.
bool CounterDeltas(const Event& event, CounterDelta* out);

// "allowed_programs", "denied_peers", "range", ...
std::string KindName(Kind kind, bool deny);
bool ParseKind(std::string_view name, Kind* kind, bool* deny);
std::string_view CounterName(Counter counter);
bool ParseCounter(std::string_view name, Counter* counter);
// Every counter, in declaration order.
const std::vector<Counter>& AllCounters();

// One member of a set. Empty strings and the full port range mean "any".
struct Item {
  std::string program;    // programs: the program; parent_child: the child;
                          // listeners, peers, sources: the owning program
  std::string parent;     // parent_child: the parent program
  std::string sha256;     // programs: the executable's hash (lowercase hex)
  std::string protocol;   // listeners, peers, sources: tcp, udp, icmp, icmpv6
  uint16_t port_min = 0;  // listeners, sources: local port; peers: remote
  uint16_t port_max = 65535;
  std::string address;  // peers, sources: IP, CIDR or domain; logins: the
                        // source (IP or CIDR, or "local")
  std::string user;     // logins: the account (glob)
  std::string service;  // logins: sshd, dropbear, login, su, sudo, ...
  int line = 0;         // in the baseline file, for messages

  bool any_port() const { return port_min == 0 && port_max == 65535; }
};

// "tcp/554 /usr/bin/streamer", "admin via sshd from 192.168.0.0/16": one
// line for alerts and for comparing items (equal items, equal text).
std::string ItemText(Kind kind, const Item& item);

struct Rule {
  std::string id;  // stable: alerts and dedup keys name it
  std::string title;
  std::string description;
  std::string remediation;
  Severity severity = Severity::kMedium;
  Kind kind = Kind::kPrograms;
  bool deny = false;
  std::vector<Item> items;  // set rules
  // Range rules.
  Counter counter = Counter::kConnectionsOut;
  int64_t window_ms = 0;
  bool has_min = false;
  bool has_max = false;
  uint64_t min = 0;
  uint64_t max = 0;
  int line = 0;
};

struct Baseline {
  std::string group;
  std::string version;
  std::string file;  // where it was read from (for messages)
  std::vector<Rule> rules;
};

// Comments for the reviewer of a written baseline: in front of the
// document and of rules (by id).
struct WriteNotes {
  std::vector<std::string> header;
  std::map<std::string, std::vector<std::string>> rules;
};

// What one event shows a set rule: its facts in item form (ports as a
// one-port range), and for a connection the DNS name its address came
// from.
struct Observation {
  Kind kind = Kind::kPrograms;
  Item item;
  std::string domain;
};

// The programs of running processes by pid, from process events, so that
// an exec's parent program is known. Bounded (oldest pids forgotten).
class ProcessPrograms {
 public:
  void OnEvent(const Event& event);
  // Empty when unknown.
  const std::string& Program(int32_t pid) const;
  size_t size() const { return programs_.size(); }

 private:
  static constexpr size_t kMax = 8192;
  std::vector<std::pair<int32_t, std::string>> programs_;  // sorted by pid
};

// The observations of `event`: a process exec or snapshot is a program
// (and parent -> child when the parent's program is known), a listen
// event a listener, a connection a peer (outbound) or a source
// (inbound), a successful login a login. Appends to `out`.
void Observe(const Event& event, const ProcessPrograms& programs,
             std::vector<Observation>* out);

// Bounds a baseline is held to (the reader refuses more).
inline constexpr size_t kMaxRules = 1000;
inline constexpr size_t kMaxItemsPerRule = 10000;
inline constexpr int64_t kMinWindowMs = 60 * 1000;
inline constexpr int64_t kMaxWindowMs = 86400 * 1000;

}  // namespace picket::baseline

#endif  // PICKET_DETECTORS_BASELINE_BASELINE_H_

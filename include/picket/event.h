// The typed events that flow through picket's pipeline.
//
// Collectors turn OS facts into Events; detectors read Events and emit
// Alerts, which are Events too; sinks serialise Events. Every Event shares one
// versioned envelope (schema version, device id, event id, time, type,
// priority) and carries one typed payload. The wire form is documented in
// docs/events.md. Events are plain values: copy or move them freely; they
// hold no references into collector state and may cross threads.
#ifndef PICKET_EVENT_H_
#define PICKET_EVENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace picket {

// Version of the envelope and payload schema; bumped on incompatible change.
inline constexpr int kEventSchemaVersion = 1;

enum class EventType : uint8_t {
  kProcessSnapshot,    // process found running (at start or after a rescan)
  kProcessFork,        // new process created by fork/clone (off by default)
  kProcessExec,        // process executed a new program
  kProcessExit,        // process ended
  kProcessChanged,     // running process changed state (e.g. exe deleted)
  kAlert,              // a detector's finding
  kAgentStatus,        // agent lifecycle and collector mode changes
  kStatistics,         // periodic counters
  kNetworkConnection,  // aggregated traffic of one flow over an interval
  kNetworkListen,      // a socket listening (TCP) or bound (UDP)
  kNetworkDns,         // a DNS answer seen on the wire
  kLoginSuccess,       // an authentication that succeeded
  kLoginFailure,       // an authentication that failed
  kLogout,             // a session that ended
  kPostureResult,      // one posture check's result ("recommendation")
  kPostureSummary,     // a posture scan's score and counts
  kHeartbeat,          // the agent is alive (fleet liveness), periodic
};

// Delivery priority: sinks that batch (MQTT) send high first.
enum class Priority : uint8_t { kLow, kMedium, kHigh };

enum class Severity : uint8_t { kInfo, kLow, kMedium, kHigh, kCritical };

// Stable wire names ("process.exec", "high", ...). Parse* return false on an
// unknown name.
std::string_view EventTypeName(EventType type);
std::string_view PriorityName(Priority priority);
std::string_view SeverityName(Severity severity);
bool ParseEventType(std::string_view name, EventType* out);
bool ParsePriority(std::string_view name, Priority* out);
bool ParseSeverity(std::string_view name, Severity* out);

// What the agent knows about one process. Fields that could not be read
// (process already gone, permission) stay empty/zero and `partial` is set.
struct ProcessInfo {
  int32_t pid = 0;
  int32_t ppid = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string user;  // name of uid, empty when unknown
  std::string comm;  // kernel task name (15 chars max)
  std::string exe;   // executable path, without the " (deleted)" suffix
  bool exe_deleted = false;
  std::vector<std::string> argv;
  std::string cwd;
  int64_t start_time_ns = 0;  // Unix time the process started

  // Facts about the executable file, for detectors that judge its location.
  uint64_t exe_dev = 0;
  uint64_t exe_inode = 0;
  std::string exe_fs_type;               // filesystem type of the exe's mount
  bool exe_dir_writable_by_all = false;  // parent dir mode has o+w
  std::string sha256;                    // lowercase hex, empty when not hashed

  bool partial = false;  // some of the above could not be read
};

// Payload of kProcess* events.
struct ProcessEvent {
  ProcessInfo process;
  int32_t parent_pid = 0;  // for kProcessFork: the parent
  int32_t exit_code = 0;   // for kProcessExit: status as from wait(2)
  std::string change;      // for kProcessChanged: what changed
  std::string source;      // "netlink", "poll", "snapshot", "rescan"
};

// Payload of kNetworkConnection and kNetworkListen events. A connection event
// aggregates every packet/connection of one flow key (protocol, local and
// remote address and port, direction) seen during one reporting interval.
struct NetworkEvent {
  std::string protocol;        // "tcp", "udp", "icmp", "icmpv6"
  std::string direction;       // "outbound", "inbound", "listen", "unknown"
  std::string local_address;   // textual IPv4 or IPv6 address
  uint16_t local_port = 0;     // ICMP: 0
  std::string remote_address;  // empty for listen
  uint16_t remote_port = 0;    // ICMP: 0
  uint8_t icmp_type = 0;       // ICMP/ICMPv6 only
  uint8_t icmp_code = 0;
  std::string remote_name;  // DNS name the remote address was resolved from
  std::string state;        // TCP state from the kernel ("established", ...)
  // The owning process; pid 0 when unknown (socket gone, or seen on the wire
  // only).
  int32_t pid = 0;
  uint32_t uid = 0;
  std::string exe;
  uint64_t count = 0;  // connections (TCP) or packets (UDP, ICMP) aggregated
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  int64_t first_seen_ns = 0;
  int64_t last_seen_ns = 0;
  std::string source;  // "sock_diag", "pcap", "replay", "procfs"
};

// Payload of kNetworkDns events: one answer as seen on the wire.
struct DnsEvent {
  std::string query;  // the question name, lowercase, no trailing dot
  std::string qtype;  // "A", "AAAA", "CNAME", ... or the number
  std::string rcode;  // "NOERROR", "NXDOMAIN", ...
  std::vector<std::string> addresses;  // A/AAAA answers, textual
  std::vector<std::string> cnames;     // CNAME chain, in order
  uint32_t ttl = 0;                    // smallest answer TTL
  std::string server;                  // the resolver that answered
  std::string client;                  // the local address that asked
  std::string source;                  // "pcap", "replay"
};

// Payload of kLoginSuccess, kLoginFailure and kLogout events.
struct LoginEvent {
  std::string service;  // "sshd", "dropbear", "login", "telnet", "su", "sudo"
  std::string user;     // the account logged into (or tried)
  std::string by_user;  // su/sudo: who asked
  std::string source_address;  // remote address; empty when local
  uint16_t source_port = 0;
  std::string method;  // "password", "publickey", "keyboard-interactive", ...
  std::string tty;
  int32_t pid = 0;  // of the service process that logged the line
  // For failures: "bad_password", "invalid_user", "preauth_disconnect",
  // "key_refused", "max_attempts", "no_shell", "other".
  std::string reason;
  std::string origin;  // "journal", "syslog:/var/log/auth.log", "wtmp", ...
  int64_t log_time_ns = 0;  // the timestamp the log itself carries
  std::string message;      // the original log message, truncated to 512
};

// Payload of kPostureResult events: the result of one check, reported when
// it first becomes known and whenever it changes.
struct PostureResult {
  std::string policy;    // policy id
  std::string check_id;  // stable check id
  std::string title;
  std::string result;    // "pass", "fail", "not_applicable", "error"
  std::string previous;  // the result it changed from; empty when first
  Severity severity = Severity::kMedium;
  std::string description;
  std::string rationale;
  std::string remediation;
  std::vector<std::string> references;  // CIS section numbers, URLs
  std::vector<std::string> evidence;    // what decided the result
  std::string reason;                   // for "error": why
};

// Payload of kPostureSummary events.
struct PostureSummary {
  std::string policy;
  uint32_t score = 0;  // 0..100, weighted by severity
  uint32_t passed = 0;
  uint32_t failed = 0;
  uint32_t not_applicable = 0;
  uint32_t errors = 0;
  int64_t duration_ms = 0;
};

struct Event;

// Payload of kAlert events. `type_id` is stable across releases and is what
// fleets key rules on; the text fields are for humans.
struct Alert {
  std::string type_id;  // e.g. "process.exec_from_temp"
  Severity severity = Severity::kMedium;
  std::string title;
  std::string description;
  std::string remediation;
  std::string detector;   // name of the detector that raised it
  std::string dedup_key;  // same type_id + key within the window = repeat
  // Alerts about one process tree share it (engine/incidents.h); set by the
  // pipeline from the evidence unless the detector set it. Empty: none.
  std::string incident;
  // What tells this alert from others of its type raised from the same
  // evidence, when the dedup key holds more (a time a re-read need not
  // reproduce): the pipeline makes the id of an alert raised from an event
  // read at a source position from the evidence's id, type_id and this
  // (docs/events.md). Empty: the dedup key. Not part of the wire form.
  std::string occurrence;
  // Structured facts for machines (indicator, feed, category, source,
  // attempts, window_s, ...), in a stable order.
  std::vector<std::pair<std::string, std::string>> details;
  std::shared_ptr<const Event> evidence;  // the event that triggered it
};

// Payload of kAgentStatus events.
struct AgentStatus {
  std::string component;  // "agent", "collector.process", ...
  std::string state;      // "started", "stopping", "mode", "error", ...
  std::string detail;     // human text
};

// One component's counters, in a stable order.
struct ComponentStats {
  std::string name;  // "collector.process", "sink.jsonl", "engine", ...
  std::vector<std::pair<std::string, uint64_t>> counters;
};

// Payload of kHeartbeat events: proof of life for the fleet, small enough to
// send every minute.
struct Heartbeat {
  int64_t uptime_ms = 0;
  std::string version;         // agent version
  std::string config_version;  // applied remote configuration; empty: none
  uint64_t events = 0;         // events processed since start
  uint64_t alerts = 0;         // alerts raised since start
};

// Payload of kStatistics events: counters since the agent started.
struct Statistics {
  int64_t uptime_ms = 0;
  std::vector<ComponentStats> components;
};

using Payload = std::variant<ProcessEvent, Alert, AgentStatus, Statistics,
                             NetworkEvent, DnsEvent, LoginEvent, PostureResult,
                             PostureSummary, Heartbeat>;

struct Event {
  std::string device_id;  // set by the pipeline
  std::string id;         // unique per device, set by the pipeline
  int64_t time_ns = 0;    // Unix time in nanoseconds, set by the producer
  EventType type = EventType::kAgentStatus;
  Priority priority = Priority::kLow;
  Payload payload;
};

// An agent.status event for `component` ("agent", "collector.process", ...)
// at `time_ns`.
Event MakeStatusEvent(int64_t time_ns, std::string component, std::string state,
                      std::string detail,
                      Priority priority = Priority::kMedium);

}  // namespace picket

#endif  // PICKET_EVENT_H_

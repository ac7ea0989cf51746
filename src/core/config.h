// The typed configuration model and its YAML loader.
//
// The agent reads one YAML file (default /etc/picket/picket.yaml, shipped
// default in config/picket.yaml; reference in docs/configuration.md). Every
// key is validated: an unknown key, a wrong type or an out-of-range value is
// an error naming file, line and key path ("picket.yaml:12: sinks.jsonl.
// max_files: expected an integer between 1 and 100"). All errors of a file are
// collected, not just the first. A Config is a plain value; the loader is
// thread-safe.
#ifndef PICKET_CORE_CONFIG_H_
#define PICKET_CORE_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "picket/status.h"

namespace picket {

inline constexpr char kDefaultConfigPath[] = "/etc/picket/picket.yaml";

struct DeviceConfig {
  // Device id used in every event. "auto": see ResolveDeviceId().
  std::string id = "auto";
  std::string group = "default";  // security group (baselines)
};

struct EngineConfig {
  uint32_t queue_capacity = 4096;           // events between collectors and
                                            // detectors; excess is dropped
  int64_t statistics_interval_ms = 300000;  // 0 disables statistics events
  int64_t alert_dedup_window_ms = 3600000;  // same alert suppressed within
  int64_t heartbeat_interval_ms = 60000;    // 0 disables agent.heartbeat
};

struct ProcessCollectorConfig {
  bool enabled = true;
  std::string mode = "auto";              // auto | netlink | poll
  int64_t poll_interval_ms = 1000;        // poll mode: /proc scan period
  int64_t rescan_interval_ms = 30000;     // netlink mode: full /proc rescan
  bool report_forks = false;              // emit process.fork events
  bool hash_executables = true;           // SHA-256 of each executed binary
  uint64_t hash_max_bytes = 64ull << 20;  // larger files are not hashed
  uint32_t hash_cache_entries = 1024;
};

struct NetworkCollectorConfig {
  bool enabled = true;
  int64_t report_interval_ms = 60000;      // aggregation interval per flow
  int64_t socket_poll_interval_ms = 2000;  // sock_diag table dump period
  bool capture = true;  // packet capture (SYNs, UDP, ICMP, DNS answers)
  std::vector<std::string> interfaces = {"any"};
  uint32_t max_flows = 4096;  // aggregated flows remembered
  uint64_t capture_buffer_bytes = 2ull << 20;
};

// Login monitoring (docs/login-monitoring.md). Sources are auto-detected:
// the journal when the system keeps one, else the first syslog file that
// exists, else utmp records; each can be forced on or off.
struct LoginCollectorConfig {
  bool enabled = true;
  std::string journal = "auto";  // auto | on | off
  std::string syslog = "auto";   // auto | on (every file below) | off
  std::vector<std::string> syslog_files = {
      "/var/log/auth.log", "/var/log/secure", "/var/log/messages"};
  std::string utmp = "auto";  // auto: only when journal and syslog are off
  std::string wtmp_path = "/var/log/wtmp";
  std::string btmp_path = "/var/log/btmp";
  // Where a source without a saved position starts: "end" skips history.
  std::string start_at = "end";        // end | beginning
  int64_t recheck_interval_ms = 1000;  // re-check of files besides inotify
  uint32_t max_line_bytes = 8192;      // longer lines are counted and skipped
  bool resolve_shells = true;          // mark logins of users without a shell
};

struct CollectorsConfig {
  ProcessCollectorConfig process;
  LoginCollectorConfig login;
  NetworkCollectorConfig network;
};

// The compiled threat-intelligence file (`picket intel compile`).
struct IntelConfig {
  std::string path = "/var/lib/picket/intel.bin";  // missing: no intel
  int64_t reload_check_interval_ms = 10000;        // replaced file picked up
  uint64_t max_bytes = 64ull << 20;  // larger files are refused (held whole)
};

struct ExecLocationDetectorConfig {
  bool enabled = true;
  // Directories whose programs are suspicious (prefix match on the path).
  std::vector<std::string> paths = {"/tmp", "/var/tmp", "/dev/shm", "/run/shm",
                                    "/var/run/shm"};
  bool tmpfs = true;           // also alert when the exe lives on tmpfs
  bool world_writable = true;  // also alert when the exe's dir is o+w
  // Exe path prefixes never alerted on (for known-good updaters).
  std::vector<std::string> allow = {};
};

struct DeletedExecutableDetectorConfig {
  bool enabled = true;
  std::vector<std::string> allow = {};  // exe path prefixes never alerted on
};

struct IntelDetectorConfig {
  bool enabled = true;
  bool connections = true;  // remote address of every flow
  bool dns = true;          // queried names and their CNAMEs
  bool hashes = true;       // SHA-256 of executed binaries
};

// Brute force against logins (docs/login-monitoring.md has the reasoning
// behind each default). Buckets leak one unit per interval.
struct BruteForceDetectorConfig {
  bool enabled = true;
  uint32_t capacity = 10;            // failures from one source that alert
  int64_t leak_interval_ms = 60000;  // one failure forgotten per interval
  uint32_t user_capacity = 5;        // distinct users from one source
  int64_t user_leak_interval_ms = 60000;
  uint32_t target_capacity = 20;  // failures on one user, all sources
  int64_t target_leak_interval_ms = 60000;
  uint32_t target_min_sources = 5;       // ... from at least this many sources
  uint32_t success_min_failures = 5;     // failures before a success that
  int64_t success_window_ms = 600000;    // count as a successful brute force
  int64_t realert_interval_ms = 600000;  // ongoing attack: reminder period
  int64_t attack_end_ms = 300000;  // quiet this long: attack over (summary)
  uint32_t max_tracked = 4096;     // sources and users remembered
};

struct LoginAlertsDetectorConfig {
  bool enabled = true;
  bool root_network_login = true;  // alert on root logging in remotely
  std::vector<std::string> root_allowed_sources = {};  // exact addresses
  bool no_shell_login = true;  // alert on logins of users without a shell
};

struct DetectorsConfig {
  ExecLocationDetectorConfig exec_location;
  BruteForceDetectorConfig brute_force;
  LoginAlertsDetectorConfig login_alerts;
  DeletedExecutableDetectorConfig deleted_executable;
  IntelDetectorConfig intel;
};

struct JsonlSinkConfig {
  bool enabled = true;
  std::string path = "/var/lib/picket/events.jsonl";
  uint64_t max_bytes = 10ull << 20;  // rotate when the file would exceed
  uint32_t max_files = 5;            // rotated files kept (path.1 .. path.N)
  bool alerts_only = false;
};

struct StdoutSinkConfig {
  bool enabled = false;     // `picket run --console` turns it on
  bool show_events = true;  // false: alerts and status only
};

// The store-and-forward spool under the MQTT sink (docs/spool-format.md).
struct MqttSpoolConfig {
  std::string path;  // empty: <state_dir>/spool
  uint64_t max_bytes = 8ull << 20;
  std::string fsync = "interval";  // always | interval | never
  int64_t fsync_interval_ms = 5000;
  bool operator==(const MqttSpoolConfig&) const = default;
};

// Delivery to the fleet over MQTT (docs/mqtt.md).
struct MqttSinkConfig {
  bool enabled = false;
  std::string mode = "plain";      // plain | azure (IoT Hub conventions)
  std::string host;                // plain: the broker; azure: from the string
  uint32_t port = 0;               // 0: 1883, or 8883 with TLS
  std::string protocol = "3.1.1";  // 3.1.1 | 5
  std::string client_id;           // empty: the device id
  std::string topic_prefix = "picket";  // topics: <prefix>/<device>/<kind>
  int64_t keepalive_ms = 60000;
  int64_t reconnect_min_ms = 1000;  // first retry; doubles, jittered
  int64_t reconnect_max_ms = 300000;
  // TLS is on when a CA is given (and always in azure mode, which falls back
  // to the system's CA directory).
  std::string ca_file;
  std::string ca_path;
  std::string cert_file;  // X.509 client certificate (PEM)
  std::string key_file;   // its private key (PEM, unencrypted, 0600)
  std::string username;
  std::string password_file;           // 0600 or narrower; never logged
  std::string connection_string_file;  // azure: the device/module string
  int64_t sas_token_ttl_ms = 3600000;  // azure: renewed at 80% of this
  // Events wait at most this long for a batch, per priority; alerts go
  // at once.
  int64_t batch_high_ms = 1000;
  int64_t batch_medium_ms = 10000;
  int64_t batch_low_ms = 60000;
  uint64_t max_message_bytes = 64ull << 10;
  std::string compression = "none";  // none | zstd
  uint32_t max_inflight = 16;        // QoS 1 messages awaiting PUBACK
  bool remote_config = true;         // subscribe to the config topic
  // On a clean stop, how long to wait for the broker to acknowledge what
  // the batch windows held (0: do not wait; what is left stays spooled).
  int64_t stop_timeout_ms = 3000;
  MqttSpoolConfig spool;
  bool operator==(const MqttSinkConfig&) const = default;
};

struct SinksConfig {
  JsonlSinkConfig jsonl;
  StdoutSinkConfig stdout_sink;  // YAML key: "stdout"
  MqttSinkConfig mqtt;
};

// The periodic security posture scan (docs/posture.md).
inline constexpr char kDefaultPolicyPath[] =
    "/usr/share/picket/policies/picket-baseline.yaml";

struct PostureConfig {
  bool enabled = true;
  std::string policy = kDefaultPolicyPath;  // YAML policy file
  int64_t interval_ms = 12 * 3600000;       // between two scans
  int64_t jitter_ms = 600000;      // random extra delay, so fleets spread out
  int64_t first_delay_ms = 60000;  // after start, before the first scan
  int64_t pacing_ms = 20;          // pause between checks (CPU friendliness)
};

struct Config {
  DeviceConfig device;
  std::string state_dir = "/var/lib/picket";
  std::string log_level = "info";  // error | warning | info | debug
  EngineConfig engine;
  CollectorsConfig collectors;
  IntelConfig intel;
  DetectorsConfig detectors;
  SinksConfig sinks;
  PostureConfig posture;
};

// Where a document comes from. Remote documents (remote_config.h) are held
// to tighter upper bounds on what costs memory (docs/configuration.md).
enum class ConfigOrigin { kLocal, kRemote };

// Parses YAML text. `file_name` is used in error messages only. On failure
// the Status is InvalidArgument and its message lists every error, one per
// line, each "<file_name>:<line>: <key.path>: <what is wrong>".
Result<Config> ParseConfig(std::string_view yaml_text,
                           std::string_view file_name,
                           ConfigOrigin origin = ConfigOrigin::kLocal);

// Reading the file from disk: platform/linux/config_file.h.

// "30s", "5m", "1h", "250ms", "2d", or a bare integer (seconds).
bool ParseDurationMs(std::string_view text, int64_t* out_ms);
// "512", "64KiB", "10MiB", "1GiB", "10KB", "10MB" (KB/MB = 1000-based).
bool ParseByteSize(std::string_view text, uint64_t* out_bytes);

}  // namespace picket

#endif  // PICKET_CORE_CONFIG_H_

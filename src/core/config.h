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

struct CollectorsConfig {
  ProcessCollectorConfig process;
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

struct DetectorsConfig {
  ExecLocationDetectorConfig exec_location;
  DeletedExecutableDetectorConfig deleted_executable;
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

struct SinksConfig {
  JsonlSinkConfig jsonl;
  StdoutSinkConfig stdout_sink;  // YAML key: "stdout"
};

struct Config {
  DeviceConfig device;
  std::string state_dir = "/var/lib/picket";
  std::string log_level = "info";  // error | warning | info | debug
  EngineConfig engine;
  CollectorsConfig collectors;
  DetectorsConfig detectors;
  SinksConfig sinks;
};

// Parses YAML text. `file_name` is used in error messages only. On failure
// the Status is InvalidArgument and its message lists every error, one per
// line, each "<file_name>:<line>: <key.path>: <what is wrong>".
Result<Config> ParseConfig(std::string_view yaml_text,
                           std::string_view file_name);

// Reads and parses a file. I/O failures name the path.
Result<Config> LoadConfigFile(const std::string& path);

// "30s", "5m", "1h", "250ms", "2d", or a bare integer (seconds).
bool ParseDurationMs(std::string_view text, int64_t* out_ms);
// "512", "64KiB", "10MiB", "1GiB", "10KB", "10MB" (KB/MB = 1000-based).
bool ParseByteSize(std::string_view text, uint64_t* out_bytes);

}  // namespace picket

#endif  // PICKET_CORE_CONFIG_H_

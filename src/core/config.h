// The typed configuration model and its YAML loader.
//
// The agent reads one YAML file (default /etc/picket/picket.yaml, shipped
// default in config/picket.yaml; reference in docs/configuration.md). Each
// part declares its own section next to its code (the *_config.h headers
// included below; core/options.h says how); this header assembles them into
// one Config. Every key is validated: an unknown key, a wrong type or an
// out-of-range value is an error naming file, line and key path
// ("picket.yaml:12: sinks.jsonl.max_files: expected an integer between 1
// and 100"). All errors of a file are collected, not just the first. A
// Config is a plain value; the functions are thread-safe.
#ifndef PICKET_CORE_CONFIG_H_
#define PICKET_CORE_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/login/login_config.h"
#include "collectors/net/network_config.h"
#include "collectors/process_config.h"
#include "core/options.h"
#include "detectors/brute_force_config.h"
#include "detectors/deleted_executable_config.h"
#include "detectors/exec_location_config.h"
#include "detectors/intel_detector_config.h"
#include "detectors/login_alerts_config.h"
#include "intel/intel_config.h"
#include "picket/status.h"
#include "posture/posture_config.h"
#include "sinks/jsonl_config.h"
#include "sinks/mqtt/mqtt_config.h"
#include "sinks/stdout_config.h"

namespace picket {

inline constexpr char kDefaultConfigPath[] = "/etc/picket/picket.yaml";

struct DeviceConfig {
  // Device id used in every event. "auto": see ResolveDeviceId().
  std::string id = "auto";
  std::string group = "default";  // security group (baselines)

  template <typename V>
  void Options(V& v) {
    v.String("id", &id, StringKind::kNonEmpty,
             "device id stamped on every event; auto: derived from the host");
    v.String("group", &group, StringKind::kNonEmpty, "security group");
  }
};

struct EngineConfig {
  uint32_t queue_capacity = 4096;           // events between collectors and
                                            // detectors; excess is dropped
  int64_t statistics_interval_ms = 300000;  // 0 disables statistics events
  int64_t alert_dedup_window_ms = 3600000;  // same alert suppressed within
  int64_t heartbeat_interval_ms = 60000;    // 0 disables agent.heartbeat
  // Alerts one detector may raise per minute; more are dropped and counted
  // (alerts_over_budget). Summarising detectors raise a few per attack, so
  // only a storm reaches it. 0: no budget.
  uint32_t alert_budget = 60;

  template <typename V>
  void Options(V& v) {
    // An event is a few hundred bytes; 65,536 of them is already ~30 MiB.
    v.Int("queue_capacity", &queue_capacity, {16, 65536},
          "events buffered between collectors and detectors");
    // Intervals below a second would turn statistics into a flood.
    v.Duration("statistics_interval", &statistics_interval_ms,
               {kMsPerSecond, true}, "period of agent.statistics events");
    v.Duration("alert_dedup_window", &alert_dedup_window_ms, {0},
               "a repeated alert is reported once per window");
    v.Duration("heartbeat_interval", &heartbeat_interval_ms,
               {kMsPerSecond, true}, "period of agent.heartbeat events");
    v.Int("alert_budget", &alert_budget, {0, 1000000},
          "alerts one detector may raise per minute; 0: no limit");
  }
};

struct CollectorsConfig {
  ProcessCollectorConfig process;
  LoginCollectorConfig login;
  NetworkCollectorConfig network;

  template <typename V>
  void Options(V& v) {
    v.Section("network", &network, "network flows, listeners, DNS answers");
    v.Section("process", &process, "process starts and exits");
    v.Section("login", &login, "logins from journal, syslog files, utmp");
  }
};

struct DetectorsConfig {
  ExecLocationDetectorConfig exec_location;
  BruteForceDetectorConfig brute_force;
  LoginAlertsDetectorConfig login_alerts;
  DeletedExecutableDetectorConfig deleted_executable;
  IntelDetectorConfig intel;

  template <typename V>
  void Options(V& v) {
    v.Section("intel", &intel, "threat-intelligence matches");
    v.Section("exec_location", &exec_location,
              "programs run from temporary places");
    v.Section("deleted_executable", &deleted_executable,
              "programs whose file is gone");
    v.Section("brute_force", &brute_force, "password guessing");
    v.Section("login_alerts", &login_alerts, "root and shell-less logins");
  }
};

struct SinksConfig {
  JsonlSinkConfig jsonl;
  StdoutSinkConfig stdout_sink;  // YAML key: "stdout"
  MqttSinkConfig mqtt;

  template <typename V>
  void Options(V& v) {
    v.Section("jsonl", &jsonl, "JSON lines in a local file");
    v.Section("stdout", &stdout_sink, "the console");
    v.Section("mqtt", &mqtt, "the fleet over MQTT");
  }
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

  template <typename V>
  void Options(V& v) {
    v.Section("device", &device, "the device");
    v.String("state_dir", &state_dir, StringKind::kAbsolutePath,
             "directory for the agent's own state");
    v.Enum("log_level", &log_level, {"error", "warning", "info", "debug"},
           "agent log verbosity");
    v.Section("engine", &engine, "the pipeline");
    v.Section("collectors", &collectors, "what is watched");
    v.Section("intel", &intel, "the compiled intel file");
    v.Section("detectors", &detectors, "what is detected");
    v.Section("sinks", &sinks, "where events go");
    v.Section("posture", &posture, "the periodic posture scan");
  }
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

// One option as the declarations describe it.
struct OptionInfo {
  std::string path;   // "collectors.network.capture_buffer"
  std::string kind;   // boolean, integer, duration, size, string, absolute
                      // path, choice, list of strings, list of absolute paths
  std::string value;  // its value in the Config described, as YAML spells it
                      // ("2MiB", "60s", "true", "[/tmp, /var/tmp]", "")
  std::string doc;    // one line
};

// Every option of `config` in declaration order: the shipped-file and
// documentation tests compare against ListOptions(Config()).
std::vector<OptionInfo> ListOptions(const Config& config);

// "path=value" per option, one per line: two configurations describe the
// same when they are equal in every option.
std::string DescribeConfig(const Config& config);

// "30s", "5m", "1h", "250ms", "2d", or a bare integer (seconds).
bool ParseDurationMs(std::string_view text, int64_t* out_ms);
// "512", "64KiB", "10MiB", "1GiB", "10KB", "10MB" (KB/MB = 1000-based).
bool ParseByteSize(std::string_view text, uint64_t* out_bytes);
// The inverse, in the largest whole unit: 60000 -> "1m", 1536 -> "1536".
std::string FormatDurationMs(int64_t ms);
std::string FormatByteSize(uint64_t bytes);

}  // namespace picket

#endif  // PICKET_CORE_CONFIG_H_

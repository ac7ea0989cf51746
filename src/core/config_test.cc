#include "core/config.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/yaml_reader.h"
#include "platform/linux/config_file.h"

namespace picket {
namespace {

// Every option, one "key=value" line each (walked from the declarations),
// so that a mismatch shows as a readable diff naming the option.
std::string Describe(const Config& c) { return DescribeConfig(c); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The error message of parsing `yaml` as "t.yaml"; "" when it parsed.
std::string Errors(const std::string& yaml) {
  Result<Config> result = ParseConfig(yaml, "t.yaml");
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
  return result.status().message();
}

Config ParseOk(const std::string& yaml) {
  Result<Config> result = ParseConfig(yaml, "t.yaml");
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? result.value() : Config();
}

TEST(ConfigTest, EmptyOrCommentOnlyTextGivesDefaults) {
  const std::string defaults = Describe(Config());
  for (const char* yaml :
       {"", "\n\n", "# only a comment\n  # and another\n", "---\n", "~\n"}) {
    SCOPED_TRACE(yaml);
    EXPECT_EQ(Describe(ParseOk(yaml)), defaults);
  }
}

TEST(ConfigTest, EmptySectionsAndListsKeepDefaultsOrEmpty) {
  Config config = ParseOk(
      "engine:\n"
      "  # queue_capacity: 10\n"
      "detectors:\n"
      "  exec_location:\n"
      "    paths:\n"
      "      # - /tmp\n");
  EXPECT_EQ(config.engine.queue_capacity, 4096u);
  EXPECT_TRUE(config.detectors.exec_location.paths.empty());
}

TEST(ConfigTest, FullFileSetsEveryField) {
  Config config = ParseOk(R"(
device:
  id: dev-42
  group: cameras
state_dir: /data/picket
log_level: debug
engine:
  queue_capacity: 16
  statistics_interval: 0
  alert_dedup_window: 10m
collectors:
  process:
    enabled: false
    mode: poll
    poll_interval: 250ms
    rescan_interval: 2h
    report_forks: yes
    hash_executables: off
    hash_max_size: 1GiB
    hash_cache_entries: 7
detectors:
  exec_location:
    enabled: false
    paths: [/a, /b/c]
    tmpfs: false
    world_writable: FALSE
    allow:
      - /opt/updater/
  deleted_executable:
    enabled: false
    allow: [/usr/sbin/]
sinks:
  jsonl:
    enabled: false
    path: /data/events.jsonl
    max_size: 64KB
    max_files: 100
    alerts_only: true
  stdout:
    enabled: true
    show_events: false
)");
  EXPECT_EQ(config.device.id, "dev-42");
  EXPECT_EQ(config.device.group, "cameras");
  EXPECT_EQ(config.state_dir, "/data/picket");
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.engine.queue_capacity, 16u);
  EXPECT_EQ(config.engine.statistics_interval_ms, 0);
  EXPECT_EQ(config.engine.alert_dedup_window_ms, 600000);
  const ProcessCollectorConfig& p = config.collectors.process;
  EXPECT_FALSE(p.enabled);
  EXPECT_EQ(p.mode, "poll");
  EXPECT_EQ(p.poll_interval_ms, 250);
  EXPECT_EQ(p.rescan_interval_ms, 7200000);
  EXPECT_TRUE(p.report_forks);
  EXPECT_FALSE(p.hash_executables);
  EXPECT_EQ(p.hash_max_bytes, 1ull << 30);
  EXPECT_EQ(p.hash_cache_entries, 7u);
  const ExecLocationDetectorConfig& el = config.detectors.exec_location;
  EXPECT_FALSE(el.enabled);
  EXPECT_EQ(el.paths, (std::vector<std::string>{"/a", "/b/c"}));
  EXPECT_FALSE(el.tmpfs);
  EXPECT_FALSE(el.world_writable);
  EXPECT_EQ(el.allow, (std::vector<std::string>{"/opt/updater/"}));
  EXPECT_FALSE(config.detectors.deleted_executable.enabled);
  EXPECT_EQ(config.detectors.deleted_executable.allow,
            (std::vector<std::string>{"/usr/sbin/"}));
  const JsonlSinkConfig& j = config.sinks.jsonl;
  EXPECT_FALSE(j.enabled);
  EXPECT_EQ(j.path, "/data/events.jsonl");
  EXPECT_EQ(j.max_bytes, 64000u);
  EXPECT_EQ(j.max_files, 100u);
  EXPECT_TRUE(j.alerts_only);
  EXPECT_TRUE(config.sinks.stdout_sink.enabled);
  EXPECT_FALSE(config.sinks.stdout_sink.show_events);
}

TEST(ConfigTest, UnknownKeySuggestsTheClosestKnownKey) {
  EXPECT_EQ(Errors("log_level: info\nlog_levle: debug\n"),
            "t.yaml:2: log_levle: unknown key; did you mean \"log_level\"?");
  EXPECT_EQ(Errors("sinks:\n  jsonl:\n    max_fils: 3\n"),
            "t.yaml:3: sinks.jsonl.max_fils: unknown key; did you mean "
            "\"max_files\"?");
}

TEST(ConfigTest, StructFieldNamesSuggestTheYamlKey) {
  EXPECT_EQ(Errors("collectors:\n  process:\n    poll_interval_ms: 500\n"),
            "t.yaml:3: collectors.process.poll_interval_ms: unknown key; did "
            "you mean \"poll_interval\"?");
  EXPECT_EQ(Errors("sinks:\n  jsonl:\n    max_bytes: 1MiB\n"),
            "t.yaml:3: sinks.jsonl.max_bytes: unknown key; did you mean "
            "\"max_size\"?");
  EXPECT_EQ(Errors("sinks:\n  stdout_sink: {}\n"),
            "t.yaml:2: sinks.stdout_sink: unknown key; did you mean "
            "\"stdout\"?");
}

TEST(ConfigTest, UnknownKeyWithoutSuggestionListsValidKeys) {
  EXPECT_EQ(Errors("detectors:\n  exec_location:\n    zzz: 1\n"),
            "t.yaml:3: detectors.exec_location.zzz: unknown key; valid keys: "
            "enabled, paths, tmpfs, world_writable, allow");
  EXPECT_EQ(Errors("sinks:\n  stdout:\n    colour: true\n"),
            "t.yaml:3: sinks.stdout.colour: unknown key; valid keys: enabled, "
            "show_events");
}

TEST(ConfigTest, DuplicateKeyIsAnError) {
  EXPECT_EQ(Errors("log_level: info\nstate_dir: /x\nlog_level: debug\n"),
            "t.yaml:3: log_level: duplicate key (first defined on line 1)");
}

TEST(ConfigTest, NonStringKeyIsAnError) {
  EXPECT_EQ(Errors("~: 1\n"), "t.yaml:1: keys must be plain strings");
  EXPECT_EQ(Errors("engine:\n  ? [a, b]\n  : 1\n"),
            "t.yaml:2: engine: keys must be plain strings");
}

TEST(ConfigTest, WrongBoolean) {
  EXPECT_EQ(Errors("sinks:\n  stdout:\n    enabled: maybe\n"),
            "t.yaml:3: sinks.stdout.enabled: expected a boolean");
  EXPECT_EQ(Errors("sinks:\n  stdout:\n    enabled:\n"),
            "t.yaml:3: sinks.stdout.enabled: expected a boolean");
  EXPECT_EQ(Errors("sinks:\n  stdout:\n    enabled: [true]\n"),
            "t.yaml:3: sinks.stdout.enabled: expected a boolean");
}

TEST(ConfigTest, WrongDuration) {
  EXPECT_EQ(
      Errors("engine:\n  alert_dedup_window: 1 hour\n"),
      "t.yaml:2: engine.alert_dedup_window: expected a duration like 30s");
  EXPECT_EQ(
      Errors("engine:\n  alert_dedup_window: -5s\n"),
      "t.yaml:2: engine.alert_dedup_window: expected a duration like 30s");
}

TEST(ConfigTest, DurationBelowMinimum) {
  EXPECT_EQ(Errors("collectors:\n  process:\n    poll_interval: 50ms\n"),
            "t.yaml:3: collectors.process.poll_interval: expected a duration "
            "of at least 100ms");
  EXPECT_EQ(Errors("collectors:\n  process:\n    poll_interval: 0\n"),
            "t.yaml:3: collectors.process.poll_interval: expected a duration "
            "of at least 100ms");
  EXPECT_EQ(Errors("engine:\n  statistics_interval: 500ms\n"),
            "t.yaml:2: engine.statistics_interval: expected 0 (off) or a "
            "duration of at least 1s");
  EXPECT_EQ(ParseOk("collectors:\n  process:\n    poll_interval: 100ms\n"
                    "    rescan_interval: 0\n")
                .collectors.process.rescan_interval_ms,
            0);
}

TEST(ConfigTest, WrongSize) {
  EXPECT_EQ(Errors("sinks:\n  jsonl:\n    max_size: 10 MB\n"),
            "t.yaml:3: sinks.jsonl.max_size: expected a size like 10MiB");
  EXPECT_EQ(Errors("collectors:\n  process:\n    hash_max_size: -1\n"),
            "t.yaml:3: collectors.process.hash_max_size: expected a size like "
            "10MiB");
  EXPECT_EQ(Errors("sinks:\n  jsonl:\n    max_size: 4095\n"),
            "t.yaml:3: sinks.jsonl.max_size: expected a size of at least 4KiB");
  EXPECT_EQ(
      ParseOk("sinks:\n  jsonl:\n    max_size: 4KiB\n").sinks.jsonl.max_bytes,
      4096u);
}

// Every numeric option has an upper bound a device can afford, and every
// duration one that keeps now + interval far from overflowing.
TEST(ConfigTest, NumbersAndDurationsHaveUpperBounds) {
  EXPECT_EQ(Errors("collectors:\n  network:\n    capture_buffer: 1GiB\n"),
            "t.yaml:3: collectors.network.capture_buffer: expected a size of "
            "at most 64MiB");
  EXPECT_EQ(Errors("intel:\n  max_size: 2GiB\n"),
            "t.yaml:2: intel.max_size: expected a size of at most 1GiB");
  EXPECT_EQ(Errors("detectors:\n  brute_force:\n    max_tracked: 1000000\n"),
            "t.yaml:3: detectors.brute_force.max_tracked: expected an integer "
            "between 16 and 262144");
  EXPECT_EQ(Errors("posture:\n  interval: 9999d\n"),
            "t.yaml:2: posture.interval: expected a duration of at most 30d");
  EXPECT_EQ(Errors("engine:\n  heartbeat_interval: 106751991167d\n"),
            "t.yaml:2: engine.heartbeat_interval: expected a duration of at "
            "most 30d");
  EXPECT_EQ(ParseOk("collectors:\n  network:\n    capture_buffer: 64MiB\n")
                .collectors.network.capture_buffer_bytes,
            64u << 20);
  EXPECT_EQ(ParseOk("posture:\n  interval: 30d\n").posture.interval_ms,
            int64_t{30} * 86400000);
}

TEST(ConfigTest, IntegerOutOfRangeOrMalformed) {
  EXPECT_EQ(Errors("engine:\n  queue_capacity: 15\n"),
            "t.yaml:2: engine.queue_capacity: expected an integer between 16 "
            "and 65536");
  EXPECT_EQ(Errors("engine:\n  queue_capacity: 65537\n"),
            "t.yaml:2: engine.queue_capacity: expected an integer between 16 "
            "and 65536");
  EXPECT_EQ(Errors("sinks:\n  jsonl:\n    max_files: 2.5\n"),
            "t.yaml:3: sinks.jsonl.max_files: expected an integer between 1 "
            "and 100");
  EXPECT_EQ(Errors("sinks:\n  jsonl:\n    max_files: 99999999999999999999\n"),
            "t.yaml:3: sinks.jsonl.max_files: expected an integer between 1 "
            "and 100");
  EXPECT_EQ(ParseOk("engine:\n  queue_capacity: 65536\n").engine.queue_capacity,
            65536u);
}

TEST(ConfigTest, WrongEnum) {
  EXPECT_EQ(Errors("collectors:\n  process:\n    mode: ebpf\n"),
            "t.yaml:3: collectors.process.mode: expected one of auto, netlink, "
            "poll");
  EXPECT_EQ(Errors("log_level: verbose\n"),
            "t.yaml:1: log_level: expected one of error, warning, info, debug");
  EXPECT_EQ(Errors("log_level: INFO\n"),
            "t.yaml:1: log_level: expected one of error, warning, info, debug");
}

TEST(ConfigTest, WrongStringsAndPaths) {
  EXPECT_EQ(Errors("device:\n  id: \"\"\n"),
            "t.yaml:2: device.id: expected a string");
  EXPECT_EQ(Errors("device:\n  group: {a: b}\n"),
            "t.yaml:2: device.group: expected a string");
  EXPECT_EQ(Errors("state_dir: var/lib/picket\n"),
            "t.yaml:1: state_dir: expected an absolute path");
  EXPECT_EQ(Errors("sinks:\n  jsonl:\n    path: \"/var/x\\0y\"\n"),
            "t.yaml:3: sinks.jsonl.path: must not contain a NUL character");
}

TEST(ConfigTest, ListItemErrorsNameTheIndexAndItsLine) {
  EXPECT_EQ(Errors("detectors:\n"
                   "  exec_location:\n"
                   "    paths:\n"
                   "      - /tmp\n"
                   "      - /var/tmp\n"
                   "      - dev/shm\n"
                   "    allow: [/ok, rel]\n"),
            "t.yaml:6: detectors.exec_location.paths[2]: expected an absolute "
            "path\n"
            "t.yaml:7: detectors.exec_location.allow[1]: expected an absolute "
            "path");
  EXPECT_EQ(Errors("detectors:\n  deleted_executable:\n    allow: /usr\n"),
            "t.yaml:3: detectors.deleted_executable.allow: expected a list of "
            "absolute paths");
}

TEST(ConfigTest, SectionMustBeAMapping) {
  EXPECT_EQ(Errors("engine: fast\n"),
            "t.yaml:1: engine: expected a mapping (key: value lines)");
  EXPECT_EQ(Errors("sinks:\n  - jsonl\n"),
            "t.yaml:1: sinks: expected a mapping (key: value lines)");
}

TEST(ConfigTest, TopLevelMustBeOneMapping) {
  EXPECT_EQ(Errors("just a string\n"),
            "t.yaml:1: expected a mapping (key: value lines) at the top level");
  EXPECT_EQ(Errors("- a\n- b\n"),
            "t.yaml:1: expected a mapping (key: value lines) at the top level");
  EXPECT_EQ(Errors("log_level: info\n---\nlog_level: debug\n"),
            "t.yaml:2: expected one YAML document, found a second one");
  EXPECT_EQ(Errors("log_level: info\n---\n"),
            "t.yaml:2: expected one YAML document, found a second one");
  // YAML::Load would keep the first mapping and drop the second silently.
  EXPECT_EQ(Errors("{log_level: info}\n{log_level: debug}\n"),
            "t.yaml:2: YAML syntax error: unexpected text after the end of "
            "the document");
}

// yaml-cpp's LoadAll never returns on these; the parser must still answer.
TEST(ConfigTest, StrayCommaIsASyntaxError) {
  EXPECT_EQ(Errors(","),
            "t.yaml:1: YAML syntax error: unexpected character at "
            "column 1");
  EXPECT_EQ(Errors("\n  ,log_level: info\n"),
            "t.yaml:2: YAML syntax error: unexpected character at column 3");
  EXPECT_EQ(Errors("[a],"),
            "t.yaml:1: YAML syntax error: unexpected text after the end of "
            "the document");
}

TEST(ConfigTest, AllErrorsAreCollectedInLineOrder) {
  // The unknown key on line 2 is found last by the reader but printed in
  // file order.
  EXPECT_EQ(Errors("log_level: loud\n"
                   "colour: red\n"
                   "engine:\n"
                   "  queue_capacity: 1\n"
                   "  statistics_interval: soon\n"
                   "sinks:\n"
                   "  stdout:\n"
                   "    enabled: 2\n"),
            "t.yaml:1: log_level: expected one of error, warning, info, debug\n"
            "t.yaml:2: colour: unknown key; valid keys: device, state_dir, "
            "log_level, engine, collectors, intel, detectors, sinks, posture\n"
            "t.yaml:4: engine.queue_capacity: expected an integer between 16 "
            "and 65536\n"
            "t.yaml:5: engine.statistics_interval: expected a duration like "
            "30s\n"
            "t.yaml:8: sinks.stdout.enabled: expected a boolean");
}

TEST(ConfigTest, YamlSyntaxErrorNamesTheLine) {
  std::string errors = Errors("log_level: info\nengine: [1, 2\n");
  EXPECT_EQ(errors.rfind("t.yaml:3: YAML syntax error: ", 0), 0u) << errors;
  errors = Errors("\n\nkey: value\n  bad: indent\n");
  EXPECT_EQ(errors, "t.yaml:4: YAML syntax error: illegal map value");
}

TEST(ConfigTest, ControlCharactersInKeysCannotSplitAnErrorLine) {
  std::string errors = Errors("\"bad\\nkey\": 1\n");
  EXPECT_EQ(errors.find('\n'), std::string::npos) << errors;
  EXPECT_EQ(errors.rfind("t.yaml:1: bad?key: unknown key", 0), 0u) << errors;
}

TEST(ConfigTest, ParseDurationMs) {
  struct Case {
    const char* text;
    int64_t ms;
  };
  for (const Case& c : std::vector<Case>{{"250ms", 250},
                                         {"0", 0},
                                         {"30", 30000},
                                         {"30s", 30000},
                                         {"5m", 300000},
                                         {"1h", 3600000},
                                         {"2d", 172800000},
                                         {"007s", 7000}}) {
    int64_t ms = -1;
    EXPECT_TRUE(ParseDurationMs(c.text, &ms)) << c.text;
    EXPECT_EQ(ms, c.ms) << c.text;
  }
  for (const char* bad : {"", "s", "-1s", "+1s", "1.5s", "1 s", "1S", "1sec",
                          "1h30m", "ms", "1w", " 1s", "9223372036854775808",
                          "106751991167301d", "99999999999999999999ms"}) {
    int64_t ms = 42;
    EXPECT_FALSE(ParseDurationMs(bad, &ms)) << bad;
    EXPECT_EQ(ms, 42) << "output changed on failure: " << bad;
  }
  int64_t ms = 0;
  EXPECT_TRUE(ParseDurationMs("9223372036854775807ms", &ms));
  EXPECT_EQ(ms, std::numeric_limits<int64_t>::max());
}

TEST(ConfigTest, ParseByteSize) {
  struct Case {
    const char* text;
    uint64_t bytes;
  };
  for (const Case& c : std::vector<Case>{
           {"0", 0},
           {"512", 512},
           {"64KiB", 64ull << 10},
           {"10MiB", 10ull << 20},
           {"1GiB", 1ull << 30},
           {"10KB", 10000},
           {"10MB", 10000000},
           {"1GB", 1000000000},
           {"18446744073709551615", std::numeric_limits<uint64_t>::max()}}) {
    uint64_t bytes = 1;
    EXPECT_TRUE(ParseByteSize(c.text, &bytes)) << c.text;
    EXPECT_EQ(bytes, c.bytes) << c.text;
  }
  for (const char* bad :
       {"", "KiB", "-1", "-1KiB", "+1", "1.5MiB", "10 MiB", "10mib", "10M",
        "10K", "10B", "1TiB", "0x10", "10MiBs", "18446744073709551616",
        "17179869184GiB", "18446744073709552KB"}) {
    uint64_t bytes = 42;
    EXPECT_FALSE(ParseByteSize(bad, &bytes)) << bad;
    EXPECT_EQ(bytes, 42u) << "output changed on failure: " << bad;
  }
}

TEST(ConfigTest, MqttSettingsThatOnlyWorkTogether) {
  EXPECT_EQ(Errors("sinks:\n  mqtt:\n    enabled: true\n"),
            "t.yaml:3: sinks.mqtt.host: required when mqtt is enabled");
  EXPECT_EQ(Errors("sinks:\n  mqtt:\n    enabled: true\n    mode: azure\n"),
            "t.yaml:3: sinks.mqtt.connection_string_file: required in azure "
            "mode");
  EXPECT_EQ(Errors("sinks:\n  mqtt:\n    enabled: true\n    host: b\n"
                   "    cert_file: /c.pem\n"),
            "t.yaml:3: sinks.mqtt.key_file: cert_file and key_file go "
            "together");
  EXPECT_EQ(Errors("sinks:\n  mqtt:\n    enabled: true\n    host: b\n"
                   "    password_file: /pw\n"),
            "t.yaml:3: sinks.mqtt.username: required when password_file is "
            "set");
  EXPECT_EQ(Errors("sinks:\n  mqtt:\n    enabled: true\n    host: b\n"
                   "    reconnect_min: 10s\n    reconnect_max: 1s\n"),
            "t.yaml:3: sinks.mqtt.reconnect_max: must not be shorter than "
            "reconnect_min");
  EXPECT_EQ(Errors("sinks:\n  mqtt:\n    enabled: true\n    host: b\n"
                   "    stop_timeout: 2m\n"),
            "t.yaml:5: sinks.mqtt.stop_timeout: expected a duration of at "
            "most 1m");
  EXPECT_EQ(Errors("sinks:\n  mqtt:\n    enabled: true\n    host: b\n"
                   "    stop_timeout: 0\n"),
            "");
  EXPECT_NE(Errors("sinks:\n  mqtt:\n    stop_timeout: soon\n"), "");
  // Disabled, the section may be incomplete; empty strings mean "unset".
  EXPECT_EQ(Errors("sinks:\n  mqtt:\n    enabled: false\n    host: \"\"\n"
                   "    ca_file: \"\"\n"),
            "");
  EXPECT_NE(Errors("sinks:\n  mqtt:\n    ca_file: relative.pem\n"), "");
  Result<Config> c = ParseConfig(
      "sinks:\n  mqtt:\n    enabled: true\n    host: broker\n"
      "    protocol: \"5\"\n    batch:\n      high: 0\n"
      "      compression: zstd\n    spool:\n      max_size: 1MiB\n"
      "      fsync: always\n",
      "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sinks.mqtt.protocol, "5");
  EXPECT_EQ(c->sinks.mqtt.batch_high_ms, 0);
  EXPECT_EQ(c->sinks.mqtt.compression, "zstd");
  EXPECT_EQ(c->sinks.mqtt.spool.max_bytes, 1u << 20);
  EXPECT_EQ(c->sinks.mqtt.spool.fsync, "always");
}

TEST(ConfigTest, ShippedConfigEqualsTheBuiltInDefaults) {
  // config/picket.yaml documents the defaults; it deliberately differs in
  // nothing, so an operator deleting a line never changes behaviour.
  Result<Config> shipped =
      LoadConfigFile(PICKET_SOURCE_DIR "/config/picket.yaml");
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  EXPECT_EQ(Describe(*shipped), Describe(Config()));
}

// The node at dotted `path` below `root`, or nullptr.
const YamlNode* Find(const YamlNode& root, const std::string& path) {
  const YamlNode* node = &root;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string step = path.substr(
        start, dot == std::string::npos ? std::string::npos : dot - start);
    const YamlNode* next = nullptr;
    if (node->IsMap()) {
      for (size_t i = 0; i < node->size(); ++i) {
        if (node->Key(i).Scalar() == step) next = &node->Value(i);
      }
    }
    if (next == nullptr) return nullptr;
    node = next;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return node;
}

TEST(ConfigTest, TheDeclarationsListEveryOption) {
  std::vector<OptionInfo> options = ListOptions(Config());
  ASSERT_GT(options.size(), 90u);
  std::set<std::string> paths;
  for (const OptionInfo& o : options) {
    EXPECT_TRUE(paths.insert(o.path).second) << "declared twice: " << o.path;
    EXPECT_FALSE(o.doc.empty()) << o.path << " has no description";
  }
  // Spot checks of what the lister reports.
  auto find = [&](const std::string& path) {
    for (const OptionInfo& o : options) {
      if (o.path == path) return o;
    }
    ADD_FAILURE() << path << " not listed";
    return OptionInfo{};
  };
  EXPECT_EQ(find("collectors.network.capture_buffer").value, "2MiB");
  EXPECT_EQ(find("collectors.network.capture_buffer").kind, "size");
  EXPECT_EQ(find("sinks.mqtt.batch.high").value, "1s");
  EXPECT_EQ(find("detectors.exec_location.paths").value,
            "[/tmp, /var/tmp, /dev/shm, /run/shm, /var/run/shm]");
  EXPECT_EQ(find("engine.alert_dedup_window").value, "1h");
}

TEST(ConfigTest, ShippedConfigSpellsOutEveryKey) {
  // Equality with the defaults would also hold for an empty file, but the
  // shipped file is the operator's reference: every option the parts
  // declare must be written out, with a value.
  const std::string path = PICKET_SOURCE_DIR "/config/picket.yaml";
  ErrorList errors(path);
  YamlNode root;
  ASSERT_TRUE(ParseYaml(ReadFile(path), &errors, &root));
  for (const OptionInfo& o : ListOptions(Config())) {
    const YamlNode* node = Find(root, o.path);
    EXPECT_NE(node, nullptr) << o.path << " is missing from " << path;
  }
}

// docs/configuration.md has one table per section ("### `sinks.mqtt`"),
// one row per key ("| `batch.high` | duration | `1s` | ..."): every declared
// option must have its row, under its section, showing its default.
TEST(ConfigTest, DocumentationNamesEveryKeyWithItsDefault) {
  const std::string text = ReadFile(PICKET_SOURCE_DIR "/docs/configuration.md");
  std::map<std::string, std::map<std::string, std::string>> rows;
  std::istringstream lines(text);
  std::string line, section;
  while (std::getline(lines, line)) {
    if (line.starts_with("### Top level")) {
      section = "Top level";
    } else if (line.starts_with("### `")) {
      section = line.substr(5, line.find('`', 5) - 5);
    } else if (line.starts_with("| `") && !section.empty()) {
      std::string key = line.substr(3, line.find('`', 3) - 3);
      rows[section][key] = line;
    }
  }
  for (const OptionInfo& o : ListOptions(Config())) {
    // The section is the longest documented prefix of the path.
    std::string sec = o.path;
    while (!rows.count(sec) && sec.find('.') != std::string::npos) {
      sec = sec.substr(0, sec.rfind('.'));
    }
    std::string key;
    if (rows.count(sec) && sec != o.path) {
      key = o.path.substr(sec.size() + 1);
    } else {
      sec = "Top level";
      key = o.path;
    }
    auto section_rows = rows.find(sec);
    ASSERT_NE(section_rows, rows.end()) << "no table for " << o.path;
    auto row = section_rows->second.find(key);
    if (row == section_rows->second.end()) {
      ADD_FAILURE() << "docs/configuration.md: no row for `" << key
                    << "` under `" << sec << "` (" << o.path << ")";
      continue;
    }
    // The third cell is the default: "`60s`", "`\"\"`"; lists are shown
    // item by item and are not compared.
    if (o.kind.starts_with("list")) continue;
    std::vector<std::string> cells;
    std::istringstream cell_text(row->second);
    std::string cell;
    while (std::getline(cell_text, cell, '|')) cells.push_back(cell);
    ASSERT_GE(cells.size(), 4u) << row->second;
    std::string shown = cells[3];
    shown.erase(0, shown.find_first_not_of(" `"));
    shown.erase(shown.find_last_not_of(" `") + 1);
    if (shown == "\"\"") shown.clear();
    bool same = shown == o.value;
    int64_t a_ms = 0, b_ms = 0;
    uint64_t a_bytes = 0, b_bytes = 0;
    if (o.kind == "duration") {
      same = ParseDurationMs(shown, &a_ms) && ParseDurationMs(o.value, &b_ms) &&
             a_ms == b_ms;
    } else if (o.kind == "size") {
      same = ParseByteSize(shown, &a_bytes) &&
             ParseByteSize(o.value, &b_bytes) && a_bytes == b_bytes;
    }
    EXPECT_TRUE(same) << "docs/configuration.md: " << o.path << " shows `"
                      << shown << "`, the declared default is `" << o.value
                      << "`";
  }
}

TEST(ConfigTest, DocumentationExamplesAreAccurate) {
  std::istringstream doc(ReadFile(PICKET_SOURCE_DIR "/docs/configuration.md"));
  ASSERT_TRUE(doc.str().size() > 0);
  std::string line;
  std::string block;
  std::string fence;  // "" outside a block
  bool next_yaml_invalid = false;
  bool expecting_errors_block = false;
  std::string invalid_yaml;
  int yaml_blocks = 0;
  int checked_error_blocks = 0;
  while (std::getline(doc, line)) {
    if (fence.empty()) {
      if (line.rfind("<!-- invalid example", 0) == 0) next_yaml_invalid = true;
      if (line.rfind("```", 0) == 0) {
        fence = line.substr(3);
        block.clear();
      }
      continue;
    }
    if (line != "```") {
      block += line + "\n";
      continue;
    }
    if (fence == "yaml") {
      ++yaml_blocks;
      Result<Config> result = ParseConfig(block, "/etc/picket/picket.yaml");
      if (next_yaml_invalid) {
        EXPECT_FALSE(result.ok()) << block;
        invalid_yaml = block;
        expecting_errors_block = true;
        next_yaml_invalid = false;
      } else {
        EXPECT_TRUE(result.ok()) << block << result.status().ToString();
      }
    } else if (fence == "text" && expecting_errors_block) {
      Result<Config> result =
          ParseConfig(invalid_yaml, "/etc/picket/picket.yaml");
      EXPECT_EQ(result.status().message() + "\n", block);
      expecting_errors_block = false;
      ++checked_error_blocks;
    }
    fence.clear();
  }
  EXPECT_GE(yaml_blocks, 3);
  EXPECT_EQ(checked_error_blocks, 1);
}

TEST(ConfigTest, AlertBudgetAndIntelCampaigns) {
  Config defaults;
  EXPECT_EQ(defaults.engine.alert_budget, 60u);
  EXPECT_EQ(defaults.detectors.intel.realert_interval_ms, 600000);
  EXPECT_EQ(defaults.detectors.intel.campaign_end_ms, 300000);
  EXPECT_EQ(defaults.detectors.intel.max_tracked, 256u);
  Config c = ParseOk(
      "engine:\n  alert_budget: 0\n"
      "detectors:\n  intel:\n    realert_interval: 2m\n"
      "    campaign_end: 30s\n    max_tracked: 16\n");
  EXPECT_EQ(c.engine.alert_budget, 0u);
  EXPECT_EQ(c.detectors.intel.realert_interval_ms, 120000);
  EXPECT_EQ(c.detectors.intel.campaign_end_ms, 30000);
  EXPECT_EQ(c.detectors.intel.max_tracked, 16u);
  EXPECT_EQ(Errors("engine:\n  alert_budget: -1\n"),
            "t.yaml:2: engine.alert_budget: expected an integer between 0 "
            "and 1000000");
  EXPECT_EQ(Errors("detectors:\n  intel:\n    campaign_end: 0\n"),
            "t.yaml:3: detectors.intel.campaign_end: expected a duration of "
            "at least 1s");
  EXPECT_EQ(Errors("detectors:\n  intel:\n    max_tracked: 15\n"),
            "t.yaml:3: detectors.intel.max_tracked: expected an integer "
            "between 16 and 65536");
}

}  // namespace
}  // namespace picket

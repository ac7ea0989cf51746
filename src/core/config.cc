#include "core/config.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <exception>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

#include "core/yaml_errors.h"

namespace picket {

namespace {

constexpr int64_t kMsPerSecond = 1000;

// Suggestions are skipped for absurd keys: edit distance is quadratic.
constexpr size_t kMaxSuggestKeyLength = 64;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Splits "<digits><unit>" and parses the digits; false on no digits or
// overflow. Signs are not accepted, so negatives are rejected here.
bool SplitNumberAndUnit(std::string_view text, uint64_t* number,
                        std::string_view* unit) {
  size_t digits = 0;
  while (digits < text.size() && IsDigit(text[digits])) ++digits;
  if (digits == 0) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, *number);
  if (ec != std::errc() || end != text.data() + digits) return false;
  *unit = text.substr(digits);
  return true;
}

std::string FormatDurationMs(int64_t ms) {
  struct Unit {
    int64_t ms;
    const char* suffix;
  };
  static constexpr Unit kUnits[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  for (const Unit& unit : kUnits) {
    if (ms != 0 && ms % unit.ms == 0) {
      return std::to_string(ms / unit.ms) + unit.suffix;
    }
  }
  return std::to_string(ms) + "ms";
}

std::string FormatByteSize(uint64_t bytes) {
  struct Unit {
    uint64_t bytes;
    const char* suffix;
  };
  static constexpr Unit kUnits[] = {
      {1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}};
  for (const Unit& unit : kUnits) {
    if (bytes != 0 && bytes % unit.bytes == 0) {
      return std::to_string(bytes / unit.bytes) + unit.suffix;
    }
  }
  return std::to_string(bytes);
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The closest known key, or "" when nothing is close enough to be a typo.
std::string_view SuggestKey(std::string_view key,
                            const std::vector<std::string_view>& known) {
  if (key.size() > kMaxSuggestKeyLength) return "";
  // Struct field names (poll_interval_ms, max_bytes, stdout_sink) are the
  // likeliest slip: the YAML drops the unit suffix.
  std::string renamed(key);
  if (renamed.ends_with("_bytes")) {
    renamed.replace(renamed.size() - 6, 6, "_size");
  }
  for (std::string_view candidate : known) {
    if (renamed == candidate) return candidate;
    if (key.starts_with(candidate) && key.size() > candidate.size() &&
        key[candidate.size()] == '_') {
      return candidate;
    }
  }
  std::string_view best;
  size_t best_distance = 3;  // beyond two edits a "typo" is a guess
  for (std::string_view candidate : known) {
    size_t distance = EditDistance(key, candidate);
    if (distance < best_distance && distance < candidate.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

// Every duration is bounded: beyond a month an interval means "never", and
// deadlines computed as now + interval must not overflow.
constexpr int64_t kMaxDurationMs = int64_t{30} * 86400 * kMsPerSecond;

// Allowed values of a duration key beyond "a valid duration".
struct DurationRange {
  int64_t min_ms = 0;
  bool zero_disables = false;  // 0 is accepted below min_ms and means "off"
  int64_t max_ms = kMaxDurationMs;
};

// Upper bounds of a numeric key: `max` in the local file, `remote_max` (no
// larger) in a remote configuration, which must never be able to make the
// agent hold more memory than a device can afford.
struct Limit {
  uint64_t max;
  uint64_t remote_max;
};

// kOptional*: "" is accepted and means "not set".
enum class StringKind { kNonEmpty, kAbsolutePath, kOptional, kOptionalPath };

// Reads one YAML mapping into typed fields. Each getter consumes its key;
// a key that is absent leaves the field at its default. Finish() reports
// every key no getter asked for, so strictness comes for free with each new
// section: write its Read function and every other key is an error.
class MapReader {
 public:
  // `node` must be a mapping. `path` is its dotted key path ("" for the root).
  MapReader(const YAML::Node& node, std::string path, ErrorList* errors,
            bool remote)
      : path_(std::move(path)), errors_(errors), remote_(remote) {
    std::map<std::string, YAML::Mark, std::less<>> first_seen;
    for (const auto& pair : node) {
      // A copy, not a reference: the iterator hands out a temporary pair.
      YAML::Node key = pair.first;
      if (!key.IsScalar()) {
        errors_->Add(key.Mark(), path_, "keys must be plain strings");
        continue;
      }
      auto [seen, inserted] = first_seen.emplace(key.Scalar(), key.Mark());
      if (!inserted) {
        // yaml-cpp keeps both entries and a lookup silently picks one; the
        // operator must learn that one of the two values is ignored.
        errors_->Add(key.Mark(), Join(key.Scalar()),
                     "duplicate key (first defined on line " +
                         std::to_string(seen->second.line + 1) + ")");
        continue;
      }
      entries_.push_back({key.Scalar(), key.Mark(), pair.second, false});
    }
  }

  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  // Reads a nested mapping with `read(MapReader&)`. A key without a value
  // keeps the defaults: that is what commenting out every line of a section
  // produces.
  template <typename ReadFn>
  void Section(std::string_view key, ReadFn&& read) {
    const Entry* entry = Take(key);
    if (entry == nullptr || entry->value.IsNull()) return;
    if (!entry->value.IsMap()) {
      Error(*entry, "expected a mapping (key: value lines)");
      return;
    }
    MapReader child(entry->value, Join(key), errors_, remote_);
    read(child);
    child.Finish();
  }

  void Bool(std::string_view key, bool* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return;
    if (!entry->value.IsScalar() ||
        !ParseYamlBool(entry->value.Scalar(), out)) {
      Error(*entry, "expected a boolean");
    }
  }

  // An integer within [min, max]; T must hold that range.
  template <typename T>
  void Int(std::string_view key, int64_t min, int64_t max, T* out) {
    Int(key, min, Limit{static_cast<uint64_t>(max), static_cast<uint64_t>(max)},
        out);
  }

  // The same with a tighter maximum for remote configurations.
  template <typename T>
  void Int(std::string_view key, int64_t min, Limit limit, T* out) {
    const int64_t max =
        static_cast<int64_t>(remote_ ? limit.remote_max : limit.max);
    const Entry* entry = Take(key);
    if (entry == nullptr) return;
    int64_t value = 0;
    bool ok = false;
    if (entry->value.IsScalar()) {
      const std::string& text = entry->value.Scalar();
      auto [end, ec] =
          std::from_chars(text.data(), text.data() + text.size(), value);
      ok = ec == std::errc() && end == text.data() + text.size() &&
           value >= min && value <= max;
    }
    if (!ok) {
      Error(*entry, "expected an integer between " + std::to_string(min) +
                        " and " + std::to_string(max) +
                        (remote_ && limit.remote_max < limit.max
                             ? " in a remote configuration"
                             : ""));
      return;
    }
    *out = static_cast<T>(value);
  }

  void Duration(std::string_view key, DurationRange range, int64_t* out_ms) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return;
    int64_t ms = 0;
    if (!entry->value.IsScalar() ||
        !ParseDurationMs(entry->value.Scalar(), &ms)) {
      Error(*entry, "expected a duration like 30s");
      return;
    }
    if (ms < range.min_ms && !(range.zero_disables && ms == 0)) {
      std::string least = FormatDurationMs(range.min_ms);
      Error(*entry, range.zero_disables
                        ? "expected 0 (off) or a duration of at least " + least
                        : "expected a duration of at least " + least);
      return;
    }
    if (ms > range.max_ms) {
      Error(*entry,
            "expected a duration of at most " + FormatDurationMs(range.max_ms));
      return;
    }
    *out_ms = ms;
  }

  void Size(std::string_view key, uint64_t min_bytes, Limit limit,
            uint64_t* out_bytes) {
    const uint64_t max_bytes = remote_ ? limit.remote_max : limit.max;
    const Entry* entry = Take(key);
    if (entry == nullptr) return;
    uint64_t bytes = 0;
    if (!entry->value.IsScalar() ||
        !ParseByteSize(entry->value.Scalar(), &bytes)) {
      Error(*entry, "expected a size like 10MiB");
      return;
    }
    if (bytes < min_bytes) {
      Error(*entry, "expected a size of at least " + FormatByteSize(min_bytes));
      return;
    }
    if (bytes > max_bytes) {
      Error(*entry, "expected a size of at most " + FormatByteSize(max_bytes) +
                        (remote_ && limit.remote_max < limit.max
                             ? " in a remote configuration"
                             : ""));
      return;
    }
    *out_bytes = bytes;
  }

  void String(std::string_view key, StringKind kind, std::string* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return;
    std::string message;
    if (!CheckString(entry->value, kind, &message)) {
      Error(*entry, message);
      return;
    }
    *out = entry->value.IsNull() ? "" : entry->value.Scalar();
  }

  void Enum(std::string_view key,
            std::initializer_list<std::string_view> choices, std::string* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return;
    if (entry->value.IsScalar()) {
      for (std::string_view choice : choices) {
        if (entry->value.Scalar() == choice) {
          *out = choice;
          return;
        }
      }
    }
    Error(*entry, "expected one of " + JoinChoices(choices));
  }

  // A list of strings; each bad item is reported as "key[index]". A key
  // without a value is an empty list, as when every item is commented out.
  void StringList(std::string_view key, StringKind kind,
                  std::vector<std::string>* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return;
    if (entry->value.IsNull()) {
      out->clear();
      return;
    }
    if (!entry->value.IsSequence()) {
      Error(*entry, kind == StringKind::kAbsolutePath
                        ? "expected a list of absolute paths"
                        : "expected a list of strings");
      return;
    }
    // Bad items are reported and skipped; a Config is only returned when
    // there were no errors at all.
    std::vector<std::string> items;
    size_t index = 0;
    for (const YAML::Node& item : entry->value) {
      std::string message;
      if (CheckString(item, kind, &message)) {
        items.push_back(item.Scalar());
      } else {
        errors_->Add(item.Mark(), Join(key) + "[" + std::to_string(index) + "]",
                     message);
      }
      ++index;
    }
    *out = std::move(items);
  }

  // Reports every key that no getter consumed.
  void Finish() {
    for (const Entry& entry : entries_) {
      if (entry.consumed) continue;
      std::string_view suggestion = SuggestKey(entry.key, known_);
      std::string message = "unknown key";
      if (!suggestion.empty()) {
        message += "; did you mean \"";
        message += suggestion;
        message += "\"?";
      } else {
        message += "; valid keys: ";
        for (size_t i = 0; i < known_.size(); ++i) {
          if (i > 0) message += ", ";
          message += known_[i];
        }
      }
      errors_->Add(entry.key_mark, Join(entry.key), message);
    }
  }

 private:
  struct Entry {
    std::string key;
    YAML::Mark key_mark;
    YAML::Node value;
    bool consumed;
  };

  // Marks `key` as known and consumed; nullptr when the file lacks it.
  const Entry* Take(std::string_view key) {
    known_.push_back(key);
    for (Entry& entry : entries_) {
      if (entry.key == key) {
        entry.consumed = true;
        return &entry;
      }
    }
    return nullptr;
  }

  std::string Join(std::string_view key) const {
    if (path_.empty()) return std::string(key);
    return path_ + "." + std::string(key);
  }

  // Value errors point at the key's line: for a value on the following lines
  // (a nested mapping where a scalar was expected) the key is what the
  // operator has to find.
  void Error(const Entry& entry, std::string_view message) {
    errors_->Add(entry.key_mark, Join(entry.key), message);
  }

  static bool CheckString(const YAML::Node& node, StringKind kind,
                          std::string* message) {
    bool path =
        kind == StringKind::kAbsolutePath || kind == StringKind::kOptionalPath;
    bool optional =
        kind == StringKind::kOptional || kind == StringKind::kOptionalPath;
    if (optional &&
        (node.IsNull() || (node.IsScalar() && node.Scalar().empty()))) {
      return true;
    }
    if (!node.IsScalar() || node.Scalar().empty()) {
      *message = path ? "expected an absolute path" : "expected a string";
      return false;
    }
    const std::string& text = node.Scalar();
    // A "\0" escape would silently truncate the string at every C API.
    if (text.find('\0') != std::string::npos) {
      *message = "must not contain a NUL character";
      return false;
    }
    if (path && text[0] != '/') {
      *message = "expected an absolute path";
      return false;
    }
    return true;
  }

  std::string path_;
  ErrorList* errors_;
  bool remote_;  // remote configuration: remote_max bounds apply
  std::vector<Entry> entries_;
  std::vector<std::string_view> known_;  // keys asked for, in order
};

void ReadDevice(MapReader& r, DeviceConfig* c) {
  r.String("id", StringKind::kNonEmpty, &c->id);
  r.String("group", StringKind::kNonEmpty, &c->group);
}

void ReadEngine(MapReader& r, EngineConfig* c) {
  // An event is a few hundred bytes; 65,536 of them is already ~30 MiB.
  r.Int("queue_capacity", 16, 65536, &c->queue_capacity);
  // Intervals below a second would turn statistics into a flood.
  r.Duration("statistics_interval", {kMsPerSecond, true},
             &c->statistics_interval_ms);
  r.Duration("alert_dedup_window", {0, false}, &c->alert_dedup_window_ms);
  r.Duration("heartbeat_interval", {kMsPerSecond, true},
             &c->heartbeat_interval_ms);
}

void ReadProcessCollector(MapReader& r, ProcessCollectorConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.Enum("mode", {"auto", "netlink", "poll"}, &c->mode);
  // A /proc scan costs real CPU on small devices; faster than 10 Hz buys
  // little since short-lived processes are missed by polling anyway.
  r.Duration("poll_interval", {100, false}, &c->poll_interval_ms);
  r.Duration("rescan_interval", {kMsPerSecond, true}, &c->rescan_interval_ms);
  r.Bool("report_forks", &c->report_forks);
  r.Bool("hash_executables", &c->hash_executables);
  // Hashing streams the file: the cost is CPU time, not memory.
  r.Size("hash_max_size", 0, {1ull << 30, 256ull << 20}, &c->hash_max_bytes);
  r.Int("hash_cache_entries", 1, Limit{65536, 8192}, &c->hash_cache_entries);
}

void ReadNetworkCollector(MapReader& r, NetworkCollectorConfig* c) {
  r.Bool("enabled", &c->enabled);
  // Below a second the per-flow records stop being aggregates.
  r.Duration("report_interval", {kMsPerSecond, false}, &c->report_interval_ms);
  r.Duration("socket_poll_interval", {100, false}, &c->socket_poll_interval_ms);
  r.Bool("capture", &c->capture);
  r.StringList("interfaces", StringKind::kNonEmpty, &c->interfaces);
  // Each tracked flow costs about 200 bytes.
  r.Int("max_flows", 16, Limit{262144, 16384}, &c->max_flows);
  // Resident from the start (plus a quarter for DNS answers).
  r.Size("capture_buffer", 64 << 10, {64ull << 20, 8ull << 20},
         &c->capture_buffer_bytes);
}

void ReadIntel(MapReader& r, IntelConfig* c) {
  r.String("path", StringKind::kAbsolutePath, &c->path);
  r.Duration("reload_check_interval", {kMsPerSecond, false},
             &c->reload_check_interval_ms);
  // The store is held in memory whole.
  r.Size("max_size", 64 << 10, {1ull << 30, 64ull << 20}, &c->max_bytes);
}

void ReadIntelDetector(MapReader& r, IntelDetectorConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.Bool("connections", &c->connections);
  r.Bool("dns", &c->dns);
  r.Bool("hashes", &c->hashes);
}

void ReadExecLocationDetector(MapReader& r, ExecLocationDetectorConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.StringList("paths", StringKind::kAbsolutePath, &c->paths);
  r.Bool("tmpfs", &c->tmpfs);
  r.Bool("world_writable", &c->world_writable);
  // Exe paths are absolute, so a relative prefix would never match: reject
  // it instead of silently allowing nothing.
  r.StringList("allow", StringKind::kAbsolutePath, &c->allow);
}

void ReadDeletedExecutableDetector(MapReader& r,
                                   DeletedExecutableDetectorConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.StringList("allow", StringKind::kAbsolutePath, &c->allow);
}

void ReadLoginCollector(MapReader& r, LoginCollectorConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.Enum("journal", {"auto", "on", "off"}, &c->journal);
  r.Enum("syslog", {"auto", "on", "off"}, &c->syslog);
  r.StringList("syslog_files", StringKind::kAbsolutePath, &c->syslog_files);
  r.Enum("utmp", {"auto", "on", "off"}, &c->utmp);
  r.String("wtmp_path", StringKind::kAbsolutePath, &c->wtmp_path);
  r.String("btmp_path", StringKind::kAbsolutePath, &c->btmp_path);
  r.Enum("start_at", {"end", "beginning"}, &c->start_at);
  // inotify does the real-time work; the timer only catches what it cannot
  // see (a directory created later), so sub-100 ms buys nothing.
  r.Duration("recheck_interval", {100, false}, &c->recheck_interval_ms);
  r.Int("max_line_bytes", 256, Limit{1 << 20, 64 << 10}, &c->max_line_bytes);
  r.Bool("resolve_shells", &c->resolve_shells);
}

void ReadBruteForceDetector(MapReader& r, BruteForceDetectorConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.Int("capacity", 2, 100000, &c->capacity);
  r.Duration("leak_interval", {kMsPerSecond, false}, &c->leak_interval_ms);
  r.Int("user_capacity", 2, 100000, &c->user_capacity);
  r.Duration("user_leak_interval", {kMsPerSecond, false},
             &c->user_leak_interval_ms);
  r.Int("target_capacity", 2, 1000000, &c->target_capacity);
  r.Duration("target_leak_interval", {kMsPerSecond, false},
             &c->target_leak_interval_ms);
  r.Int("target_min_sources", 2, 100000, &c->target_min_sources);
  r.Int("success_min_failures", 1, 100000, &c->success_min_failures);
  r.Duration("success_window", {kMsPerSecond, false}, &c->success_window_ms);
  r.Duration("realert_interval", {kMsPerSecond, false},
             &c->realert_interval_ms);
  r.Duration("attack_end", {kMsPerSecond, false}, &c->attack_end_ms);
  // About 2 KiB per tracked address under attack.
  r.Int("max_tracked", 16, Limit{262144, 16384}, &c->max_tracked);
}

void ReadLoginAlertsDetector(MapReader& r, LoginAlertsDetectorConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.Bool("root_network_login", &c->root_network_login);
  r.StringList("root_allowed_sources", StringKind::kNonEmpty,
               &c->root_allowed_sources);
  r.Bool("no_shell_login", &c->no_shell_login);
}

void ReadPosture(MapReader& r, PostureConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.String("policy", StringKind::kAbsolutePath, &c->policy);
  // A scan walks the file system; more often than every minute would make
  // it the agent's main cost.
  r.Duration("interval", {60 * kMsPerSecond, false}, &c->interval_ms);
  r.Duration("jitter", {0, false}, &c->jitter_ms);
  r.Duration("first_delay", {0, false}, &c->first_delay_ms);
  r.Duration("pacing", {0, false}, &c->pacing_ms);
}

void ReadJsonlSink(MapReader& r, JsonlSinkConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.String("path", StringKind::kAbsolutePath, &c->path);
  // Below a page the file would rotate after every few events.
  r.Size("max_size", 4 << 10, {4ull << 30, 4ull << 30}, &c->max_bytes);
  r.Int("max_files", 1, 100, &c->max_files);
  r.Bool("alerts_only", &c->alerts_only);
}

void ReadStdoutSink(MapReader& r, StdoutSinkConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.Bool("show_events", &c->show_events);
}

// Counts documents by their start marks; every other event is ignored.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    starts.push_back(mark);
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  std::vector<YAML::Mark> starts;
};

// Reports a second document, which YAML::Load would silently drop. Not
// YAML::LoadAll: in yaml-cpp 0.7 it loops forever, allocating, on a stray
// ',' (the parser returns an empty document without consuming the token),
// so at most two documents are parsed here. False when an error was added.
// Throws YAML::Exception on syntax errors.
bool CheckSingleDocument(const std::string& text, ErrorList* errors) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts handler;
  if (!parser.HandleNextDocument(handler) ||
      !parser.HandleNextDocument(handler)) {
    return true;
  }
  const YAML::Mark& first = handler.starts[0];
  const YAML::Mark& second = handler.starts[1];
  if (second.pos == first.pos) {
    // No progress: the first token cannot start a document at all.
    errors->Add(second, "",
                "YAML syntax error: unexpected character at column " +
                    std::to_string(second.column + 1));
    return false;
  }
  std::istringstream lines(text);
  std::string line;
  for (int i = 0; i <= second.line; ++i) std::getline(lines, line);
  if (line.starts_with("---")) {
    errors->Add(second, "", "expected one YAML document, found a second one");
  } else {
    errors->Add(second, "",
                "YAML syntax error: unexpected text after the end of the "
                "document");
  }
  return false;
}

void ReadMqttSpool(MapReader& r, MqttSpoolConfig* c) {
  r.String("path", StringKind::kOptionalPath, &c->path);
  r.Size("max_size", 64 << 10, {4ull << 30, 4ull << 30}, &c->max_bytes);
  r.Enum("fsync", {"always", "interval", "never"}, &c->fsync);
  r.Duration("fsync_interval", {100, false}, &c->fsync_interval_ms);
}

// An init system kills what does not stop (systemd after 90 s): the stop
// timeout stays well below.
constexpr int64_t kMaxMqttStopTimeoutMs = 60 * 1000;

void ReadMqttSink(MapReader& r, MqttSinkConfig* c) {
  r.Bool("enabled", &c->enabled);
  r.Enum("mode", {"plain", "azure"}, &c->mode);
  r.String("host", StringKind::kOptional, &c->host);
  r.Int("port", 0, 65535, &c->port);
  r.Enum("protocol", {"3.1.1", "5"}, &c->protocol);
  r.String("client_id", StringKind::kOptional, &c->client_id);
  r.String("topic_prefix", StringKind::kNonEmpty, &c->topic_prefix);
  r.Duration("keepalive", {5 * kMsPerSecond, false}, &c->keepalive_ms);
  r.Duration("reconnect_min", {100, false}, &c->reconnect_min_ms);
  r.Duration("reconnect_max", {100, false}, &c->reconnect_max_ms);
  r.String("ca_file", StringKind::kOptionalPath, &c->ca_file);
  r.String("ca_path", StringKind::kOptionalPath, &c->ca_path);
  r.String("cert_file", StringKind::kOptionalPath, &c->cert_file);
  r.String("key_file", StringKind::kOptionalPath, &c->key_file);
  r.String("username", StringKind::kOptional, &c->username);
  r.String("password_file", StringKind::kOptionalPath, &c->password_file);
  r.String("connection_string_file", StringKind::kOptionalPath,
           &c->connection_string_file);
  r.Duration("sas_token_ttl", {60 * kMsPerSecond, false}, &c->sas_token_ttl_ms);
  r.Section("batch", [&](MapReader& b) {
    b.Duration("high", {0, false}, &c->batch_high_ms);
    b.Duration("medium", {0, false}, &c->batch_medium_ms);
    b.Duration("low", {0, false}, &c->batch_low_ms);
    // 256 MiB is MQTT's own limit; brokers default to far less.
    b.Size("max_message_size", 1 << 10, {256ull << 20, 256ull << 20},
           &c->max_message_bytes);
    b.Enum("compression", {"none", "zstd"}, &c->compression);
  });
  r.Int("max_inflight", 1, 1000, &c->max_inflight);
  r.Bool("remote_config", &c->remote_config);
  r.Duration("stop_timeout", {0, false, kMaxMqttStopTimeoutMs},
             &c->stop_timeout_ms);
  r.Section("spool", [&](MapReader& s) { ReadMqttSpool(s, &c->spool); });
}

// Settings that only make sense together; reported at the root of the
// mqtt section.
void CheckMqttSink(const YAML::Node& root, const MqttSinkConfig& c,
                   ErrorList* errors) {
  if (!c.enabled) return;
  YAML::Mark mark = root["sinks"]["mqtt"].Mark();
  if (c.mode == "plain" && c.host.empty()) {
    errors->Add(mark, "sinks.mqtt.host", "required when mqtt is enabled");
  }
  if (c.mode == "azure" && c.connection_string_file.empty()) {
    errors->Add(mark, "sinks.mqtt.connection_string_file",
                "required in azure mode");
  }
  if (c.cert_file.empty() != c.key_file.empty()) {
    errors->Add(
        mark,
        c.cert_file.empty() ? "sinks.mqtt.cert_file" : "sinks.mqtt.key_file",
        "cert_file and key_file go together");
  }
  if (!c.password_file.empty() && c.username.empty()) {
    errors->Add(mark, "sinks.mqtt.username",
                "required when password_file is set");
  }
  if (c.reconnect_max_ms < c.reconnect_min_ms) {
    errors->Add(mark, "sinks.mqtt.reconnect_max",
                "must not be shorter than reconnect_min");
  }
  if (c.spool.max_bytes < c.max_message_bytes) {
    errors->Add(mark, "sinks.mqtt.spool.max_size",
                "must be at least batch.max_message_size");
  }
}

void ReadConfig(const YAML::Node& root, ErrorList* errors, bool remote,
                Config* c) {
  if (root.IsNull()) return;  // "---" alone: all defaults
  if (!root.IsMap()) {
    errors->Add(root.Mark(), "",
                "expected a mapping (key: value lines) at the top level");
    return;
  }
  MapReader r(root, "", errors, remote);
  r.Section("device", [&](MapReader& s) { ReadDevice(s, &c->device); });
  r.String("state_dir", StringKind::kAbsolutePath, &c->state_dir);
  r.Enum("log_level", {"error", "warning", "info", "debug"}, &c->log_level);
  r.Section("engine", [&](MapReader& s) { ReadEngine(s, &c->engine); });
  r.Section("collectors", [&](MapReader& s) {
    s.Section("network", [&](MapReader& n) {
      ReadNetworkCollector(n, &c->collectors.network);
    });
    s.Section("process", [&](MapReader& p) {
      ReadProcessCollector(p, &c->collectors.process);
    });
    s.Section("login", [&](MapReader& l) {
      ReadLoginCollector(l, &c->collectors.login);
    });
  });
  r.Section("intel", [&](MapReader& s) { ReadIntel(s, &c->intel); });
  r.Section("detectors", [&](MapReader& s) {
    s.Section("intel",
              [&](MapReader& d) { ReadIntelDetector(d, &c->detectors.intel); });
    s.Section("exec_location", [&](MapReader& d) {
      ReadExecLocationDetector(d, &c->detectors.exec_location);
    });
    s.Section("deleted_executable", [&](MapReader& d) {
      ReadDeletedExecutableDetector(d, &c->detectors.deleted_executable);
    });
    s.Section("brute_force", [&](MapReader& d) {
      ReadBruteForceDetector(d, &c->detectors.brute_force);
    });
    s.Section("login_alerts", [&](MapReader& d) {
      ReadLoginAlertsDetector(d, &c->detectors.login_alerts);
    });
  });
  r.Section("sinks", [&](MapReader& s) {
    s.Section("jsonl",
              [&](MapReader& k) { ReadJsonlSink(k, &c->sinks.jsonl); });
    s.Section("stdout",
              [&](MapReader& k) { ReadStdoutSink(k, &c->sinks.stdout_sink); });
    s.Section("mqtt", [&](MapReader& k) { ReadMqttSink(k, &c->sinks.mqtt); });
  });
  r.Section("posture", [&](MapReader& s) { ReadPosture(s, &c->posture); });
  r.Finish();
  if (errors->empty()) CheckMqttSink(root, c->sinks.mqtt, errors);
}

}  // namespace

Result<Config> ParseConfig(std::string_view yaml_text,
                           std::string_view file_name, ConfigOrigin origin) {
  ErrorList errors(file_name);
  Config config;
  // yaml-cpp reports everything by exception; none may leave this function.
  try {
    std::string text(yaml_text);
    if (!AddNulByteError(text, &errors) && CheckSingleDocument(text, &errors)) {
      ReadConfig(YAML::Load(text), &errors, origin == ConfigOrigin::kRemote,
                 &config);
    }
  } catch (const YAML::Exception& e) {
    errors.Add(e.mark, "", "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    errors.Add(YAML::Mark::null_mark(), "",
               std::string("cannot parse: ") + e.what());
  } catch (...) {
    errors.Add(YAML::Mark::null_mark(), "", "cannot parse: unknown error");
  }
  if (!errors.empty()) return errors.ToStatus();
  return config;
}

bool ParseDurationMs(std::string_view text, int64_t* out_ms) {
  uint64_t number = 0;
  std::string_view unit;
  if (!SplitNumberAndUnit(text, &number, &unit)) return false;
  int64_t scale = 0;
  if (unit.empty() || unit == "s") {
    scale = kMsPerSecond;
  } else if (unit == "ms") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60 * kMsPerSecond;
  } else if (unit == "h") {
    scale = 3600 * kMsPerSecond;
  } else if (unit == "d") {
    scale = 86400 * kMsPerSecond;
  } else {
    return false;
  }
  if (number >
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / scale)) {
    return false;
  }
  *out_ms = static_cast<int64_t>(number) * scale;
  return true;
}

bool ParseByteSize(std::string_view text, uint64_t* out_bytes) {
  uint64_t number = 0;
  std::string_view unit;
  if (!SplitNumberAndUnit(text, &number, &unit)) return false;
  uint64_t scale = 0;
  if (unit.empty()) {
    scale = 1;
  } else if (unit == "KiB") {
    scale = 1ull << 10;
  } else if (unit == "MiB") {
    scale = 1ull << 20;
  } else if (unit == "GiB") {
    scale = 1ull << 30;
  } else if (unit == "KB") {
    scale = 1000;
  } else if (unit == "MB") {
    scale = 1000 * 1000;
  } else if (unit == "GB") {
    scale = 1000 * 1000 * 1000;
  } else {
    return false;
  }
  if (number > std::numeric_limits<uint64_t>::max() / scale) return false;
  *out_bytes = number * scale;
  return true;
}

}  // namespace picket

#include "core/config.h"

#include <yaml-cpp/mark.h>

#include <charconv>
#include <initializer_list>
#include <limits>
#include <utility>

#include "core/yaml_errors.h"
#include "core/yaml_reader.h"
#include "intel/allow_list.h"

namespace picket {

namespace {

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

// The mark of the mapping at `path` below `root`, for errors about a
// section as a whole; the root's mark when a step is missing.
YAML::Mark MarkOf(const YamlNode& root,
                  std::initializer_list<std::string_view> path) {
  const YamlNode* node = &root;
  for (std::string_view step : path) {
    const YamlNode* next = nullptr;
    if (node->IsMap()) {
      for (size_t i = 0; i < node->size(); ++i) {
        if (node->Key(i).IsScalar() && node->Key(i).Scalar() == step) {
          next = &node->Value(i);
        }
      }
    }
    if (next == nullptr) return node->Mark();
    node = next;
  }
  return node->Mark();
}

bool CheckString(const YamlNode& node, StringKind kind, std::string* message) {
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
  if (kind == StringKind::kAddressOrDomain &&
      !IsValidAllowEntry(text, message)) {
    return false;
  }
  return true;
}

// Reads one mapping into the fields its Options() names (core/options.h):
// each option consumes its key, a key that is absent leaves the field at its
// default, and Finish() reports every key no option asked for.
class YamlOptionReader {
 public:
  // `node` must be a mapping. `path` is its dotted key path ("" for the root).
  YamlOptionReader(const YamlNode& node, std::string path, ErrorList* errors,
                   bool remote)
      : map_(node, std::move(path), errors), remote_(remote) {}

  // A key without a value keeps the defaults: that is what commenting out
  // every line of a section produces.
  template <typename Fn>
  void Group(std::string_view key, std::string_view, Fn&& read) {
    const YamlMapping::Entry* entry = map_.Take(key);
    if (entry == nullptr || entry->value().IsNull()) return;
    if (!entry->value().IsMap()) {
      map_.Error(*entry, "expected a mapping (key: value lines)");
      return;
    }
    YamlOptionReader child(entry->value(), map_.Join(key), map_.errors(),
                           remote_);
    read(child);
    child.Finish();
  }

  template <typename S>
  void Section(std::string_view key, S* section, std::string_view doc) {
    Group(key, doc, [section](YamlOptionReader& r) { section->Options(r); });
  }

  void Bool(std::string_view key, bool* out, std::string_view) {
    const YamlMapping::Entry* entry = map_.Take(key);
    if (entry == nullptr) return;
    if (!entry->value().IsScalar() ||
        !ParseYamlBool(entry->value().Scalar(), out)) {
      map_.Error(*entry, "expected a boolean");
    }
  }

  template <typename T>
  void Int(std::string_view key, T* out, IntRange range, std::string_view) {
    const bool tighter = remote_ && range.remote_max != 0;
    const int64_t max = tighter ? range.remote_max : range.max;
    const YamlMapping::Entry* entry = map_.Take(key);
    if (entry == nullptr) return;
    int64_t value = 0;
    bool ok = false;
    if (entry->value().IsScalar()) {
      const std::string& text = entry->value().Scalar();
      auto [end, ec] =
          std::from_chars(text.data(), text.data() + text.size(), value);
      ok = ec == std::errc() && end == text.data() + text.size() &&
           value >= range.min && value <= max;
    }
    if (!ok) {
      map_.Error(*entry, "expected an integer between " +
                             std::to_string(range.min) + " and " +
                             std::to_string(max) +
                             (tighter ? " in a remote configuration" : ""));
      return;
    }
    *out = static_cast<T>(value);
  }

  void Duration(std::string_view key, int64_t* out_ms, DurationRange range,
                std::string_view) {
    const YamlMapping::Entry* entry = map_.Take(key);
    if (entry == nullptr) return;
    int64_t ms = 0;
    if (!entry->value().IsScalar() ||
        !ParseDurationMs(entry->value().Scalar(), &ms)) {
      map_.Error(*entry, "expected a duration like 30s");
      return;
    }
    if (ms < range.min_ms && !(range.zero_disables && ms == 0)) {
      std::string least = FormatDurationMs(range.min_ms);
      map_.Error(*entry,
                 range.zero_disables
                     ? "expected 0 (off) or a duration of at least " + least
                     : "expected a duration of at least " + least);
      return;
    }
    if (ms > range.max_ms) {
      map_.Error(*entry, "expected a duration of at most " +
                             FormatDurationMs(range.max_ms));
      return;
    }
    *out_ms = ms;
  }

  void Size(std::string_view key, uint64_t* out_bytes, SizeRange range,
            std::string_view) {
    const bool tighter = remote_ && range.remote_max != 0;
    const uint64_t max = tighter ? range.remote_max : range.max;
    const YamlMapping::Entry* entry = map_.Take(key);
    if (entry == nullptr) return;
    uint64_t bytes = 0;
    if (!entry->value().IsScalar() ||
        !ParseByteSize(entry->value().Scalar(), &bytes)) {
      map_.Error(*entry, "expected a size like 10MiB");
      return;
    }
    if (bytes < range.min) {
      map_.Error(*entry,
                 "expected a size of at least " + FormatByteSize(range.min));
      return;
    }
    if (bytes > max) {
      map_.Error(*entry, "expected a size of at most " + FormatByteSize(max) +
                             (tighter ? " in a remote configuration" : ""));
      return;
    }
    *out_bytes = bytes;
  }

  void String(std::string_view key, std::string* out, StringKind kind,
              std::string_view) {
    const YamlMapping::Entry* entry = map_.Take(key);
    if (entry == nullptr) return;
    std::string message;
    if (!CheckString(entry->value(), kind, &message)) {
      map_.Error(*entry, message);
      return;
    }
    *out = entry->value().IsNull() ? "" : entry->value().Scalar();
  }

  void Enum(std::string_view key, std::string* out, Choices choices,
            std::string_view) {
    const YamlMapping::Entry* entry = map_.Take(key);
    if (entry == nullptr) return;
    if (entry->value().IsScalar()) {
      for (std::string_view choice : choices) {
        if (entry->value().Scalar() == choice) {
          *out = choice;
          return;
        }
      }
    }
    map_.Error(*entry, "expected one of " + JoinChoices(choices));
  }

  // A list of strings; each bad item is reported as "key[index]". A key
  // without a value is an empty list, as when every item is commented out.
  void StringList(std::string_view key, std::vector<std::string>* out,
                  StringKind kind, std::string_view) {
    const YamlMapping::Entry* entry = map_.Take(key);
    if (entry == nullptr) return;
    if (entry->value().IsNull()) {
      out->clear();
      return;
    }
    if (!entry->value().IsSequence()) {
      map_.Error(*entry, kind == StringKind::kAbsolutePath
                             ? "expected a list of absolute paths"
                             : "expected a list of strings");
      return;
    }
    // Bad items are reported and skipped; a Config is only returned when
    // there were no errors at all.
    std::vector<std::string> items;
    size_t index = 0;
    for (const YamlNode& item : entry->value()) {
      std::string message;
      if (CheckString(item, kind, &message)) {
        items.push_back(item.Scalar());
      } else {
        map_.errors()->Add(item.Mark(),
                           map_.Join(key) + "[" + std::to_string(index) + "]",
                           message);
      }
      ++index;
    }
    *out = std::move(items);
  }

  void Finish() { map_.Finish(); }

 private:
  YamlMapping map_;
  bool remote_;  // remote configuration: remote_max bounds apply
};

// Lists every option with its value (ListOptions, DescribeConfig).
class OptionLister {
 public:
  explicit OptionLister(std::vector<OptionInfo>* out, std::string path = "")
      : out_(out), path_(std::move(path)) {}

  template <typename Fn>
  void Group(std::string_view key, std::string_view, Fn&& visit) {
    OptionLister child(out_, Join(key));
    visit(child);
  }
  template <typename S>
  void Section(std::string_view key, S* section, std::string_view doc) {
    Group(key, doc, [section](OptionLister& l) { section->Options(l); });
  }
  void Bool(std::string_view key, bool* v, std::string_view doc) {
    Add(key, "boolean", *v ? "true" : "false", doc);
  }
  template <typename T>
  void Int(std::string_view key, T* v, IntRange, std::string_view doc) {
    Add(key, "integer", std::to_string(*v), doc);
  }
  void Duration(std::string_view key, int64_t* v, DurationRange,
                std::string_view doc) {
    Add(key, "duration", *v == 0 ? "0" : FormatDurationMs(*v), doc);
  }
  void Size(std::string_view key, uint64_t* v, SizeRange,
            std::string_view doc) {
    Add(key, "size", FormatByteSize(*v), doc);
  }
  void String(std::string_view key, std::string* v, StringKind kind,
              std::string_view doc) {
    bool path =
        kind == StringKind::kAbsolutePath || kind == StringKind::kOptionalPath;
    Add(key, path ? "absolute path" : "string", *v, doc);
  }
  void Enum(std::string_view key, std::string* v, Choices,
            std::string_view doc) {
    Add(key, "choice", *v, doc);
  }
  void StringList(std::string_view key, std::vector<std::string>* v,
                  StringKind kind, std::string_view doc) {
    std::string text = "[";
    for (size_t i = 0; i < v->size(); ++i) {
      if (i > 0) text += ", ";
      text += (*v)[i];
    }
    text += "]";
    Add(key,
        kind == StringKind::kAbsolutePath      ? "list of absolute paths"
        : kind == StringKind::kAddressOrDomain ? "list of addresses"
                                               : "list of strings",
        text, doc);
  }

 private:
  std::string Join(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  void Add(std::string_view key, std::string kind, std::string value,
           std::string_view doc) {
    out_->push_back(
        {Join(key), std::move(kind), std::move(value), std::string(doc)});
  }

  std::vector<OptionInfo>* out_;
  std::string path_;
};

// Settings that only make sense together; reported at the root of the
// mqtt section.
void CheckMqttSink(const YamlNode& root, const MqttSinkConfig& c,
                   ErrorList* errors) {
  if (!c.enabled) return;
  YAML::Mark mark = MarkOf(root, {"sinks", "mqtt"});
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

}  // namespace

Result<Config> ParseConfig(std::string_view yaml_text,
                           std::string_view file_name, ConfigOrigin origin) {
  ErrorList errors(file_name);
  Config config;
  YamlNode root;
  if (ParseYaml(yaml_text, &errors, &root) && !root.IsNull()) {
    if (!root.IsMap()) {
      errors.Add(root.Mark(), "",
                 "expected a mapping (key: value lines) at the top level");
    } else {
      YamlOptionReader reader(root, "", &errors,
                              origin == ConfigOrigin::kRemote);
      config.Options(reader);
      reader.Finish();
      if (errors.empty()) CheckMqttSink(root, config.sinks.mqtt, &errors);
    }
  }
  if (!errors.empty()) return errors.ToStatus();
  return config;
}

std::vector<OptionInfo> ListOptions(const Config& config) {
  Config copy = config;  // Options() takes the fields by pointer
  std::vector<OptionInfo> out;
  OptionLister lister(&out);
  copy.Options(lister);
  return out;
}

std::string DescribeConfig(const Config& config) {
  std::string out;
  for (const OptionInfo& o : ListOptions(config)) {
    out += o.path + "=" + o.value + "\n";
  }
  return out;
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

#include "core/event_json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace picket {

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
using JsonValue = rapidjson::Value;

// ---------------------------------------------------------------------------
// UTF-8

// Returns the length of the well-formed UTF-8 sequence that starts at
// text[i]. When there is none, returns 0 and sets *bad to the length of the
// maximal subpart (the longest prefix of some well-formed sequence, at least
// one byte), which is what one U+FFFD replaces. Ranges from Unicode table 3-7.
size_t Utf8SequenceAt(std::string_view text, size_t i, size_t* bad) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 == 0xE0) {
    len = 3;
    lo = 0xA0;  // below is overlong
  } else if (b0 == 0xED) {
    len = 3;
    hi = 0x9F;  // above are surrogates
  } else if (b0 >= 0xE1 && b0 <= 0xEF) {
    len = 3;
  } else if (b0 == 0xF0) {
    len = 4;
    lo = 0x90;  // below is overlong
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    len = 4;
  } else if (b0 == 0xF4) {
    len = 4;
    hi = 0x8F;  // above is beyond U+10FFFF
  } else {
    *bad = 1;
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= text.size()) {
      *bad = k;
      return 0;
    }
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (b < lo || b > hi) {
      *bad = k;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return len;
}

// ---------------------------------------------------------------------------
// Time

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

// Parses exactly `n` decimal digits at text[*pos], advancing *pos.
bool ParseDigits(std::string_view text, size_t* pos, size_t n, int* out) {
  if (*pos + n > text.size()) return false;
  int value = 0;
  for (size_t k = 0; k < n; ++k) {
    const char c = text[*pos + k];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *pos += n;
  *out = value;
  return true;
}

bool Consume(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// ---------------------------------------------------------------------------
// Writing

void WriteString(JsonWriter& w, std::string_view s) {
  if (IsValidUtf8(s)) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return;
  }
  const std::string valid = ToValidUtf8(s);
  w.String(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
}

void WriteKey(JsonWriter& w, std::string_view key) {
  if (IsValidUtf8(key)) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    return;
  }
  const std::string valid = ToValidUtf8(key);
  w.Key(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
}

void WriteStringField(JsonWriter& w, std::string_view key,
                      std::string_view value) {
  WriteKey(w, key);
  WriteString(w, value);
}

// Inside "process" and the newer payloads, unknown strings are left out
// rather than written empty: most events lack some of them and the lines stay
// short.
void WriteOptionalString(JsonWriter& w, std::string_view key,
                         std::string_view value) {
  if (!value.empty()) WriteStringField(w, key, value);
}

// Lists follow the same rule as strings: an empty one is left out.
void WriteOptionalStrings(JsonWriter& w, std::string_view key,
                          const std::vector<std::string>& values) {
  if (values.empty()) return;
  WriteKey(w, key);
  w.StartArray();
  for (const std::string& value : values) WriteString(w, value);
  w.EndArray();
}

// Times other than the envelope's are written only when known (not the
// epoch). The test is on the written microseconds, not the nanoseconds, so
// that a value that truncates to the epoch is omitted and reads back as the
// same 0.
bool HasTime(int64_t time_ns) { return FloorDiv(time_ns, 1000) != 0; }

void WriteOptionalTime(JsonWriter& w, std::string_view key, int64_t time_ns) {
  if (HasTime(time_ns)) WriteStringField(w, key, FormatEventTime(time_ns));
}

void WriteProcessInfo(JsonWriter& w, const ProcessInfo& p) {
  w.StartObject();
  w.Key("pid");
  w.Int(p.pid);
  w.Key("ppid");
  w.Int(p.ppid);
  w.Key("uid");
  w.Uint(p.uid);
  w.Key("gid");
  w.Uint(p.gid);
  WriteOptionalString(w, "user", p.user);
  WriteOptionalString(w, "comm", p.comm);
  WriteOptionalString(w, "exe", p.exe);
  w.Key("exe_deleted");
  w.Bool(p.exe_deleted);
  WriteOptionalStrings(w, "argv", p.argv);
  WriteOptionalString(w, "cwd", p.cwd);
  WriteOptionalTime(w, "start_time", p.start_time_ns);
  w.Key("exe_dev");
  w.Uint64(p.exe_dev);
  w.Key("exe_inode");
  w.Uint64(p.exe_inode);
  WriteOptionalString(w, "exe_fs_type", p.exe_fs_type);
  w.Key("exe_dir_writable_by_all");
  w.Bool(p.exe_dir_writable_by_all);
  WriteOptionalString(w, "sha256", p.sha256);
  w.Key("partial");
  w.Bool(p.partial);
  w.EndObject();
}

void WriteProcessEvent(JsonWriter& w, const ProcessEvent& p, EventType type) {
  w.StartObject();
  WriteStringField(w, "source", p.source);
  w.Key("process");
  WriteProcessInfo(w, p.process);
  if (type == EventType::kProcessFork) {
    w.Key("parent_pid");
    w.Int(p.parent_pid);
  } else if (type == EventType::kProcessExit) {
    w.Key("exit_code");
    w.Int(p.exit_code);
  } else if (type == EventType::kProcessChanged) {
    WriteStringField(w, "change", p.change);
  }
  w.EndObject();
}

// ICMP has no ports but a message type and code; only ICMP flows carry them.
bool IsIcmp(std::string_view protocol) {
  return protocol == "icmp" || protocol == "icmpv6";
}

// A listening socket has no peer and carries no traffic, so the remote end and
// the counters appear in network.connection only.
void WriteNetworkEvent(JsonWriter& w, const NetworkEvent& n, EventType type) {
  const bool connection = type == EventType::kNetworkConnection;
  w.StartObject();
  WriteOptionalString(w, "protocol", n.protocol);
  WriteOptionalString(w, "direction", n.direction);
  WriteOptionalString(w, "local_address", n.local_address);
  w.Key("local_port");
  w.Uint(n.local_port);
  if (connection) {
    WriteOptionalString(w, "remote_address", n.remote_address);
    w.Key("remote_port");
    w.Uint(n.remote_port);
  }
  if (IsIcmp(n.protocol)) {
    w.Key("icmp_type");
    w.Uint(n.icmp_type);
    w.Key("icmp_code");
    w.Uint(n.icmp_code);
  }
  if (connection) WriteOptionalString(w, "remote_name", n.remote_name);
  WriteOptionalString(w, "state", n.state);
  w.Key("pid");
  w.Int(n.pid);
  w.Key("uid");
  w.Uint(n.uid);
  WriteOptionalString(w, "exe", n.exe);
  if (connection) {
    w.Key("count");
    w.Uint64(n.count);
    w.Key("bytes_in");
    w.Uint64(n.bytes_in);
    w.Key("bytes_out");
    w.Uint64(n.bytes_out);
  }
  WriteOptionalTime(w, "first_seen", n.first_seen_ns);
  WriteOptionalTime(w, "last_seen", n.last_seen_ns);
  WriteOptionalString(w, "source", n.source);
  w.EndObject();
}

void WriteDnsEvent(JsonWriter& w, const DnsEvent& d) {
  w.StartObject();
  WriteOptionalString(w, "query", d.query);
  WriteOptionalString(w, "qtype", d.qtype);
  WriteOptionalString(w, "rcode", d.rcode);
  WriteOptionalStrings(w, "addresses", d.addresses);
  WriteOptionalStrings(w, "cnames", d.cnames);
  w.Key("ttl");
  w.Uint(d.ttl);
  WriteOptionalString(w, "server", d.server);
  WriteOptionalString(w, "client", d.client);
  WriteOptionalString(w, "source", d.source);
  w.EndObject();
}

void WriteLoginEvent(JsonWriter& w, const LoginEvent& l) {
  w.StartObject();
  WriteOptionalString(w, "service", l.service);
  WriteOptionalString(w, "user", l.user);
  WriteOptionalString(w, "by_user", l.by_user);
  WriteOptionalString(w, "source_address", l.source_address);
  w.Key("source_port");
  w.Uint(l.source_port);
  WriteOptionalString(w, "method", l.method);
  WriteOptionalString(w, "tty", l.tty);
  w.Key("pid");
  w.Int(l.pid);
  WriteOptionalString(w, "reason", l.reason);
  WriteOptionalString(w, "origin", l.origin);
  WriteOptionalTime(w, "log_time", l.log_time_ns);
  WriteOptionalString(w, "message", l.message);
  w.EndObject();
}

void WritePostureResult(JsonWriter& w, const PostureResult& p) {
  w.StartObject();
  WriteOptionalString(w, "policy", p.policy);
  WriteOptionalString(w, "check_id", p.check_id);
  WriteOptionalString(w, "title", p.title);
  WriteOptionalString(w, "result", p.result);
  WriteOptionalString(w, "previous", p.previous);
  WriteStringField(w, "severity", SeverityName(p.severity));
  WriteOptionalString(w, "description", p.description);
  WriteOptionalString(w, "rationale", p.rationale);
  WriteOptionalString(w, "remediation", p.remediation);
  WriteOptionalStrings(w, "references", p.references);
  WriteOptionalStrings(w, "evidence", p.evidence);
  WriteOptionalString(w, "reason", p.reason);
  w.EndObject();
}

void WritePostureSummary(JsonWriter& w, const PostureSummary& p) {
  w.StartObject();
  WriteOptionalString(w, "policy", p.policy);
  w.Key("score");
  w.Uint(p.score);
  w.Key("passed");
  w.Uint(p.passed);
  w.Key("failed");
  w.Uint(p.failed);
  w.Key("not_applicable");
  w.Uint(p.not_applicable);
  w.Key("errors");
  w.Uint(p.errors);
  w.Key("duration_ms");
  w.Int64(p.duration_ms);
  w.EndObject();
}

// Written as an object, which receivers index by name, so a name repeated by
// a detector (or two names made equal by ToValidUtf8) keeps its first value
// only; the reader rejects repeated names.
void WriteDetails(JsonWriter& w,
                  const std::vector<std::pair<std::string, std::string>>& d) {
  if (d.empty()) return;
  w.Key("details");
  w.StartObject();
  std::vector<std::string> written;
  for (const auto& [raw_key, value] : d) {
    std::string key = ToValidUtf8(raw_key);
    if (std::find(written.begin(), written.end(), key) != written.end()) {
      continue;
    }
    WriteStringField(w, key, value);
    written.push_back(std::move(key));
  }
  w.EndObject();
}

void WriteEvent(JsonWriter& w, const Event& event, int depth);

void WriteAlert(JsonWriter& w, const Alert& a, int depth) {
  w.StartObject();
  WriteStringField(w, "alert", a.type_id);
  WriteStringField(w, "severity", SeverityName(a.severity));
  WriteStringField(w, "title", a.title);
  WriteStringField(w, "description", a.description);
  WriteStringField(w, "remediation", a.remediation);
  WriteStringField(w, "detector", a.detector);
  WriteStringField(w, "dedup_key", a.dedup_key);
  WriteOptionalString(w, "incident", a.incident);
  WriteDetails(w, a.details);
  // Deeper evidence is left out so that every line written can be read.
  if (a.evidence != nullptr && depth + 1 <= kMaxEvidenceDepth) {
    w.Key("evidence");
    WriteEvent(w, *a.evidence, depth + 1);
  }
  w.EndObject();
}

void WriteAgentStatus(JsonWriter& w, const AgentStatus& s) {
  w.StartObject();
  WriteStringField(w, "component", s.component);
  WriteStringField(w, "state", s.state);
  WriteStringField(w, "detail", s.detail);
  w.EndObject();
}

void WriteStatistics(JsonWriter& w, const Statistics& s) {
  w.StartObject();
  w.Key("uptime_ms");
  w.Int64(s.uptime_ms);
  w.Key("components");
  w.StartObject();
  for (const ComponentStats& c : s.components) {
    WriteKey(w, c.name);
    w.StartObject();
    for (const auto& [name, value] : c.counters) {
      WriteKey(w, name);
      w.Uint64(value);
    }
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

void WriteHeartbeat(JsonWriter& w, const Heartbeat& h) {
  w.StartObject();
  w.Key("uptime_ms");
  w.Int64(h.uptime_ms);
  WriteStringField(w, "version", h.version);
  WriteStringField(w, "config_version", h.config_version);
  w.Key("events");
  w.Uint64(h.events);
  w.Key("alerts");
  w.Uint64(h.alerts);
  w.EndObject();
}

// Returns the payload as `T`, or an empty T when the event holds another
// kind: that is a producer bug, and writing the type's empty payload keeps
// the line parseable.
template <typename T>
const T& PayloadAs(const Event& event, T* empty) {
  if (const T* payload = std::get_if<T>(&event.payload)) return *payload;
  return *empty;
}

void WritePayload(JsonWriter& w, const Event& event, int depth) {
  switch (event.type) {
    case EventType::kProcessSnapshot:
    case EventType::kProcessFork:
    case EventType::kProcessExec:
    case EventType::kProcessExit:
    case EventType::kProcessChanged: {
      ProcessEvent empty;
      WriteProcessEvent(w, PayloadAs(event, &empty), event.type);
      return;
    }
    case EventType::kAlert: {
      Alert empty;
      WriteAlert(w, PayloadAs(event, &empty), depth);
      return;
    }
    case EventType::kAgentStatus: {
      AgentStatus empty;
      WriteAgentStatus(w, PayloadAs(event, &empty));
      return;
    }
    case EventType::kStatistics: {
      Statistics empty;
      WriteStatistics(w, PayloadAs(event, &empty));
      return;
    }
    case EventType::kNetworkConnection:
    case EventType::kNetworkListen: {
      NetworkEvent empty;
      WriteNetworkEvent(w, PayloadAs(event, &empty), event.type);
      return;
    }
    case EventType::kNetworkDns: {
      DnsEvent empty;
      WriteDnsEvent(w, PayloadAs(event, &empty));
      return;
    }
    case EventType::kLoginSuccess:
    case EventType::kLoginFailure:
    case EventType::kLogout: {
      LoginEvent empty;
      WriteLoginEvent(w, PayloadAs(event, &empty));
      return;
    }
    case EventType::kPostureResult: {
      PostureResult empty;
      WritePostureResult(w, PayloadAs(event, &empty));
      return;
    }
    case EventType::kPostureSummary: {
      PostureSummary empty;
      WritePostureSummary(w, PayloadAs(event, &empty));
      return;
    }
    case EventType::kHeartbeat: {
      Heartbeat empty;
      WriteHeartbeat(w, PayloadAs(event, &empty));
      return;
    }
  }
  // A value outside the enum (the type is already written as "unknown"):
  // still a complete object.
  w.StartObject();
  w.EndObject();
}

void WriteEvent(JsonWriter& w, const Event& event, int depth) {
  w.StartObject();
  w.Key("v");
  w.Int(kEventSchemaVersion);
  WriteStringField(w, "device", event.device_id);
  WriteStringField(w, "id", event.id);
  WriteStringField(w, "time", FormatEventTime(event.time_ns));
  WriteStringField(w, "type", EventTypeName(event.type));
  WriteStringField(w, "priority", PriorityName(event.priority));
  w.Key("payload");
  WritePayload(w, event, depth);
  w.EndObject();
}

// ---------------------------------------------------------------------------
// Reading

// A JSON string literal for `text`, used to name data (not schema) in paths
// and messages unambiguously: components["collector.process"].
std::string Quote(std::string_view text) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteString(w, text);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string Join(std::string_view path, std::string_view name) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += name;
  return out;
}

Status FieldError(std::string_view path, std::string_view what) {
  std::string msg(path.empty() ? "event" : path);
  msg += ": ";
  msg += what;
  return Status::InvalidArgument(msg);
}

std::string_view NameOf(const JsonValue& name) {
  return std::string_view(name.GetString(), name.GetStringLength());
}

// Checks that `v` is an object and, unless `allow_duplicates`, that no name
// appears twice: RapidJSON keeps duplicates and a lookup would silently pick
// one of them.
Status CheckObject(const JsonValue& v, const std::string& path,
                   bool allow_duplicates = false) {
  if (!v.IsObject()) return FieldError(path, "expected an object");
  if (allow_duplicates) return Status::Ok();
  std::vector<std::string_view> names;
  names.reserve(v.MemberCount());
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    names.push_back(NameOf(it->name));
  }
  std::sort(names.begin(), names.end());
  auto dup = std::adjacent_find(names.begin(), names.end());
  if (dup != names.end())
    return FieldError(Join(path, *dup), "duplicate field");
  return Status::Ok();
}

Status ReadString(const JsonValue& v, const std::string& path,
                  std::string* out) {
  if (!v.IsString()) return FieldError(path, "expected a string");
  std::string_view text(v.GetString(), v.GetStringLength());
  // The parser validates raw bytes but lets a lone "\udc00" escape through.
  if (!IsValidUtf8(text)) return FieldError(path, "invalid Unicode escape");
  out->assign(text);
  return Status::Ok();
}

template <typename T>
Status ReadInteger(const JsonValue& v, const std::string& path, T* out) {
  static_assert(std::is_integral_v<T>);
  // Integers too large for 64 bits arrive as doubles, like fractions do.
  if (!v.IsNumber() || v.IsDouble()) {
    return FieldError(path, "expected an integer");
  }
  if constexpr (std::is_signed_v<T>) {
    if (!v.IsInt64()) return FieldError(path, "integer out of range");
    const int64_t x = v.GetInt64();
    if (x < std::numeric_limits<T>::min() ||
        x > std::numeric_limits<T>::max()) {
      return FieldError(path, "integer out of range");
    }
    *out = static_cast<T>(x);
  } else {
    if (!v.IsUint64()) return FieldError(path, "integer out of range");
    const uint64_t x = v.GetUint64();
    if (x > std::numeric_limits<T>::max()) {
      return FieldError(path, "integer out of range");
    }
    *out = static_cast<T>(x);
  }
  return Status::Ok();
}

Status ReadBool(const JsonValue& v, const std::string& path, bool* out) {
  if (!v.IsBool()) return FieldError(path, "expected true or false");
  *out = v.GetBool();
  return Status::Ok();
}

// Reads the members of one object (already checked by CheckObject) by name.
// Finish() then rejects any member no read asked for, so a misspelt field is
// an error instead of a silently missing value.
class ObjectReader {
 public:
  ObjectReader(const JsonValue& object, std::string path)
      : object_(object), path_(std::move(path)) {}

  std::string Path(std::string_view name) const { return Join(path_, name); }

  // Returns the member called `name`, or nullptr; either way `name` is known.
  const JsonValue* Find(std::string_view name) {
    known_.push_back(name);
    for (auto it = object_.MemberBegin(); it != object_.MemberEnd(); ++it) {
      if (NameOf(it->name) == name) return &it->value;
    }
    return nullptr;
  }

  Status Require(std::string_view name, const JsonValue** out) {
    *out = Find(name);
    if (*out == nullptr) return FieldError(Path(name), "missing");
    return Status::Ok();
  }

  Status String(std::string_view name, std::string* out) {
    const JsonValue* v = nullptr;
    PICKET_RETURN_IF_ERROR(Require(name, &v));
    return ReadString(*v, Path(name), out);
  }

  // Absent reads as empty: the writer omits empty strings in some objects.
  Status OptionalString(std::string_view name, std::string* out) {
    const JsonValue* v = Find(name);
    if (v == nullptr) {
      out->clear();
      return Status::Ok();
    }
    return ReadString(*v, Path(name), out);
  }

  // Absent reads as empty, like OptionalString.
  Status OptionalStrings(std::string_view name, std::vector<std::string>* out) {
    out->clear();
    const JsonValue* v = Find(name);
    if (v == nullptr) return Status::Ok();
    const std::string path = Path(name);
    if (!v->IsArray()) return FieldError(path, "expected an array");
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      std::string item;
      PICKET_RETURN_IF_ERROR(
          ReadString((*v)[i], path + "[" + std::to_string(i) + "]", &item));
      out->push_back(std::move(item));
    }
    return Status::Ok();
  }

  // An RFC 3339 string; absent reads as 0, the writer's "unknown".
  Status OptionalTime(std::string_view name, int64_t* time_ns) {
    *time_ns = 0;
    if (Find(name) == nullptr) return Status::Ok();
    std::string text;
    PICKET_RETURN_IF_ERROR(String(name, &text));
    if (!ParseEventTime(text, time_ns)) {
      return FieldError(Path(name), "expected an RFC 3339 timestamp");
    }
    return Status::Ok();
  }

  Status Severity(std::string_view name, picket::Severity* out) {
    std::string text;
    PICKET_RETURN_IF_ERROR(String(name, &text));
    if (!ParseSeverity(text, out)) {
      return FieldError(Path(name), "unknown severity " + Quote(text));
    }
    return Status::Ok();
  }

  template <typename T>
  Status Integer(std::string_view name, T* out) {
    const JsonValue* v = nullptr;
    PICKET_RETURN_IF_ERROR(Require(name, &v));
    return ReadInteger(*v, Path(name), out);
  }

  Status Bool(std::string_view name, bool* out) {
    const JsonValue* v = nullptr;
    PICKET_RETURN_IF_ERROR(Require(name, &v));
    return ReadBool(*v, Path(name), out);
  }

  // Gives fields that belong to another event type a clearer error than
  // "unknown field".
  Status Forbid(std::string_view name, std::string_view why) {
    known_.push_back(name);
    for (auto it = object_.MemberBegin(); it != object_.MemberEnd(); ++it) {
      if (NameOf(it->name) == name) return FieldError(Path(name), why);
    }
    return Status::Ok();
  }

  Status Finish() const {
    for (auto it = object_.MemberBegin(); it != object_.MemberEnd(); ++it) {
      const std::string_view name = NameOf(it->name);
      if (std::find(known_.begin(), known_.end(), name) == known_.end()) {
        return FieldError(Path(name), "unknown field");
      }
    }
    return Status::Ok();
  }

 private:
  const JsonValue& object_;
  std::string path_;
  std::vector<std::string_view> known_;
};

Status ReadProcessInfo(const JsonValue& v, const std::string& path,
                       ProcessInfo* p) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  PICKET_RETURN_IF_ERROR(r.Integer("pid", &p->pid));
  PICKET_RETURN_IF_ERROR(r.Integer("ppid", &p->ppid));
  PICKET_RETURN_IF_ERROR(r.Integer("uid", &p->uid));
  PICKET_RETURN_IF_ERROR(r.Integer("gid", &p->gid));
  PICKET_RETURN_IF_ERROR(r.OptionalString("user", &p->user));
  PICKET_RETURN_IF_ERROR(r.OptionalString("comm", &p->comm));
  PICKET_RETURN_IF_ERROR(r.OptionalString("exe", &p->exe));
  PICKET_RETURN_IF_ERROR(r.Bool("exe_deleted", &p->exe_deleted));
  PICKET_RETURN_IF_ERROR(r.OptionalStrings("argv", &p->argv));
  PICKET_RETURN_IF_ERROR(r.OptionalString("cwd", &p->cwd));
  PICKET_RETURN_IF_ERROR(r.OptionalTime("start_time", &p->start_time_ns));
  PICKET_RETURN_IF_ERROR(r.Integer("exe_dev", &p->exe_dev));
  PICKET_RETURN_IF_ERROR(r.Integer("exe_inode", &p->exe_inode));
  PICKET_RETURN_IF_ERROR(r.OptionalString("exe_fs_type", &p->exe_fs_type));
  PICKET_RETURN_IF_ERROR(
      r.Bool("exe_dir_writable_by_all", &p->exe_dir_writable_by_all));
  PICKET_RETURN_IF_ERROR(r.OptionalString("sha256", &p->sha256));
  PICKET_RETURN_IF_ERROR(r.Bool("partial", &p->partial));
  return r.Finish();
}

Status ReadProcessEvent(const JsonValue& v, const std::string& path,
                        EventType type, ProcessEvent* p) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  PICKET_RETURN_IF_ERROR(r.String("source", &p->source));
  const JsonValue* process = nullptr;
  PICKET_RETURN_IF_ERROR(r.Require("process", &process));
  PICKET_RETURN_IF_ERROR(
      ReadProcessInfo(*process, r.Path("process"), &p->process));
  if (type == EventType::kProcessFork) {
    PICKET_RETURN_IF_ERROR(r.Integer("parent_pid", &p->parent_pid));
  } else {
    PICKET_RETURN_IF_ERROR(r.Forbid("parent_pid", "only in process.fork"));
  }
  if (type == EventType::kProcessExit) {
    PICKET_RETURN_IF_ERROR(r.Integer("exit_code", &p->exit_code));
  } else {
    PICKET_RETURN_IF_ERROR(r.Forbid("exit_code", "only in process.exit"));
  }
  if (type == EventType::kProcessChanged) {
    PICKET_RETURN_IF_ERROR(r.String("change", &p->change));
  } else {
    PICKET_RETURN_IF_ERROR(r.Forbid("change", "only in process.changed"));
  }
  return r.Finish();
}

Status ReadNetworkEvent(const JsonValue& v, const std::string& path,
                        EventType type, NetworkEvent* n) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  const bool connection = type == EventType::kNetworkConnection;
  constexpr std::string_view kConnectionOnly = "only in network.connection";
  PICKET_RETURN_IF_ERROR(r.OptionalString("protocol", &n->protocol));
  PICKET_RETURN_IF_ERROR(r.OptionalString("direction", &n->direction));
  PICKET_RETURN_IF_ERROR(r.OptionalString("local_address", &n->local_address));
  PICKET_RETURN_IF_ERROR(r.Integer("local_port", &n->local_port));
  if (connection) {
    PICKET_RETURN_IF_ERROR(
        r.OptionalString("remote_address", &n->remote_address));
    PICKET_RETURN_IF_ERROR(r.Integer("remote_port", &n->remote_port));
  } else {
    PICKET_RETURN_IF_ERROR(r.Forbid("remote_address", kConnectionOnly));
    PICKET_RETURN_IF_ERROR(r.Forbid("remote_port", kConnectionOnly));
  }
  if (IsIcmp(n->protocol)) {
    PICKET_RETURN_IF_ERROR(r.Integer("icmp_type", &n->icmp_type));
    PICKET_RETURN_IF_ERROR(r.Integer("icmp_code", &n->icmp_code));
  } else {
    constexpr std::string_view kIcmpOnly =
        "only when protocol is icmp or icmpv6";
    PICKET_RETURN_IF_ERROR(r.Forbid("icmp_type", kIcmpOnly));
    PICKET_RETURN_IF_ERROR(r.Forbid("icmp_code", kIcmpOnly));
  }
  if (connection) {
    PICKET_RETURN_IF_ERROR(r.OptionalString("remote_name", &n->remote_name));
  } else {
    PICKET_RETURN_IF_ERROR(r.Forbid("remote_name", kConnectionOnly));
  }
  PICKET_RETURN_IF_ERROR(r.OptionalString("state", &n->state));
  PICKET_RETURN_IF_ERROR(r.Integer("pid", &n->pid));
  PICKET_RETURN_IF_ERROR(r.Integer("uid", &n->uid));
  PICKET_RETURN_IF_ERROR(r.OptionalString("exe", &n->exe));
  if (connection) {
    PICKET_RETURN_IF_ERROR(r.Integer("count", &n->count));
    PICKET_RETURN_IF_ERROR(r.Integer("bytes_in", &n->bytes_in));
    PICKET_RETURN_IF_ERROR(r.Integer("bytes_out", &n->bytes_out));
  } else {
    for (std::string_view name : {"count", "bytes_in", "bytes_out"}) {
      PICKET_RETURN_IF_ERROR(r.Forbid(name, kConnectionOnly));
    }
  }
  PICKET_RETURN_IF_ERROR(r.OptionalTime("first_seen", &n->first_seen_ns));
  PICKET_RETURN_IF_ERROR(r.OptionalTime("last_seen", &n->last_seen_ns));
  PICKET_RETURN_IF_ERROR(r.OptionalString("source", &n->source));
  return r.Finish();
}

Status ReadDnsEvent(const JsonValue& v, const std::string& path, DnsEvent* d) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  PICKET_RETURN_IF_ERROR(r.OptionalString("query", &d->query));
  PICKET_RETURN_IF_ERROR(r.OptionalString("qtype", &d->qtype));
  PICKET_RETURN_IF_ERROR(r.OptionalString("rcode", &d->rcode));
  PICKET_RETURN_IF_ERROR(r.OptionalStrings("addresses", &d->addresses));
  PICKET_RETURN_IF_ERROR(r.OptionalStrings("cnames", &d->cnames));
  PICKET_RETURN_IF_ERROR(r.Integer("ttl", &d->ttl));
  PICKET_RETURN_IF_ERROR(r.OptionalString("server", &d->server));
  PICKET_RETURN_IF_ERROR(r.OptionalString("client", &d->client));
  PICKET_RETURN_IF_ERROR(r.OptionalString("source", &d->source));
  return r.Finish();
}

Status ReadLoginEvent(const JsonValue& v, const std::string& path,
                      LoginEvent* l) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  PICKET_RETURN_IF_ERROR(r.OptionalString("service", &l->service));
  PICKET_RETURN_IF_ERROR(r.OptionalString("user", &l->user));
  PICKET_RETURN_IF_ERROR(r.OptionalString("by_user", &l->by_user));
  PICKET_RETURN_IF_ERROR(
      r.OptionalString("source_address", &l->source_address));
  PICKET_RETURN_IF_ERROR(r.Integer("source_port", &l->source_port));
  PICKET_RETURN_IF_ERROR(r.OptionalString("method", &l->method));
  PICKET_RETURN_IF_ERROR(r.OptionalString("tty", &l->tty));
  PICKET_RETURN_IF_ERROR(r.Integer("pid", &l->pid));
  // Mostly for failures, but a success can carry "no_shell".
  PICKET_RETURN_IF_ERROR(r.OptionalString("reason", &l->reason));
  PICKET_RETURN_IF_ERROR(r.OptionalString("origin", &l->origin));
  PICKET_RETURN_IF_ERROR(r.OptionalTime("log_time", &l->log_time_ns));
  PICKET_RETURN_IF_ERROR(r.OptionalString("message", &l->message));
  return r.Finish();
}

Status ReadPostureResult(const JsonValue& v, const std::string& path,
                         PostureResult* p) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  PICKET_RETURN_IF_ERROR(r.OptionalString("policy", &p->policy));
  PICKET_RETURN_IF_ERROR(r.OptionalString("check_id", &p->check_id));
  PICKET_RETURN_IF_ERROR(r.OptionalString("title", &p->title));
  PICKET_RETURN_IF_ERROR(r.OptionalString("result", &p->result));
  PICKET_RETURN_IF_ERROR(r.OptionalString("previous", &p->previous));
  PICKET_RETURN_IF_ERROR(r.Severity("severity", &p->severity));
  PICKET_RETURN_IF_ERROR(r.OptionalString("description", &p->description));
  PICKET_RETURN_IF_ERROR(r.OptionalString("rationale", &p->rationale));
  PICKET_RETURN_IF_ERROR(r.OptionalString("remediation", &p->remediation));
  PICKET_RETURN_IF_ERROR(r.OptionalStrings("references", &p->references));
  PICKET_RETURN_IF_ERROR(r.OptionalStrings("evidence", &p->evidence));
  PICKET_RETURN_IF_ERROR(r.OptionalString("reason", &p->reason));
  return r.Finish();
}

Status ReadPostureSummary(const JsonValue& v, const std::string& path,
                          PostureSummary* p) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  PICKET_RETURN_IF_ERROR(r.OptionalString("policy", &p->policy));
  PICKET_RETURN_IF_ERROR(r.Integer("score", &p->score));
  PICKET_RETURN_IF_ERROR(r.Integer("passed", &p->passed));
  PICKET_RETURN_IF_ERROR(r.Integer("failed", &p->failed));
  PICKET_RETURN_IF_ERROR(r.Integer("not_applicable", &p->not_applicable));
  PICKET_RETURN_IF_ERROR(r.Integer("errors", &p->errors));
  PICKET_RETURN_IF_ERROR(r.Integer("duration_ms", &p->duration_ms));
  return r.Finish();
}

// Names are data, so paths quote them: details["feed"].
Status ReadDetails(const JsonValue& v, const std::string& path,
                   std::vector<std::pair<std::string, std::string>>* out) {
  // Repeats are checked below, to name them like the other members.
  PICKET_RETURN_IF_ERROR(CheckObject(v, path, /*allow_duplicates=*/true));
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string key;
    PICKET_RETURN_IF_ERROR(ReadString(it->name, path, &key));
    const std::string key_path = path + "[" + Quote(key) + "]";
    for (const auto& [seen, unused] : *out) {
      if (seen == key) return FieldError(key_path, "duplicate field");
    }
    std::string value;
    PICKET_RETURN_IF_ERROR(ReadString(it->value, key_path, &value));
    out->emplace_back(std::move(key), std::move(value));
  }
  return Status::Ok();
}

Status ReadEvent(const JsonValue& v, const std::string& path, int depth,
                 Event* out);

Status ReadAlert(const JsonValue& v, const std::string& path, int depth,
                 Alert* a) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  PICKET_RETURN_IF_ERROR(r.String("alert", &a->type_id));
  PICKET_RETURN_IF_ERROR(r.Severity("severity", &a->severity));
  PICKET_RETURN_IF_ERROR(r.String("title", &a->title));
  PICKET_RETURN_IF_ERROR(r.String("description", &a->description));
  PICKET_RETURN_IF_ERROR(r.String("remediation", &a->remediation));
  PICKET_RETURN_IF_ERROR(r.String("detector", &a->detector));
  PICKET_RETURN_IF_ERROR(r.String("dedup_key", &a->dedup_key));
  PICKET_RETURN_IF_ERROR(r.OptionalString("incident", &a->incident));
  a->details.clear();
  if (const JsonValue* details = r.Find("details")) {
    PICKET_RETURN_IF_ERROR(
        ReadDetails(*details, r.Path("details"), &a->details));
  }
  a->evidence.reset();
  if (const JsonValue* evidence = r.Find("evidence")) {
    const std::string evidence_path = r.Path("evidence");
    if (depth + 1 > kMaxEvidenceDepth) {
      return FieldError(evidence_path, "evidence nested too deeply");
    }
    auto event = std::make_shared<Event>();
    PICKET_RETURN_IF_ERROR(
        ReadEvent(*evidence, evidence_path, depth + 1, event.get()));
    a->evidence = std::move(event);
  }
  return r.Finish();
}

Status ReadAgentStatus(const JsonValue& v, const std::string& path,
                       AgentStatus* s) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  PICKET_RETURN_IF_ERROR(r.String("component", &s->component));
  PICKET_RETURN_IF_ERROR(r.String("state", &s->state));
  PICKET_RETURN_IF_ERROR(r.String("detail", &s->detail));
  return r.Finish();
}

// Component and counter names may repeat: they are lists in the C++ model and
// are read back as such, so that every Statistics value round-trips.
Status ReadStatistics(const JsonValue& v, const std::string& path,
                      Statistics* s) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  PICKET_RETURN_IF_ERROR(r.Integer("uptime_ms", &s->uptime_ms));
  const JsonValue* components = nullptr;
  PICKET_RETURN_IF_ERROR(r.Require("components", &components));
  const std::string components_path = r.Path("components");
  PICKET_RETURN_IF_ERROR(CheckObject(*components, components_path,
                                     /*allow_duplicates=*/true));
  s->components.clear();
  for (auto it = components->MemberBegin(); it != components->MemberEnd();
       ++it) {
    ComponentStats c;
    PICKET_RETURN_IF_ERROR(ReadString(it->name, components_path, &c.name));
    const std::string component_path =
        components_path + "[" + Quote(c.name) + "]";
    PICKET_RETURN_IF_ERROR(CheckObject(it->value, component_path,
                                       /*allow_duplicates=*/true));
    for (auto ct = it->value.MemberBegin(); ct != it->value.MemberEnd(); ++ct) {
      std::string name;
      PICKET_RETURN_IF_ERROR(ReadString(ct->name, component_path, &name));
      uint64_t value = 0;
      PICKET_RETURN_IF_ERROR(ReadInteger(
          ct->value, component_path + "[" + Quote(name) + "]", &value));
      c.counters.emplace_back(std::move(name), value);
    }
    s->components.push_back(std::move(c));
  }
  return r.Finish();
}

Status ReadHeartbeat(const JsonValue& v, const std::string& path,
                     Heartbeat* h) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);
  PICKET_RETURN_IF_ERROR(r.Integer("uptime_ms", &h->uptime_ms));
  PICKET_RETURN_IF_ERROR(r.String("version", &h->version));
  PICKET_RETURN_IF_ERROR(r.String("config_version", &h->config_version));
  PICKET_RETURN_IF_ERROR(r.Integer("events", &h->events));
  PICKET_RETURN_IF_ERROR(r.Integer("alerts", &h->alerts));
  return r.Finish();
}

Status ReadEvent(const JsonValue& v, const std::string& path, int depth,
                 Event* out) {
  PICKET_RETURN_IF_ERROR(CheckObject(v, path));
  ObjectReader r(v, path);

  const JsonValue* version = nullptr;
  PICKET_RETURN_IF_ERROR(r.Require("v", &version));
  int64_t v_number = 0;
  PICKET_RETURN_IF_ERROR(ReadInteger(*version, r.Path("v"), &v_number));
  if (v_number != kEventSchemaVersion) {
    return FieldError(r.Path("v"),
                      "unsupported schema version " + std::to_string(v_number) +
                          " (this build reads " +
                          std::to_string(kEventSchemaVersion) + ")");
  }

  PICKET_RETURN_IF_ERROR(r.String("device", &out->device_id));
  PICKET_RETURN_IF_ERROR(r.String("id", &out->id));
  std::string time;
  PICKET_RETURN_IF_ERROR(r.String("time", &time));
  if (!ParseEventTime(time, &out->time_ns)) {
    return FieldError(r.Path("time"), "expected an RFC 3339 timestamp");
  }
  std::string type;
  PICKET_RETURN_IF_ERROR(r.String("type", &type));
  if (!ParseEventType(type, &out->type)) {
    return FieldError(r.Path("type"), "unknown event type " + Quote(type));
  }
  std::string priority;
  PICKET_RETURN_IF_ERROR(r.String("priority", &priority));
  if (!ParsePriority(priority, &out->priority)) {
    return FieldError(r.Path("priority"),
                      "unknown priority " + Quote(priority));
  }

  const JsonValue* payload = nullptr;
  PICKET_RETURN_IF_ERROR(r.Require("payload", &payload));
  const std::string payload_path = r.Path("payload");
  switch (out->type) {
    case EventType::kProcessSnapshot:
    case EventType::kProcessFork:
    case EventType::kProcessExec:
    case EventType::kProcessExit:
    case EventType::kProcessChanged: {
      ProcessEvent p;
      PICKET_RETURN_IF_ERROR(
          ReadProcessEvent(*payload, payload_path, out->type, &p));
      out->payload = std::move(p);
      break;
    }
    case EventType::kAlert: {
      Alert a;
      PICKET_RETURN_IF_ERROR(ReadAlert(*payload, payload_path, depth, &a));
      out->payload = std::move(a);
      break;
    }
    case EventType::kAgentStatus: {
      AgentStatus s;
      PICKET_RETURN_IF_ERROR(ReadAgentStatus(*payload, payload_path, &s));
      out->payload = std::move(s);
      break;
    }
    case EventType::kStatistics: {
      Statistics s;
      PICKET_RETURN_IF_ERROR(ReadStatistics(*payload, payload_path, &s));
      out->payload = std::move(s);
      break;
    }
    case EventType::kNetworkConnection:
    case EventType::kNetworkListen: {
      NetworkEvent n;
      PICKET_RETURN_IF_ERROR(
          ReadNetworkEvent(*payload, payload_path, out->type, &n));
      out->payload = std::move(n);
      break;
    }
    case EventType::kNetworkDns: {
      DnsEvent d;
      PICKET_RETURN_IF_ERROR(ReadDnsEvent(*payload, payload_path, &d));
      out->payload = std::move(d);
      break;
    }
    case EventType::kLoginSuccess:
    case EventType::kLoginFailure:
    case EventType::kLogout: {
      LoginEvent l;
      PICKET_RETURN_IF_ERROR(ReadLoginEvent(*payload, payload_path, &l));
      out->payload = std::move(l);
      break;
    }
    case EventType::kPostureResult: {
      PostureResult p;
      PICKET_RETURN_IF_ERROR(ReadPostureResult(*payload, payload_path, &p));
      out->payload = std::move(p);
      break;
    }
    case EventType::kPostureSummary: {
      PostureSummary p;
      PICKET_RETURN_IF_ERROR(ReadPostureSummary(*payload, payload_path, &p));
      out->payload = std::move(p);
      break;
    }
    case EventType::kHeartbeat: {
      Heartbeat h;
      PICKET_RETURN_IF_ERROR(ReadHeartbeat(*payload, payload_path, &h));
      out->payload = std::move(h);
      break;
    }
  }
  return r.Finish();
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t bad = 0;
    const size_t len = Utf8SequenceAt(text, i, &bad);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string ToValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t bad = 0;
    const size_t len = Utf8SequenceAt(text, i, &bad);
    if (len > 0) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      i += bad;
    }
  }
  return out;
}

std::string FormatEventTime(int64_t time_ns) {
  const int64_t micros = FloorDiv(time_ns, 1000);
  const int64_t seconds = FloorDiv(micros, 1000000);
  const int64_t days = FloorDiv(seconds, 86400);
  const int64_t second_of_day = seconds - days * 86400;
  const std::chrono::year_month_day date{
      std::chrono::sys_days{std::chrono::days{days}}};
  char buf[64];
  std::snprintf(
      buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ",
      static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
      static_cast<unsigned>(date.day()), static_cast<int>(second_of_day / 3600),
      static_cast<int>(second_of_day / 60 % 60),
      static_cast<int>(second_of_day % 60),
      static_cast<int>(micros - seconds * 1000000));
  return buf;
}

bool ParseEventTime(std::string_view text, int64_t* time_ns) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ParseDigits(text, &pos, 4, &year) || !Consume(text, &pos, '-') ||
      !ParseDigits(text, &pos, 2, &month) || !Consume(text, &pos, '-') ||
      !ParseDigits(text, &pos, 2, &day) || !Consume(text, &pos, 'T') ||
      !ParseDigits(text, &pos, 2, &hour) || !Consume(text, &pos, ':') ||
      !ParseDigits(text, &pos, 2, &minute) || !Consume(text, &pos, ':') ||
      !ParseDigits(text, &pos, 2, &second)) {
    return false;
  }
  const std::chrono::year_month_day date{
      std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
      std::chrono::day{static_cast<unsigned>(day)}};
  // Unix time has no leap seconds, so :60 cannot be represented.
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return false;

  int64_t fraction_ns = 0;
  if (Consume(text, &pos, '.')) {
    int digits = 0;
    int64_t scale = 100000000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 9) return false;
      fraction_ns += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (digits == 0) return false;
  }

  int64_t offset_seconds = 0;
  if (Consume(text, &pos, 'Z')) {
    // UTC
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '+' ? 1 : -1;
    ++pos;
    int offset_hour = 0, offset_minute = 0;
    if (!ParseDigits(text, &pos, 2, &offset_hour) ||
        !Consume(text, &pos, ':') ||
        !ParseDigits(text, &pos, 2, &offset_minute) || offset_hour > 23 ||
        offset_minute > 59) {
      return false;
    }
    offset_seconds = sign * (offset_hour * 3600 + offset_minute * 60);
  } else {
    return false;
  }
  if (pos != text.size()) return false;

  const int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  const int64_t seconds =
      days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  int64_t ns = 0;
  if (__builtin_mul_overflow(seconds, int64_t{1000000000}, &ns) ||
      __builtin_add_overflow(ns, fraction_ns, &ns)) {
    return false;
  }
  *time_ns = ns;
  return true;
}

std::string EventToJson(const Event& event) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteEvent(w, event, 0);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status EventFromJson(std::string_view json, Event* out) {
  rapidjson::Document doc;
  // Iterative parsing keeps deeply nested hostile input off the call stack.
  doc.Parse<rapidjson::kParseIterativeFlag |
            rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument(
        "invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) +
        ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  Event event;
  PICKET_RETURN_IF_ERROR(ReadEvent(doc, "", 0, &event));
  *out = std::move(event);
  return Status::Ok();
}

}  // namespace picket

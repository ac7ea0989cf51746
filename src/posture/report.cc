#include "posture/report.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "core/event_json.h"
#include "picket/build_config.h"

namespace picket {

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

constexpr Severity kSeverityOrder[] = {Severity::kCritical, Severity::kHigh,
                                       Severity::kMedium, Severity::kLow,
                                       Severity::kInfo};
constexpr Verdict kVerdictOrder[] = {Verdict::kFail, Verdict::kError,
                                     Verdict::kPass, Verdict::kNotApplicable};

// Collapses whitespace (YAML block scalars keep their newlines) and wraps
// at `width`, every line starting with `indent`.
std::string Wrap(std::string_view text, size_t indent, size_t width) {
  std::string out;
  std::string pad(indent, ' ');
  size_t column = 0;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' ||
                               text[i] == '\t' || text[i] == '\r'))
      ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\n' &&
           text[i] != '\t' && text[i] != '\r')
      ++i;
    if (i == start) break;
    std::string_view word = text.substr(start, i - start);
    if (column == 0) {
      out += pad;
      column = indent;
    } else if (column + 1 + word.size() > width) {
      out += "\n" + pad;
      column = indent;
    } else {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string_view Label(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "PASS ";
    case Verdict::kFail:
      return "FAIL ";
    case Verdict::kNotApplicable:
      return "N/A  ";
    case Verdict::kError:
      return "ERROR";
  }
  return "?";
}

std::string_view Color(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "\033[32m";
    case Verdict::kFail:
      return "\033[1;31m";
    case Verdict::kNotApplicable:
      return "\033[2m";
    case Verdict::kError:
      return "\033[33m";
  }
  return "";
}

std::string Plural(uint32_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

void String(Writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  std::string valid = ToValidUtf8(value);
  w.String(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
}

void StringArray(Writer& w, std::string_view key,
                 const std::vector<std::string>& values) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.StartArray();
  for (const std::string& v : values) {
    std::string valid = ToValidUtf8(v);
    w.String(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
  }
  w.EndArray();
}

void Text(Writer& w, std::string_view key, std::string_view text) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.StartObject();
  String(w, "text", text);
  w.EndObject();
}

// SARIF levels for a failed check.
std::string_view SarifLevel(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh:
      return "error";
    case Severity::kMedium:
      return "warning";
    default:
      return "note";
  }
}

// GitHub code scanning's "security-severity" (CVSS-like 0.0 to 10.0).
std::string_view SecuritySeverity(Severity s) {
  switch (s) {
    case Severity::kCritical:
      return "9.5";
    case Severity::kHigh:
      return "8.0";
    case Severity::kMedium:
      return "5.5";
    case Severity::kLow:
      return "3.0";
    default:
      return "0.0";
  }
}

std::string_view SarifKind(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kNotApplicable:
      return "notApplicable";
    case Verdict::kError:
      return "open";
  }
  return "open";
}

std::string Message(const CheckResult& r) {
  const Check& c = *r.check;
  switch (r.verdict) {
    case Verdict::kFail:
      return c.title + " — failed" +
             (r.evidence.empty() ? "" : ": " + r.evidence.front());
    case Verdict::kError:
      return c.title + " — could not be evaluated: " + r.reason;
    case Verdict::kNotApplicable:
      return c.title + " — not applicable";
    case Verdict::kPass:
      return c.title + " — passed";
  }
  return c.title;
}

}  // namespace

std::string FormatTable(const ScanReport& report, const TableOptions& options) {
  const Policy& policy = *report.policy;
  std::string out;
  auto paint = [&](Verdict v, std::string_view text) {
    if (!options.color) return std::string(text);
    return std::string(Color(v)) + std::string(text) + "\033[0m";
  };
  out += "policy  " + policy.title + " (" + policy.id +
         (policy.version.empty() ? "" : " " + policy.version) + ")\n";
  std::string os = report.os_name.empty()
                       ? report.os_id + " " + report.os_version
                       : report.os_name;
  out += "target  " + report.root + " (" + os + ")\n";
  const ScanCounts& c = report.counts;
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.2f s",
                static_cast<double>(report.duration_ms) / 1000.0);
  out += "score   " + std::to_string(report.score) +
         "/100: " + Plural(c.failed, "failed", "failed") + ", " +
         Plural(c.passed, "passed", "passed") + ", " +
         Plural(c.errors, "error", "errors") + ", " +
         std::to_string(c.not_applicable) + " not applicable (" + duration +
         ")\n";
  if (!report.applicable) {
    out += "note    " + report.not_applicable_reason + "\n";
  }
  size_t id_width = 0;
  for (const CheckResult& r : report.results) {
    id_width = std::max(id_width, r.check->id.size());
  }
  for (Severity severity : kSeverityOrder) {
    std::vector<const CheckResult*> group;
    for (Verdict verdict : kVerdictOrder) {
      for (const CheckResult& r : report.results) {
        if (r.check->severity == severity && r.verdict == verdict) {
          group.push_back(&r);
        }
      }
    }
    if (group.empty()) continue;
    out += "\n" + Upper(SeverityName(severity)) + "\n";
    for (const CheckResult* r : group) {
      std::string id = r->check->id;
      id.resize(id_width, ' ');
      out += "  " + paint(r->verdict, Label(r->verdict)) + "  " + id + "  " +
             r->check->title + "\n";
      if (r->verdict == Verdict::kFail) {
        for (const std::string& e : r->evidence) {
          out += "         - " + e + "\n";
        }
        out += "         fix:\n" +
               Wrap(r->check->remediation, 11, options.width) + "\n";
      } else if (r->verdict == Verdict::kError) {
        out += "         reason: " + r->reason + "\n";
      }
    }
  }
  return out;
}

std::string FormatJson(const ScanReport& report) {
  const Policy& policy = *report.policy;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("policy");
  w.StartObject();
  String(w, "id", policy.id);
  String(w, "title", policy.title);
  String(w, "version", policy.version);
  String(w, "file", policy.file);
  w.EndObject();
  w.Key("target");
  w.StartObject();
  String(w, "root", report.root);
  String(w, "os_id", report.os_id);
  String(w, "os_version", report.os_version);
  String(w, "os_name", report.os_name);
  w.EndObject();
  w.Key("applicable");
  w.Bool(report.applicable);
  if (!report.applicable) {
    String(w, "not_applicable_reason", report.not_applicable_reason);
  }
  String(w, "started", FormatEventTime(report.started_ns));
  w.Key("duration_ms");
  w.Int64(report.duration_ms);
  w.Key("score");
  w.Uint(report.score);
  w.Key("counts");
  w.StartObject();
  w.Key("passed");
  w.Uint(report.counts.passed);
  w.Key("failed");
  w.Uint(report.counts.failed);
  w.Key("not_applicable");
  w.Uint(report.counts.not_applicable);
  w.Key("errors");
  w.Uint(report.counts.errors);
  w.Key("total");
  w.Uint(static_cast<unsigned>(report.results.size()));
  w.EndObject();
  w.Key("results");
  w.StartArray();
  for (const CheckResult& r : report.results) {
    const Check& c = *r.check;
    w.StartObject();
    String(w, "id", c.id);
    String(w, "title", c.title);
    String(w, "severity", SeverityName(c.severity));
    String(w, "result", VerdictName(r.verdict));
    StringArray(w, "evidence", r.evidence);
    if (r.verdict == Verdict::kError) String(w, "reason", r.reason);
    String(w, "description", c.description);
    String(w, "rationale", c.rationale);
    String(w, "remediation", c.remediation);
    StringArray(w, "references", c.references);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string FormatSarif(const ScanReport& report) {
  const Policy& policy = *report.policy;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  String(w, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  String(w, "version", "2.1.0");
  w.Key("runs");
  w.StartArray();
  w.StartObject();

  w.Key("tool");
  w.StartObject();
  w.Key("driver");
  w.StartObject();
  String(w, "name", "picket");
  String(w, "semanticVersion", PICKET_VERSION);
  String(w, "version", PICKET_VERSION);
  w.Key("rules");
  w.StartArray();
  for (const CheckResult& r : report.results) {
    const Check& c = *r.check;
    w.StartObject();
    String(w, "id", c.id);
    Text(w, "shortDescription", c.title);
    Text(w, "fullDescription", c.description.empty() ? c.title : c.description);
    Text(w, "help", c.remediation);
    w.Key("defaultConfiguration");
    w.StartObject();
    String(w, "level", SarifLevel(c.severity));
    w.EndObject();
    w.Key("properties");
    w.StartObject();
    String(w, "severity", SeverityName(c.severity));
    String(w, "security-severity", SecuritySeverity(c.severity));
    if (!c.rationale.empty()) String(w, "rationale", c.rationale);
    StringArray(w, "references", c.references);
    StringArray(w, "tags", {"security", "posture", policy.id});
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();  // driver
  w.EndObject();  // tool

  w.Key("automationDetails");
  w.StartObject();
  String(w, "id", "picket-scan/" + policy.id + "/");
  w.EndObject();

  w.Key("invocations");
  w.StartArray();
  w.StartObject();
  w.Key("executionSuccessful");
  w.Bool(!report.cancelled);
  String(w, "startTimeUtc", FormatEventTime(report.started_ns));
  String(w, "endTimeUtc",
         FormatEventTime(report.started_ns + report.duration_ms * 1000000));
  w.Key("toolExecutionNotifications");
  w.StartArray();
  for (size_t i = 0; i < report.results.size(); ++i) {
    const CheckResult& r = report.results[i];
    if (r.verdict != Verdict::kError) continue;
    w.StartObject();
    String(w, "level", "error");
    Text(w, "message", r.check->id + ": " + r.reason);
    w.Key("associatedRule");
    w.StartObject();
    String(w, "id", r.check->id);
    w.Key("index");
    w.Uint(static_cast<unsigned>(i));
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndArray();

  w.Key("results");
  w.StartArray();
  for (size_t i = 0; i < report.results.size(); ++i) {
    const CheckResult& r = report.results[i];
    w.StartObject();
    String(w, "ruleId", r.check->id);
    w.Key("ruleIndex");
    w.Uint(static_cast<unsigned>(i));
    String(w, "kind", SarifKind(r.verdict));
    String(
        w, "level",
        r.verdict == Verdict::kFail ? SarifLevel(r.check->severity) : "none");
    Text(w, "message", Message(r));
    w.Key("properties");
    w.StartObject();
    String(w, "result", VerdictName(r.verdict));
    StringArray(w, "evidence", r.evidence);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();

  w.Key("properties");
  w.StartObject();
  String(w, "policy", policy.id);
  String(w, "policyVersion", policy.version);
  String(w, "root", report.root);
  String(w, "os", report.os_id + " " + report.os_version);
  w.Key("score");
  w.Uint(report.score);
  w.EndObject();

  w.EndObject();  // run
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace picket

#include "detectors/baseline/baseline_yaml.h"

#include <charconv>
#include <set>
#include <utility>

#include "core/config.h"
#include "core/yaml_errors.h"
#include "core/yaml_reader.h"
#include "intel/allow_list.h"

namespace picket::baseline {
namespace {

constexpr size_t kMaxIdLength = 64;

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool ValidProtocol(std::string_view p) {
  return p == "tcp" || p == "udp" || p == "icmp" || p == "icmpv6";
}

// "554" or "8000-8100".
bool ParsePorts(std::string_view text, uint16_t* lo, uint16_t* hi) {
  auto number = [](std::string_view t, uint16_t* out) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size() || v > 65535) {
      return false;
    }
    *out = static_cast<uint16_t>(v);
    return true;
  };
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (!number(text, lo)) return false;
    *hi = *lo;
    return true;
  }
  return number(text.substr(0, dash), lo) &&
         number(text.substr(dash + 1), hi) && *lo <= *hi;
}

bool IsHex64(std::string& s) {
  if (s.size() != 64) return false;
  for (char& c : s) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A program or parent pattern: absolute, a glob allowed.
bool ProgramPattern(YamlFields& f, std::string_view key, bool required,
                    std::string* out) {
  return f.Path(key, required, out);
}

void Address(YamlFields& f, std::string_view key, bool logins,
             std::string* out) {
  const YamlMapping::Entry* entry = f.Take(key);
  if (entry == nullptr) return;
  if (!entry->value().IsScalar() || entry->value().Scalar().empty()) {
    f.Error(*entry, "expected an address, a CIDR or a domain name");
    return;
  }
  const std::string& text = entry->value().Scalar();
  std::string error;
  if (!(logins && text == "local") && !IsValidAllowEntry(text, &error)) {
    f.Error(*entry, error + (logins ? " (or \"local\")" : ""));
    return;
  }
  *out = text;
}

void PortKey(YamlFields& f, Item* item) {
  const YamlMapping::Entry* entry = f.Take("port");
  if (entry == nullptr) return;
  if (!entry->value().IsScalar() ||
      !ParsePorts(entry->value().Scalar(), &item->port_min, &item->port_max)) {
    f.Error(*entry, "expected a port (0 to 65535) or a range like 8000-8100");
  }
}

void ProtocolKey(YamlFields& f, Item* item) {
  if (f.String("protocol", false, &item->protocol) &&
      !ValidProtocol(item->protocol)) {
    const YamlMapping::Entry* entry = nullptr;
    for (const auto& e : f.entries()) {
      if (e.key == "protocol") entry = &e;
    }
    if (entry != nullptr) f.Error(*entry, "expected tcp, udp, icmp or icmpv6");
  }
}

// A scalar item in its short form.
bool ShortItem(Kind kind, const std::string& text, Item* item,
               std::string* why) {
  switch (kind) {
    case Kind::kPrograms:
      if (text.empty() || text[0] != '/') {
        *why = "expected an absolute program path (a glob allowed)";
        return false;
      }
      item->program = text;
      return true;
    case Kind::kParentChild:
      *why = "expected a mapping with parent and child";
      return false;
    case Kind::kListeners: {
      // "tcp/554", "udp/5000-5100", "any/22".
      size_t slash = text.find('/');
      std::string proto = text.substr(0, slash);
      if (slash == std::string::npos ||
          (proto != "any" && !ValidProtocol(proto)) ||
          !ParsePorts(std::string_view(text).substr(slash + 1), &item->port_min,
                      &item->port_max)) {
        *why = "expected protocol/port like tcp/554 or udp/5000-5100";
        return false;
      }
      if (proto != "any") item->protocol = proto;
      return true;
    }
    case Kind::kPeers:
    case Kind::kSources:
      if (!IsValidAllowEntry(text, why)) return false;
      item->address = text;
      return true;
    case Kind::kLogins:
      if (text.empty()) {
        *why = "expected a user name (a glob allowed)";
        return false;
      }
      item->user = text;
      return true;
    case Kind::kRange:
      break;
  }
  *why = "unexpected item";
  return false;
}

void ReadItem(Kind kind, const YamlNode& node, const std::string& path,
              ErrorList* errors, Item* item) {
  item->line = node.Mark().line + 1;
  if (node.IsScalar()) {
    std::string why;
    if (!ShortItem(kind, node.Scalar(), item, &why)) {
      errors->Add(node.Mark(), path, why);
    }
    return;
  }
  if (!node.IsMap()) {
    errors->Add(node.Mark(), path, "expected a string or a mapping");
    return;
  }
  YamlFields f(node, path, errors);
  switch (kind) {
    case Kind::kPrograms: {
      ProgramPattern(f, "program", true, &item->program);
      if (f.String("sha256", false, &item->sha256) && !IsHex64(item->sha256)) {
        errors->Add(node.Mark(), f.Join("sha256"),
                    "expected 64 hexadecimal digits");
      }
      break;
    }
    case Kind::kParentChild:
      ProgramPattern(f, "parent", true, &item->parent);
      ProgramPattern(f, "child", true, &item->program);
      break;
    case Kind::kListeners:
      ProtocolKey(f, item);
      PortKey(f, item);
      ProgramPattern(f, "program", false, &item->program);
      break;
    case Kind::kPeers:
    case Kind::kSources:
      Address(f, "address", false, &item->address);
      ProtocolKey(f, item);
      PortKey(f, item);
      ProgramPattern(f, "program", false, &item->program);
      break;
    case Kind::kLogins:
      f.String("user", false, &item->user);
      f.String("service", false, &item->service);
      Address(f, "source", true, &item->address);
      break;
    case Kind::kRange:
      break;
  }
  f.Finish();
}

void ReadCount(YamlFields& f, std::string_view key, bool* has, uint64_t* out) {
  const YamlMapping::Entry* entry = f.Take(key);
  if (entry == nullptr) return;
  uint64_t v = 0;
  bool ok = false;
  if (entry->value().IsScalar()) {
    const std::string& t = entry->value().Scalar();
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    ok = ec == std::errc() && end == t.data() + t.size();
    if (!ok) ok = ParseByteSize(t, &v);  // 50MiB for the byte counters
  }
  if (!ok) {
    f.Error(*entry, "expected a non-negative integer (or a size like 50MiB)");
    return;
  }
  *has = true;
  *out = v;
}

void ReadRule(YamlFields& f, ErrorList* errors, Rule* r) {
  r->line = f.mark().line + 1;
  if (f.String("id", true, &r->id) && !ValidId(r->id)) {
    errors->Add(f.mark(), f.Join("id"),
                "expected a lowercase id of letters, digits, '.', '_', '-' "
                "(at most 64)");
  }
  const YamlMapping::Entry* kind_entry = f.Take("kind", true);
  bool kind_ok = false;
  if (kind_entry != nullptr) {
    kind_ok = kind_entry->value().IsScalar() &&
              ParseKind(kind_entry->value().Scalar(), &r->kind, &r->deny);
    if (!kind_ok) {
      f.Error(*kind_entry,
              "expected allowed_ or denied_ followed by programs, "
              "parent_child, listeners, peers, sources or logins; or range");
    }
  }
  f.String("title", false, &r->title);
  f.String("description", false, &r->description);
  f.String("remediation", false, &r->remediation);
  std::string severity;
  if (f.Enum("severity", {"info", "low", "medium", "high", "critical"},
             &severity)) {
    ParseSeverity(severity, &r->severity);
  }
  if (!kind_ok) {
    // Its other keys cannot be judged: not reported as unknown either.
    for (const auto& e : f.entries()) f.Take(e.key);
    return;
  }
  if (r->kind == Kind::kRange) {
    const YamlMapping::Entry* c = f.Take("counter", true);
    if (c != nullptr && (!c->value().IsScalar() ||
                         !ParseCounter(c->value().Scalar(), &r->counter))) {
      std::string names;
      for (Counter each : AllCounters()) {
        if (!names.empty()) names += ", ";
        names += CounterName(each);
      }
      f.Error(*c, "expected one of " + names);
    }
    const YamlMapping::Entry* w = f.Take("window", true);
    if (w != nullptr) {
      int64_t ms = 0;
      if (!w->value().IsScalar() ||
          !ParseDurationMs(w->value().Scalar(), &ms) || ms < kMinWindowMs ||
          ms > kMaxWindowMs) {
        f.Error(*w, "expected a duration from 1m to 1d");
      } else {
        r->window_ms = ms;
      }
    }
    ReadCount(f, "min", &r->has_min, &r->min);
    ReadCount(f, "max", &r->has_max, &r->max);
    if (!r->has_min && !r->has_max) {
      errors->Add(f.mark(), f.path(), "a range needs min, max or both");
    } else if (r->has_min && r->has_max && r->min > r->max) {
      errors->Add(f.mark(), f.path(), "min is above max");
    }
    return;
  }
  const YamlMapping::Entry* items = f.Take("items", true);
  if (items == nullptr) return;
  if (items->value().IsNull()) return;  // an empty set: nothing allowed
  if (!items->value().IsSequence()) {
    f.Error(*items, "expected a list of items");
    return;
  }
  if (items->value().size() > kMaxItemsPerRule) {
    f.Error(*items, "more than " + std::to_string(kMaxItemsPerRule) + " items");
    return;
  }
  size_t index = 0;
  for (const YamlNode& node : items->value()) {
    Item item;
    ReadItem(r->kind, node,
             f.Join("items") + "[" + std::to_string(index++) + "]", errors,
             &item);
    r->items.push_back(std::move(item));
  }
}

// Text YAML reads back as exactly `s`.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string PortText(const Item& item) {
  if (item.port_min == item.port_max) return std::to_string(item.port_min);
  return std::to_string(item.port_min) + "-" + std::to_string(item.port_max);
}

void WriteItem(Kind kind, const Item& item, std::string* out) {
  std::string fields;
  auto add = [&](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    if (!fields.empty()) fields += ", ";
    fields += std::string(key) + ": " + Quote(value);
  };
  switch (kind) {
    case Kind::kPrograms:
      if (item.sha256.empty()) {
        *out += "      - " + Quote(item.program) + "\n";
        return;
      }
      add("program", item.program);
      add("sha256", item.sha256);
      break;
    case Kind::kParentChild:
      add("parent", item.parent);
      add("child", item.program);
      break;
    case Kind::kListeners:
    case Kind::kPeers:
    case Kind::kSources:
      add("address", item.address);
      add("protocol", item.protocol);
      if (!item.any_port()) add("port", PortText(item));
      add("program", item.program);
      break;
    case Kind::kLogins:
      add("user", item.user);
      add("service", item.service);
      add("source", item.address);
      break;
    case Kind::kRange:
      return;
  }
  *out += "      - {" + fields + "}\n";
}

}  // namespace

Result<Baseline> ParseBaseline(std::string_view yaml_text,
                               std::string_view file_name) {
  ErrorList errors(file_name);
  Baseline b;
  b.file = std::string(file_name);
  YamlNode root;
  if (ParseYaml(yaml_text, &errors, &root)) {
    if (!root.IsMap()) {
      errors.Add(root.Mark(), "",
                 "expected a baseline: a mapping with group, version, rules");
    } else {
      YamlFields f(root, "", &errors);
      f.String("group", true, &b.group);
      f.String("version", true, &b.version);
      std::string ignored;
      f.String("description", false, &ignored);
      const YamlMapping::Entry* rules = f.Take("rules", true);
      if (rules != nullptr && !rules->value().IsNull()) {
        if (!rules->value().IsSequence()) {
          f.Error(*rules, "expected a list of rules");
        } else if (rules->value().size() > kMaxRules) {
          f.Error(*rules, "more than " + std::to_string(kMaxRules) + " rules");
        } else {
          std::set<std::string, std::less<>> ids;
          size_t index = 0;
          for (const YamlNode& node : rules->value()) {
            std::string path = "rules[" + std::to_string(index++) + "]";
            if (!node.IsMap()) {
              errors.Add(node.Mark(), path, "expected a mapping (a rule)");
              continue;
            }
            YamlFields rf(node, path, &errors);
            Rule r;
            ReadRule(rf, &errors, &r);
            rf.Finish();
            if (!r.id.empty() && !ids.insert(r.id).second) {
              errors.Add(node.Mark(), path + ".id",
                         "duplicate rule id \"" + r.id + "\"");
            }
            b.rules.push_back(std::move(r));
          }
        }
      }
      f.Finish();
    }
  }
  if (!errors.empty()) return errors.ToStatus();
  return b;
}

std::string WriteBaseline(const Baseline& b, const WriteNotes& notes) {
  std::string out;
  for (const std::string& line : notes.header) out += "# " + line + "\n";
  out += "group: " + Quote(b.group) + "\n";
  out += "version: " + Quote(b.version) + "\n";
  out += "rules:\n";
  if (b.rules.empty()) out = out.substr(0, out.size() - 1) + " []\n";
  for (const Rule& r : b.rules) {
    auto it = notes.rules.find(r.id);
    if (it != notes.rules.end()) {
      for (const std::string& line : it->second) out += "  # " + line + "\n";
    }
    out += "  - id: " + Quote(r.id) + "\n";
    out += "    kind: " + KindName(r.kind, r.deny) + "\n";
    if (!r.title.empty()) out += "    title: " + Quote(r.title) + "\n";
    if (!r.description.empty()) {
      out += "    description: " + Quote(r.description) + "\n";
    }
    out += "    severity: " + std::string(SeverityName(r.severity)) + "\n";
    if (!r.remediation.empty()) {
      out += "    remediation: " + Quote(r.remediation) + "\n";
    }
    if (r.kind == Kind::kRange) {
      out += "    counter: " + std::string(CounterName(r.counter)) + "\n";
      out += "    window: " + FormatDurationMs(r.window_ms) + "\n";
      if (r.has_min) out += "    min: " + std::to_string(r.min) + "\n";
      if (r.has_max) out += "    max: " + std::to_string(r.max) + "\n";
      continue;
    }
    if (r.items.empty()) {
      out += "    items: []\n";
      continue;
    }
    out += "    items:\n";
    for (const Item& item : r.items) WriteItem(r.kind, item, &out);
  }
  return out;
}

}  // namespace picket::baseline

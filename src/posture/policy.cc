#include "posture/policy.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

#include "core/config.h"
#include "core/yaml_errors.h"
#include "core/yaml_reader.h"
#include "platform/linux/files.h"

namespace picket {

namespace {

constexpr size_t kMaxPolicyFileBytes = 4 << 20;
// Deeper nesting is never needed and would let a hostile file recurse the
// loader (and the evaluator) without bound.
constexpr int kMaxConditionDepth = 16;
constexpr size_t kMaxChecks = 5000;
constexpr size_t kMaxCheckIdLength = 64;
constexpr int64_t kMaxCommandTimeoutMs = 300000;
constexpr uint64_t kMaxCommandOutput = 1 << 20;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ParseVerdict(std::string_view text, Verdict* out) {
  static constexpr std::pair<std::string_view, Verdict> kNames[] = {
      {"pass", Verdict::kPass},
      {"fail", Verdict::kFail},
      {"not_applicable", Verdict::kNotApplicable},
      {"error", Verdict::kError}};
  for (const auto& [name, verdict] : kNames) {
    if (text == name) {
      *out = verdict;
      return true;
    }
  }
  return false;
}

// Octal permission bits: "0640", "640", "4755". At most 07777.
bool ParseMode(std::string_view text, uint32_t* out) {
  if (text.empty() || text.size() > 5) return false;
  uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return false;
    mode = mode * 8 + static_cast<uint32_t>(c - '0');
  }
  if (mode > 07777) return false;
  *out = mode;
  return true;
}

// Reads one mapping of a policy: YamlMapping's strictness (unknown and
// duplicate keys, suggestions) with the policy's value kinds.
class Fields : public YamlFields {
 public:
  using YamlFields::YamlFields;

  bool OptionalBool(std::string_view key, std::optional<bool>* out) {
    bool value = false;
    if (!Bool(key, &value)) return false;
    *out = value;
    return true;
  }

  void VerdictKey(std::string_view key, Verdict* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return;
    if (!entry->value().IsScalar() ||
        !ParseVerdict(entry->value().Scalar(), out)) {
      Error(*entry, "expected one of pass, fail, not_applicable, error");
    }
  }

  // A list of non-empty strings; a single scalar is a one-item list.
  // `absolute` additionally requires each to start with '/'.
  bool PortList(std::string_view key, std::vector<uint16_t>* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return false;
    std::vector<uint16_t> ports;
    auto add = [&](const YamlNode& item) {
      int64_t port = 0;
      bool ok = false;
      if (item.IsScalar()) {
        const std::string& text = item.Scalar();
        auto [end, ec] =
            std::from_chars(text.data(), text.data() + text.size(), port);
        ok = ec == std::errc() && end == text.data() + text.size() &&
             port >= 1 && port <= 65535;
      }
      if (ok) ports.push_back(static_cast<uint16_t>(port));
      return ok;
    };
    bool ok = true;
    if (entry->value().IsSequence()) {
      for (const YamlNode& item : entry->value()) ok &= add(item);
    } else {
      ok = add(entry->value());
    }
    if (!ok) {
      Error(*entry, "expected a list of port numbers (1 to 65535)");
      return false;
    }
    *out = std::move(ports);
    return true;
  }

  bool RegexKey(std::string_view key, bool required, bool ignore_case,
                std::shared_ptr<const Regex>* out) {
    const Entry* entry = Take(key, required);
    if (entry == nullptr) return false;
    std::string message;
    if (!CheckString(entry->value(), &message)) {
      Error(*entry, message);
      return false;
    }
    auto re = Regex::Compile(entry->value().Scalar(), ignore_case);
    if (!re.ok()) {
      Error(*entry, re.status().message());
      return false;
    }
    *out = std::move(re.value());
    return true;
  }

  bool Number(std::string_view key, std::optional<NumberTest>* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return false;
    NumberTest test;
    if (!entry->value().IsScalar() ||
        !ParseNumberTest(entry->value().Scalar(), &test)) {
      Error(*entry,
            "expected a comparison like \"<= 365\" (<, <=, >, >=, ==, !=)");
      return false;
    }
    *out = test;
    return true;
  }

  bool Mode(std::string_view key, std::optional<uint32_t>* out) {
    const Entry* entry = Take(key);
    if (entry == nullptr) return false;
    uint32_t mode = 0;
    if (!entry->value().IsScalar() ||
        !ParseMode(entry->value().Scalar(), &mode)) {
      Error(*entry, "expected octal permission bits like \"0640\"");
      return false;
    }
    *out = mode;
    return true;
  }

  // The value tests shared by sysctl and sshd rules.
  void Value(ValueTest* out, bool required) {
    Bool("ignore_case", &out->ignore_case);
    const Entry* equals = Take("equals");
    if (equals != nullptr) {
      if (equals->value().IsScalar()) {
        out->equals = equals->value().Scalar();  // "" is a valid expectation
      } else {
        Error(*equals, "expected a string");
      }
    }
    StringList("one_of", false, false, &out->one_of);
    StringList("none_of", false, false, &out->none_of);
    Number("number", &out->number);
    RegexKey("matches", false, out->ignore_case, &out->matches);
    RegexKey("not_matches", false, out->ignore_case, &out->not_matches);
    if (required && out->empty()) {
      errors()->Add(mark(), path(),
                    "expected a value test: equals, one_of, none_of, number, "
                    "matches or not_matches");
    }
  }
};

// --- Rule readers: one per kind, each consuming its keys from `f`.

void ReadFileRule(Fields& f, FileRule* r) {
  f.Path("path", true, &r->path);
  f.Bool("exists", &r->exists);
  f.Enum("type", {"file", "directory", "symlink"}, &r->type);
  f.Mode("mode_max", &r->mode_max);
  f.Mode("mode", &r->mode);
  f.StringList("owner", false, false, &r->owner);
  f.StringList("group", false, false, &r->group);
  f.VerdictKey("missing", &r->missing);
  if (!r->exists && (r->mode_max || r->mode || !r->owner.empty() ||
                     !r->group.empty() || !r->type.empty())) {
    f.errors()->Add(f.mark(), f.path(),
                    "exists: false cannot be combined with type, mode, "
                    "mode_max, owner or group");
  }
}

void ReadFileContentRule(Fields& f, FileContentRule* r) {
  f.Path("path", true, &r->path);
  bool ignore_case = false;
  f.Bool("ignore_case", &ignore_case);
  f.RegexKey("line", true, ignore_case, &r->line);
  f.Bool("present", &r->present);
  f.Number("number", &r->number);
  f.Bool("redact", &r->redact);
  f.VerdictKey("missing", &r->missing);
  if (r->number && !r->present) {
    f.errors()->Add(f.mark(), f.path(),
                    "number needs present: true (it tests matching lines)");
  }
}

bool ParseFinding(std::string_view text, Finding* out) {
  static constexpr std::pair<std::string_view, Finding> kNames[] = {
      {"world_writable_files", Finding::kWorldWritableFile},
      {"world_writable_directories", Finding::kWorldWritableDirectory},
      {"suid", Finding::kSuid},
      {"sgid", Finding::kSgid},
      {"unowned", Finding::kUnowned}};
  for (const auto& [name, finding] : kNames) {
    if (text == name) {
      *out = finding;
      return true;
    }
  }
  return false;
}

void ReadDirectoryRule(Fields& f, DirectoryRule* r) {
  f.StringList("paths", true, true, &r->paths);
  std::vector<std::string> find;
  if (f.StringList("find", true, false, &find)) {
    for (const std::string& name : find) {
      Finding finding;
      if (!ParseFinding(name, &finding)) {
        f.errors()->Add(f.mark(), f.Join("find"),
                        "unknown finding \"" + name +
                            "\"; expected world_writable_files, "
                            "world_writable_directories, suid, sgid, unowned");
        continue;
      }
      r->find.push_back(finding);
    }
  }
  f.StringList("allow", false, true, &r->allow);
  f.StringList("exclude", false, true, &r->exclude);
  f.VerdictKey("missing", &r->missing);
}

void ReadSysctlRule(Fields& f, SysctlRule* r) {
  f.String("key", true, &r->key);
  if (r->key.find('/') != std::string::npos ||
      r->key.find("..") != std::string::npos) {
    f.errors()->Add(f.mark(), f.Join("key"),
                    "expected a dotted sysctl name like net.ipv4.ip_forward");
  }
  f.Value(&r->value, true);
  f.VerdictKey("missing", &r->missing);
}

void ReadKernelModuleRule(Fields& f, KernelModuleRule* r) {
  f.String("name", true, &r->name);
  f.OptionalBool("loaded", &r->loaded);
  f.OptionalBool("disabled", &r->disabled);
  f.OptionalBool("blacklisted", &r->blacklisted);
  if (!r->loaded && !r->disabled && !r->blacklisted) {
    f.errors()->Add(f.mark(), f.path(),
                    "expected at least one of loaded, disabled, blacklisted");
  }
}

void ReadMountRule(Fields& f, MountRule* r) {
  f.Path("path", true, &r->path);
  f.StringList("options", false, false, &r->options);
  f.VerdictKey("missing", &r->missing);
}

void ReadProcessRule(Fields& f, ProcessRule* r) {
  f.StringList("names", true, false, &r->names);
  f.Bool("running", &r->running);
  f.RegexKey("cmdline", false, false, &r->cmdline);
  f.RegexKey("unless_cmdline", false, false, &r->unless_cmdline);
}

void ReadPackageRule(Fields& f, PackageRule* r) {
  f.StringList("names", true, false, &r->names);
  f.Bool("installed", &r->installed);
  f.VerdictKey("missing", &r->missing);
}

void ReadListeningRule(Fields& f, ListeningRule* r) {
  f.Enum("protocol", {"tcp", "udp", "any"}, &r->protocol);
  f.PortList("ports", &r->ports);
  f.PortList("except_ports", &r->except_ports);
  f.Enum("bind", {"any", "wildcard", "non_loopback"}, &r->bind);
  f.Bool("listening", &r->listening);
}

void ReadFirewallRule(Fields& f, FirewallRule* r) {
  f.Enum("hook", {"input", "forward", "output"}, &r->hook);
  f.Bool("filtering", &r->filtering);
  f.Enum("policy", {"drop", "accept"}, &r->policy);
  f.Int("min_rules", 0, 1 << 20, &r->min_rules);
  if (!r->filtering && r->policy.empty() && r->min_rules == 0) {
    f.errors()->Add(f.mark(), f.path(),
                    "expected at least one of filtering, policy, min_rules");
  }
}

void ReadAccountsRule(Fields& f, AccountsRule* r) {
  static constexpr std::pair<std::string_view, AccountsTest> kTests[] = {
      {"uid0_only_root", AccountsTest::kUid0OnlyRoot},
      {"no_empty_passwords", AccountsTest::kNoEmptyPasswords},
      {"passwords_shadowed", AccountsTest::kPasswordsShadowed},
      {"no_duplicate_uids", AccountsTest::kNoDuplicateUids},
      {"no_duplicate_gids", AccountsTest::kNoDuplicateGids},
      {"no_duplicate_user_names", AccountsTest::kNoDuplicateUserNames},
      {"no_duplicate_group_names", AccountsTest::kNoDuplicateGroupNames},
      {"system_accounts_no_login", AccountsTest::kSystemAccountsNoLogin},
      {"root_primary_group", AccountsTest::kRootPrimaryGroup},
      {"groups_exist", AccountsTest::kGroupsExist},
      {"shadow_group_empty", AccountsTest::kShadowGroupEmpty},
      {"no_legacy_plus_entries", AccountsTest::kNoLegacyPlusEntries},
  };
  const Fields::Entry* entry = f.Take("test", true);
  if (entry != nullptr) {
    bool found = false;
    if (entry->value().IsScalar()) {
      for (const auto& [name, test] : kTests) {
        if (entry->value().Scalar() == name) {
          r->test = test;
          found = true;
        }
      }
    }
    if (!found) {
      std::string names;
      for (const auto& [name, test] : kTests) {
        if (!names.empty()) names += ", ";
        names += name;
      }
      f.Error(*entry, "expected one of " + names);
    }
  }
  f.StringList("allow", false, false, &r->allow);
}

void ReadSshdRule(Fields& f, SshdRule* r) {
  f.String("key", true, &r->key);
  r->value.ignore_case = true;  // sshd keywords and values are
  f.Value(&r->value, true);
  f.VerdictKey("missing", &r->missing);
  f.VerdictKey("unset", &r->unset);
}

void ReadDefaultCredentialsRule(Fields& f, DefaultCredentialsRule* r) {
  f.StringList("allow", false, false, &r->allow);
}

void ReadCommandRule(Fields& f, CommandRule* r) {
  if (f.StringList("argv", true, false, &r->argv) && !r->argv.empty() &&
      r->argv[0][0] != '/') {
    f.errors()->Add(f.mark(), f.Join("argv"),
                    "argv[0] must be an absolute path (no PATH search, no "
                    "shell)");
  }
  f.Duration("timeout", 1, kMaxCommandTimeoutMs, &r->timeout_ms);
  f.Size("max_output", 1, kMaxCommandOutput, &r->max_output);
  int exit_code = 0;
  if (f.Int("exit_code", 0, 255, &exit_code)) r->exit_code = exit_code;
  f.RegexKey("output_matches", false, false, &r->output_matches);
  f.RegexKey("output_lacks", false, false, &r->output_lacks);
  f.VerdictKey("missing", &r->missing);
  if (!r->exit_code && !r->output_matches && !r->output_lacks) {
    f.errors()->Add(f.mark(), f.path(),
                    "expected at least one of exit_code, output_matches, "
                    "output_lacks");
  }
}

void ReadOsRule(Fields& f, OsRule* r) {
  f.StringList("ids", true, false, &r->ids);
  f.StringList("versions", false, false, &r->versions);
}

template <typename R>
using ReadFn = void (*)(Fields&, R*);

struct RuleKind {
  std::string_view name;
  bool (*read)(Fields&, Rule*);
};

template <typename R, ReadFn<R> Fn>
bool ReadInto(Fields& f, Rule* out) {
  R rule;
  Fn(f, &rule);
  *out = std::move(rule);
  return true;
}

// In the order of the Rule variant, so RuleKindName can index it.
constexpr RuleKind kRuleKinds[] = {
    {"file", ReadInto<FileRule, ReadFileRule>},
    {"file_content", ReadInto<FileContentRule, ReadFileContentRule>},
    {"directory", ReadInto<DirectoryRule, ReadDirectoryRule>},
    {"sysctl", ReadInto<SysctlRule, ReadSysctlRule>},
    {"kernel_module", ReadInto<KernelModuleRule, ReadKernelModuleRule>},
    {"mount", ReadInto<MountRule, ReadMountRule>},
    {"process", ReadInto<ProcessRule, ReadProcessRule>},
    {"package", ReadInto<PackageRule, ReadPackageRule>},
    {"listening", ReadInto<ListeningRule, ReadListeningRule>},
    {"firewall", ReadInto<FirewallRule, ReadFirewallRule>},
    {"accounts", ReadInto<AccountsRule, ReadAccountsRule>},
    {"sshd", ReadInto<SshdRule, ReadSshdRule>},
    {"default_credentials",
     ReadInto<DefaultCredentialsRule, ReadDefaultCredentialsRule>},
    {"command", ReadInto<CommandRule, ReadCommandRule>},
    {"os", ReadInto<OsRule, ReadOsRule>},
};
static_assert(std::size(kRuleKinds) == std::variant_size_v<Rule>);

std::string ConditionKeys() {
  std::string out = "all, any, not";
  for (const RuleKind& kind : kRuleKinds) {
    out += ", ";
    out += kind.name;
  }
  return out;
}

bool ReadCondition(const YamlNode& node, const YAML::Mark& key_mark,
                   const std::string& path, int depth, ErrorList* errors,
                   Condition* out);

bool ReadConditionList(const YamlNode& node, const YAML::Mark& key_mark,
                       const std::string& path, int depth, ErrorList* errors,
                       std::vector<Condition>* out) {
  if (!node.IsSequence() || node.size() == 0) {
    errors->Add(key_mark, path, "expected a non-empty list of conditions");
    return false;
  }
  bool ok = true;
  size_t index = 0;
  for (const YamlNode& item : node) {
    Condition child;
    if (ReadCondition(item, item.Mark(),
                      path + "[" + std::to_string(index) + "]", depth + 1,
                      errors, &child)) {
      out->push_back(std::move(child));
    } else {
      ok = false;
    }
    ++index;
  }
  return ok;
}

bool ReadCondition(const YamlNode& node, const YAML::Mark& key_mark,
                   const std::string& path, int depth, ErrorList* errors,
                   Condition* out) {
  if (depth > kMaxConditionDepth) {
    errors->Add(key_mark, path,
                "conditions nested deeper than " +
                    std::to_string(kMaxConditionDepth) + " levels");
    return false;
  }
  if (!node.IsMap() || node.size() != 1) {
    errors->Add(node.IsMap() && node.size() > 0 ? node.Mark() : key_mark, path,
                "expected a mapping with exactly one of " + ConditionKeys());
    return false;
  }
  const YamlNode& key = node.Key(0);
  const YamlNode& value = node.Value(0);
  if (!key.IsScalar()) {
    errors->Add(key.Mark(), path, "keys must be plain strings");
    return false;
  }
  const std::string& name = key.Scalar();
  std::string child_path = path.empty() ? name : path + "." + name;
  out->line = key.Mark().line + 1;
  if (name == "all" || name == "any") {
    out->kind = name == "all" ? Condition::Kind::kAll : Condition::Kind::kAny;
    return ReadConditionList(value, key.Mark(), child_path, depth, errors,
                             &out->children);
  }
  if (name == "not") {
    out->kind = Condition::Kind::kNot;
    Condition child;
    if (!ReadCondition(value, key.Mark(), child_path, depth + 1, errors,
                       &child)) {
      return false;
    }
    out->children.push_back(std::move(child));
    return true;
  }
  for (const RuleKind& kind : kRuleKinds) {
    if (name != kind.name) continue;
    out->kind = Condition::Kind::kRule;
    if (!value.IsMap()) {
      if (value.IsNull() && name == "default_credentials") {
        out->rule = DefaultCredentialsRule{};
        return true;
      }
      errors->Add(key.Mark(), child_path,
                  "expected a mapping of the rule's keys");
      return false;
    }
    Fields f(value, child_path, errors);
    kind.read(f, &out->rule);
    f.Finish();
    return true;
  }
  errors->Add(key.Mark(), child_path,
              "unknown condition; expected one of " + ConditionKeys());
  return false;
}

bool ValidCheckId(std::string_view id) {
  if (id.empty() || id.size() > kMaxCheckIdLength) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!alnum(id[0])) return false;
  for (char c : id) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

void ReadConditionKey(Fields& f, std::string_view key, bool required,
                      std::optional<Condition>* out) {
  const Fields::Entry* entry = f.Take(key, required);
  if (entry == nullptr) return;
  Condition condition;
  if (ReadCondition(entry->value(), entry->key_mark, f.Join(key), 0, f.errors(),
                    &condition)) {
    *out = std::move(condition);
  }
}

void ReadCheck(Fields& f, Check* c) {
  c->line = f.mark().line + 1;
  if (f.String("id", true, &c->id) && !ValidCheckId(c->id)) {
    f.errors()->Add(f.mark(), f.Join("id"),
                    "expected a lowercase id of letters, digits, '.', '_', "
                    "'-' (at most 64)");
  }
  f.String("title", true, &c->title);
  f.String("description", false, &c->description);
  f.String("rationale", false, &c->rationale);
  f.String("remediation", true, &c->remediation);
  std::string severity;
  if (f.Enum("severity", {"info", "low", "medium", "high", "critical"},
             &severity)) {
    ParseSeverity(severity, &c->severity);
  } else if (std::none_of(
                 f.entries().begin(), f.entries().end(),
                 [](const Fields::Entry& e) { return e.key == "severity"; })) {
    f.errors()->Add(f.mark(), f.path(), "missing required key \"severity\"");
  }
  f.StringList("references", false, false, &c->references);
  ReadConditionKey(f, "applies_if", false, &c->applies_if);
  std::optional<Condition> condition;
  ReadConditionKey(f, "condition", true, &condition);
  if (condition) c->condition = std::move(*condition);
}

void ReadPolicy(const YamlNode& root, ErrorList* errors, Policy* p) {
  if (!root.IsMap()) {
    errors->Add(root.Mark(), "",
                "expected a mapping (key: value lines) at the top level");
    return;
  }
  Fields f(root, "", errors);
  if (f.String("id", true, &p->id) && !ValidCheckId(p->id)) {
    errors->Add(f.mark(), "id",
                "expected a lowercase id of letters, digits, '.', '_', '-'");
  }
  f.String("title", true, &p->title);
  f.String("version", false, &p->version);
  f.String("description", false, &p->description);
  if (const Fields::Entry* applies = f.Take("applies_to")) {
    if (!applies->value().IsMap()) {
      f.Error(*applies, "expected a mapping (os_ids, versions)");
    } else {
      Fields a(applies->value(), "applies_to", errors);
      a.StringList("os_ids", false, false, &p->os_ids);
      a.StringList("versions", false, false, &p->versions);
      a.Finish();
    }
  }
  const Fields::Entry* checks = f.Take("checks", true);
  if (checks != nullptr) {
    if (!checks->value().IsSequence() || checks->value().size() == 0) {
      f.Error(*checks, "expected a non-empty list of checks");
    } else if (checks->value().size() > kMaxChecks) {
      f.Error(*checks, "more than " + std::to_string(kMaxChecks) + " checks");
    } else {
      std::map<std::string, int, std::less<>> seen;
      size_t index = 0;
      for (const YamlNode& item : checks->value()) {
        std::string path = "checks[" + std::to_string(index++) + "]";
        if (!item.IsMap()) {
          errors->Add(item.Mark(), path, "expected a mapping (a check)");
          continue;
        }
        Fields c(item, path, errors);
        Check check;
        ReadCheck(c, &check);
        c.Finish();
        if (!check.id.empty()) {
          auto [it, inserted] = seen.emplace(check.id, check.line);
          if (!inserted) {
            errors->Add(item.Mark(), path + ".id",
                        "duplicate check id \"" + check.id +
                            "\" (first on line " + std::to_string(it->second) +
                            ")");
          }
        }
        p->checks.push_back(std::move(check));
      }
    }
  }
  f.Finish();
}

}  // namespace

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kNotApplicable:
      return "not_applicable";
    case Verdict::kError:
      return "error";
  }
  return "error";
}

std::string_view FindingName(Finding finding) {
  switch (finding) {
    case Finding::kWorldWritableFile:
      return "world-writable file";
    case Finding::kWorldWritableDirectory:
      return "world-writable directory without sticky bit";
    case Finding::kSuid:
      return "SUID";
    case Finding::kSgid:
      return "SGID";
    case Finding::kUnowned:
      return "unowned";
  }
  return "";
}

std::string_view RuleKindName(const Rule& rule) {
  return kRuleKinds[rule.index()].name;
}

bool NumberTest::Accepts(int64_t x) const {
  switch (op) {
    case Op::kLt:
      return x < value;
    case Op::kLe:
      return x <= value;
    case Op::kGt:
      return x > value;
    case Op::kGe:
      return x >= value;
    case Op::kEq:
      return x == value;
    case Op::kNe:
      return x != value;
  }
  return false;
}

std::string NumberTest::ToString() const {
  static constexpr const char* kOps[] = {"<", "<=", ">", ">=", "==", "!="};
  return std::string(kOps[static_cast<int>(op)]) + " " + std::to_string(value);
}

bool ParseNumberTest(std::string_view text, NumberTest* out) {
  static constexpr std::pair<std::string_view, NumberTest::Op> kOps[] = {
      {"<=", NumberTest::Op::kLe}, {">=", NumberTest::Op::kGe},
      {"==", NumberTest::Op::kEq}, {"!=", NumberTest::Op::kNe},
      {"<", NumberTest::Op::kLt},  {">", NumberTest::Op::kGt},
      {"=", NumberTest::Op::kEq}};
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  NumberTest test;
  bool found = false;
  for (const auto& [name, op] : kOps) {
    if (text.starts_with(name)) {
      test.op = op;
      text.remove_prefix(name.size());
      found = true;
      break;
    }
  }
  if (!found) return false;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), test.value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  *out = test;
  return true;
}

namespace {

bool SameText(std::string_view a, std::string_view b, bool ignore_case) {
  if (!ignore_case) return a == b;
  return Lower(a) == Lower(b);
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

bool ValueTest::Accepts(std::string_view value, std::string* why) const {
  if (equals && !SameText(value, *equals, ignore_case)) {
    *why = "expected \"" + *equals + "\"";
    return false;
  }
  if (!one_of.empty() &&
      std::none_of(one_of.begin(), one_of.end(), [&](const std::string& s) {
        return SameText(value, s, ignore_case);
      })) {
    *why = "expected one of " + Joined(one_of);
    return false;
  }
  for (const std::string& s : none_of) {
    if (SameText(value, s, ignore_case)) {
      *why = "must not be " + s;
      return false;
    }
  }
  if (number) {
    int64_t x = 0;
    auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), x);
    if (ec != std::errc() || end != value.data() + value.size()) {
      *why = "expected a number " + number->ToString();
      return false;
    }
    if (!number->Accepts(x)) {
      *why = "expected " + number->ToString();
      return false;
    }
  }
  if (matches && !matches->Search(value)) {
    *why = "expected to match /" + matches->pattern() + "/";
    return false;
  }
  if (not_matches && not_matches->Search(value)) {
    *why = "must not match /" + not_matches->pattern() + "/";
    return false;
  }
  return true;
}

std::string ValueTest::ToString() const {
  std::vector<std::string> parts;
  if (equals) parts.push_back("\"" + *equals + "\"");
  if (!one_of.empty()) parts.push_back("one of " + Joined(one_of));
  if (!none_of.empty()) parts.push_back("none of " + Joined(none_of));
  if (number) parts.push_back(number->ToString());
  if (matches) parts.push_back("/" + matches->pattern() + "/");
  if (not_matches) parts.push_back("not /" + not_matches->pattern() + "/");
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += " and ";
    out += part;
  }
  return out;
}

Result<Policy> ParsePolicy(std::string_view yaml_text,
                           std::string_view file_name) {
  ErrorList errors(file_name);
  Policy policy;
  policy.file = std::string(file_name);
  YamlNode root;
  if (ParseYaml(yaml_text, &errors, &root)) {
    if (root.IsNull()) {
      errors.Add(root.Mark(), "", "empty policy: expected id, title, checks");
    } else {
      ReadPolicy(root, &errors, &policy);
    }
  }
  if (!errors.empty()) return errors.ToStatus();
  return policy;
}

Result<Policy> LoadPolicyFile(const std::string& path) {
  // The policy decides which commands a root scan runs: only root or the
  // agent's user may be able to change it.
  Result<std::string> text =
      ReadTrustedFile(path, kMaxPolicyFileBytes, "policy");
  if (!text.ok()) return text.status();
  return ParsePolicy(*text, path);
}

}  // namespace picket

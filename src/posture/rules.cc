#include "posture/rules.h"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "posture/default_credentials.h"
#include "posture/text.h"

namespace picket {

namespace {

constexpr size_t kMaxEvidenceText = 200;

std::string Octal(uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

std::string Clip(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxEvidenceText)) {
    out += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? '?' : c;
  }
  if (text.size() > kMaxEvidenceText) out += "...";
  return out;
}

std::string BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path
                                                     : path.substr(slash + 1));
}

Outcome Pass(std::vector<std::string> evidence = {}) {
  return {Verdict::kPass, std::move(evidence), ""};
}
Outcome Fail(std::vector<std::string> evidence) {
  return {Verdict::kFail, std::move(evidence), ""};
}
Outcome Error(std::string reason) { return {Verdict::kError, {}, reason}; }
Outcome Missing(Verdict verdict, std::string what) {
  Outcome out{verdict, {what}, ""};
  if (verdict == Verdict::kError) out.reason = what;
  return out;
}

// ---------------------------------------------------------------- file

std::string UserName(ScanContext& ctx, uint32_t uid) {
  const auto& db = ctx.Accounts();
  if (db.ok()) {
    for (const PasswdEntry& e : db->passwd) {
      if (!e.legacy && e.uid == uid) return e.name;
    }
  }
  return std::to_string(uid);
}

std::string GroupName(ScanContext& ctx, uint32_t gid) {
  const auto& db = ctx.Accounts();
  if (db.ok()) {
    for (const GroupEntry& e : db->groups) {
      if (!e.legacy && e.gid == gid) return e.name;
    }
  }
  return std::to_string(gid);
}

// True when `id` is one of `names` (account names or numbers).
bool IdMatches(uint32_t id, const std::vector<std::string>& names,
               const std::string& name) {
  for (const std::string& n : names) {
    uint32_t numeric = 0;
    if (ParseUint(n, &numeric) ? numeric == id : n == name) return true;
  }
  return false;
}

std::string_view TypeName(FileInfo::Type type) {
  switch (type) {
    case FileInfo::Type::kFile:
      return "file";
    case FileInfo::Type::kDirectory:
      return "directory";
    case FileInfo::Type::kSymlink:
      return "symlink";
    default:
      return "special file";
  }
}

Outcome EvalFile(const FileRule& r, ScanContext& ctx) {
  auto matches = GlobPaths(ctx.host(), r.path);
  if (!matches.ok()) return Error(Explain(matches.status()));
  if (!r.exists) {
    if (matches->empty()) return Pass({r.path + ": absent"});
    std::vector<std::string> evidence;
    for (const std::string& path : *matches)
      evidence.push_back(path + ": exists");
    return Fail(std::move(evidence));
  }
  if (matches->empty()) return Missing(r.missing, r.path + ": not found");
  std::vector<std::string> good, bad;
  for (const std::string& path : *matches) {
    auto info = ctx.host().Stat(path, r.type != "symlink");
    if (!info.ok()) return Error(Explain(info.status()));
    std::string user = UserName(ctx, info->uid);
    std::string group = GroupName(ctx, info->gid);
    std::string facts = path + ": " + std::string(TypeName(info->type)) +
                        ", mode " + Octal(info->mode) + ", owner " + user +
                        ":" + group;
    std::vector<std::string> problems;
    if (!r.type.empty() && TypeName(info->type) != r.type) {
      problems.push_back("expected a " + r.type);
    }
    if (r.mode_max && (info->mode & ~*r.mode_max) != 0) {
      problems.push_back("expected mode " + Octal(*r.mode_max) +
                         " or stricter");
    }
    if (r.mode && info->mode != *r.mode) {
      problems.push_back("expected mode " + Octal(*r.mode));
    }
    if (!r.owner.empty() && !IdMatches(info->uid, r.owner, user)) {
      problems.push_back("expected owner " + Join(r.owner, " or "));
    }
    if (!r.group.empty() && !IdMatches(info->gid, r.group, group)) {
      problems.push_back("expected group " + Join(r.group, " or "));
    }
    if (problems.empty()) {
      good.push_back(std::move(facts));
    } else {
      bad.push_back(facts + " (" + Join(problems, "; ") + ")");
    }
  }
  if (!bad.empty()) return Fail(std::move(bad));
  return Pass(std::move(good));
}

// -------------------------------------------------------- file_content

Outcome EvalFileContent(const FileContentRule& r, ScanContext& ctx) {
  auto matches = GlobPaths(ctx.host(), r.path);
  if (!matches.ok()) return Error(Explain(matches.status()));
  std::vector<std::string> files;
  for (const std::string& path : *matches) {
    auto info = ctx.host().Stat(path, true);
    if (info.ok() && info->type == FileInfo::Type::kFile) files.push_back(path);
  }
  if (files.empty()) return Missing(r.missing, r.path + ": not found");
  std::vector<std::string> hits, bad_numbers;
  std::vector<std::string> groups;
  auto line_re = r.line->NewMatcher();
  for (const std::string& path : files) {
    auto text = ctx.host().ReadFile(path, kMaxConfigBytes);
    if (!text.ok()) return Error(Explain(text.status()));
    std::string_view rest = *text;
    int number = 0;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view()
                                          : rest.substr(nl + 1);
      ++number;
      if (!line_re->Search(line, &groups)) continue;
      std::string where = path + ":" + std::to_string(number) + ": ";
      if (!r.redact) {
        where += Clip(Trim(line));
      } else if (groups.size() > 1) {
        where += Clip(groups[1]) + " (rest of the line not shown)";
      } else {
        where += "(line not shown)";
      }
      if (r.number) {
        int64_t value = 0;
        std::string_view captured =
            groups.size() > 1 ? std::string_view(groups[1]) : "";
        auto [end, ec] = std::from_chars(
            captured.data(), captured.data() + captured.size(), value);
        if (ec != std::errc() || end != captured.data() + captured.size()) {
          bad_numbers.push_back(where + " (no number captured)");
          continue;
        }
        if (!r.number->Accepts(value)) {
          bad_numbers.push_back(where + " (expected " + r.number->ToString() +
                                ")");
          continue;
        }
      }
      hits.push_back(std::move(where));
    }
  }
  if (!r.present) {
    if (hits.empty()) {
      return Pass({"no line matches /" + r.line->pattern() + "/ in " +
                   Join(files, ", ")});
    }
    return Fail(std::move(hits));
  }
  if (!bad_numbers.empty()) return Fail(std::move(bad_numbers));
  if (hits.empty()) {
    return Fail({"no line matches /" + r.line->pattern() + "/ in " +
                 Join(files, ", ")});
  }
  return Pass(std::move(hits));
}

// ----------------------------------------------------------- directory

Outcome EvalDirectory(const DirectoryRule& r, ScanContext& ctx) {
  std::vector<std::string> findings;
  std::vector<std::string> searched;
  uint64_t entries = 0;
  uint64_t unreadable = 0;
  std::vector<std::pair<std::string, uint64_t>> walked;
  for (const std::string& start : r.paths) {
    const ScanContext::WalkResult& walk = ctx.Walk(start, r.exclude);
    if (walk.missing) continue;
    if (!walk.status.ok()) return Error(start + ": " + Explain(walk.status));
    // /tmp is listed for when it is its own file system; when it is not,
    // the walk of / went through it already.
    bool covered = false;
    for (const auto& [earlier, dev] : walked) {
      if (PathUnder(start, earlier) && dev == walk.dev) covered = true;
    }
    if (covered) continue;
    walked.emplace_back(start, walk.dev);
    searched.push_back(start);
    entries += walk.entries;
    unreadable += walk.unreadable;
    for (const ScanContext::Found& f : walk.found) {
      if (std::find(r.find.begin(), r.find.end(), f.finding) == r.find.end()) {
        continue;
      }
      bool allowed = false;
      for (const std::string& pattern : r.allow) {
        if (fnmatch(pattern.c_str(), f.path.c_str(), 0) == 0) allowed = true;
      }
      if (allowed) continue;
      findings.push_back(std::string(FindingName(f.finding)) + " " + f.path +
                         " (mode " + Octal(f.info.mode) + ", owner " +
                         UserName(ctx, f.info.uid) + ":" +
                         GroupName(ctx, f.info.gid) + ")");
    }
  }
  if (searched.empty()) {
    return Missing(r.missing, Join(r.paths, ", ") + ": not found");
  }
  std::sort(findings.begin(), findings.end());
  findings.erase(std::unique(findings.begin(), findings.end()), findings.end());
  if (!findings.empty()) return Fail(std::move(findings));
  std::vector<std::string> kinds;
  for (Finding f : r.find) kinds.emplace_back(FindingName(f));
  std::string summary = "no " + Join(kinds, ", ") + " entries";
  if (!r.allow.empty()) summary += " outside the allow list";
  summary += " under " + Join(searched, ", ") + " (" + std::to_string(entries) +
             " entries examined";
  if (unreadable > 0) {
    summary += ", " + std::to_string(unreadable) + " directories unreadable";
  }
  summary += ")";
  return Pass({summary});
}

// -------------------------------------------------------------- sysctl

Outcome EvalSysctl(const SysctlRule& r, ScanContext& ctx) {
  std::string path = "/proc/sys/" + r.key;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  auto text = ctx.host().ReadFile(path, 64 << 10);
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) {
      return Missing(r.missing, r.key + ": not present in this kernel");
    }
    return Error(Explain(text.status()));
  }
  // Multi-valued sysctls are tab-separated; compare them space-separated.
  std::string value(Trim(*text));
  std::replace(value.begin(), value.end(), '\t', ' ');
  std::string why;
  if (r.value.Accepts(value, &why)) return Pass({r.key + " = " + value});
  return Fail({r.key + " = " + value + " (" + why + ")"});
}

// ------------------------------------------------------- kernel_module

Outcome EvalKernelModule(const KernelModuleRule& r, ScanContext& ctx) {
  std::string name = NormalizeModuleName(r.name);
  bool loaded = ctx.LoadedModules().count(name) > 0;
  bool builtin = ctx.BuiltinModules().count(name) > 0;
  bool available = ctx.AvailableModules().count(name) > 0;
  const ModprobeConfig& conf = ctx.Modprobe();
  auto install = conf.install.find(name);
  bool install_blocks =
      install != conf.install.end() && InstallCommandDisables(install->second);
  bool blacklisted = conf.blacklisted.count(name) > 0;

  std::vector<std::string> good, bad;
  if (r.loaded) {
    bool is = loaded || builtin;
    std::string fact = builtin  ? r.name + " is built into the kernel"
                       : loaded ? r.name + " is loaded"
                                : r.name + " is not loaded";
    (is == *r.loaded ? good : bad).push_back(fact);
  }
  if (r.disabled) {
    bool disabled = !builtin && (install_blocks || !available);
    std::string fact;
    if (builtin) {
      fact = r.name + " is built in and cannot be disabled";
    } else if (install_blocks) {
      fact = r.name + " is disabled (install " + install->second + ")";
    } else if (!available) {
      fact = r.name + " is not available in this kernel";
    } else {
      fact = r.name + " can be loaded (no \"install " + r.name +
             " /bin/false\" in modprobe.d)";
    }
    (disabled == *r.disabled ? good : bad).push_back(fact);
  }
  if (r.blacklisted) {
    std::string fact =
        r.name + (blacklisted ? " is blacklisted" : " is not blacklisted");
    (blacklisted == *r.blacklisted ? good : bad).push_back(fact);
  }
  if (!bad.empty()) return Fail(std::move(bad));
  return Pass(std::move(good));
}

// --------------------------------------------------------------- mount

Outcome EvalMount(const MountRule& r, ScanContext& ctx) {
  const auto& mounts = ctx.Mounts();
  if (!mounts.ok()) return Error(Explain(mounts.status()));
  const MountEntry* entry = nullptr;
  for (const MountEntry& m : *mounts) {
    if (m.mount_point == r.path) entry = &m;  // the last mount wins
  }
  if (entry == nullptr) {
    return Missing(r.missing, r.path + ": not a separate mount");
  }
  std::string facts =
      r.path + ": " + entry->fs_type + " mounted " + Join(entry->options, ",");
  std::vector<std::string> absent;
  for (const std::string& option : r.options) {
    if (std::find(entry->options.begin(), entry->options.end(), option) ==
        entry->options.end()) {
      absent.push_back(option);
    }
  }
  if (!absent.empty()) {
    return Fail({facts + " (missing " + Join(absent, ", ") + ")"});
  }
  return Pass({facts});
}

// ------------------------------------------------------------- process

Outcome EvalProcess(const ProcessRule& r, ScanContext& ctx) {
  const auto& processes = ctx.Processes();
  if (!processes.ok()) return Error(Explain(processes.status()));
  std::vector<std::string> found;
  auto cmdline = r.cmdline ? r.cmdline->NewMatcher() : nullptr;
  auto unless = r.unless_cmdline ? r.unless_cmdline->NewMatcher() : nullptr;
  for (const ProcessSummary& p : *processes) {
    std::string argv0 = BaseName(p.cmdline.substr(0, p.cmdline.find(' ')));
    std::string exe = BaseName(p.exe);
    bool named = false;
    for (const std::string& n : r.names) {
      if (n == p.comm || n == argv0 || n == exe) named = true;
    }
    if (!named) continue;
    if (cmdline && !cmdline->Search(p.cmdline)) continue;
    if (unless && unless->Search(p.cmdline)) continue;
    found.push_back(p.comm + " (pid " + std::to_string(p.pid) + "): " +
                    Clip(p.cmdline.empty() ? "[" + p.comm + "]" : p.cmdline));
  }
  std::string what = Join(r.names, ", ");
  if (r.running) {
    if (found.empty()) return Fail({"no " + what + " process running"});
    return Pass(std::move(found));
  }
  if (!found.empty()) return Fail(std::move(found));
  return Pass({"no " + what + " process running"});
}

// ------------------------------------------------------------- package

Outcome EvalPackage(const PackageRule& r, ScanContext& ctx) {
  const auto& packages = ctx.Packages();
  if (!packages.ok()) {
    if (packages.status().code() == Status::Code::kNotFound) {
      return Missing(r.missing, "no package database (dpkg, opkg, apk)");
    }
    return Error(Explain(packages.status()));
  }
  std::vector<std::string> installed;
  for (const std::string& name : r.names) {
    if (packages->count(name)) installed.push_back(name);
  }
  std::string source = " (" + ctx.package_sources() + ")";
  if (r.installed) {
    if (installed.empty()) {
      return Fail(
          {"none of " + Join(r.names, ", ") + " is installed" + source});
    }
    return Pass({Join(installed, ", ") + " installed" + source});
  }
  if (!installed.empty()) {
    std::vector<std::string> evidence;
    for (const std::string& name : installed) {
      evidence.push_back(name + " is installed" + source);
    }
    return Fail(std::move(evidence));
  }
  return Pass({"none of " + Join(r.names, ", ") + " is installed" + source});
}

// ----------------------------------------------------------- listening

Outcome EvalListening(const ListeningRule& r, ScanContext& ctx) {
  const auto& listeners = ctx.Listeners();
  if (!listeners.ok()) return Error(Explain(listeners.status()));
  std::vector<std::string> found;
  for (const Listener& l : *listeners) {
    if (r.protocol != "any" && l.protocol != r.protocol) continue;
    if (!r.ports.empty() &&
        std::find(r.ports.begin(), r.ports.end(), l.port) == r.ports.end()) {
      continue;
    }
    if (std::find(r.except_ports.begin(), r.except_ports.end(), l.port) !=
        r.except_ports.end()) {
      continue;
    }
    if (r.bind == "wildcard" && !l.wildcard()) continue;
    if (r.bind == "non_loopback" && l.loopback()) continue;
    std::string owner = ctx.SocketOwner(l.inode);
    found.push_back(l.ToString() + (owner.empty() ? "" : " (" + owner + ")"));
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::string what = r.protocol == "any" ? "tcp/udp" : r.protocol;
  if (!r.ports.empty()) {
    std::vector<std::string> ports;
    for (uint16_t p : r.ports) ports.push_back(std::to_string(p));
    what += " port " + Join(ports, ", ");
  }
  if (r.bind == "wildcard") what += " on all interfaces";
  if (r.bind == "non_loopback") what += " outside loopback";
  if (r.listening) {
    if (found.empty()) return Fail({"nothing listening: " + what});
    return Pass(std::move(found));
  }
  if (!found.empty()) return Fail(std::move(found));
  return Pass({"nothing listening: " + what});
}

// ------------------------------------------------------------ firewall

Outcome EvalFirewall(const FirewallRule& r, ScanContext& ctx) {
  const auto& fw = ctx.Firewall();
  std::vector<const FirewallChain*> chains;
  std::string source;
  if (fw.ok()) {
    source = fw->source;
    for (const FirewallChain& c : fw->chains) {
      if (c.Filters(r.hook)) chains.push_back(&c);
    }
  } else if (fw.status().code() != Status::Code::kNotFound) {
    return Error(Explain(fw.status()));
  }
  std::vector<std::string> facts;
  uint32_t rules = 0;
  bool dropping = false;
  for (const FirewallChain* c : chains) {
    facts.push_back(c->ToString());
    rules += c->rules;
    if (c->policy == "drop") dropping = true;
  }
  if (chains.empty()) {
    std::string none = "no firewall chain filters the " + r.hook + " hook";
    if (!source.empty()) none += " (" + source + ")";
    if (!fw.ok()) none += " (" + fw.status().message() + ")";
    return Fail({none});
  }
  std::vector<std::string> problems;
  if (r.filtering && !dropping && rules == 0) {
    problems.push_back("the " + r.hook +
                       " hook accepts everything: policy accept and no rules");
  }
  if (!r.policy.empty()) {
    for (const FirewallChain* c : chains) {
      if (c->policy != r.policy) {
        problems.push_back(c->backend + " " + c->table + " " + c->name +
                           ": policy " + c->policy + ", expected " + r.policy);
      }
    }
  }
  if (rules < r.min_rules) {
    problems.push_back(std::to_string(rules) + " rules on the " + r.hook +
                       " hook, expected at least " +
                       std::to_string(r.min_rules));
  }
  if (!problems.empty()) {
    problems.insert(problems.end(), facts.begin(), facts.end());
    return Fail(std::move(problems));
  }
  return Pass(std::move(facts));
}

// ------------------------------------------------------------ accounts

bool Allowed(const std::vector<std::string>& allow, const std::string& name) {
  return std::find(allow.begin(), allow.end(), name) != allow.end();
}

// The password field that decides a login: the shadow hash when passwd
// says "x", else passwd's own field.
std::string EffectivePassword(const AccountDb& db, const PasswdEntry& e,
                              bool* from_shadow) {
  *from_shadow = false;
  if (e.password == "x" && db.has_shadow) {
    for (const ShadowEntry& s : db.shadow) {
      if (!s.legacy && s.name == e.name) {
        *from_shadow = true;
        return s.hash;
      }
    }
    return "!";  // no shadow entry: no password can match
  }
  return e.password;
}

template <typename T, typename Key>
std::vector<std::string> Duplicates(const std::vector<T>& entries, Key key,
                                    std::string_view what) {
  std::map<std::string, std::vector<std::string>> by_key;
  for (const T& e : entries) {
    if (e.legacy) continue;
    by_key[key(e)].push_back(e.name + " (line " + std::to_string(e.line) + ")");
  }
  std::vector<std::string> out;
  for (const auto& [k, names] : by_key) {
    if (names.size() > 1) {
      out.push_back(std::string(what) + " " + k + " is shared by " +
                    Join(names, ", "));
    }
  }
  return out;
}

Outcome EvalAccounts(const AccountsRule& r, ScanContext& ctx) {
  const auto& db_result = ctx.Accounts();
  if (!db_result.ok()) return Error(Explain(db_result.status()));
  const AccountDb& db = *db_result;
  std::vector<std::string> bad;
  std::string pass;
  switch (r.test) {
    case AccountsTest::kUid0OnlyRoot:
      for (const PasswdEntry& e : db.passwd) {
        if (!e.legacy && e.uid == 0 && e.name != "root" &&
            !Allowed(r.allow, e.name)) {
          bad.push_back(e.name + " has uid 0 (/etc/passwd line " +
                        std::to_string(e.line) + ")");
        }
      }
      pass = "only root has uid 0";
      break;
    case AccountsTest::kNoEmptyPasswords: {
      if (!db.shadow_error.empty()) return Error(db.shadow_error);
      for (const PasswdEntry& e : db.passwd) {
        if (e.legacy || Allowed(r.allow, e.name)) continue;
        bool from_shadow = false;
        if (EffectivePassword(db, e, &from_shadow).empty()) {
          bad.push_back(e.name + " has an empty password field (" +
                        (from_shadow ? "/etc/shadow" : "/etc/passwd") +
                        "): it may log in without a password");
        }
      }
      pass = "every account has a password or is locked";
      break;
    }
    case AccountsTest::kPasswordsShadowed:
      for (const PasswdEntry& e : db.passwd) {
        if (e.legacy || Allowed(r.allow, e.name)) continue;
        if (e.password != "x" && !e.password.empty() &&
            !IsLockedPassword(e.password)) {
          bad.push_back(e.name +
                        ": password hash stored in world-readable /etc/passwd");
        }
      }
      pass = "no password hash in /etc/passwd";
      break;
    case AccountsTest::kNoDuplicateUids:
      bad = Duplicates(
          db.passwd, [](const PasswdEntry& e) { return std::to_string(e.uid); },
          "uid");
      pass = "every uid is unique";
      break;
    case AccountsTest::kNoDuplicateGids:
      bad = Duplicates(
          db.groups, [](const GroupEntry& e) { return std::to_string(e.gid); },
          "gid");
      pass = "every gid is unique";
      break;
    case AccountsTest::kNoDuplicateUserNames:
      bad = Duplicates(
          db.passwd, [](const PasswdEntry& e) { return e.name; }, "user name");
      pass = "every user name is unique";
      break;
    case AccountsTest::kNoDuplicateGroupNames:
      bad = Duplicates(
          db.groups, [](const GroupEntry& e) { return e.name; }, "group name");
      pass = "every group name is unique";
      break;
    case AccountsTest::kSystemAccountsNoLogin:
      for (const PasswdEntry& e : db.passwd) {
        if (e.legacy || e.name == "root" || e.uid >= db.uid_min ||
            e.uid == 65534 || Allowed(r.allow, e.name)) {
          continue;
        }
        if (!IsNoLoginShell(e.shell)) {
          bad.push_back(e.name + " (uid " + std::to_string(e.uid) +
                        ") has login shell " +
                        (e.shell.empty() ? "/bin/sh (empty field)" : e.shell));
        }
      }
      pass = "no system account (uid below " + std::to_string(db.uid_min) +
             ") has a login shell";
      break;
    case AccountsTest::kRootPrimaryGroup:
      for (const PasswdEntry& e : db.passwd) {
        if (!e.legacy && e.name == "root" && e.gid != 0) {
          bad.push_back("root's primary group is gid " + std::to_string(e.gid));
        }
      }
      pass = "root's primary group is gid 0";
      break;
    case AccountsTest::kGroupsExist: {
      std::set<uint32_t> gids;
      for (const GroupEntry& g : db.groups) gids.insert(g.gid);
      for (const PasswdEntry& e : db.passwd) {
        if (!e.legacy && !gids.count(e.gid) && !Allowed(r.allow, e.name)) {
          bad.push_back(e.name + ": primary gid " + std::to_string(e.gid) +
                        " is not in /etc/group");
        }
      }
      pass = "every primary group exists in /etc/group";
      break;
    }
    case AccountsTest::kShadowGroupEmpty: {
      uint32_t shadow_gid = 0;
      bool has_shadow_group = false;
      for (const GroupEntry& g : db.groups) {
        if (g.legacy || g.name != "shadow") continue;
        has_shadow_group = true;
        shadow_gid = g.gid;
        for (const std::string& m : g.members) {
          bad.push_back(m + " is a member of the shadow group");
        }
      }
      for (const PasswdEntry& e : db.passwd) {
        if (has_shadow_group && !e.legacy && e.gid == shadow_gid) {
          bad.push_back(e.name + " has the shadow group as primary group");
        }
      }
      pass = has_shadow_group ? "the shadow group has no members"
                              : "there is no shadow group";
      break;
    }
    case AccountsTest::kNoLegacyPlusEntries:
      for (const PasswdEntry& e : db.passwd) {
        if (e.legacy)
          bad.push_back("/etc/passwd line " + std::to_string(e.line) + ": " +
                        e.name);
      }
      for (const ShadowEntry& e : db.shadow) {
        if (e.legacy)
          bad.push_back("/etc/shadow line " + std::to_string(e.line) + ": " +
                        e.name);
      }
      for (const GroupEntry& e : db.groups) {
        if (e.legacy)
          bad.push_back("/etc/group line " + std::to_string(e.line) + ": " +
                        e.name);
      }
      pass = "no legacy '+' or '-' entries";
      break;
  }
  if (!bad.empty()) return Fail(std::move(bad));
  return Pass({pass});
}

// ---------------------------------------------------------------- sshd

Outcome EvalSshd(const SshdRule& r, ScanContext& ctx) {
  const auto& config = ctx.Sshd();
  if (!config.ok()) {
    if (config.status().code() == Status::Code::kNotFound) {
      return Missing(r.missing, "/etc/ssh/sshd_config: not found");
    }
    return Error(Explain(config.status()));
  }
  auto setting = config->Find(r.key);
  if (!setting) {
    Outcome out{r.unset, {r.key + " is not set and has no known default"}, ""};
    if (r.unset == Verdict::kError) out.reason = out.evidence[0];
    return out;
  }
  std::string fact =
      r.key + " " + setting->value + " (" + setting->origin + ")";
  std::string why;
  if (r.value.Accepts(setting->value, &why)) return Pass({fact});
  return Fail({fact + ": " + why});
}

// ------------------------------------------------- default_credentials

Outcome EvalDefaultCredentials(const DefaultCredentialsRule& r,
                               ScanContext& ctx) {
  const auto& db_result = ctx.Accounts();
  if (!db_result.ok()) return Error(Explain(db_result.status()));
  const AccountDb& db = *db_result;
  if (!db.shadow_error.empty()) return Error(db.shadow_error);
  CryptScratch scratch;
  std::vector<std::string> matched, untested;
  int tested = 0;
  for (const PasswdEntry& e : db.passwd) {
    if (e.legacy || Allowed(r.allow, e.name)) continue;
    bool from_shadow = false;
    std::string hash = EffectivePassword(db, e, &from_shadow);
    if (!hash.empty() && IsLockedPassword(hash)) continue;
    ++tested;
    int pair = 0;
    CredentialTest t =
        TestDefaultCredentials(e.name, e.uid == 0, hash, &scratch, &pair,
                               [&] { return ctx.KeepGoing(); });
    switch (t) {
      case CredentialTest::kMatch:
        matched.push_back(e.name + ": " +
                          (hash.empty() ? std::string("has no password, which")
                                        : std::string("password")) +
                          " is a publicly known default (pair #" +
                          std::to_string(pair) + " of the built-in " +
                          kDefaultCredentialList + " list)");
        break;
      case CredentialTest::kUnsupportedHash:
        untested.push_back(e.name + ": hash method not supported by crypt(3)");
        break;
      case CredentialTest::kCancelled:
        return Error("cancelled");
      case CredentialTest::kNoMatch:
        break;
    }
  }
  if (!matched.empty()) return Fail(std::move(matched));
  if (!untested.empty()) {
    Outcome out = Error(Join(untested, "; "));
    out.evidence = untested;
    return out;
  }
  return Pass({std::to_string(tested) +
               " accounts with a password tested against the " +
               std::to_string(DefaultCredentials().size()) +
               " pairs of the built-in " + kDefaultCredentialList +
               " list: none matches"});
}

// ------------------------------------------------------------- command

Outcome EvalCommand(const CommandRule& r, ScanContext& ctx) {
  std::string shown = Join(r.argv, " ");
  if (!ctx.host().live()) {
    return {Verdict::kNotApplicable,
            {"command checks run on the live system only (root is " +
             ctx.host().root() + ")"},
            ""};
  }
  auto out = ctx.host().RunCommand(r.argv, r.timeout_ms, r.max_output);
  if (!out.ok()) {
    if (out.status().code() == Status::Code::kNotFound) {
      return Missing(r.missing, r.argv[0] + ": not found");
    }
    return Error(Explain(out.status()));
  }
  if (out->timed_out) {
    return Error(shown + ": killed after the " + std::to_string(r.timeout_ms) +
                 " ms timeout");
  }
  std::vector<std::string> problems, facts;
  if (out->signal != 0) {
    return Error(shown + ": killed by signal " + std::to_string(out->signal));
  }
  facts.push_back(shown + ": exit " + std::to_string(out->exit_code) +
                  (out->truncated ? ", output truncated" : ""));
  if (r.exit_code && out->exit_code != *r.exit_code) {
    problems.push_back("exit status " + std::to_string(out->exit_code) +
                       ", expected " + std::to_string(*r.exit_code));
  }
  bool matched = false;
  auto want = r.output_matches ? r.output_matches->NewMatcher() : nullptr;
  auto lacks = r.output_lacks ? r.output_lacks->NewMatcher() : nullptr;
  std::string_view rest = out->output;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest =
        nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (want && !matched && want->Search(line)) {
      matched = true;
      facts.push_back("output: " + Clip(Trim(line)));
    }
    if (lacks && lacks->Search(line)) {
      problems.push_back("output has /" + r.output_lacks->pattern() +
                         "/: " + Clip(Trim(line)));
    }
  }
  if (r.output_matches && !matched) {
    problems.push_back("no output line matches /" +
                       r.output_matches->pattern() + "/");
  }
  if (!problems.empty()) {
    problems.insert(problems.begin(), facts[0]);
    return Fail(std::move(problems));
  }
  return Pass(std::move(facts));
}

// ------------------------------------------------------------------ os

Outcome EvalOs(const OsRule& r, ScanContext& ctx) {
  const auto& os = ctx.Os();
  if (!os.ok()) return Error(Explain(os.status()));
  bool id_ok = std::find(r.ids.begin(), r.ids.end(), os->id) != r.ids.end();
  for (const std::string& like : os->id_like) {
    if (std::find(r.ids.begin(), r.ids.end(), like) != r.ids.end())
      id_ok = true;
  }
  bool version_ok = r.versions.empty();
  for (const std::string& v : r.versions) {
    if (os->version_id.starts_with(v)) version_ok = true;
  }
  std::string fact =
      "os " + os->id + (os->version_id.empty() ? "" : " " + os->version_id);
  if (id_ok && version_ok) return Pass({fact});
  return Fail({fact});
}

Outcome EvalRule(const Rule& rule, ScanContext& ctx) {
  return std::visit(
      [&](const auto& r) -> Outcome {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, FileRule>) return EvalFile(r, ctx);
        if constexpr (std::is_same_v<T, FileContentRule>)
          return EvalFileContent(r, ctx);
        if constexpr (std::is_same_v<T, DirectoryRule>)
          return EvalDirectory(r, ctx);
        if constexpr (std::is_same_v<T, SysctlRule>) return EvalSysctl(r, ctx);
        if constexpr (std::is_same_v<T, KernelModuleRule>)
          return EvalKernelModule(r, ctx);
        if constexpr (std::is_same_v<T, MountRule>) return EvalMount(r, ctx);
        if constexpr (std::is_same_v<T, ProcessRule>)
          return EvalProcess(r, ctx);
        if constexpr (std::is_same_v<T, PackageRule>)
          return EvalPackage(r, ctx);
        if constexpr (std::is_same_v<T, ListeningRule>)
          return EvalListening(r, ctx);
        if constexpr (std::is_same_v<T, FirewallRule>)
          return EvalFirewall(r, ctx);
        if constexpr (std::is_same_v<T, AccountsRule>)
          return EvalAccounts(r, ctx);
        if constexpr (std::is_same_v<T, SshdRule>) return EvalSshd(r, ctx);
        if constexpr (std::is_same_v<T, DefaultCredentialsRule>)
          return EvalDefaultCredentials(r, ctx);
        if constexpr (std::is_same_v<T, CommandRule>)
          return EvalCommand(r, ctx);
        if constexpr (std::is_same_v<T, OsRule>) return EvalOs(r, ctx);
      },
      rule);
}

void Append(std::vector<std::string>* to,
            const std::vector<std::string>& from) {
  to->insert(to->end(), from.begin(), from.end());
}

void AppendReason(std::string* to, const std::string& reason) {
  if (reason.empty()) return;
  if (!to->empty()) *to += "; ";
  *to += reason;
}

}  // namespace

Outcome Evaluate(const Condition& condition, ScanContext& ctx) {
  switch (condition.kind) {
    case Condition::Kind::kRule: {
      if (!ctx.KeepGoing()) return Error("cancelled");
      return EvalRule(condition.rule, ctx);
    }
    case Condition::Kind::kNot: {
      Outcome out = Evaluate(condition.children[0], ctx);
      if (out.verdict == Verdict::kPass) {
        out.verdict = Verdict::kFail;
      } else if (out.verdict == Verdict::kFail) {
        out.verdict = Verdict::kPass;
      }
      return out;
    }
    case Condition::Kind::kAll:
    case Condition::Kind::kAny: {
      bool all = condition.kind == Condition::Kind::kAll;
      std::vector<Outcome> outs;
      for (const Condition& child : condition.children) {
        outs.push_back(Evaluate(child, ctx));
      }
      auto count = [&](Verdict v) {
        return std::count_if(outs.begin(), outs.end(),
                             [v](const Outcome& o) { return o.verdict == v; });
      };
      Verdict decided;
      if (all) {
        decided = count(Verdict::kFail)    ? Verdict::kFail
                  : count(Verdict::kError) ? Verdict::kError
                  : count(Verdict::kPass)  ? Verdict::kPass
                                           : Verdict::kNotApplicable;
      } else {
        decided = count(Verdict::kPass)    ? Verdict::kPass
                  : count(Verdict::kError) ? Verdict::kError
                  : count(Verdict::kFail)  ? Verdict::kFail
                                           : Verdict::kNotApplicable;
      }
      Outcome out{decided, {}, ""};
      for (const Outcome& o : outs) {
        // The evidence of the children that agree with the verdict is what
        // decided it; for an error keep every reason.
        if (o.verdict == decided) Append(&out.evidence, o.evidence);
        if (o.verdict == Verdict::kError) AppendReason(&out.reason, o.reason);
      }
      if (decided != Verdict::kError) out.reason.clear();
      return out;
    }
  }
  return Error("unknown condition");
}

Outcome EvaluateCheck(const Check& check, ScanContext& ctx) {
  Outcome out;
  if (check.applies_if) {
    Outcome gate = Evaluate(*check.applies_if, ctx);
    if (gate.verdict == Verdict::kError) {
      out = gate;
    } else if (gate.verdict != Verdict::kPass) {
      out.verdict = Verdict::kNotApplicable;
      for (const std::string& e : gate.evidence) {
        out.evidence.push_back("not applicable: " + e);
      }
    }
  }
  if (!check.applies_if || (out.verdict == Verdict::kPass)) {
    out = Evaluate(check.condition, ctx);
  }
  if (out.verdict == Verdict::kError && out.reason.empty()) {
    out.reason = "could not be evaluated";
  }
  if (out.evidence.size() > kMaxEvidenceLines) {
    size_t more = out.evidence.size() - (kMaxEvidenceLines - 1);
    out.evidence.resize(kMaxEvidenceLines - 1);
    out.evidence.push_back("... and " + std::to_string(more) + " more");
  }
  return out;
}

}  // namespace picket

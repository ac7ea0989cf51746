// Policy: the model of a posture policy and its strict YAML loader.
//
// A policy is a YAML file (format in docs/posture.md) holding an id, a title,
// the operating systems it applies to, and a list of checks. Each check has
// a stable id, human text (description, rationale, remediation), a severity,
// references (CIS section numbers), and a condition: a tree of all/any/not
// over rules. A rule is one fact of the system compared with an expectation
// (a file's mode, a sysctl value, a listening port, ...); the rule kinds and
// their keys are the structs below, one per kind.
//
// Loading is all-or-nothing: every error of the file is collected and
// reported as "<file>:<line>: <key.path>: <problem>", and no Policy is
// returned unless the file is entirely valid. Regular expressions are
// compiled at load time, so a bad one is a load error, not a scan error.
// A Policy is immutable after loading and may be shared between threads.
#ifndef PICKET_POSTURE_POLICY_H_
#define PICKET_POSTURE_POLICY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "picket/event.h"
#include "picket/status.h"
#include "posture/regex.h"

namespace picket {

// The result of a check (and of each rule and condition below it).
enum class Verdict : uint8_t { kPass, kFail, kNotApplicable, kError };

// "pass", "fail", "not_applicable", "error".
std::string_view VerdictName(Verdict verdict);

// A numeric comparison: "<= 365", "== 0", "> 3".
struct NumberTest {
  enum class Op : uint8_t { kLt, kLe, kGt, kGe, kEq, kNe };
  Op op = Op::kEq;
  int64_t value = 0;
  bool Accepts(int64_t x) const;
  std::string ToString() const;  // "<= 365"
};

// Parses "<op> <integer>" (op one of < <= > >= == !=; "=" means ==).
bool ParseNumberTest(std::string_view text, NumberTest* out);

// How a value read from the system (a sysctl, an sshd keyword) is judged.
// Every test that is set must accept the value. Strings compare exactly,
// or case-insensitively when `ignore_case` is set.
struct ValueTest {
  std::optional<std::string> equals;
  std::vector<std::string> one_of;
  std::vector<std::string> none_of;
  std::optional<NumberTest> number;  // the value must be an integer
  std::shared_ptr<const Regex> matches;
  std::shared_ptr<const Regex> not_matches;
  bool ignore_case = false;

  bool empty() const {
    return !equals && one_of.empty() && none_of.empty() && !number &&
           !matches && !not_matches;
  }
  // True when `value` passes; otherwise `*why` says which test it failed
  // ("expected one of no, prohibit-password").
  bool Accepts(std::string_view value, std::string* why) const;
  std::string ToString() const;  // "== 0", "one of a, b"
};

// --- Rule kinds. `missing` is the verdict when the thing a rule reads does
// not exist (file, sysctl, package database, ...); each kind's default is
// documented in docs/posture.md.

struct FileRule {                    // file: exists, type, mode, owner, group
  std::string path;                  // absolute; '*', '?' and [...] glob
  bool exists = true;                // false: pass when nothing matches
  std::string type;                  // "", "file", "directory", "symlink"
  std::optional<uint32_t> mode_max;  // no permission bit outside these
  std::optional<uint32_t> mode;      // exactly these permission bits
  std::vector<std::string> owner;    // names or numeric ids; any may own
  std::vector<std::string> group;
  Verdict missing = Verdict::kFail;
};

struct FileContentRule {  // file_content: a line matches, or a number does
  std::string path;       // absolute; glob: every matching file is read
  std::shared_ptr<const Regex> line;
  bool present = true;  // false: pass when no line matches
  // Capture group 1 of every matching line must satisfy this.
  std::optional<NumberTest> number;
  // Evidence shows capture group 1 (or nothing) instead of the line: for
  // files whose lines are secrets (/etc/shadow).
  bool redact = false;
  Verdict missing = Verdict::kFail;
};

enum class Finding : uint8_t {
  kWorldWritableFile,       // regular file with o+w
  kWorldWritableDirectory,  // directory with o+w and no sticky bit
  kSuid,
  kSgid,
  kUnowned,  // uid without an account in /etc/passwd
};
std::string_view FindingName(Finding finding);

struct DirectoryRule {             // directory: no file of the listed kinds
  std::vector<std::string> paths;  // absolute start directories
  std::vector<Finding> find;
  std::vector<std::string> allow;    // path globs never reported
  std::vector<std::string> exclude;  // subtrees not entered
  Verdict missing = Verdict::kNotApplicable;
};

struct SysctlRule {
  std::string key;  // "net.ipv4.ip_forward"
  ValueTest value;
  Verdict missing = Verdict::kNotApplicable;
};

struct KernelModuleRule {
  std::string name;
  std::optional<bool> loaded;       // false: not in /proc/modules
  std::optional<bool> disabled;     // true: cannot be loaded
  std::optional<bool> blacklisted;  // true: a "blacklist" line exists
};

struct MountRule {
  std::string path;                  // mount point
  std::vector<std::string> options;  // each must be present
  Verdict missing = Verdict::kFail;  // not a separate mount
};

struct ProcessRule {
  std::vector<std::string> names;        // comm, argv[0] or exe base name
  bool running = false;                  // false: pass when none runs
  std::shared_ptr<const Regex> cmdline;  // only those matching
  std::shared_ptr<const Regex> unless_cmdline;  // ignore those matching
};

struct PackageRule {
  std::vector<std::string> names;
  bool installed = false;  // false: none installed; true: one of them is
  Verdict missing = Verdict::kNotApplicable;  // no package database
};

struct ListeningRule {
  std::string protocol = "any";  // "tcp", "udp", "any"
  std::vector<uint16_t> ports;   // empty: every port
  std::vector<uint16_t> except_ports;
  // "any": every address; "wildcard": 0.0.0.0 or ::; "non_loopback": any
  // address outside 127.0.0.0/8 and ::1.
  std::string bind = "any";
  bool listening = false;  // false: pass when nothing matches
};

struct FirewallRule {
  std::string hook = "input";  // "input", "forward", "output"
  bool filtering = false;      // the hook does not accept everything
  std::string policy;          // "", "drop": every base chain's default
  uint32_t min_rules = 0;      // rules across the hook's base chains
};

enum class AccountsTest : uint8_t {
  kUid0OnlyRoot,
  kNoEmptyPasswords,
  kPasswordsShadowed,
  kNoDuplicateUids,
  kNoDuplicateGids,
  kNoDuplicateUserNames,
  kNoDuplicateGroupNames,
  kSystemAccountsNoLogin,
  kRootPrimaryGroup,
  kGroupsExist,
  kShadowGroupEmpty,
  kNoLegacyPlusEntries,
};

struct AccountsRule {
  AccountsTest test = AccountsTest::kUid0OnlyRoot;
  std::vector<std::string> allow;  // account names exempted
};

struct SshdRule {   // the effective OpenSSH server configuration
  std::string key;  // keyword, any case
  ValueTest value;
  Verdict missing = Verdict::kNotApplicable;  // no sshd_config
  // Verdict when the keyword is neither set nor has a known default.
  Verdict unset = Verdict::kFail;
};

struct DefaultCredentialsRule {    // no account uses a known default password
  std::vector<std::string> allow;  // account names exempted
};

struct CommandRule {
  std::vector<std::string> argv;  // argv[0] absolute; no shell
  int64_t timeout_ms = 10000;
  uint64_t max_output = 64 << 10;
  std::optional<int> exit_code;
  std::shared_ptr<const Regex> output_matches;  // some line matches
  std::shared_ptr<const Regex> output_lacks;    // no line matches
  Verdict missing = Verdict::kError;            // program not found
};

struct OsRule {                       // the device's /etc/os-release
  std::vector<std::string> ids;       // ID or one of ID_LIKE
  std::vector<std::string> versions;  // VERSION_ID prefixes
};

using Rule = std::variant<FileRule, FileContentRule, DirectoryRule, SysctlRule,
                          KernelModuleRule, MountRule, ProcessRule, PackageRule,
                          ListeningRule, FirewallRule, AccountsRule, SshdRule,
                          DefaultCredentialsRule, CommandRule, OsRule>;

// The YAML key of a rule kind ("file", "sysctl", ...).
std::string_view RuleKindName(const Rule& rule);

struct Condition {
  enum class Kind : uint8_t { kAll, kAny, kNot, kRule };
  Kind kind = Kind::kRule;
  std::vector<Condition> children;  // all/any: 1+; not: exactly 1
  Rule rule;                        // kRule only
  int line = 0;                     // 1-based, for messages
};

struct Check {
  std::string id;  // stable: results are keyed by it across scans
  std::string title;
  std::string description;
  std::string rationale;
  std::string remediation;
  Severity severity = Severity::kMedium;
  std::vector<std::string> references;
  std::optional<Condition> applies_if;  // false: not applicable
  Condition condition;
  int line = 0;
};

struct Policy {
  std::string id;
  std::string title;
  std::string version;
  std::string description;
  std::vector<std::string> os_ids;    // empty: any
  std::vector<std::string> versions;  // empty: any
  std::vector<Check> checks;
  std::string file;  // where it was loaded from
};

// Parses policy YAML. `file_name` is used in messages only. On failure the
// Status is InvalidArgument listing every error, one per line, each
// "<file_name>:<line>: <key.path>: <what is wrong>".
Result<Policy> ParsePolicy(std::string_view yaml_text,
                           std::string_view file_name);

// Reads (at most 4 MiB) and parses a file; I/O errors name the path.
Result<Policy> LoadPolicyFile(const std::string& path);

}  // namespace picket

#endif  // PICKET_POSTURE_POLICY_H_

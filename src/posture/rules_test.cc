#include "posture/rules.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>

#include "posture/host.h"
#include "posture/policy.h"
#include "posture/posture_test_util.h"
#include "posture/scanner.h"
#include "testing/temp_dir.h"

namespace picket {
namespace {

using testing_util::FixtureRoot;
using testing_util::PostureFixtureDir;

Policy LoadRulesPolicy() {
  auto policy = LoadPolicyFile(PostureFixtureDir() + "/rules/rules.yaml");
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  return std::move(policy.value());
}

std::map<std::string, CheckResult> ScanRoot(const Policy& policy,
                                            const std::string& root) {
  auto host = NewLocalHost(root);
  EXPECT_TRUE(host.ok()) << host.status().ToString();
  ScanReport report = RunScan(policy, **host, ScanOptions{});
  std::map<std::string, CheckResult> out;
  for (CheckResult& r : report.results) out[r.check->id] = r;
  return out;
}

std::string Describe(const CheckResult& r) {
  std::string out = std::string(VerdictName(r.verdict));
  for (const std::string& e : r.evidence) out += "\n  " + e;
  if (!r.reason.empty()) out += "\n  reason: " + r.reason;
  return out;
}

// Checks that need owners other than the test's own uid.
bool NeedsOwners(const std::string& id) {
  return id == "file.mode_owner" || id == "file.owner_group" ||
         id == "directory.unowned";
}

// Every rule kind and variant passes on the pass root...
TEST(RulesFixtureTest, EveryCheckPassesOnThePassRoot) {
  Policy policy = LoadRulesPolicy();
  FixtureRoot root("rules/pass");
  auto results = ScanRoot(policy, root.path());
  ASSERT_EQ(results.size(), policy.checks.size());
  for (const auto& [id, r] : results) {
    if (NeedsOwners(id) && !root.owners_applied()) continue;
    EXPECT_EQ(r.verdict, Verdict::kPass) << id << ": " << Describe(r);
  }
}

// ... and fails on the fail root.
TEST(RulesFixtureTest, EveryCheckFailsOnTheFailRoot) {
  Policy policy = LoadRulesPolicy();
  FixtureRoot root("rules/fail");
  auto results = ScanRoot(policy, root.path());
  ASSERT_EQ(results.size(), policy.checks.size());
  for (const auto& [id, r] : results) {
    if (NeedsOwners(id) && !root.owners_applied()) continue;
    EXPECT_EQ(r.verdict, Verdict::kFail) << id << ": " << Describe(r);
  }
}

// The evidence says what decided the result, specifically.
TEST(RulesFixtureTest, FailEvidenceNamesTheCulprit) {
  Policy policy = LoadRulesPolicy();
  FixtureRoot root("rules/fail");
  auto results = ScanRoot(policy, root.path());
  auto has = [&](const std::string& id, const std::string& text) {
    for (const std::string& e : results[id].evidence) {
      if (e.find(text) != std::string::npos) return true;
    }
    ADD_FAILURE() << id << " evidence lacks \"" << text
                  << "\": " << Describe(results[id]);
    return false;
  };
  has("file.mode_owner", "/etc/app.conf: file, mode 0666");
  has("file.glob", "/etc/keys/b.key");
  has("file_content.number", "/etc/login.defs:2: PASS_MAX_DAYS 99999");
  has("directory.world_writable", "world-writable file /data/ww.txt");
  has("directory.world_writable",
      "world-writable directory without sticky bit /data/shared");
  has("directory.suid", "SUID /usr/bin/evil");
  has("directory.suid", "SGID /usr/bin/sg");
  has("sysctl.equals", "net.ipv4.ip_forward = 1");
  has("kernel_module.loaded", "dccp is loaded");
  has("kernel_module.disabled", "cramfs can be loaded");
  has("mount.options", "missing noexec");
  has("process.not_running", "telnetd (pid 200)");
  has("process.cmdline", "dropbear (pid 201)");
  has("package.dpkg", "telnetd is installed");
  has("listening.telnet", "tcp 0.0.0.0:23 (telnetd pid 200)");
  has("listening.udp_wildcard", "udp [::]:69");
  has("firewall.filtering", "accepts everything");
  has("firewall.policy", "iptables filter FORWARD: policy accept");
  has("accounts.uid0_only_root", "admin has uid 0");
  has("accounts.no_empty_passwords", "alice has an empty password field");
  has("accounts.passwords_shadowed", "old: password hash");
  has("accounts.groups_exist", "bob: primary gid 777");
  has("sshd.include_first_wins",
      "permitrootlogin yes (/etc/ssh/sshd_config:1)");
  has("sshd.default", "MaxAuthTries 6 (default)");
  has("default_credentials",
      "root: password is a publicly known default (pair #2 of the built-in "
      "iot-defaults list)");
  has("os.debian", "os openwrt 23.05.2");
  if (root.owners_applied()) has("directory.unowned", "/data/orphan");
}

// Secrets never reach the evidence: no hash, no password.
TEST(RulesFixtureTest, EvidenceCarriesNoSecrets) {
  Policy policy = LoadRulesPolicy();
  FixtureRoot root("rules/fail");
  auto results = ScanRoot(policy, root.path());
  for (const auto& [id, r] : results) {
    for (const std::string& e : r.evidence) {
      EXPECT_EQ(e.find("$5$"), std::string::npos) << id << ": " << e;
      EXPECT_EQ(e.find("vizxv"), std::string::npos) << id << ": " << e;
    }
  }
}

TEST(RulesFixtureTest, PassEvidenceShowsTheFacts) {
  Policy policy = LoadRulesPolicy();
  FixtureRoot root("rules/pass");
  auto results = ScanRoot(policy, root.path());
  EXPECT_EQ(results["sshd.include_first_wins"].evidence.at(0),
            "permitrootlogin no (/etc/ssh/sshd_config.d/10-root.conf:1)");
  EXPECT_EQ(results["kernel_module.disabled"].evidence.at(0),
            "cramfs is disabled (install /bin/false)");
  EXPECT_EQ(results["sysctl.multi_value"].evidence.at(0),
            "net.ipv4.ip_local_port_range = 32768 60999");
  EXPECT_EQ(results["firewall.min_rules"].evidence.at(0),
            "nftables inet filter input (hook input, policy drop, 2 rules)");
}

// --- Condition semantics, on a tiny root written by the test.

class RulesConditionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write("etc/present", "x\n");
    auto host = NewLocalHost(dir_);
    ASSERT_TRUE(host.ok());
    host_ = std::move(host.value());
  }
  void Write(const std::string& rel, const std::string& text) {
    testing_util::WriteFile(dir_ + "/" + rel, text);
  }

  // Evaluates the condition of a one-check policy.
  Outcome Eval(const std::string& condition_yaml) {
    std::string text =
        "id: t\ntitle: t\nchecks:\n  - id: c\n    title: c\n"
        "    severity: low\n    remediation: r\n    condition:\n      " +
        condition_yaml + "\n";
    auto policy = ParsePolicy(text, "t.yaml");
    EXPECT_TRUE(policy.ok()) << policy.status().ToString();
    if (!policy.ok()) return Outcome{Verdict::kError, {}, "parse"};
    policy_ = std::move(policy.value());
    ScanContext ctx(*host_, nullptr);
    return EvaluateCheck(policy_.checks[0], ctx);
  }

  testing_util::TempDir tmp_{"picket-cond-"};
  std::string dir_ = tmp_.path();
  std::unique_ptr<Host> host_;
  Policy policy_;
};

constexpr char kPass[] = "{file: {path: /etc/present}}";
constexpr char kFail[] = "{file: {path: /etc/absent}}";
constexpr char kNa[] = "{file: {path: /etc/absent, missing: not_applicable}}";
constexpr char kErr[] = "{file: {path: /etc/absent, missing: error}}";

std::string All(std::initializer_list<const char*> items) {
  std::string out = "{all: [";
  for (const char* i : items) out += std::string(i) + ", ";
  return out + "]}";
}
std::string Any(std::initializer_list<const char*> items) {
  std::string out = "{any: [";
  for (const char* i : items) out += std::string(i) + ", ";
  return out + "]}";
}

TEST_F(RulesConditionTest, AllFailsOnAnyFailureAndErrsBeforePassing) {
  EXPECT_EQ(Eval(All({kPass, kPass})).verdict, Verdict::kPass);
  EXPECT_EQ(Eval(All({kPass, kFail, kErr})).verdict, Verdict::kFail);
  EXPECT_EQ(Eval(All({kPass, kErr})).verdict, Verdict::kError);
  EXPECT_EQ(Eval(All({kPass, kNa})).verdict, Verdict::kPass);
  EXPECT_EQ(Eval(All({kNa, kNa})).verdict, Verdict::kNotApplicable);
}

TEST_F(RulesConditionTest, AnyPassesOnAnyPass) {
  EXPECT_EQ(Eval(Any({kFail, kPass})).verdict, Verdict::kPass);
  EXPECT_EQ(Eval(Any({kFail, kErr})).verdict, Verdict::kError);
  EXPECT_EQ(Eval(Any({kFail, kNa})).verdict, Verdict::kFail);
  EXPECT_EQ(Eval(Any({kNa, kNa})).verdict, Verdict::kNotApplicable);
}

TEST_F(RulesConditionTest, NotSwapsPassAndFailOnly) {
  EXPECT_EQ(Eval(std::string("{not: ") + kPass + "}").verdict, Verdict::kFail);
  EXPECT_EQ(Eval(std::string("{not: ") + kFail + "}").verdict, Verdict::kPass);
  EXPECT_EQ(Eval(std::string("{not: ") + kNa + "}").verdict,
            Verdict::kNotApplicable);
  EXPECT_EQ(Eval(std::string("{not: ") + kErr + "}").verdict, Verdict::kError);
}

TEST_F(RulesConditionTest, ErrorCarriesTheReason) {
  Outcome out = Eval(kErr);
  EXPECT_EQ(out.verdict, Verdict::kError);
  EXPECT_EQ(out.reason, "/etc/absent: not found");
}

TEST_F(RulesConditionTest, UnreadableFileIsAnErrorNotAFailure) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads mode 000 files";
  Write("etc/secret", "Secure yes\n");
  chmod((dir_ + "/etc/secret").c_str(), 0);
  Outcome out = Eval("{file_content: {path: /etc/secret, line: Secure}}");
  EXPECT_EQ(out.verdict, Verdict::kError);
  EXPECT_NE(out.reason.find("run the scan as root"), std::string::npos)
      << out.reason;
}

TEST_F(RulesConditionTest, MissingFactsFollowTheirDefaults) {
  // No /proc/sys here: sysctls are not applicable by default...
  EXPECT_EQ(Eval("{sysctl: {key: net.ipv4.ip_forward, equals: '0'}}").verdict,
            Verdict::kNotApplicable);
  // ... unless the rule says otherwise.
  EXPECT_EQ(Eval("{sysctl: {key: net.ipv4.ip_forward, equals: '0', "
                 "missing: fail}}")
                .verdict,
            Verdict::kFail);
  // No sshd_config: OpenSSH checks are not applicable.
  EXPECT_EQ(Eval("{sshd: {key: PermitRootLogin, equals: 'no'}}").verdict,
            Verdict::kNotApplicable);
  // No package database.
  EXPECT_EQ(Eval("{package: {names: [telnetd]}}").verdict,
            Verdict::kNotApplicable);
  // No /proc/net: listening sockets cannot be known.
  EXPECT_EQ(Eval("{listening: {ports: [23]}}").verdict, Verdict::kError);
  // No firewall ruleset persisted: no firewall.
  EXPECT_EQ(Eval("{firewall: {filtering: true}}").verdict, Verdict::kFail);
}

TEST_F(RulesConditionTest, AppliesIfGatesTheCheck) {
  std::string text =
      "id: t\ntitle: t\nchecks:\n  - id: c\n    title: c\n"
      "    severity: low\n    remediation: r\n"
      "    applies_if: {file: {path: /etc/absent}}\n"
      "    condition: {file: {path: /etc/absent}}\n";
  auto policy = ParsePolicy(text, "t.yaml");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  ScanContext ctx(*host_, nullptr);
  Outcome out = EvaluateCheck(policy->checks[0], ctx);
  EXPECT_EQ(out.verdict, Verdict::kNotApplicable);
  ASSERT_FALSE(out.evidence.empty());
  EXPECT_EQ(out.evidence[0], "not applicable: /etc/absent: not found");
}

TEST_F(RulesConditionTest, EvidenceIsCapped) {
  for (int i = 0; i < 40; ++i) {
    Write("data/f" + std::to_string(i), "x");
    chmod((dir_ + "/data/f" + std::to_string(i)).c_str(), 0666);
  }
  Outcome out =
      Eval("{directory: {paths: [/data], find: [world_writable_files]}}");
  EXPECT_EQ(out.verdict, Verdict::kFail);
  ASSERT_EQ(out.evidence.size(), kMaxEvidenceLines);
  EXPECT_EQ(out.evidence.back(), "... and 21 more");
}

TEST_F(RulesConditionTest, RedactedContentShowsOnlyTheFirstGroup) {
  Write("etc/shadow", "root:$1$salt$0123456789abcdefghijkl:19000::::::\n");
  Outcome out = Eval(
      "{file_content: {path: /etc/shadow, line: '^([^:]+):\\$1\\$', "
      "present: false, redact: true}}");
  EXPECT_EQ(out.verdict, Verdict::kFail);
  ASSERT_EQ(out.evidence.size(), 1u);
  EXPECT_EQ(out.evidence[0],
            "/etc/shadow:1: root (rest of the line not shown)");
}

TEST_F(RulesConditionTest, WalkSkipsSymlinksAndExcludedTrees) {
  Write("data/keep/x", "x");
  Write("data/skip/y", "y");
  chmod((dir_ + "/data/keep/x").c_str(), 0666);
  chmod((dir_ + "/data/skip/y").c_str(), 0666);
  std::filesystem::create_symlink("/etc/passwd", dir_ + "/data/link");
  Outcome out = Eval(
      "{directory: {paths: [/data], exclude: [/data/skip], "
      "find: [world_writable_files]}}");
  EXPECT_EQ(out.verdict, Verdict::kFail);
  ASSERT_EQ(out.evidence.size(), 1u);
  EXPECT_NE(out.evidence[0].find("/data/keep/x"), std::string::npos);
}

// --- Command rules run on the live system only.

class RulesCommandTest : public ::testing::Test {
 protected:
  Outcome Eval(const std::string& condition_yaml, const std::string& root) {
    std::string text =
        "id: t\ntitle: t\nchecks:\n  - id: c\n    title: c\n"
        "    severity: low\n    remediation: r\n    condition: " +
        condition_yaml + "\n";
    auto policy = ParsePolicy(text, "t.yaml");
    EXPECT_TRUE(policy.ok()) << policy.status().ToString();
    if (!policy.ok()) return Outcome{Verdict::kError, {}, "parse"};
    policy_ = std::move(policy.value());
    auto host = NewLocalHost(root);
    EXPECT_TRUE(host.ok());
    ScanContext ctx(**host, nullptr);
    return EvaluateCheck(policy_.checks[0], ctx);
  }
  Policy policy_;
};

TEST_F(RulesCommandTest, ExitCodeAndOutput) {
  EXPECT_EQ(Eval("{command: {argv: [/bin/true], exit_code: 0}}", "/").verdict,
            Verdict::kPass);
  EXPECT_EQ(Eval("{command: {argv: [/bin/false], exit_code: 0}}", "/").verdict,
            Verdict::kFail);
  Outcome out = Eval(
      "{command: {argv: [/bin/sh, -c, 'echo PermitRootLogin no; echo x >&2'],"
      " output_matches: '^PermitRootLogin no$', output_lacks: 'yes'}}",
      "/");
  EXPECT_EQ(out.verdict, Verdict::kPass);
  EXPECT_EQ(out.evidence.at(1), "output: PermitRootLogin no");
  EXPECT_EQ(Eval("{command: {argv: [/bin/echo, 'a yes b'], output_lacks: "
                 "yes}}",
                 "/")
                .verdict,
            Verdict::kFail);
}

TEST_F(RulesCommandTest, NoShellArgumentsAreLiteral) {
  // ';' and '$(...)' are plain argument bytes: nothing is interpreted.
  Outcome out = Eval(
      "{command: {argv: [/bin/echo, '$(id); touch /tmp/picket-no'], "
      "output_matches: '^\\$\\(id\\); touch'}}",
      "/");
  EXPECT_EQ(out.verdict, Verdict::kPass);
}

TEST_F(RulesCommandTest, HangingCommandIsKilledAtItsTimeout) {
  auto start = std::chrono::steady_clock::now();
  // The shell's background child shares its process group and dies too.
  Outcome out = Eval(
      "{command: {argv: [/bin/sh, -c, 'sleep 30 & sleep 30'], timeout: 300ms,"
      " exit_code: 0}}",
      "/");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.verdict, Verdict::kError);
  EXPECT_NE(out.reason.find("killed after the 300 ms timeout"),
            std::string::npos)
      << out.reason;
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(RulesCommandTest, OutputIsCappedAtTheLimit) {
  Outcome out = Eval(
      "{command: {argv: [/bin/sh, -c, 'yes | head -c 100000'], max_output: "
      "1KiB, exit_code: 0}}",
      "/");
  EXPECT_EQ(out.verdict, Verdict::kPass);
  EXPECT_NE(out.evidence.at(0).find("output truncated"), std::string::npos);
}

TEST_F(RulesCommandTest, MissingProgramFollowsMissing) {
  Outcome out =
      Eval("{command: {argv: [/nonexistent/tool], exit_code: 0}}", "/");
  EXPECT_EQ(out.verdict, Verdict::kError);
  EXPECT_EQ(Eval("{command: {argv: [/nonexistent/tool], exit_code: 0, "
                 "missing: not_applicable}}",
                 "/")
                .verdict,
            Verdict::kNotApplicable);
}

TEST_F(RulesCommandTest, NotRunAgainstAnOfflineRoot) {
  testing_util::TempDir dir("picket-cmd-");
  Outcome out =
      Eval("{command: {argv: [/bin/true], exit_code: 0}}", dir.path());
  EXPECT_EQ(out.verdict, Verdict::kNotApplicable);
}

}  // namespace
}  // namespace picket

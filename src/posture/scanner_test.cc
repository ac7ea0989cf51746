#include "posture/scanner.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "posture/posture_test_util.h"

namespace picket {
namespace {

using testing_util::FixtureRoot;

Policy ShippedPolicy() {
  auto policy = LoadPolicyFile(std::string(PICKET_SOURCE_DIR) +
                               "/src/posture/policies/picket-baseline.yaml");
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  return std::move(policy.value());
}

std::map<std::string, const CheckResult*> ById(const ScanReport& report) {
  std::map<std::string, const CheckResult*> out;
  for (const CheckResult& r : report.results) out[r.check->id] = &r;
  return out;
}

std::string Describe(const CheckResult& r) {
  std::string out = std::string(VerdictName(r.verdict));
  for (const std::string& e : r.evidence) out += "\n  " + e;
  if (!r.reason.empty()) out += "\n  reason: " + r.reason;
  return out;
}

ScanReport Scan(const Policy& policy, const std::string& root) {
  auto host = NewLocalHost(root);
  EXPECT_TRUE(host.ok());
  return RunScan(policy, **host, ScanOptions{});
}

// Ownership of the copied fixture only matches when the test runs as root.
const std::set<std::string> kOwnerDependent = {"files.passwd",
                                               "files.passwd_backup",
                                               "files.group",
                                               "files.group_backup",
                                               "files.shadow",
                                               "files.shadow_backup",
                                               "files.gshadow",
                                               "files.gshadow_backup",
                                               "files.crontab",
                                               "files.cron_directories",
                                               "files.root_home",
                                               "files.unowned",
                                               "ssh.config_permissions",
                                               "ssh.host_private_keys",
                                               "ssh.host_public_keys",
                                               "logging.var_log_permissions"};

TEST(ScannerShippedPolicyTest, HardenedDevicePassesEverything) {
  Policy policy = ShippedPolicy();
  FixtureRoot root("hardened");
  ScanReport report = Scan(policy, root.path());
  EXPECT_TRUE(report.applicable);
  EXPECT_EQ(report.os_id, "debian");
  for (const CheckResult& r : report.results) {
    if (!root.owners_applied() && kOwnerDependent.count(r.check->id)) continue;
    EXPECT_EQ(r.verdict, Verdict::kPass) << r.check->id << ": " << Describe(r);
  }
  if (root.owners_applied()) {
    EXPECT_EQ(report.counts.passed, policy.checks.size());
    EXPECT_EQ(report.score, 100u);
  }
}

TEST(ScannerShippedPolicyTest, WeakDeviceFailsTheHygieneChecks) {
  Policy policy = ShippedPolicy();
  FixtureRoot root("weak");
  ScanReport report = Scan(policy, root.path());
  auto by_id = ById(report);
  EXPECT_TRUE(report.applicable);  // raspbian is ID_LIKE debian
  const std::vector<std::string> must_fail = {
      "hygiene.default_credentials",
      "hygiene.telnet_listening",
      "hygiene.cleartext_shells",
      "hygiene.cleartext_file_transfer",
      "hygiene.debug_services",
      "hygiene.ssh_root_password_login",
      "hygiene.weak_password_hashes",
      "hygiene.firewall_active",
      "accounts.uid0_only_root",
      "accounts.empty_passwords",
      "accounts.passwords_shadowed",
      "accounts.duplicate_uids",
      "accounts.duplicate_gids",
      "accounts.system_accounts_no_login",
      "accounts.groups_exist",
      "accounts.shadow_group_empty",
      "accounts.no_legacy_entries",
      "accounts.password_max_days",
      "accounts.strong_hash_method",
      "files.world_writable_files",
      "files.world_writable_directories",
      "files.suid_sgid",
      "files.no_rhosts",
      "ssh.permit_root_login",
      "ssh.permit_empty_passwords",
      "ssh.password_authentication",
      "ssh.hostbased_authentication",
      "ssh.ignore_rhosts",
      "ssh.permit_user_environment",
      "ssh.max_auth_tries",
      "ssh.login_grace_time",
      "ssh.client_alive",
      "ssh.log_level",
      "ssh.x11_forwarding",
      "ssh.ciphers",
      "ssh.macs",
      "ssh.kex_algorithms",
      "net.ip_forward",
      "net.ipv6_forwarding",
      "net.send_redirects",
      "net.icmp_bogus_errors",
      "net.icmp_broadcasts",
      "net.accept_redirects",
      "net.secure_redirects",
      "net.rp_filter",
      "net.source_route",
      "net.log_martians",
      "net.tcp_syncookies",
      "net.ipv6_router_advertisements",
      "kernel.aslr",
      "kernel.ptrace_scope",
      "kernel.suid_dumpable",
      "kernel.dmesg_restrict",
      "kernel.kptr_restrict",
      "kernel.protected_links",
      "modules.cramfs",
      "modules.freevxfs",
      "modules.hfs",
      "modules.udf",
      "modules.uncommon_protocols",
      "mounts.tmp_separate",
      "mounts.dev_shm_options",
      "services.inetd",
      "services.telnet_server",
      "services.rsh_server",
      "services.tftp_server",
      "services.ftp_server",
      "services.nis",
      "services.talk",
      "services.avahi",
      "services.rpcbind",
      "services.cron_running",
      "firewall.input_default_drop",
      "firewall.forward_default_drop",
      "logging.syslog_running",
      "logging.remote_logging",
      "logging.auditd_installed"};
  for (const std::string& id : must_fail) {
    ASSERT_TRUE(by_id.count(id)) << id;
    EXPECT_EQ(by_id[id]->verdict, Verdict::kFail)
        << id << ": " << Describe(*by_id[id]);
  }
  if (root.owners_applied()) {
    for (const char* id :
         {"files.passwd", "files.group", "files.shadow", "files.crontab",
          "files.cron_directories", "files.root_home", "files.unowned",
          "ssh.config_permissions", "ssh.host_private_keys",
          "ssh.host_public_keys", "logging.var_log_permissions"}) {
      EXPECT_EQ(by_id[id]->verdict, Verdict::kFail)
          << id << ": " << Describe(*by_id[id]);
    }
  }
  // What the weak image has right, and what it does not have at all.
  for (const char* id :
       {"accounts.duplicate_user_names", "accounts.duplicate_group_names",
        "accounts.root_primary_group", "ssh.max_sessions"}) {
    EXPECT_EQ(by_id[id]->verdict, Verdict::kPass) << id;
  }
  for (const char* id : {"files.shadow_backup", "files.gshadow",
                         "mounts.tmp_options", "logging.auditd_running"}) {
    EXPECT_EQ(by_id[id]->verdict, Verdict::kNotApplicable) << id;
  }
  EXPECT_EQ(report.counts.errors, 0u);
  EXPECT_LT(report.score, 10u);

  // The specific evidence an operator needs.
  EXPECT_EQ(by_id["hygiene.telnet_listening"]->evidence.at(0),
            "tcp 0.0.0.0:23 (inetd pid 230)");
  EXPECT_EQ(by_id["hygiene.debug_services"]->evidence.at(0),
            "tcp 0.0.0.0:5555 (adbd pid 233)");
  EXPECT_EQ(by_id["hygiene.default_credentials"]->evidence,
            (std::vector<std::string>{
                "root: password is a publicly known default (pair #1 of the "
                "built-in iot-defaults list)",
                "pi: password is a publicly known default (pair #36 of the "
                "built-in iot-defaults list)"}));
  const auto& root_login = by_id["hygiene.ssh_root_password_login"]->evidence;
  EXPECT_NE(std::find(root_login.begin(), root_login.end(),
                      "dropbear (pid 232): /usr/sbin/dropbear -F -P "
                      "/var/run/dropbear.pid -p 2222"),
            root_login.end());
}

TEST(ScannerTest, PolicyForAnotherOsIsNotApplicable) {
  auto policy = ParsePolicy(
      "id: alpine-only\ntitle: A\napplies_to: {os_ids: [alpine]}\nchecks:\n"
      "  - id: a\n    title: A\n    severity: high\n    remediation: R\n"
      "    condition: {file: {path: /etc/passwd}}\n",
      "p.yaml");
  ASSERT_TRUE(policy.ok());
  FixtureRoot root("hardened");
  ScanReport report = Scan(*policy, root.path());
  EXPECT_FALSE(report.applicable);
  EXPECT_EQ(report.not_applicable_reason,
            "policy applies to alpine; this is debian");
  ASSERT_EQ(report.results.size(), 1u);
  EXPECT_EQ(report.results[0].verdict, Verdict::kNotApplicable);
}

TEST(ScannerTest, CancelledScanStopsWithErrors) {
  Policy policy = ShippedPolicy();
  FixtureRoot root("weak");
  std::atomic<bool> cancel{true};
  ScanOptions options;
  options.cancel = &cancel;
  auto host = NewLocalHost(root.path());
  ASSERT_TRUE(host.ok());
  ScanReport report = RunScan(policy, **host, options);
  EXPECT_TRUE(report.cancelled);
  EXPECT_EQ(report.counts.errors, policy.checks.size());
}

TEST(ScannerTest, OnlySelectedChecks) {
  Policy policy = ShippedPolicy();
  FixtureRoot root("weak");
  ScanOptions options;
  options.only = {"kernel.aslr", "net.ip_forward"};
  auto host = NewLocalHost(root.path());
  ASSERT_TRUE(host.ok());
  ScanReport report = RunScan(policy, **host, options);
  ASSERT_EQ(report.results.size(), 2u);
  EXPECT_EQ(report.counts.failed, 2u);
}

TEST(ScannerScoringTest, WeightedBySeverityIgnoringNotApplicable) {
  Check critical, high, medium, low, info;
  critical.severity = Severity::kCritical;
  high.severity = Severity::kHigh;
  medium.severity = Severity::kMedium;
  low.severity = Severity::kLow;
  info.severity = Severity::kInfo;
  EXPECT_EQ(SeverityWeight(Severity::kCritical), 10u);
  EXPECT_EQ(SeverityWeight(Severity::kInfo), 0u);
  std::vector<CheckResult> results = {{&critical, Verdict::kPass, {}, ""},
                                      {&high, Verdict::kFail, {}, ""},
                                      {&medium, Verdict::kError, {}, "x"},
                                      {&low, Verdict::kNotApplicable, {}, ""},
                                      {&info, Verdict::kFail, {}, ""}};
  // 10 / (10 + 5 + 3) = 55.5 -> 55
  EXPECT_EQ(ComputeScore(results), 55u);
  ScanCounts c = CountResults(results);
  EXPECT_EQ(c.passed, 1u);
  EXPECT_EQ(c.failed, 2u);
  EXPECT_EQ(c.errors, 1u);
  EXPECT_EQ(c.not_applicable, 1u);
  EXPECT_EQ(ComputeScore({{&low, Verdict::kNotApplicable, {}, ""}}), 100u);
}

}  // namespace
}  // namespace picket

// `picket scan`: a one-shot security posture report.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/config.h"
#include "posture/host.h"
#include "posture/policy.h"
#include "posture/report.h"
#include "posture/scanner.h"

namespace picket {

namespace {

// The scan ran and a check at or above --fail-on failed.
constexpr int kExitChecksFailed = 3;

bool FileExists(const std::string& path) {
  return access(path.c_str(), R_OK) == 0;
}

}  // namespace

int ScanCommand(int argc, char** argv) {
  CLI::App app{
      "Run a security posture scan once and print the report. Exit 0: no "
      "check at or above --fail-on failed; 3: one did; 1: runtime failure; "
      "2: usage error or invalid policy.",
      "picket scan"};
  std::string policy_path;
  std::string config_path;
  std::string root = "/";
  std::string format = "table";
  std::string fail_on = "low";
  std::string output;
  std::string color = "auto";
  std::vector<std::string> only;
  app.add_option("--policy", policy_path,
                 "policy file (default: posture.policy of the configuration, "
                 "else the shipped baseline)");
  app.add_option("-c,--config", config_path,
                 "configuration file whose posture.policy to use (default "
                 "/etc/picket/picket.yaml when it exists)");
  app.add_option("--root", root,
                 "scan the system under this directory (a mounted image, a "
                 "fixture); default /");
  app.add_option("--format", format, "table, json or sarif (default table)")
      ->check(CLI::IsMember({"table", "json", "sarif"}));
  app.add_option("--fail-on", fail_on,
                 "exit 3 when a check of this severity or higher failed: "
                 "info, low, medium, high, critical, or none (default low)")
      ->check(
          CLI::IsMember({"info", "low", "medium", "high", "critical", "none"}));
  app.add_option("--check", only, "run only this check id (repeatable)");
  app.add_option("-o,--output", output, "write the report to this file");
  app.add_option("--color", color, "auto, always or never (table only)")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  if (int rc = ParseCli(app, argc, argv); rc >= 0) return rc;

  if (policy_path.empty()) {
    std::string from_config = kDefaultPolicyPath;
    if (config_path.empty() && FileExists(kDefaultConfigPath)) {
      config_path = kDefaultConfigPath;
    }
    if (!config_path.empty()) {
      Config config;
      if (int rc = LoadConfigOrExplain(config_path, &config); rc >= 0) {
        return rc;
      }
      from_config = config.posture.policy;
    }
    policy_path = ResolvePolicyPath(from_config);
  }

  auto policy = LoadPolicyFile(policy_path);
  if (!policy.ok()) {
    const Status& st = policy.status();
    if (st.code() == Status::Code::kInvalidArgument) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return kExitUsage;
    }
    std::fprintf(stderr, "picket scan: %s%s\n", st.message().c_str(),
                 st.code() == Status::Code::kNotFound
                     ? " (install the shipped policies or pass --policy FILE)"
                     : "");
    return kExitFailure;
  }
  ReleaseFreeMemory();  // the YAML parser's garbage
  for (const std::string& id : only) {
    bool known = false;
    for (const Check& c : policy->checks) known |= c.id == id;
    if (!known) {
      std::fprintf(stderr, "picket scan: no check \"%s\" in %s\n", id.c_str(),
                   policy_path.c_str());
      return kExitUsage;
    }
  }
  auto host = NewLocalHost(root);
  if (!host.ok()) {
    std::fprintf(stderr, "picket scan: --root: %s\n",
                 host.status().message().c_str());
    return kExitUsage;
  }

  if ((*host)->live() && geteuid() != 0) {
    std::fprintf(stderr,
                 "picket scan: not running as root: checks that read "
                 "root-only files (/etc/shadow, the firewall) will be "
                 "errors\n");
  }
  ScanOptions options;
  options.only = only;
  ScanReport report = RunScan(*policy, **host, options);

  std::string text;
  if (format == "json") {
    text = FormatJson(report);
  } else if (format == "sarif") {
    text = FormatSarif(report);
  } else {
    TableOptions table;
    table.color =
        color == "always" || (color == "auto" && output.empty() && isatty(1) &&
                              std::getenv("NO_COLOR") == nullptr);
    text = FormatTable(report, table);
  }
  if (output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  } else {
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::fprintf(stderr, "picket scan: cannot write %s\n", output.c_str());
      return kExitFailure;
    }
  }

  if (fail_on == "none") return kExitOk;
  Severity threshold = Severity::kLow;
  ParseSeverity(fail_on, &threshold);
  for (const CheckResult& r : report.results) {
    if (r.verdict == Verdict::kFail && r.check->severity >= threshold) {
      return kExitChecksFailed;
    }
  }
  return kExitOk;
}

}  // namespace picket

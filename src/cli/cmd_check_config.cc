// `picket check-config`: validate without running.
#include <CLI/CLI.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/config.h"
#include "posture/policy.h"

namespace picket {

int CheckConfigCommand(int argc, char** argv) {
  CLI::App app{
      "Validate a configuration file and, when posture scans are on, the "
      "policy it names. Prints every error as file:line: key: problem. Exit "
      "0 valid, 2 invalid, 1 unreadable.",
      "picket check-config"};
  std::string path = kDefaultConfigPath;
  app.add_option("-c,--config", path,
                 "configuration file (default /etc/picket/picket.yaml)");
  if (int rc = ParseCli(app, argc, argv); rc >= 0) return rc;
  Config config;
  if (int rc = LoadConfigOrExplain(path, &config); rc >= 0) return rc;
  if (config.posture.enabled) {
    // The daemon would start without posture scans on a policy it cannot
    // load; say so now.
    const std::string policy_path = ResolvePolicyPath(config.posture.policy);
    auto policy = LoadPolicyFile(policy_path);
    if (!policy.ok()) {
      const Status& st = policy.status();
      std::fprintf(stderr, "%s: posture.policy: %s\n", path.c_str(),
                   st.message().c_str());
      return st.code() == Status::Code::kInvalidArgument ? kExitUsage
                                                         : kExitFailure;
    }
    std::printf("%s: policy %s %s, %zu checks\n", policy_path.c_str(),
                policy->id.c_str(), policy->version.c_str(),
                policy->checks.size());
  }
  std::printf("%s: configuration is valid\n", path.c_str());
  return kExitOk;
}

}  // namespace picket

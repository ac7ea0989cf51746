// `picket run`: the agent in the foreground.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>

#include "cli/agent.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/config.h"
#include "core/log.h"
#include "platform/linux/config_file.h"

namespace picket {

int ParseCli(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s\nRun with --help for usage.\n",
                 app.get_name().c_str(), e.what());
    return kExitUsage;
  }
  return -1;
}

int LoadConfigOrExplain(const std::string& path, Config* out) {
  auto config = LoadConfigFile(path);
  if (config.ok()) {
    *out = std::move(config.value());
    return -1;
  }
  const Status& st = config.status();
  if (st.code() == Status::Code::kInvalidArgument) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return kExitUsage;
  }
  std::fprintf(stderr, "picket: cannot read configuration: %s\n",
               st.message().c_str());
  return kExitFailure;
}

std::string ResolvePolicyPath(const std::string& policy_path) {
  if (access(policy_path.c_str(), R_OK) == 0) return policy_path;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return policy_path;
  std::string dir(exe, static_cast<size_t>(n));
  dir = dir.substr(0, dir.rfind('/'));
  std::string base = policy_path.substr(policy_path.rfind('/') + 1);
  for (const std::string& candidate :
       {dir + "/../share/picket/policies/" + base,
        dir + "/share/picket/policies/" + base}) {
    if (access(candidate.c_str(), R_OK) == 0) return candidate;
  }
  return policy_path;
}

int RunCommand(int argc, char** argv) {
  CLI::App app{
      "Run the agent in the foreground until SIGTERM or SIGINT. "
      "SIGHUP reloads the configuration.",
      "picket run"};
  AgentOptions options;
  options.config_path = kDefaultConfigPath;
  app.add_option("-c,--config", options.config_path,
                 "configuration file (default /etc/picket/picket.yaml)");
  app.add_flag("--console", options.console,
               "also print events and alerts on stdout, human-readable");
  app.add_option("--root", options.root,
                 "read /proc and /etc under this directory (testing; forces "
                 "/proc polling)");
  if (int rc = ParseCli(app, argc, argv); rc >= 0) return rc;

  Config config;
  if (int rc = LoadConfigOrExplain(options.config_path, &config); rc >= 0) {
    return rc;
  }
  Agent agent(options, std::move(config));
  Status st = agent.Run();
  if (!st.ok()) {
    LogError(st.ToString());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace picket

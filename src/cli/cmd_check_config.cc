// `picket check-config`: validate without running.
#include <CLI/CLI.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/config.h"

namespace picket {

int CheckConfigCommand(int argc, char** argv) {
  CLI::App app{
      "Validate a configuration file. Prints every error as "
      "file:line: key: problem. Exit 0 valid, 2 invalid, 1 "
      "unreadable.",
      "picket check-config"};
  std::string path = kDefaultConfigPath;
  app.add_option("-c,--config", path,
                 "configuration file (default /etc/picket/picket.yaml)");
  if (int rc = ParseCli(app, argc, argv); rc >= 0) return rc;
  Config config;
  if (int rc = LoadConfigOrExplain(path, &config); rc >= 0) return rc;
  std::printf("%s: configuration is valid\n", path.c_str());
  return kExitOk;
}

}  // namespace picket

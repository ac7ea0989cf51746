// `picket version`.
#include <CLI/CLI.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/registry.h"
#include "picket/build_config.h"
#include "picket/event.h"

namespace picket {

int VersionCommand(int argc, char** argv) {
  CLI::App app{
      "Print the version, the event schema version and the parts "
      "compiled into this binary.",
      "picket version"};
  if (int rc = ParseCli(app, argc, argv); rc >= 0) return rc;
  std::printf("picket %s\nevent schema %d\nparts:", PICKET_VERSION,
              kEventSchemaVersion);
  for (const std::string& part : BuiltInParts()) {
    std::printf(" %s", part.c_str());
  }
  std::printf("\n");
  return kExitOk;
}

}  // namespace picket

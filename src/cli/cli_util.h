// Helpers shared by the subcommand handlers.
#ifndef PICKET_CLI_CLI_UTIL_H_
#define PICKET_CLI_CLI_UTIL_H_

#include <string>

#include "core/config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace picket {

// Parses argv into `app`. Returns -1 to go on, or the exit code to return
// now: 0 after printing --help, 2 after printing a usage error.
int ParseCli(CLI::App& app, int argc, char** argv);

// Loads `path` into *out and returns -1; on failure prints every error to
// stderr and returns 2 (invalid) or 1 (unreadable).
int LoadConfigOrExplain(const std::string& path, Config* out);

// `policy_path` when it is readable; else the shipped policy of the same
// name beside the binary: "<bin>/../share/picket/policies/" (an install
// outside /usr) or "<bin>/share/picket/policies/" (a build tree, where the
// build copies them), when that is readable; else `policy_path` unchanged
// (its loader then reports it missing).
std::string ResolvePolicyPath(const std::string& policy_path);

}  // namespace picket

#endif  // PICKET_CLI_CLI_UTIL_H_

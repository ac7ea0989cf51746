// The `picket` subcommands. main.cc dispatches through kCommands, which also
// produces the top-level help. Each handler parses its own options (CLI11)
// and returns the process exit code:
//   0  success
//   1  runtime failure (I/O error, a required OS facility is missing)
//   2  usage error or invalid configuration
#ifndef PICKET_CLI_COMMANDS_H_
#define PICKET_CLI_COMMANDS_H_

#include <span>

namespace picket {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);  // argv[0] is the subcommand name
};

int RunCommand(int argc, char** argv);
int CheckConfigCommand(int argc, char** argv);
int VersionCommand(int argc, char** argv);
int IntelCommand(int argc, char** argv);
int ReplayCommand(int argc, char** argv);
int ScanCommand(int argc, char** argv);

// Dispatches `picket <command> ...`; prints the table for --help.
int PicketMain(int argc, char** argv);

// The table, in help order.
std::span<const Command> Commands();

}  // namespace picket

#endif  // PICKET_CLI_COMMANDS_H_

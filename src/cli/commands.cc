#include "cli/commands.h"

#include <cstdio>
#include <cstring>

namespace picket {

namespace {

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "picket: security micro agent for IoT devices\n\n"
               "usage: picket <command> [options]\n"
               "       picket <command> --help\n\ncommands:\n");
  for (const Command& c : Commands()) {
    std::fprintf(out, "  %-14s %s\n", c.name, c.summary);
  }
  std::fprintf(out,
               "\nexit codes: 0 success, 1 runtime failure, 2 usage error or "
               "invalid configuration\n");
}

}  // namespace

std::span<const Command> Commands() {
  static constexpr Command kCommands[] = {
      {"run", "run the agent in the foreground until SIGTERM/SIGINT",
       RunCommand},
      {"check-config", "validate a configuration file and report every error",
       CheckConfigCommand},
      {"scan", "check the security posture once and print the report",
       ScanCommand},
      {"replay", "run a capture file through the network code and detectors",
       ReplayCommand},
      {"intel", "compile threat-intelligence feeds, look indicators up",
       IntelCommand},
      {"version", "print the version and the parts built in", VersionCommand},
  };
  return kCommands;
}

int PicketMain(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const char* name = argv[1];
  if (!std::strcmp(name, "--help") || !std::strcmp(name, "-h") ||
      !std::strcmp(name, "help")) {
    PrintUsage(stdout);
    return kExitOk;
  }
  if (!std::strcmp(name, "--version")) return VersionCommand(1, argv + 1);
  for (const Command& c : Commands()) {
    if (!std::strcmp(name, c.name)) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "picket: unknown command '%s'\n\n", name);
  PrintUsage(stderr);
  return kExitUsage;
}

}  // namespace picket

// picket: one binary, many subcommands (see cli/commands.h for exit codes).
#include "cli/commands.h"

int main(int argc, char** argv) { return picket::PicketMain(argc, argv); }

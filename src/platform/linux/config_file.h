// Reading the configuration file from disk (the parser, ParseConfig, is
// portable and lives in core/config.h).
//
// The file must be a regular file (a FIFO or a device is refused without
// blocking) of at most 1 MiB that only root or the agent's user can change:
// it decides what a root agent reads, runs and writes. Thread-safe.
#ifndef PICKET_PLATFORM_LINUX_CONFIG_FILE_H_
#define PICKET_PLATFORM_LINUX_CONFIG_FILE_H_

#include <string>

#include "core/config.h"
#include "picket/status.h"

namespace picket {

// Reads a configuration file's text. NotFound / PermissionDenied / IOError
// for the file system and for a FIFO, device or directory,
// ResourceExhausted beyond 1 MiB, PermissionDenied for a file others may
// write; every message names the path.
Result<std::string> ReadConfigText(const std::string& path);

// ReadConfigText, then ParseConfig with the path in error lines.
Result<Config> LoadConfigFile(const std::string& path);

}  // namespace picket

#endif  // PICKET_PLATFORM_LINUX_CONFIG_FILE_H_

// Directories for the agent's own files (events, spool): created private.
#ifndef PICKET_SINKS_PRIVATE_DIRS_H_
#define PICKET_SINKS_PRIVATE_DIRS_H_

#include <string>

#include "picket/status.h"

namespace picket {

// "/a/b/c" -> "/a/b"; "c" -> "."; "/c" -> "/".
std::string ParentDir(const std::string& path);

// mkdir -p with mode 0700 for the directories it creates; existing ones are
// left as the administrator made them. A path that exists but is not a
// directory is an error.
Status MakePrivateDirs(const std::string& dir);

}  // namespace picket

#endif  // PICKET_SINKS_PRIVATE_DIRS_H_

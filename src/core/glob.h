// Glob matching of absolute paths (the file integrity collector's watched
// paths, baselines' programs). Portable: no filesystem access.
//   *    any run of characters except '/'
//   ?    one character except '/'
//   [..] a character class ([a-z], [!x] negates); '/' never matches
//   **   as a whole path component: zero or more components
// Anything else matches itself; a backslash escapes the next character.
#ifndef PICKET_CORE_GLOB_H_
#define PICKET_CORE_GLOB_H_

#include <string_view>

namespace picket {

// True when `path` matches `pattern` as a whole.
bool GlobMatch(std::string_view pattern, std::string_view path);

// True when `pattern` holds a wildcard (*, ?, [), i.e. names more than one
// path.
bool HasWildcard(std::string_view pattern);

// The longest leading directory of `pattern` without a wildcard ("/etc" for
// "/etc/cron*/x"): where a watch for the pattern starts.
std::string_view GlobRoot(std::string_view pattern);

}  // namespace picket

#endif  // PICKET_CORE_GLOB_H_

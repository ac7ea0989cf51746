// The exec-location detector's configuration (`detectors.exec_location`),
// declared once: the fields with their defaults and Options() with keys, ranges
// and docs (core/options.h). Portable.
#ifndef PICKET_DETECTORS_EXEC_LOCATION_CONFIG_H_
#define PICKET_DETECTORS_EXEC_LOCATION_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"

namespace picket {

struct ExecLocationDetectorConfig {
  bool enabled = true;
  // Directories whose programs are suspicious (prefix match on the path).
  std::vector<std::string> paths = {"/tmp", "/var/tmp", "/dev/shm", "/run/shm",
                                    "/var/run/shm"};
  bool tmpfs = true;           // also alert when the exe lives on tmpfs
  bool world_writable = true;  // also alert when the exe's dir is o+w
  // Exe path prefixes never alerted on (for known-good updaters).
  std::vector<std::string> allow = {};
  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "run the detector");
    v.StringList("paths", &paths, StringKind::kAbsolutePath,
                 "directory prefixes whose programs are suspicious");
    v.Bool("tmpfs", &tmpfs, "also alert when the program lives on a tmpfs");
    v.Bool("world_writable", &world_writable,
           "also alert when the program's directory is world-writable");
    // Exe paths are absolute, so a relative prefix would never match:
    // reject it instead of silently allowing nothing.
    v.StringList("allow", &allow, StringKind::kAbsolutePath,
                 "program path prefixes never alerted on");
  }
};

}  // namespace picket

#endif  // PICKET_DETECTORS_EXEC_LOCATION_CONFIG_H_

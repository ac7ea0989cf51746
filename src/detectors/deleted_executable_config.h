// The deleted-executable detector's configuration
// (`detectors.deleted_executable`), declared once: the fields with their
// defaults and Options() with keys, ranges and docs (core/options.h). Portable.
#ifndef PICKET_DETECTORS_DELETED_EXECUTABLE_CONFIG_H_
#define PICKET_DETECTORS_DELETED_EXECUTABLE_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"

namespace picket {

struct DeletedExecutableDetectorConfig {
  bool enabled = true;
  std::vector<std::string> allow = {};  // exe path prefixes never alerted on
  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "run the detector");
    v.StringList("allow", &allow, StringKind::kAbsolutePath,
                 "program path prefixes never alerted on");
  }
};

}  // namespace picket

#endif  // PICKET_DETECTORS_DELETED_EXECUTABLE_CONFIG_H_

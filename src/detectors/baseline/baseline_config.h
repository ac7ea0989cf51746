// Security-group baselines (`baselines`): where the group's baseline is
// read from and how it is applied, declared once (core/options.h).
// Portable. The baseline document itself: baseline.h, docs/baselines.md.
#ifndef PICKET_DETECTORS_BASELINE_BASELINE_CONFIG_H_
#define PICKET_DETECTORS_BASELINE_BASELINE_CONFIG_H_

#include <cstdint>
#include <string>

#include "core/options.h"

namespace picket {

struct BaselineDetectorConfig {
  bool enabled = true;
  // A baseline file, or a directory with one `<group>.yaml` per group;
  // empty or missing: no baseline (said once at start).
  std::string path = "/etc/picket/baselines";
  // A deviation seen again is reported again at most this often, with the
  // number of times it was seen since.
  int64_t repeat_interval_ms = 3600 * 1000;
  // Deviations remembered for that (oldest forgotten first).
  uint32_t max_tracked = 4096;
  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "apply the security group's baseline");
    v.String("path", &path, StringKind::kOptionalPath,
             "baseline file, or directory of <group>.yaml files");
    v.Duration("repeat_interval", &repeat_interval_ms,
               {60 * kMsPerSecond, false, kMaxDurationMs},
               "a deviation seen again is reported again at most this often");
    v.Int("max_tracked", &max_tracked, {16, 65536, 16384},
          "deviations remembered between reports");
  }
};

}  // namespace picket

#endif  // PICKET_DETECTORS_BASELINE_BASELINE_CONFIG_H_

// The periodic security posture scan's configuration (posture), declared
// once (core/options.h; docs/posture.md). Portable.
#ifndef PICKET_POSTURE_POSTURE_CONFIG_H_
#define PICKET_POSTURE_POSTURE_CONFIG_H_

#include <cstdint>
#include <string>

#include "core/options.h"

namespace picket {

inline constexpr char kDefaultPolicyPath[] =
    "/usr/share/picket/policies/picket-baseline.yaml";

struct PostureConfig {
  bool enabled = true;
  std::string policy = kDefaultPolicyPath;  // YAML policy file
  int64_t interval_ms = 12 * 3600000;       // between two scans
  int64_t jitter_ms = 600000;      // random extra delay, so fleets spread out
  int64_t first_delay_ms = 60000;  // after start, before the first scan
  int64_t pacing_ms = 20;          // pause between checks (CPU friendliness)

  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "run periodic scans");
    v.String("policy", &policy, StringKind::kAbsolutePath, "the policy file");
    // A scan walks the file system; more often than every minute would
    // make it the agent's main cost.
    v.Duration("interval", &interval_ms, {kMsPerMinute},
               "between the end of a scan and the next");
    v.Duration("jitter", &jitter_ms, {0},
               "random extra delay before each scan");
    v.Duration("first_delay", &first_delay_ms, {0},
               "after start, before the first scan");
    v.Duration("pacing", &pacing_ms, {0}, "pause between two checks");
  }
};

}  // namespace picket

#endif  // PICKET_POSTURE_POSTURE_CONFIG_H_

// The brute-force detector's configuration (`detectors.brute_force`), declared
// once: the fields with their defaults and Options() with keys, ranges and docs
// (core/options.h). Portable.
#ifndef PICKET_DETECTORS_BRUTE_FORCE_CONFIG_H_
#define PICKET_DETECTORS_BRUTE_FORCE_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"

namespace picket {

// Brute force against logins (docs/login-monitoring.md has the reasoning
// behind each default). Buckets leak one unit per interval.
struct BruteForceDetectorConfig {
  bool enabled = true;
  uint32_t capacity = 10;            // failures from one source that alert
  int64_t leak_interval_ms = 60000;  // one failure forgotten per interval
  uint32_t user_capacity = 5;        // distinct users from one source
  int64_t user_leak_interval_ms = 60000;
  uint32_t target_capacity = 20;  // failures on one user, all sources
  int64_t target_leak_interval_ms = 60000;
  uint32_t target_min_sources = 5;       // ... from at least this many sources
  uint32_t success_min_failures = 5;     // failures before a success that
  int64_t success_window_ms = 600000;    // count as a successful brute force
  int64_t realert_interval_ms = 600000;  // ongoing attack: reminder period
  int64_t attack_end_ms = 300000;  // quiet this long: attack over (summary)
  uint32_t max_tracked = 4096;     // sources and users remembered
  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "run the detector");
    v.Int("capacity", &capacity, {2, 100000},
          "failures from one address that alert");
    v.Duration("leak_interval", &leak_interval_ms, {kMsPerSecond},
               "one failure forgotten per interval");
    v.Int("user_capacity", &user_capacity, {2, 100000},
          "distinct user names from one address");
    v.Duration("user_leak_interval", &user_leak_interval_ms, {kMsPerSecond},
               "one user name forgotten per interval");
    v.Int("target_capacity", &target_capacity, {2, 1000000},
          "failures against one user from all addresses");
    v.Duration("target_leak_interval", &target_leak_interval_ms, {kMsPerSecond},
               "one such failure forgotten per interval");
    v.Int("target_min_sources", &target_min_sources, {2, 100000},
          "... from at least this many addresses");
    v.Int("success_min_failures", &success_min_failures, {1, 100000},
          "failures before a success that count as a successful attack");
    v.Duration("success_window", &success_window_ms, {kMsPerSecond},
               "those failures count while less than this apart");
    v.Duration("realert_interval", &realert_interval_ms, {kMsPerSecond},
               "an ongoing attack is reported again at most this often");
    v.Duration("attack_end", &attack_end_ms, {kMsPerSecond},
               "quiet this long, an attack is over and summarised");
    // About 2 KiB per tracked address under attack.
    v.Int("max_tracked", &max_tracked, {16, 262144, 16384},
          "addresses and users remembered");
  }
};

}  // namespace picket

#endif  // PICKET_DETECTORS_BRUTE_FORCE_CONFIG_H_

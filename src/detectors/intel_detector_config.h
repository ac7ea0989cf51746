// The intel detector's configuration (`detectors.intel`), declared once: the
// fields with their defaults and Options() with keys, ranges and docs
// (core/options.h). Portable.
#ifndef PICKET_DETECTORS_INTEL_DETECTOR_CONFIG_H_
#define PICKET_DETECTORS_INTEL_DETECTOR_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"

namespace picket {

struct IntelDetectorConfig {
  bool enabled = true;
  bool connections = true;  // remote address of every flow
  bool dns = true;          // queried names and their CNAMEs
  bool hashes = true;       // SHA-256 of executed binaries
  // Matches of one indicator (per direction and process) form a campaign:
  // one alert at its first match, a reminder with the counts at most once
  // per realert_interval, a summary once quiet for campaign_end.
  int64_t realert_interval_ms = 600000;
  int64_t campaign_end_ms = 300000;
  uint32_t max_tracked = 256;  // campaigns remembered (memory bound)
  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "run the detector");
    v.Bool("connections", &connections, "match each flow's remote address");
    v.Bool("dns", &dns, "match DNS query names and CNAMEs");
    v.Bool("hashes", &hashes, "match the SHA-256 of executed binaries");
    v.Duration("realert_interval", &realert_interval_ms, {kMsPerSecond},
               "an ongoing campaign is reported again at most this often");
    v.Duration("campaign_end", &campaign_end_ms, {kMsPerSecond},
               "quiet this long, a campaign is over and summarised");
    // Up to about 2 KiB per campaign (its sample, evidence and, past 64
    // addresses, a 1 KiB distinct-count sketch).
    v.Int("max_tracked", &max_tracked, {16, 65536, 16384},
          "campaigns remembered");
  }
};

}  // namespace picket

#endif  // PICKET_DETECTORS_INTEL_DETECTOR_CONFIG_H_

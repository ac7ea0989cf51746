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
  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "run the detector");
    v.Bool("connections", &connections, "match each flow's remote address");
    v.Bool("dns", &dns, "match DNS query names and CNAMEs");
    v.Bool("hashes", &hashes, "match the SHA-256 of executed binaries");
  }
};

}  // namespace picket

#endif  // PICKET_DETECTORS_INTEL_DETECTOR_CONFIG_H_

// Where the agent finds its compiled threat intelligence (intel), declared
// once (core/options.h). Portable.
#ifndef PICKET_INTEL_INTEL_CONFIG_H_
#define PICKET_INTEL_INTEL_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"

namespace picket {

struct IntelConfig {
  std::string path = "/var/lib/picket/intel.bin";  // missing: no intel
  int64_t reload_check_interval_ms = 10000;        // replaced file picked up
  uint64_t max_bytes = 64ull << 20;  // larger files are refused (held whole)
  // Never alerted on by the intel detector (intel/allow_list.h).
  std::vector<std::string> allow;
  // Also allow the device's DNS servers, default gateways and MQTT broker,
  // found at start (intel/linux/own_infrastructure.h).
  bool allow_own_infrastructure = true;

  template <typename V>
  void Options(V& v) {
    v.String("path", &path, StringKind::kAbsolutePath,
             "compiled intel file (picket intel compile)");
    v.Duration("reload_check_interval", &reload_check_interval_ms,
               {kMsPerSecond}, "how often a replaced file is looked for");
    // The store is held in memory whole.
    v.Size("max_size", &max_bytes, {64 << 10, 1ull << 30, 64ull << 20},
           "larger files are refused");
    v.StringList("allow", &allow, StringKind::kAddressOrDomain,
                 "addresses, CIDRs and domains never alerted on");
    v.Bool("allow_own_infrastructure", &allow_own_infrastructure,
           "also allow the device's DNS servers, gateways and MQTT broker");
  }
};

}  // namespace picket

#endif  // PICKET_INTEL_INTEL_CONFIG_H_

// Where the agent finds its compiled threat intelligence (intel), declared
// once (core/options.h). Portable.
#ifndef PICKET_INTEL_INTEL_CONFIG_H_
#define PICKET_INTEL_INTEL_CONFIG_H_

#include <cstdint>
#include <string>

#include "core/options.h"

namespace picket {

struct IntelConfig {
  std::string path = "/var/lib/picket/intel.bin";  // missing: no intel
  int64_t reload_check_interval_ms = 10000;        // replaced file picked up
  uint64_t max_bytes = 64ull << 20;  // larger files are refused (held whole)

  template <typename V>
  void Options(V& v) {
    v.String("path", &path, StringKind::kAbsolutePath,
             "compiled intel file (picket intel compile)");
    v.Duration("reload_check_interval", &reload_check_interval_ms,
               {kMsPerSecond}, "how often a replaced file is looked for");
    // The store is held in memory whole.
    v.Size("max_size", &max_bytes, {64 << 10, 1ull << 30, 64ull << 20},
           "larger files are refused");
  }
};

}  // namespace picket

#endif  // PICKET_INTEL_INTEL_CONFIG_H_

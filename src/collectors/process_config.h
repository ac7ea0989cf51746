// The process collector's configuration (collectors.process), declared once:
// the fields with their defaults and Options() with keys, ranges and docs
// (core/options.h). Portable; the collector is collectors/linux/.
#ifndef PICKET_COLLECTORS_PROCESS_CONFIG_H_
#define PICKET_COLLECTORS_PROCESS_CONFIG_H_

#include <cstdint>
#include <string>

#include "core/options.h"

namespace picket {

struct ProcessCollectorConfig {
  bool enabled = true;
  std::string mode = "auto";              // auto | netlink | poll
  int64_t poll_interval_ms = 1000;        // poll mode: /proc scan period
  int64_t rescan_interval_ms = 30000;     // netlink mode: full /proc rescan
  bool report_forks = false;              // emit process.fork events
  bool hash_executables = true;           // SHA-256 of each executed binary
  uint64_t hash_max_bytes = 64ull << 20;  // larger files are not hashed
  uint32_t hash_cache_entries = 1024;

  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "watch process starts and exits");
    v.Enum("mode", &mode, {"auto", "netlink", "poll"},
           "netlink sees every exec (needs root); poll scans /proc");
    // A /proc scan costs real CPU on small devices; faster than 10 Hz buys
    // little since short-lived processes are missed by polling anyway.
    v.Duration("poll_interval", &poll_interval_ms, {100},
               "poll mode: time between /proc scans");
    v.Duration("rescan_interval", &rescan_interval_ms, {kMsPerSecond, true},
               "netlink mode: time between full /proc rescans; 0 turns "
               "them off");
    v.Bool("report_forks", &report_forks, "emit process.fork events");
    v.Bool("hash_executables", &hash_executables,
           "SHA-256 of every executed binary");
    // Hashing streams the file: the cost is CPU time, not memory.
    v.Size("hash_max_size", &hash_max_bytes, {0, 1ull << 30, 256ull << 20},
           "larger binaries are not hashed");
    v.Int("hash_cache_entries", &hash_cache_entries, {1, 65536, 8192},
          "hashes remembered, to avoid re-reading binaries");
  }
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_PROCESS_CONFIG_H_

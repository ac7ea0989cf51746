// The JSON-lines sink's configuration (sinks.jsonl), declared once
// (core/options.h). Portable.
#ifndef PICKET_SINKS_JSONL_CONFIG_H_
#define PICKET_SINKS_JSONL_CONFIG_H_

#include <cstdint>
#include <string>

#include "core/options.h"

namespace picket {

struct JsonlSinkConfig {
  bool enabled = true;
  std::string path = "/var/lib/picket/events.jsonl";
  uint64_t max_bytes = 10ull << 20;  // rotate when the file would exceed
  uint32_t max_files = 5;            // rotated files kept (path.1 .. path.N)
  bool alerts_only = false;

  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "write the file");
    v.String("path", &path, StringKind::kAbsolutePath, "current file");
    // Below a page the file would rotate after every few events.
    v.Size("max_size", &max_bytes, {4 << 10, 4ull << 30},
           "rotate when the file would grow beyond this");
    v.Int("max_files", &max_files, {1, 100}, "rotated files kept");
    v.Bool("alerts_only", &alerts_only, "write alerts and agent status only");
  }
};

}  // namespace picket

#endif  // PICKET_SINKS_JSONL_CONFIG_H_

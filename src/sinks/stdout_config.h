// The console sink's configuration (sinks.stdout), declared once
// (core/options.h). Portable.
#ifndef PICKET_SINKS_STDOUT_CONFIG_H_
#define PICKET_SINKS_STDOUT_CONFIG_H_

#include "core/options.h"

namespace picket {

struct StdoutSinkConfig {
  bool enabled = false;     // `picket run --console` turns it on
  bool show_events = true;  // false: alerts and status only

  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "write to standard output");
    v.Bool("show_events", &show_events,
           "false shows alerts and agent status only");
  }
};

}  // namespace picket

#endif  // PICKET_SINKS_STDOUT_CONFIG_H_

// The network collector's configuration (collectors.network), declared once
// (core/options.h). Portable; the collector is collectors/net/linux/.
#ifndef PICKET_COLLECTORS_NET_NETWORK_CONFIG_H_
#define PICKET_COLLECTORS_NET_NETWORK_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"

namespace picket {

struct NetworkCollectorConfig {
  bool enabled = true;
  int64_t report_interval_ms = 60000;      // aggregation interval per flow
  int64_t socket_poll_interval_ms = 2000;  // sock_diag table dump period
  bool capture = true;  // packet capture (SYNs, UDP, ICMP, DNS answers)
  std::vector<std::string> interfaces = {"any"};
  uint32_t max_flows = 4096;  // aggregated flows remembered
  uint64_t capture_buffer_bytes = 2ull << 20;

  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled,
           "watch network flows, listening sockets and DNS answers");
    // Below a second the per-flow records stop being aggregates.
    v.Duration("report_interval", &report_interval_ms, {kMsPerSecond},
               "a flow is reported at first sight, then once per interval");
    v.Duration("socket_poll_interval", &socket_poll_interval_ms, {100},
               "period of the kernel socket-table dump");
    v.Bool("capture", &capture,
           "packet capture of SYNs, UDP, ICMP and DNS answers");
    v.StringList("interfaces", &interfaces, StringKind::kNonEmpty,
                 "capture interfaces");
    // Each tracked flow costs about 200 bytes.
    v.Int("max_flows", &max_flows, {16, 262144, 16384},
          "flows aggregated at once");
    // Resident from the start (plus a quarter for DNS answers).
    v.Size("capture_buffer", &capture_buffer_bytes,
           {64 << 10, 64ull << 20, 8ull << 20},
           "kernel ring of the connection-attempt capture, per interface");
  }
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_NET_NETWORK_CONFIG_H_

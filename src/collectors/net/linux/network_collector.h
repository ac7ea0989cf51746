// NetworkCollector: every TCP, UDP and ICMP flow the device makes or
// receives, IPv4 and IPv6, with its owning process where a socket exists.
//
// Two sources feed one NetworkEngine (see network_engine.h):
//  - sock_diag: the kernel's socket table, dumped every
//    socket_poll_interval: listening sockets, established connections, their
//    owner (inode -> pid via /proc/<pid>/fd) and TCP byte counters;
//  - packet capture (libpcap, optional): TCP SYNs, UDP datagrams, ICMP and
//    DNS answers, which catch what polling misses (short-lived connections,
//    connectionless traffic, names). Two handles: headers only (snaplen 128)
//    for everything but DNS, and full DNS answers (snaplen 1500).
// Without capture (disabled, no CAP_NET_RAW, no libpcap device) the agent
// says so in an agent.status event and continues on sock_diag alone. All
// methods run on the event-loop thread.
#ifndef PICKET_COLLECTORS_NET_LINUX_NETWORK_COLLECTOR_H_
#define PICKET_COLLECTORS_NET_LINUX_NETWORK_COLLECTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "collectors/net/linux/capture.h"
#include "collectors/net/linux/sock_diag.h"
#include "collectors/net/linux/socket_owners.h"
#include "collectors/net/network_engine.h"
#include "core/clock.h"
#include "core/config.h"
#include "picket/collector.h"

namespace picket {

// BPF filters of the two capture handles.
extern const char kHeaderCaptureFilter[];
extern const char kDnsCaptureFilter[];

class NetworkCollector final : public Collector {
 public:
  NetworkCollector(NetworkCollectorConfig config, std::string root,
                   const Clock* clock);
  ~NetworkCollector() override;

  std::string name() const override { return "collector.network"; }
  Status Start(EventLoop& loop, EventSubmitter& out) override;
  void Stop() override;
  ComponentStats Stats() const override;

 private:
  struct Handle {
    std::unique_ptr<Capture> capture;
    std::string device;
  };

  // Reads every capture handle of `device`, DNS answers first, so that a
  // flow is labelled with the name it was resolved from even when both
  // arrive in the same capture block.
  void ReadDevice(const std::string& device);

  void PollSockets();
  void ReadCapture(Capture& capture);
  void RefreshLocalAddresses();
  bool ResolveOwner(uint8_t protocol, const IpAddress& local,
                    uint16_t local_port, SocketOwner* out);
  void Emit(Event event);
  void EmitStatus(const std::string& state, const std::string& detail);

  NetworkCollectorConfig config_;
  std::string root_;
  const Clock* clock_;
  EventLoop* loop_ = nullptr;
  EventSubmitter* out_ = nullptr;
  std::unique_ptr<NetworkEngine> engine_;
  std::unique_ptr<SockDiag> diag_;
  SocketOwners owners_;
  std::vector<Handle> handles_;
  std::vector<EventLoop::TimerId> timers_;
  // Local side (protocol, port) -> owner, from the last socket dump.
  std::vector<SocketInfo> last_sockets_;
  int64_t last_targeted_dump_ms_ = -1000000;

  uint64_t events_ = 0;
  uint64_t dropped_ = 0;
  uint64_t decode_malformed_ = 0;
  uint64_t decode_unsupported_ = 0;
  uint64_t loopback_duplicates_ = 0;
  // Counters of sources already closed (Stop()), so that the statistics
  // after a stop or reload never go down.
  uint64_t retired_kernel_drops_ = 0;
  uint64_t retired_sock_diag_malformed_ = 0;
  uint64_t socket_dumps_ = 0;
  uint64_t socket_dump_errors_ = 0;
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_NET_LINUX_NETWORK_COLLECTOR_H_

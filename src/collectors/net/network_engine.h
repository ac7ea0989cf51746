// NetworkEngine: turns packets and socket snapshots into network events.
//
// The portable half of the network collector, shared by the live collector
// and `picket replay`. It decides each flow's direction and local/remote
// sides, aggregates per flow key (protocol, direction, local address and
// port, remote address and port), labels remote addresses with the DNS names
// they were resolved from, and emits:
//  - network.connection at a flow's first sight (so detectors act at once),
//    then once per report interval while the flow stays active, carrying
//    that interval's count and bytes;
//  - network.listen when a listening socket appears (state "listening") or
//    disappears ("closed");
//  - network.dns for each distinct answer (query, type, addresses) per
//    interval.
// Outbound flows are keyed without the local (ephemeral) port and inbound
// ones without the remote port, so repeated connections to one service
// aggregate into one record. Memory is bounded: beyond max_flows new flows
// are still reported at first sight but not aggregated (counted in
// flows_untracked). Single-threaded; times are Unix nanoseconds supplied by
// the caller (packet time in replay, wall time live).
#ifndef PICKET_COLLECTORS_NET_NETWORK_ENGINE_H_
#define PICKET_COLLECTORS_NET_NETWORK_ENGINE_H_

#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "collectors/net/dns.h"
#include "collectors/net/packet.h"
#include "picket/event.h"

namespace picket {

struct NetworkEngineOptions {
  int64_t report_interval_ms = 60000;
  size_t max_flows = 4096;
  size_t max_dns_names = 4096;  // address -> name labels remembered
  size_t max_listeners = 1024;
  std::string source = "pcap";  // source field of packet-derived events
};

// The owner of a socket, as the live collector resolves it.
struct SocketOwner {
  int32_t pid = 0;
  uint32_t uid = 0;
  std::string exe;
};

// One socket from the kernel's socket table (sock_diag or /proc/net).
struct SocketInfo {
  uint8_t protocol = 0;  // kProtoTcp / kProtoUdp
  IpAddress local;
  uint16_t local_port = 0;
  IpAddress remote;  // unset family (0) when unconnected
  uint16_t remote_port = 0;
  std::string state;  // "listen", "established", "syn_sent", ...
  uint64_t inode = 0;
  uint32_t uid = 0;
  uint64_t bytes_sent = 0;      // cumulative, TCP only (tcp_info)
  uint64_t bytes_received = 0;  // cumulative, TCP only
  SocketOwner owner;            // filled by the caller when known
};

class NetworkEngine {
 public:
  using EmitFn = std::function<void(Event)>;
  // Resolves the owner of a packet-derived flow by its local side; returns
  // false when unknown. May be empty (replay).
  using OwnerFn = std::function<bool(uint8_t protocol, const IpAddress& local,
                                     uint16_t local_port, SocketOwner* out)>;

  NetworkEngine(NetworkEngineOptions options, EmitFn emit,
                OwnerFn owner = nullptr);

  // Addresses of this host. Without any (replay), both sides of a packet
  // count as "not local" and direction is inferred from ports and TCP SYNs.
  void SetLocalAddresses(std::vector<IpAddress> addresses);

  // A captured packet. Only TCP SYNs (without ACK) open TCP flows; other TCP
  // segments are ignored. UDP with source port 53 is parsed as DNS.
  void OnPacket(const DecodedPacket& packet, int64_t time_ns);

  // Socket table snapshot: call BeginSocketScan(), OnSocket() for each
  // socket, then EndSocketScan() (listeners not seen are reported closed).
  // With `count_new_sockets` a TCP socket seen for the first time counts as
  // a connection (when no capture sees SYNs).
  void BeginSocketScan();
  void OnSocket(const SocketInfo& socket, int64_t time_ns,
                bool count_new_sockets);
  void EndSocketScan(int64_t time_ns);

  // Emits the interval records of active flows and forgets idle ones.
  void Flush(int64_t time_ns);

  // Counters for statistics (stable order).
  std::vector<std::pair<std::string, uint64_t>> Counters() const;

  // The name an address was last resolved from, or "".
  std::string NameOf(const IpAddress& address) const;

  // Classifies an address for direction inference.
  bool IsLocal(const IpAddress& address) const;

 private:
  struct FlowKey {
    uint8_t protocol;
    uint8_t direction;  // 0 outbound, 1 inbound
    uint8_t icmp_type;
    IpAddress local;
    uint16_t local_port;
    IpAddress remote;
    uint16_t remote_port;
    bool operator==(const FlowKey& o) const;
  };
  struct FlowKeyHash {
    size_t operator()(const FlowKey& k) const;
  };
  struct Flow {
    NetworkEvent record;  // identity + owner + interval counters
    bool dirty = false;   // activity since the last emission
    int64_t last_activity_ns = 0;
  };
  struct ListenKey {
    uint8_t protocol;
    IpAddress local;
    uint16_t port;
    bool operator==(const ListenKey& o) const {
      return protocol == o.protocol && local == o.local && port == o.port;
    }
  };
  struct ListenKeyHash {
    size_t operator()(const ListenKey& k) const;
  };
  struct Listener {
    NetworkEvent record;
    bool seen = false;  // in the current scan
  };
  struct SocketBytes {
    uint64_t sent = 0;
    uint64_t received = 0;
    bool seen = false;
  };

  // Records one unit of activity on a flow; emits at first sight.
  void Touch(const FlowKey& key, uint64_t count, uint64_t bytes_in,
             uint64_t bytes_out, int64_t time_ns, const SocketOwner* owner,
             const std::string& state, const std::string& source);
  void EmitFlow(const NetworkEvent& record, int64_t time_ns);
  void OnDns(const DecodedPacket& packet, int64_t time_ns);
  void RememberName(const IpAddress& address, const std::string& name);

  NetworkEngineOptions options_;
  EmitFn emit_;
  OwnerFn owner_;
  std::vector<IpAddress> local_addresses_;
  std::unordered_map<FlowKey, Flow, FlowKeyHash> flows_;
  std::unordered_map<ListenKey, Listener, ListenKeyHash> listeners_;
  std::unordered_map<uint64_t, SocketBytes> socket_bytes_;  // by inode
  // address text -> name, LRU bounded.
  std::list<std::pair<std::string, std::string>> name_lru_;
  std::unordered_map<std::string,
                     std::list<std::pair<std::string, std::string>>::iterator>
      names_;
  std::unordered_set<std::string> dns_reported_;  // this interval

  uint64_t packets_ = 0;
  uint64_t flows_reported_ = 0;
  uint64_t flows_untracked_ = 0;
  uint64_t dns_answers_ = 0;
  uint64_t dns_malformed_ = 0;
  uint64_t listeners_reported_ = 0;
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_NET_NETWORK_ENGINE_H_

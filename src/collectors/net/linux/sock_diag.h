// sock_diag (NETLINK_SOCK_DIAG, inet_diag): the kernel's table of TCP and
// UDP sockets, IPv4 and IPv6, with each socket's owner inode, uid, state and
// (TCP) byte counters. ParseInetDiagDatagram() is a pure function over the
// bytes of one received datagram, unit-tested and fuzzed on crafted
// messages; SockDiag owns the socket. Used on the event-loop thread only.
#ifndef PICKET_COLLECTORS_NET_LINUX_SOCK_DIAG_H_
#define PICKET_COLLECTORS_NET_LINUX_SOCK_DIAG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "collectors/net/network_engine.h"
#include "picket/status.h"

struct mnl_socket;

namespace picket {

// Parses one dump datagram. Appends sockets to `out`; sets *done when the
// dump's NLMSG_DONE is seen. Malformed messages increment *malformed and are
// skipped; an NLMSG_ERROR returns its errno as a Status.
Status ParseInetDiagDatagram(const void* data, size_t len, uint8_t protocol,
                             std::vector<SocketInfo>* out, bool* done,
                             uint64_t* malformed);

// Kernel TCP state number to the name used in events ("established", ...).
const char* TcpStateName(uint8_t state);

class SockDiag {
 public:
  static Result<std::unique_ptr<SockDiag>> Open();
  ~SockDiag();

  // Dumps every socket of `protocol` (kProtoTcp or kProtoUdp) for both
  // address families. Blocking but fast (kernel memory only).
  Status Dump(uint8_t protocol, std::vector<SocketInfo>* out);

  uint64_t malformed() const { return malformed_; }

 private:
  explicit SockDiag(mnl_socket* nl) : nl_(nl) {}
  Status DumpFamily(uint8_t family, uint8_t protocol,
                    std::vector<SocketInfo>* out);

  mnl_socket* nl_;
  uint32_t seq_ = 1;
  uint64_t malformed_ = 0;
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_NET_LINUX_SOCK_DIAG_H_

// Listening sockets, as posture rules see them, and the parser of the
// kernel's /proc/net/{tcp,tcp6,udp,udp6} tables they are read from by
// default. The network collector keeps the same facts; Host::Listeners()
// is the seam through which it can feed them instead. Pure functions.
#ifndef PICKET_POSTURE_SOCKETS_H_
#define PICKET_POSTURE_SOCKETS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace picket {

struct Listener {
  std::string protocol;  // "tcp" or "udp"
  bool ipv6 = false;
  std::string address;  // textual: "0.0.0.0", "::", "127.0.0.1", "::1"
  uint16_t port = 0;
  uint32_t uid = 0;
  uint64_t inode = 0;  // of the socket, to find its process

  bool wildcard() const { return address == "0.0.0.0" || address == "::"; }
  bool loopback() const;
  // "tcp 0.0.0.0:23", "udp [::]:69".
  std::string ToString() const;
};

// Parses one line of a /proc/net table (`protocol` "tcp" or "udp", `ipv6`
// for the *6 tables). Returns a Listener for a TCP socket in LISTEN state or
// a UDP socket with no remote peer (bound, receiving from anyone); nullopt
// for the header, connected sockets and malformed lines.
std::optional<Listener> ParseProcNetLine(std::string_view line,
                                         std::string_view protocol, bool ipv6);

}  // namespace picket

#endif  // PICKET_POSTURE_SOCKETS_H_

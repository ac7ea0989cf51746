#include "posture/sockets.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <vector>

#include "core/text.h"

namespace picket {

namespace {

template <typename T>
bool Hex(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, 16);
  return ec == std::errc() && end == s.data() + s.size();
}

// "0100007F:0016": the address is the kernel's in-memory bytes printed as
// 32-bit words in host order, so each word is reversed on little-endian.
bool ParseEndpoint(std::string_view text, bool ipv6, std::string* address,
                   uint16_t* port) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view hex = text.substr(0, colon);
  if (hex.size() != (ipv6 ? 32u : 8u)) return false;
  if (!Hex(text.substr(colon + 1), port)) return false;
  unsigned char bytes[16];
  for (size_t word = 0; word < hex.size() / 8; ++word) {
    uint32_t value = 0;
    if (!Hex(hex.substr(word * 8, 8), &value)) return false;
    // The word was printed with %08X of a host-order u32.
    std::memcpy(bytes + word * 4, &value, 4);
  }
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(ipv6 ? AF_INET6 : AF_INET, bytes, buf, sizeof buf) == nullptr) {
    return false;
  }
  *address = buf;
  // An IPv4-mapped wildcard on a v6 socket is still a wildcard.
  if (*address == "::ffff:0.0.0.0") *address = "::";
  return true;
}

}  // namespace

bool Listener::loopback() const {
  if (ipv6) {
    return address == "::1" || address.starts_with("::ffff:127.");
  }
  return address.starts_with("127.");
}

std::string Listener::ToString() const {
  if (ipv6) return protocol + " [" + address + "]:" + std::to_string(port);
  return protocol + " " + address + ":" + std::to_string(port);
}

std::optional<Listener> ParseProcNetLine(std::string_view line,
                                         std::string_view protocol, bool ipv6) {
  // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
  auto f = SplitBlanks(line);
  if (f.size() < 10 || f[0].empty() || f[0].back() != ':') return std::nullopt;
  Listener l;
  l.protocol = std::string(protocol);
  l.ipv6 = ipv6;
  std::string remote;
  uint16_t remote_port = 0;
  unsigned state = 0;
  if (!ParseEndpoint(f[1], ipv6, &l.address, &l.port) ||
      !ParseEndpoint(f[2], ipv6, &remote, &remote_port) || !Hex(f[3], &state)) {
    return std::nullopt;
  }
  if (protocol == "tcp") {
    if (state != 0x0A) return std::nullopt;  // TCP_LISTEN
  } else {
    // TCP_CLOSE (7) is how an unconnected UDP socket shows; a connected one
    // (state 1) talks to one peer only.
    if (state != 0x07 || remote_port != 0) return std::nullopt;
  }
  auto [e1, ec1] =
      std::from_chars(f[7].data(), f[7].data() + f[7].size(), l.uid);
  auto [e2, ec2] =
      std::from_chars(f[9].data(), f[9].data() + f[9].size(), l.inode);
  if (ec1 != std::errc() || ec2 != std::errc()) return std::nullopt;
  return l;
}

}  // namespace picket

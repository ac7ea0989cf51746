// Packet decoding: link, IPv4/IPv6, TCP/UDP/ICMP headers from captured bytes.
//
// Pure functions over bytes, shared by live capture and `picket replay`;
// portable (no OS headers), fuzzed. A packet that is truncated or malformed
// is rejected with a reason, never read out of bounds.
#ifndef PICKET_COLLECTORS_NET_PACKET_H_
#define PICKET_COLLECTORS_NET_PACKET_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/ip_address.h"

namespace picket {

// Link-layer types we decode (values are the pcap LINKTYPE_* numbers).
inline constexpr int kLinkNull = 0;        // BSD loopback
inline constexpr int kLinkEthernet = 1;    // EN10MB
inline constexpr int kLinkRaw = 101;       // raw IP
inline constexpr int kLinkLoop = 108;      // OpenBSD loopback
inline constexpr int kLinkLinuxSll = 113;  // "any" device, cooked v1
inline constexpr int kLinkIpv4 = 228;
inline constexpr int kLinkIpv6 = 229;
inline constexpr int kLinkLinuxSll2 = 276;  // "any" device, cooked v2

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpv6 = 58;

inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;

struct DecodedPacket {
  IpAddress src;
  IpAddress dst;
  uint8_t protocol = 0;  // kProto*
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t tcp_flags = 0;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  uint32_t ip_length = 0;  // IP total length as on the wire (header+payload)
  // Linux cooked captures: the kernel's packet type (0 host, 4 outgoing);
  // -1 when the link type does not say.
  int packet_type = -1;
  // Transport payload (after the TCP/UDP header) within the captured bytes;
  // may be shorter than on the wire when the capture was truncated.
  const uint8_t* payload = nullptr;
  size_t payload_len = 0;
};

enum class DecodeResult {
  kOk,
  kUnsupported,  // well-formed but not IP, or a protocol we do not follow
  kMalformed,    // truncated or inconsistent headers
};

// Decodes one captured frame. `caplen` bytes are available at `data`.
// Fragments other than the first are kUnsupported (their ports are unknown).
// IPv6 extension headers (hop-by-hop, routing, destination options,
// fragment) are walked.
DecodeResult DecodePacket(int link_type, const uint8_t* data, size_t caplen,
                          DecodedPacket* out);

}  // namespace picket

#endif  // PICKET_COLLECTORS_NET_PACKET_H_

#include "collectors/net/packet.h"

#include <cstring>

namespace picket {

namespace {

// Length limits of the fixed headers we read from.
constexpr size_t kEthernetHeader = 14;
constexpr size_t kVlanTag = 4;
constexpr int kMaxVlanTags = 2;
constexpr size_t kNullHeader = 4;
constexpr size_t kSllHeader = 16;
constexpr size_t kSll2Header = 20;
constexpr size_t kIpv4MinHeader = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kTcpMinHeader = 20;
// Ports, sequence and acknowledgement numbers, data offset and flags: what a
// capture cut short inside the TCP options (old snaplen 68 with IPv6) still
// shows, and all we report.
constexpr size_t kTcpReportedBytes = 14;
constexpr size_t kUdpHeader = 8;
constexpr size_t kIcmpMinHeader = 4;  // type, code, checksum
// More extension headers than this is an evasion attempt, not a packet.
constexpr int kMaxIpv6ExtensionHeaders = 8;

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr uint16_t kEtherTypeVlan = 0x8100;     // 802.1Q
constexpr uint16_t kEtherTypeQinQ = 0x88a8;     // 802.1ad
constexpr uint16_t kEtherTypeQinQOld = 0x9100;  // pre-standard QinQ

uint16_t Load16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

bool IsVlan(uint16_t ethertype) {
  return ethertype == kEtherTypeVlan || ethertype == kEtherTypeQinQ ||
         ethertype == kEtherTypeQinQOld;
}

// Which network layer a link header announced.
enum class Network { kIpv4, kIpv6, kFromVersion, kOther };

Network FromEtherType(uint16_t ethertype) {
  if (ethertype == kEtherTypeIpv4) return Network::kIpv4;
  if (ethertype == kEtherTypeIpv6) return Network::kIpv6;
  return Network::kOther;
}

// BSD address families as written by the capturing host: AF_INET is 2
// everywhere, AF_INET6 differs (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28,
// Darwin 30).
Network FromAddressFamily(uint32_t af) {
  if (af == 2) return Network::kIpv4;
  if (af == 10 || af == 24 || af == 28 || af == 30) return Network::kIpv6;
  return Network::kOther;
}

// Strips the link header. On kOk, `*offset` is where the network header
// starts and `*network` says what it is.
DecodeResult DecodeLink(int link_type, const uint8_t* data, size_t caplen,
                        size_t* offset, Network* network, DecodedPacket* out) {
  switch (link_type) {
    case kLinkNull:
    case kLinkLoop: {
      // The family is in the capturing host's byte order for NULL and in
      // network order for LOOP, but files written on the other kind of host
      // exist for both; the values are small, so the order is evident.
      if (caplen < kNullHeader) return DecodeResult::kMalformed;
      uint32_t af;
      if (data[0] == 0 && data[1] == 0) {
        af = static_cast<uint32_t>(data[2] << 8 | data[3]);
      } else {
        af = static_cast<uint32_t>(data[1] << 8 | data[0]);
        if (data[2] != 0 || data[3] != 0) af = 0xffffffff;
      }
      *network = FromAddressFamily(af);
      *offset = kNullHeader;
      return DecodeResult::kOk;
    }
    case kLinkEthernet: {
      if (caplen < kEthernetHeader) return DecodeResult::kMalformed;
      size_t at = 12;
      uint16_t ethertype = Load16(data + at);
      for (int tags = 0; IsVlan(ethertype); ++tags) {
        if (tags == kMaxVlanTags) return DecodeResult::kUnsupported;
        at += kVlanTag;
        if (caplen < at + 2) return DecodeResult::kMalformed;
        ethertype = Load16(data + at);
      }
      *network = FromEtherType(ethertype);
      *offset = at + 2;
      return DecodeResult::kOk;
    }
    case kLinkLinuxSll:
      if (caplen < kSllHeader) return DecodeResult::kMalformed;
      out->packet_type = Load16(data);
      *network = FromEtherType(Load16(data + 14));
      *offset = kSllHeader;
      return DecodeResult::kOk;
    case kLinkLinuxSll2:
      if (caplen < kSll2Header) return DecodeResult::kMalformed;
      out->packet_type = data[10];
      *network = FromEtherType(Load16(data));
      *offset = kSll2Header;
      return DecodeResult::kOk;
    case kLinkRaw:
    case kLinkIpv4:
    case kLinkIpv6:
      *network = Network::kFromVersion;
      *offset = 0;
      return DecodeResult::kOk;
  }
  return DecodeResult::kUnsupported;
}

// Decodes the transport header at `l4`: `captured` bytes of it are in the
// capture, `wire` bytes were on the wire according to the IP header.
DecodeResult DecodeTransport(const uint8_t* l4, size_t captured, size_t wire,
                             DecodedPacket* out) {
  switch (out->protocol) {
    case kProtoTcp: {
      if (wire < kTcpMinHeader || captured < kTcpReportedBytes) {
        return DecodeResult::kMalformed;
      }
      const size_t header = static_cast<size_t>(l4[12] >> 4) * 4;
      if (header < kTcpMinHeader || header > wire) {
        return DecodeResult::kMalformed;
      }
      out->src_port = Load16(l4);
      out->dst_port = Load16(l4 + 2);
      out->tcp_flags = l4[13];
      if (captured > header) {
        out->payload = l4 + header;
        out->payload_len = captured - header;
      }
      return DecodeResult::kOk;
    }
    case kProtoUdp: {
      if (wire < kUdpHeader || captured < kUdpHeader) {
        return DecodeResult::kMalformed;
      }
      const size_t length = Load16(l4 + 4);
      if (length < kUdpHeader || length > wire) return DecodeResult::kMalformed;
      out->src_port = Load16(l4);
      out->dst_port = Load16(l4 + 2);
      const size_t end = length < captured ? length : captured;
      if (end > kUdpHeader) {
        out->payload = l4 + kUdpHeader;
        out->payload_len = end - kUdpHeader;
      }
      return DecodeResult::kOk;
    }
    case kProtoIcmp:
    case kProtoIcmpv6:
      if (wire < kIcmpMinHeader || captured < 2) {
        return DecodeResult::kMalformed;
      }
      out->icmp_type = l4[0];
      out->icmp_code = l4[1];
      return DecodeResult::kOk;
  }
  return DecodeResult::kUnsupported;
}

DecodeResult DecodeIpv4(const uint8_t* ip, size_t captured,
                        DecodedPacket* out) {
  if (captured < kIpv4MinHeader || ip[0] >> 4 != 4) {
    return DecodeResult::kMalformed;
  }
  const size_t header = static_cast<size_t>(ip[0] & 0x0f) * 4;
  const size_t total = Load16(ip + 2);
  if (header < kIpv4MinHeader || header > captured || total < header) {
    return DecodeResult::kMalformed;
  }
  out->src.family = 4;
  std::memcpy(out->src.bytes.data(), ip + 12, 4);
  out->dst.family = 4;
  std::memcpy(out->dst.bytes.data(), ip + 16, 4);
  out->protocol = ip[9];
  out->ip_length = static_cast<uint32_t>(total);
  if ((Load16(ip + 6) & 0x1fff) != 0) return DecodeResult::kUnsupported;
  // Ethernet pads short frames; the capture may end early. Trust neither.
  const size_t end = total < captured ? total : captured;
  return DecodeTransport(ip + header, end - header, total - header, out);
}

DecodeResult DecodeIpv6(const uint8_t* ip, size_t captured,
                        DecodedPacket* out) {
  if (captured < kIpv6Header || ip[0] >> 4 != 6) {
    return DecodeResult::kMalformed;
  }
  const size_t total = kIpv6Header + Load16(ip + 4);
  out->src.family = 6;
  std::memcpy(out->src.bytes.data(), ip + 8, 16);
  out->dst.family = 6;
  std::memcpy(out->dst.bytes.data(), ip + 24, 16);
  out->ip_length = static_cast<uint32_t>(total);
  const size_t end = total < captured ? total : captured;
  uint8_t next = ip[6];
  size_t at = kIpv6Header;
  for (int walked = 0;; ++walked) {
    if (next != 0 && next != 43 && next != 60 && next != 44) break;
    if (walked == kMaxIpv6ExtensionHeaders) {
      out->protocol = next;
      return DecodeResult::kUnsupported;
    }
    if (at + 8 > end) return DecodeResult::kMalformed;
    const size_t length =
        next == 44 ? 8 : (static_cast<size_t>(ip[at + 1]) + 1) * 8;
    if (at + length > end) return DecodeResult::kMalformed;
    if (next == 44 && (Load16(ip + at + 2) >> 3) != 0) {
      out->protocol = ip[at];
      return DecodeResult::kUnsupported;
    }
    next = ip[at];
    at += length;
  }
  out->protocol = next;
  return DecodeTransport(ip + at, end - at, total - at, out);
}

}  // namespace

DecodeResult DecodePacket(int link_type, const uint8_t* data, size_t caplen,
                          DecodedPacket* out) {
  *out = DecodedPacket();
  if (data == nullptr) caplen = 0;
  size_t offset = 0;
  Network network = Network::kOther;
  const DecodeResult link =
      DecodeLink(link_type, data, caplen, &offset, &network, out);
  if (link != DecodeResult::kOk) return link;
  const uint8_t* ip = data + offset;
  const size_t captured = caplen - offset;
  if (network == Network::kFromVersion) {
    if (captured == 0) return DecodeResult::kMalformed;
    if (ip[0] >> 4 == 4) {
      network = Network::kIpv4;
    } else if (ip[0] >> 4 == 6) {
      network = Network::kIpv6;
    } else {
      return DecodeResult::kMalformed;
    }
  }
  switch (network) {
    case Network::kIpv4:
      return DecodeIpv4(ip, captured, out);
    case Network::kIpv6:
      return DecodeIpv6(ip, captured, out);
    default:
      return DecodeResult::kUnsupported;
  }
}

}  // namespace picket

#include "collectors/net/packet.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "collectors/net/dns.h"

namespace picket {
namespace {

using Bytes = std::vector<uint8_t>;

// --- Frame builders ----------------------------------------------------

void Put16(Bytes* b, uint16_t v) {
  b->push_back(static_cast<uint8_t>(v >> 8));
  b->push_back(static_cast<uint8_t>(v));
}

void Put(Bytes* b, std::initializer_list<uint8_t> bytes) {
  b->insert(b->end(), bytes);
}

void Put(Bytes* b, const Bytes& bytes) {
  b->insert(b->end(), bytes.begin(), bytes.end());
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) Put(&out, p);
  return out;
}

// 20-byte IPv4 header (plus `options`) from 192.0.2.1 to 198.51.100.7;
// total length covers `l4_length` bytes after the header.
Bytes Ipv4(uint8_t protocol, size_t l4_length, uint16_t fragment = 0,
           const Bytes& options = {}) {
  Bytes b;
  b.push_back(static_cast<uint8_t>(0x40 | (20 + options.size()) / 4));
  b.push_back(0);  // DSCP/ECN
  Put16(&b, static_cast<uint16_t>(20 + options.size() + l4_length));
  Put16(&b, 0x1234);    // identification
  Put16(&b, fragment);  // flags + fragment offset
  b.push_back(64);      // TTL
  b.push_back(protocol);
  Put16(&b, 0);  // checksum: not verified
  Put(&b, {192, 0, 2, 1, 198, 51, 100, 7});
  Put(&b, options);
  return b;
}

// 40-byte IPv6 header from 2001:db8::1 to 2001:db8::2.
Bytes Ipv6(uint8_t next_header, size_t payload_length) {
  Bytes b;
  Put(&b, {0x60, 0, 0, 0});
  Put16(&b, static_cast<uint16_t>(payload_length));
  b.push_back(next_header);
  b.push_back(64);  // hop limit
  Put(&b, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  Put(&b, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
  return b;
}

// A SYN as Linux sends it: 40-byte header with MSS, SACK-permitted,
// timestamps and window scale options.
Bytes TcpSyn(uint16_t src, uint16_t dst) {
  Bytes b;
  Put16(&b, src);
  Put16(&b, dst);
  Put(&b, {0x12, 0x34, 0x56, 0x78});  // sequence
  Put(&b, {0, 0, 0, 0});              // acknowledgement
  b.push_back(10 << 4);               // data offset: 40 bytes
  b.push_back(kTcpSyn);
  Put16(&b, 64240);  // window
  Put16(&b, 0);      // checksum
  Put16(&b, 0);      // urgent pointer
  Put(&b, {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
  return b;
}

// A 20-byte TCP header with `flags`, followed by `payload`.
Bytes Tcp(uint16_t src, uint16_t dst, uint8_t flags, const Bytes& payload) {
  Bytes b;
  Put16(&b, src);
  Put16(&b, dst);
  Put(&b, {0, 0, 0, 1, 0, 0, 0, 2, 5 << 4});
  b.push_back(flags);
  Put(&b, {0x01, 0x00, 0, 0, 0, 0});
  Put(&b, payload);
  return b;
}

Bytes Udp(uint16_t src, uint16_t dst, const Bytes& payload) {
  Bytes b;
  Put16(&b, src);
  Put16(&b, dst);
  Put16(&b, static_cast<uint16_t>(8 + payload.size()));
  Put16(&b, 0);
  Put(&b, payload);
  return b;
}

// ICMP (type 8) or ICMPv6 (type 128) echo request with 8 bytes of data.
Bytes Echo(uint8_t type) {
  Bytes b = {type, 0, 0, 0, 0x00, 0x2a, 0x00, 0x01};
  Put(&b, {'p', 'i', 'n', 'g', 'p', 'o', 'n', 'g'});
  return b;
}

Bytes Ethernet(uint16_t ethertype, std::initializer_list<uint16_t> tags = {}) {
  Bytes b = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
  for (uint16_t tpid : tags) {
    Put16(&b, tpid);
    Put16(&b, 100);  // priority 0, VLAN 100
  }
  Put16(&b, ethertype);
  return b;
}

Bytes Sll(uint16_t packet_type, uint16_t protocol) {
  Bytes b;
  Put16(&b, packet_type);
  Put16(&b, 1);  // ARPHRD_ETHER
  Put16(&b, 6);  // address length
  Put(&b, {0x02, 0, 0, 0, 0, 1, 0, 0});
  Put16(&b, protocol);
  return b;
}

Bytes Sll2(uint16_t protocol, uint8_t packet_type) {
  Bytes b;
  Put16(&b, protocol);
  Put16(&b, 0);           // reserved
  Put(&b, {0, 0, 0, 2});  // interface index
  Put16(&b, 1);           // ARPHRD_ETHER
  b.push_back(packet_type);
  b.push_back(6);  // address length
  Put(&b, {0x02, 0, 0, 0, 0, 1, 0, 0});
  return b;
}

const Bytes kHttpRequest = {'G', 'E', 'T', ' ', '/', ' ',  'H',  'T',  'T',
                            'P', '/', '1', '.', '0', '\r', '\n', '\r', '\n'};

// Decodes a private copy of exactly `n` bytes of `frame`, so that the
// sanitizers see any read past the capture.
DecodeResult DecodePrefix(int link_type, const Bytes& frame, size_t n,
                          DecodedPacket* out) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[n == 0 ? 1 : n]);
  if (n > 0) std::memcpy(copy.get(), frame.data(), n);
  DecodeResult r = DecodePacket(link_type, copy.get(), n, out);
  // The payload must lie within the copy; rebase it onto `frame`.
  if (out->payload != nullptr) {
    EXPECT_GE(out->payload, copy.get());
    EXPECT_LE(out->payload + out->payload_len, copy.get() + n);
    out->payload = frame.data() + (out->payload - copy.get());
  } else {
    EXPECT_EQ(out->payload_len, 0u);
  }
  return r;
}

DecodeResult Decode(int link_type, const Bytes& frame, DecodedPacket* out) {
  return DecodePrefix(link_type, frame, frame.size(), out);
}

std::string PayloadString(const DecodedPacket& p) {
  return std::string(reinterpret_cast<const char*>(p.payload), p.payload_len);
}

// --- Link layers ---------------------------------------------------------

TEST(PacketDecodeTest, EthernetIpv4TcpSyn) {
  const Bytes syn = TcpSyn(51234, 22);
  const Bytes frame = Cat({Ethernet(0x0800), Ipv4(kProtoTcp, syn.size()), syn});
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, frame, &p), DecodeResult::kOk);
  EXPECT_EQ(p.src.ToString(), "192.0.2.1");
  EXPECT_EQ(p.dst.ToString(), "198.51.100.7");
  EXPECT_EQ(p.protocol, kProtoTcp);
  EXPECT_EQ(p.src_port, 51234);
  EXPECT_EQ(p.dst_port, 22);
  EXPECT_EQ(p.tcp_flags, kTcpSyn);
  EXPECT_EQ(p.ip_length, 60u);
  EXPECT_EQ(p.packet_type, -1);
  EXPECT_EQ(p.payload_len, 0u);
}

TEST(PacketDecodeTest, EthernetIpv4TcpPayload) {
  const Bytes tcp = Tcp(40000, 80, kTcpAck | 0x08, kHttpRequest);
  const Bytes frame = Cat({Ethernet(0x0800), Ipv4(kProtoTcp, tcp.size()), tcp});
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, frame, &p), DecodeResult::kOk);
  EXPECT_EQ(p.tcp_flags, kTcpAck | 0x08);
  EXPECT_EQ(PayloadString(p), "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(p.ip_length, 20u + 20u + kHttpRequest.size());
}

TEST(PacketDecodeTest, EthernetIpv4UdpIgnoresPadding) {
  // 14 + 20 + 8 + 2 = 44 bytes; Ethernet pads to 60 with zeros.
  const Bytes udp = Udp(5353, 53, {'h', 'i'});
  Bytes frame = Cat({Ethernet(0x0800), Ipv4(kProtoUdp, udp.size()), udp});
  frame.resize(60, 0);
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, frame, &p), DecodeResult::kOk);
  EXPECT_EQ(p.protocol, kProtoUdp);
  EXPECT_EQ(p.src_port, 5353);
  EXPECT_EQ(p.dst_port, 53);
  EXPECT_EQ(PayloadString(p), "hi");
  EXPECT_EQ(p.ip_length, 30u);
}

TEST(PacketDecodeTest, Ipv4WithOptions) {
  const Bytes udp = Udp(1, 2, {'x'});
  // Router alert option, padded to 4 bytes.
  const Bytes frame = Cat(
      {Ethernet(0x0800), Ipv4(kProtoUdp, udp.size(), 0, {148, 4, 0, 0}), udp});
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, frame, &p), DecodeResult::kOk);
  EXPECT_EQ(p.src_port, 1);
  EXPECT_EQ(PayloadString(p), "x");
  EXPECT_EQ(p.ip_length, 24u + 9u);
}

TEST(PacketDecodeTest, Ipv4IcmpEcho) {
  const Bytes icmp = Echo(8);
  const Bytes frame =
      Cat({Ethernet(0x0800), Ipv4(kProtoIcmp, icmp.size()), icmp});
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, frame, &p), DecodeResult::kOk);
  EXPECT_EQ(p.protocol, kProtoIcmp);
  EXPECT_EQ(p.icmp_type, 8);
  EXPECT_EQ(p.icmp_code, 0);
  EXPECT_EQ(p.src_port, 0);
  EXPECT_EQ(p.ip_length, 36u);
}

TEST(PacketDecodeTest, Ipv6Icmpv6Echo) {
  const Bytes icmp = Echo(128);
  const Bytes frame =
      Cat({Ethernet(0x86dd), Ipv6(kProtoIcmpv6, icmp.size()), icmp});
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, frame, &p), DecodeResult::kOk);
  EXPECT_EQ(p.src.ToString(), "2001:db8::1");
  EXPECT_EQ(p.dst.ToString(), "2001:db8::2");
  EXPECT_EQ(p.protocol, kProtoIcmpv6);
  EXPECT_EQ(p.icmp_type, 128);
  EXPECT_EQ(p.ip_length, 56u);
}

TEST(PacketDecodeTest, Ipv6ExtensionHeadersAreWalked) {
  const Bytes syn = TcpSyn(40001, 443);
  // Hop-by-hop (8 bytes: router alert + PadN), then destination options
  // (16 bytes: hdr ext len 1), then TCP.
  const Bytes hop_by_hop = {60, 0, 5, 2, 0, 0, 1, 0};
  Bytes destination = {kProtoTcp, 1, 1, 12};
  destination.resize(16, 0);
  const Bytes frame = Cat({Ethernet(0x86dd), Ipv6(0, 8 + 16 + syn.size()),
                           hop_by_hop, destination, syn});
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, frame, &p), DecodeResult::kOk);
  EXPECT_EQ(p.protocol, kProtoTcp);
  EXPECT_EQ(p.src_port, 40001);
  EXPECT_EQ(p.dst_port, 443);
  EXPECT_EQ(p.tcp_flags, kTcpSyn);
  EXPECT_EQ(p.ip_length, 40u + 24u + 40u);
}

TEST(PacketDecodeTest, Ipv6Fragments) {
  const Bytes udp = Udp(4000, 4001, {1, 2, 3, 4, 5, 6, 7, 8});
  // First fragment: offset 0, more fragments.
  const Bytes first = {kProtoUdp, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef};
  DecodedPacket p;
  ASSERT_EQ(
      Decode(kLinkEthernet,
             Cat({Ethernet(0x86dd), Ipv6(44, 8 + udp.size()), first, udp}), &p),
      DecodeResult::kOk);
  EXPECT_EQ(p.protocol, kProtoUdp);
  EXPECT_EQ(p.src_port, 4000);

  // A later fragment (offset 2 * 8 bytes) carries no UDP header.
  const Bytes later = {kProtoUdp, 0, 0x00, 0x10, 0xde, 0xad, 0xbe, 0xef};
  EXPECT_EQ(
      Decode(kLinkEthernet,
             Cat({Ethernet(0x86dd), Ipv6(44, 8 + 8), later, Bytes(8, 0xaa)}),
             &p),
      DecodeResult::kUnsupported);
  EXPECT_EQ(p.protocol, kProtoUdp);
  EXPECT_EQ(p.src.ToString(), "2001:db8::1");
  EXPECT_EQ(p.src_port, 0);
}

TEST(PacketDecodeTest, Ipv4Fragments) {
  const Bytes udp = Udp(4000, 4001, Bytes(16, 'a'));
  DecodedPacket p;
  // First fragment (more fragments set, offset 0): ports are there.
  ASSERT_EQ(
      Decode(kLinkEthernet,
             Cat({Ethernet(0x0800), Ipv4(kProtoUdp, 24, 0x2000), udp}), &p),
      DecodeResult::kOk);
  EXPECT_EQ(p.dst_port, 4001);
  // Offset 3 (24 bytes): the rest of the datagram.
  EXPECT_EQ(
      Decode(kLinkEthernet,
             Cat({Ethernet(0x0800), Ipv4(kProtoUdp, 8, 0x0003), Bytes(8, 'b')}),
             &p),
      DecodeResult::kUnsupported);
  EXPECT_EQ(p.protocol, kProtoUdp);
  EXPECT_EQ(p.dst.ToString(), "198.51.100.7");
  EXPECT_EQ(p.dst_port, 0);
}

TEST(PacketDecodeTest, VlanTags) {
  const Bytes udp = Udp(67, 68, {});
  const Bytes ip = Cat({Ipv4(kProtoUdp, udp.size()), udp});
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, Cat({Ethernet(0x0800, {0x8100}), ip}), &p),
            DecodeResult::kOk);
  EXPECT_EQ(p.dst_port, 68);
  ASSERT_EQ(
      Decode(kLinkEthernet, Cat({Ethernet(0x0800, {0x88a8, 0x8100}), ip}), &p),
      DecodeResult::kOk);
  EXPECT_EQ(p.src_port, 67);
  EXPECT_EQ(Decode(kLinkEthernet,
                   Cat({Ethernet(0x0800, {0x88a8, 0x8100, 0x8100}), ip}), &p),
            DecodeResult::kUnsupported);
}

TEST(PacketDecodeTest, NonIpEthernetIsUnsupported) {
  // ARP request.
  Bytes arp = {0, 1, 8, 0, 6, 4, 0, 1};
  arp.resize(28, 0);
  DecodedPacket p;
  EXPECT_EQ(Decode(kLinkEthernet, Cat({Ethernet(0x0806), arp}), &p),
            DecodeResult::kUnsupported);
  // 802.3 frame with an LLC header (a length, not an ethertype).
  EXPECT_EQ(Decode(kLinkEthernet, Cat({Ethernet(38), Bytes(38, 0x42)}), &p),
            DecodeResult::kUnsupported);
}

TEST(PacketDecodeTest, NullAndLoopAddressFamilies) {
  const Bytes udp = Udp(123, 123, {0x23});
  const Bytes v4 = Cat({Ipv4(kProtoUdp, udp.size()), udp});
  const Bytes v6 = Cat({Ipv6(kProtoUdp, udp.size()), udp});
  struct Case {
    Bytes header;
    const Bytes* ip;
    DecodeResult want;
  };
  const Case cases[] = {
      {{2, 0, 0, 0}, &v4, DecodeResult::kOk},   // little-endian AF_INET
      {{0, 0, 0, 2}, &v4, DecodeResult::kOk},   // big-endian AF_INET
      {{10, 0, 0, 0}, &v6, DecodeResult::kOk},  // Linux
      {{0, 0, 0, 24}, &v6, DecodeResult::kOk},  // OpenBSD, big-endian
      {{28, 0, 0, 0}, &v6, DecodeResult::kOk},  // FreeBSD
      {{30, 0, 0, 0}, &v6, DecodeResult::kOk},  // Darwin
      {{7, 0, 0, 0}, &v4, DecodeResult::kUnsupported},
      {{2, 0, 0, 1}, &v4, DecodeResult::kUnsupported},
      {{0, 0, 0, 0}, &v4, DecodeResult::kUnsupported},
  };
  for (int link : {kLinkNull, kLinkLoop}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(testing::Message()
                   << "link " << link << " header " << int{c.header[0]} << ","
                   << int{c.header[3]});
      const Bytes frame = Cat({c.header, *c.ip});
      DecodedPacket p;
      ASSERT_EQ(Decode(link, frame, &p), c.want);
      if (c.want != DecodeResult::kOk) continue;
      EXPECT_EQ(p.protocol, kProtoUdp);
      EXPECT_EQ(p.src_port, 123);
      EXPECT_EQ(p.src.family, c.ip == &v4 ? 4 : 6);
      EXPECT_EQ(PayloadString(p), "#");
    }
  }
}

TEST(PacketDecodeTest, LinuxCookedV1) {
  const Bytes syn = TcpSyn(33000, 8883);
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkLinuxSll,
                   Cat({Sll(4, 0x0800), Ipv4(kProtoTcp, syn.size()), syn}), &p),
            DecodeResult::kOk);
  EXPECT_EQ(p.packet_type, 4);  // outgoing
  EXPECT_EQ(p.dst_port, 8883);
  EXPECT_EQ(Decode(kLinkLinuxSll, Cat({Sll(0, 0x0806), Bytes(28, 0)}), &p),
            DecodeResult::kUnsupported);
  EXPECT_EQ(p.packet_type, 0);
}

TEST(PacketDecodeTest, LinuxCookedV2) {
  const Bytes icmp = Echo(128);
  DecodedPacket p;
  ASSERT_EQ(
      Decode(kLinkLinuxSll2,
             Cat({Sll2(0x86dd, 0), Ipv6(kProtoIcmpv6, icmp.size()), icmp}), &p),
      DecodeResult::kOk);
  EXPECT_EQ(p.packet_type, 0);  // to us
  EXPECT_EQ(p.icmp_type, 128);
  const Bytes udp = Udp(1, 2, {});
  ASSERT_EQ(
      Decode(kLinkLinuxSll2,
             Cat({Sll2(0x0800, 4), Ipv4(kProtoUdp, udp.size()), udp}), &p),
      DecodeResult::kOk);
  EXPECT_EQ(p.packet_type, 4);
  EXPECT_EQ(p.src_port, 1);
}

TEST(PacketDecodeTest, RawIpLinksUseTheVersionNibble) {
  const Bytes udp = Udp(10, 20, {});
  const Bytes v4 = Cat({Ipv4(kProtoUdp, udp.size()), udp});
  const Bytes v6 = Cat({Ipv6(kProtoUdp, udp.size()), udp});
  for (int link : {kLinkRaw, kLinkIpv4, kLinkIpv6}) {
    DecodedPacket p;
    ASSERT_EQ(Decode(link, v4, &p), DecodeResult::kOk) << link;
    EXPECT_EQ(p.src.family, 4);
    ASSERT_EQ(Decode(link, v6, &p), DecodeResult::kOk) << link;
    EXPECT_EQ(p.src.family, 6);
    Bytes bad = v4;
    bad[0] = 0x55;
    EXPECT_EQ(Decode(link, bad, &p), DecodeResult::kMalformed) << link;
  }
}

TEST(PacketDecodeTest, UnknownLinkAndProtocol) {
  DecodedPacket p;
  const Bytes gre = Cat({Ipv4(47, 4), Bytes{0, 0, 0x08, 0x00}});
  EXPECT_EQ(Decode(147, gre, &p), DecodeResult::kUnsupported);
  // GRE: not followed, but the addresses are filled in.
  EXPECT_EQ(Decode(kLinkRaw, gre, &p), DecodeResult::kUnsupported);
  EXPECT_EQ(p.protocol, 47);
  EXPECT_EQ(p.src.ToString(), "192.0.2.1");
  EXPECT_EQ(p.ip_length, 24u);
}

TEST(PacketDecodeTest, EmptyInput) {
  DecodedPacket p;
  for (int link : {kLinkNull, kLinkEthernet, kLinkRaw, kLinkLoop, kLinkLinuxSll,
                   kLinkIpv4, kLinkIpv6, kLinkLinuxSll2}) {
    EXPECT_EQ(DecodePacket(link, nullptr, 0, &p), DecodeResult::kMalformed);
  }
}

// --- Truncation ------------------------------------------------------------

struct TruncationCase {
  const char* name;
  int link_type;
  Bytes frame;
  size_t decodable;  // shortest prefix that decodes (headers up to ports)
  size_t headers;    // where the TCP/UDP payload starts; 0 for ICMP
  uint16_t src_port;
};

std::vector<TruncationCase> TruncationCases() {
  std::vector<TruncationCase> cases;
  const Bytes syn = TcpSyn(50000, 22);
  const Bytes tcp = Tcp(50001, 80, kTcpAck, kHttpRequest);
  const Bytes udp = Udp(50002, 53, {1, 2, 3, 4, 5, 6});
  const Bytes icmp = Echo(8);
  const Bytes hop_by_hop = {kProtoTcp, 0, 1, 4, 0, 0, 0, 0};
  cases.push_back({"ethernet-ipv4-syn", kLinkEthernet,
                   Cat({Ethernet(0x0800), Ipv4(kProtoTcp, syn.size()), syn}),
                   14 + 20 + 14, 14 + 20 + 40, 50000});
  cases.push_back(
      {"vlan-ipv4-tcp", kLinkEthernet,
       Cat({Ethernet(0x0800, {0x8100}), Ipv4(kProtoTcp, tcp.size()), tcp}),
       18 + 20 + 14, 18 + 20 + 20, 50001});
  cases.push_back({"sll-ipv4-udp", kLinkLinuxSll,
                   Cat({Sll(0, 0x0800), Ipv4(kProtoUdp, udp.size()), udp}),
                   16 + 20 + 8, 16 + 20 + 8, 50002});
  cases.push_back(
      {"sll2-ipv6-hbh-syn", kLinkLinuxSll2,
       Cat({Sll2(0x86dd, 0), Ipv6(0, 8 + syn.size()), hop_by_hop, syn}),
       20 + 40 + 8 + 14, 20 + 40 + 8 + 40, 50000});
  cases.push_back({"null-ipv6-udp", kLinkNull,
                   Cat({Bytes{30, 0, 0, 0}, Ipv6(kProtoUdp, udp.size()), udp}),
                   4 + 40 + 8, 4 + 40 + 8, 50002});
  cases.push_back({"raw-ipv4-icmp", kLinkRaw,
                   Cat({Ipv4(kProtoIcmp, icmp.size()), icmp}), 20 + 2, 0, 0});
  return cases;
}

TEST(PacketDecodeTest, TruncatedAtEveryLength) {
  for (const TruncationCase& c : TruncationCases()) {
    DecodedPacket full;
    ASSERT_EQ(Decode(c.link_type, c.frame, &full), DecodeResult::kOk) << c.name;
    for (size_t n = 0; n <= c.frame.size(); ++n) {
      SCOPED_TRACE(testing::Message() << c.name << " cut at " << n);
      DecodedPacket p;
      const DecodeResult r = DecodePrefix(c.link_type, c.frame, n, &p);
      if (n < c.decodable) {
        EXPECT_NE(r, DecodeResult::kOk);
        continue;
      }
      ASSERT_EQ(r, DecodeResult::kOk);
      EXPECT_EQ(p.src, full.src);
      EXPECT_EQ(p.protocol, full.protocol);
      EXPECT_EQ(p.src_port, c.src_port);
      EXPECT_EQ(p.dst_port, full.dst_port);
      EXPECT_EQ(p.tcp_flags, full.tcp_flags);
      EXPECT_EQ(p.icmp_type, full.icmp_type);
      // The wire length does not shrink with the capture.
      EXPECT_EQ(p.ip_length, full.ip_length);
      if (c.headers != 0) {
        EXPECT_EQ(p.payload_len, n > c.headers ? n - c.headers : 0);
      }
    }
  }
}

TEST(PacketDecodeTest, HeaderOnlySnaplenInsideTcpOptions) {
  // tcpdump's old default snaplen of 68 over Ethernet + IPv6 leaves 14
  // bytes of a 40-byte TCP header: still enough for ports and flags.
  const Bytes syn = TcpSyn(42424, 993);
  const Bytes frame = Cat({Ethernet(0x86dd), Ipv6(kProtoTcp, syn.size()), syn});
  DecodedPacket p;
  ASSERT_EQ(DecodePrefix(kLinkEthernet, frame, 68, &p), DecodeResult::kOk);
  EXPECT_EQ(p.src_port, 42424);
  EXPECT_EQ(p.dst_port, 993);
  EXPECT_EQ(p.tcp_flags, kTcpSyn);
  EXPECT_EQ(p.ip_length, 80u);
  EXPECT_EQ(p.payload, nullptr);
}

// --- Malformed headers -----------------------------------------------------

TEST(PacketDecodeTest, MalformedLengths) {
  const Bytes syn = TcpSyn(1, 2);
  const Bytes udp = Udp(3, 4, {9, 9});
  const Bytes v4_tcp = Cat({Ipv4(kProtoTcp, syn.size()), syn});
  const Bytes v4_udp = Cat({Ipv4(kProtoUdp, udp.size()), udp});
  struct Case {
    const char* name;
    Bytes ip;
    size_t at;
    uint8_t value;
  };
  const Case cases[] = {
      {"ihl below 5", v4_tcp, 0, 0x44},
      {"ihl past the capture", v4_tcp, 0, 0x4f},
      {"total length below ihl", v4_tcp, 3, 19},
      {"total length zero", v4_tcp, 3, 0},
      {"version 6 in an ipv4 ethertype", v4_tcp, 0, 0x65},
      {"tcp data offset below 5", v4_tcp, 20 + 12, 0x40},
      {"tcp data offset past ip length", v4_tcp, 20 + 12, 0xf0},
      {"tcp shorter than its header", v4_tcp, 3, 20 + 19},
      {"udp length below 8", v4_udp, 20 + 5, 7},
      {"udp length past ip length", v4_udp, 20 + 5, 11},
      {"udp shorter than its header", v4_udp, 3, 20 + 7},
  };
  for (const Case& c : cases) {
    Bytes ip = c.ip;
    ip[c.at] = c.value;
    DecodedPacket p;
    EXPECT_EQ(Decode(kLinkEthernet, Cat({Ethernet(0x0800), ip}), &p),
              DecodeResult::kMalformed)
        << c.name;
  }
}

TEST(PacketDecodeTest, MalformedIpv6) {
  const Bytes udp = Udp(3, 4, {});
  DecodedPacket p;
  // A destination options header claiming 16 bytes swallows the UDP
  // header.
  const Bytes dest = {kProtoUdp, 1, 1, 4, 0, 0, 0, 0};
  EXPECT_EQ(
      Decode(kLinkEthernet,
             Cat({Ethernet(0x86dd), Ipv6(60, 8 + udp.size()), dest, udp}), &p),
      DecodeResult::kMalformed);
  // Payload length shorter than the UDP header.
  EXPECT_EQ(Decode(kLinkEthernet,
                   Cat({Ethernet(0x86dd), Ipv6(kProtoUdp, 4), udp}), &p),
            DecodeResult::kMalformed);
  // Version 4 in an IPv6 ethertype.
  Bytes v6 = Cat({Ipv6(kProtoUdp, udp.size()), udp});
  v6[0] = 0x45;
  EXPECT_EQ(Decode(kLinkEthernet, Cat({Ethernet(0x86dd), v6}), &p),
            DecodeResult::kMalformed);
  // Nine destination options headers in a row: refused, not walked.
  Bytes chain;
  for (int i = 0; i < 9; ++i) Put(&chain, {60, 0, 1, 4, 0, 0, 0, 0});
  chain[8 * 8] = kProtoUdp;
  EXPECT_EQ(Decode(kLinkRaw, Cat({Ipv6(60, chain.size() + 8), chain, udp}), &p),
            DecodeResult::kUnsupported);
}

// --- Real captures ---------------------------------------------------------

// A classic pcap file (not pcapng): 24-byte global header, then records of
// a 16-byte header and the captured bytes. The magic number tells the byte
// order and whether timestamps are in micro- or nanoseconds.
struct PcapFile {
  int link_type = -1;
  bool nanoseconds = false;
  std::vector<Bytes> records;
};

bool ParsePcap(const std::string& bytes, PcapFile* out) {
  const auto* d = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 24) return false;
  const uint32_t magic_le =
      static_cast<uint32_t>(d[0]) | static_cast<uint32_t>(d[1]) << 8 |
      static_cast<uint32_t>(d[2]) << 16 | static_cast<uint32_t>(d[3]) << 24;
  bool little_endian;
  if (magic_le == 0xa1b2c3d4 || magic_le == 0xa1b23c4d) {
    little_endian = true;
    out->nanoseconds = magic_le == 0xa1b23c4d;
  } else if (magic_le == 0xd4c3b2a1 || magic_le == 0x4d3cb2a1) {
    little_endian = false;
    out->nanoseconds = magic_le == 0x4d3cb2a1;
  } else {
    return false;
  }
  auto u32 = [&](size_t at) {
    const uint8_t* p = d + at;
    return little_endian ? static_cast<uint32_t>(p[0]) |
                               static_cast<uint32_t>(p[1]) << 8 |
                               static_cast<uint32_t>(p[2]) << 16 |
                               static_cast<uint32_t>(p[3]) << 24
                         : static_cast<uint32_t>(p[3]) |
                               static_cast<uint32_t>(p[2]) << 8 |
                               static_cast<uint32_t>(p[1]) << 16 |
                               static_cast<uint32_t>(p[0]) << 24;
  };
  // The upper bits of the link type field carry FCS flags.
  out->link_type = static_cast<int>(u32(20) & 0x0fffffff);
  size_t at = 24;
  while (at < bytes.size()) {
    if (bytes.size() - at < 16) return false;
    const uint32_t caplen = u32(at + 8);
    at += 16;
    if (bytes.size() - at < caplen) return false;
    out->records.emplace_back(d + at, d + at + caplen);
    at += caplen;
  }
  return true;
}

PcapFile ReadPcap(const std::string& relative) {
  std::ifstream in(PICKET_SOURCE_DIR "/../shared/data/traffic/" + relative,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing capture " << relative;
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  PcapFile file;
  EXPECT_TRUE(ParsePcap(bytes, &file)) << relative;
  return file;
}

TEST(PacketPcapReaderTest, BothByteOrdersAndNanoseconds) {
  const Bytes udp = Udp(7, 9, {'e'});
  const Bytes frame = Cat({Ethernet(0x0800), Ipv4(kProtoUdp, udp.size()), udp});
  auto header = [](bool big, uint32_t magic, uint32_t link) {
    Bytes h;
    auto put32 = [&](uint32_t v) {
      for (int i = 0; i < 4; ++i) {
        const int shift = big ? 24 - 8 * i : 8 * i;
        h.push_back(static_cast<uint8_t>(v >> shift));
      }
    };
    put32(magic);
    put32(big ? 0x00020004 : 0x00040002);  // version 2.4
    put32(0);
    put32(0);
    put32(262144);
    put32(link);
    // Record header: seconds, fraction, lengths (patched in below).
    for (uint32_t v : {1700000000u, 123u, 0u, 0u}) put32(v);
    return h;
  };
  for (bool big : {false, true}) {
    for (uint32_t magic : {0xa1b2c3d4u, 0xa1b23c4du}) {
      Bytes file = header(big, magic, kLinkEthernet);
      const uint32_t len = static_cast<uint32_t>(frame.size());
      for (int field = 0; field < 2; ++field) {
        for (int i = 0; i < 4; ++i) {
          const int shift = big ? 24 - 8 * i : 8 * i;
          file[24 + 8 + 4 * field + i] = static_cast<uint8_t>(len >> shift);
        }
      }
      Put(&file, frame);
      PcapFile parsed;
      ASSERT_TRUE(ParsePcap(std::string(file.begin(), file.end()), &parsed));
      EXPECT_EQ(parsed.link_type, kLinkEthernet);
      EXPECT_EQ(parsed.nanoseconds, magic == 0xa1b23c4du);
      ASSERT_EQ(parsed.records.size(), 1u);
      DecodedPacket p;
      ASSERT_EQ(Decode(parsed.link_type, parsed.records[0], &p),
                DecodeResult::kOk);
      EXPECT_EQ(p.dst_port, 9);
    }
  }
}

// What one pass of DecodePacket over a capture found.
struct Counts {
  int packets = 0;
  int ok = 0;
  int unsupported = 0;
  int malformed = 0;
  int tcp = 0;
  int syn_only = 0;  // SYN without ACK: connection attempts
  int udp = 0;
  int dns = 0;  // UDP to or from port 53
  int icmp = 0;
  int echo_requests = 0;
  uint64_t tcp_payload = 0;
  uint64_t udp_payload = 0;

  bool operator==(const Counts&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Counts& c) {
  return os << "{packets " << c.packets << ", ok " << c.ok << ", unsupported "
            << c.unsupported << ", malformed " << c.malformed << ", tcp "
            << c.tcp << ", syn_only " << c.syn_only << ", udp " << c.udp
            << ", dns " << c.dns << ", icmp " << c.icmp << ", echo_requests "
            << c.echo_requests << ", tcp_payload " << c.tcp_payload
            << ", udp_payload " << c.udp_payload << "}";
}

Counts CountCapture(const PcapFile& file) {
  Counts c;
  for (const Bytes& record : file.records) {
    ++c.packets;
    DecodedPacket p;
    switch (Decode(file.link_type, record, &p)) {
      case DecodeResult::kOk:
        ++c.ok;
        break;
      case DecodeResult::kUnsupported:
        ++c.unsupported;
        continue;
      case DecodeResult::kMalformed:
        ++c.malformed;
        continue;
    }
    if (p.protocol == kProtoTcp) {
      ++c.tcp;
      if ((p.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn) ++c.syn_only;
      c.tcp_payload += p.payload_len;
    } else if (p.protocol == kProtoUdp) {
      ++c.udp;
      c.udp_payload += p.payload_len;
      if (p.src_port == 53 || p.dst_port == 53) ++c.dns;
    } else if (p.protocol == kProtoIcmp || p.protocol == kProtoIcmpv6) {
      ++c.icmp;
      if (p.icmp_type == 8 || p.icmp_type == 128) ++c.echo_requests;
    }
  }
  return c;
}

// The expected numbers come from an independent decoder: a short Python
// script using only the `struct` module that walks the same pcap records
// (Ethernet, up to two VLAN tags, IPv4 IHL/total length/fragment offset,
// IPv6 extension headers, TCP data offset, UDP length). ARP frames account
// for every unsupported packet.
TEST(PacketRealCaptureTest, CountsMatchAnIndependentDecoder) {
  struct Expected {
    const char* file;
    Counts counts;
  };
  // {packets, ok, unsupported, malformed, tcp, syn_only, udp, dns, icmp,
  //  echo_requests, tcp_payload, udp_payload}
  const Expected expected[] = {
      {"slips/icmp-portscan.pcap", {37, 37, 0, 0, 0, 0, 0, 0, 37, 25, 0, 0}},
      {"slips/ssh-bruteforce-nmap.pcap",
       {1178, 1178, 0, 0, 1178, 67, 0, 0, 0, 0, 168512, 0}},
      {"slips/test8-arpscan.pcap",
       {534, 15, 519, 0, 0, 0, 15, 0, 0, 0, 0, 445}},
      {"zeek-traces/bruteforce.pcap",
       {606, 606, 0, 0, 606, 30, 0, 0, 0, 0, 4851, 0}},
      {"zeek-traces/irc-basic.pcap",
       {34, 34, 0, 0, 34, 1, 0, 0, 0, 0, 4887, 0}},
      {"zeek-traces/nmap-vsn.pcap",
       {547, 44, 503, 0, 32, 17, 12, 12, 0, 0, 0, 514}},
      {"zeek-traces/single-conn.pcap",
       {94, 94, 0, 0, 94, 1, 0, 0, 0, 0, 11967, 0}},
      {"zeek-traces/socks.pcap", {53, 53, 0, 0, 53, 7, 0, 0, 0, 0, 6794, 0}},
      {"zeek-traces/sshguess.pcap",
       {431, 431, 0, 0, 431, 11, 0, 0, 0, 0, 55335, 0}},
      {"zeek-traces/vnc-scanner.pcap",
       {20, 20, 0, 0, 20, 1, 0, 0, 0, 0, 109, 0}},
  };
  for (const Expected& e : expected) {
    const PcapFile file = ReadPcap(e.file);
    EXPECT_EQ(file.link_type, kLinkEthernet) << e.file;
    EXPECT_EQ(CountCapture(file), e.counts) << e.file;
  }
}

// Every prefix of every real frame, each in a buffer of exactly that size:
// nothing is read past the capture, and what a prefix decodes agrees with
// the whole frame.
TEST(PacketRealCaptureTest, EveryPrefixOfEveryFrame) {
  for (const char* name :
       {"slips/icmp-portscan.pcap", "slips/ssh-bruteforce-nmap.pcap",
        "slips/test8-arpscan.pcap", "zeek-traces/nmap-vsn.pcap",
        "zeek-traces/single-conn.pcap", "zeek-traces/socks.pcap"}) {
    const PcapFile file = ReadPcap(name);
    for (const Bytes& record : file.records) {
      DecodedPacket full;
      const DecodeResult whole = Decode(file.link_type, record, &full);
      for (size_t n = 0; n < record.size(); ++n) {
        DecodedPacket p;
        if (DecodePrefix(file.link_type, record, n, &p) != DecodeResult::kOk) {
          continue;
        }
        ASSERT_EQ(whole, DecodeResult::kOk) << name << " cut at " << n;
        ASSERT_EQ(p.protocol, full.protocol);
        ASSERT_EQ(p.src_port, full.src_port);
        ASSERT_EQ(p.dst_port, full.dst_port);
        ASSERT_EQ(p.tcp_flags, full.tcp_flags);
        ASSERT_EQ(p.icmp_type, full.icmp_type);
        ASSERT_EQ(p.ip_length, full.ip_length);
        ASSERT_LE(p.payload_len, full.payload_len);
      }
    }
  }
}

TEST(PacketRealCaptureTest, SshBruteforceFirstConnection) {
  const PcapFile file = ReadPcap("slips/ssh-bruteforce-nmap.pcap");
  ASSERT_FALSE(file.records.empty());
  // The first SYN of nmap's ssh-brute run against port 902.
  for (const Bytes& record : file.records) {
    DecodedPacket p;
    ASSERT_EQ(Decode(file.link_type, record, &p), DecodeResult::kOk);
    if ((p.tcp_flags & (kTcpSyn | kTcpAck)) != kTcpSyn) continue;
    EXPECT_EQ(p.dst.ToString(), "147.32.80.37");
    EXPECT_EQ(p.dst_port, 902);
    EXPECT_EQ(p.src.family, 4);
    break;
  }
}

// nmap's reverse lookups and the resolver's NXDOMAIN answers, decoded from
// the capture and parsed as DNS.
TEST(PacketRealCaptureTest, NmapReverseLookups) {
  const PcapFile file = ReadPcap("zeek-traces/nmap-vsn.pcap");
  int queries = 0, nxdomain = 0;
  for (const Bytes& record : file.records) {
    DecodedPacket p;
    if (Decode(file.link_type, record, &p) != DecodeResult::kOk) continue;
    if (p.protocol != kProtoUdp || (p.src_port != 53 && p.dst_port != 53)) {
      continue;
    }
    DnsMessage m;
    ASSERT_TRUE(ParseDnsMessage(p.payload, p.payload_len, &m).ok());
    EXPECT_EQ(m.qtype, 12);  // PTR
    EXPECT_TRUE(m.question.ends_with(".1.168.192.in-addr.arpa")) << m.question;
    EXPECT_TRUE(m.answers.empty());
    if (m.is_response) {
      EXPECT_EQ(p.src.ToString(), "192.168.1.1");
      EXPECT_EQ(DnsRcodeName(m.rcode), "NXDOMAIN");
      ++nxdomain;
    } else {
      EXPECT_EQ(p.dst_port, 53);
      ++queries;
    }
  }
  EXPECT_EQ(queries, 6);
  EXPECT_EQ(nxdomain, 6);
}

}  // namespace
}  // namespace picket

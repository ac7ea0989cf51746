#include "collectors/net/network_engine.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "testing/recording_submitter.h"

namespace picket {
namespace {

IpAddress Ip(const std::string& text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::Parse(text, &a)) << text;
  return a;
}

DecodedPacket Packet(uint8_t proto, const std::string& src, uint16_t sport,
                     const std::string& dst, uint16_t dport, uint8_t flags = 0,
                     uint32_t len = 60) {
  DecodedPacket p;
  p.protocol = proto;
  p.src = Ip(src);
  p.dst = Ip(dst);
  p.src_port = sport;
  p.dst_port = dport;
  p.tcp_flags = flags;
  p.ip_length = len;
  return p;
}

class NetworkEngineTest : public ::testing::Test {
 protected:
  NetworkEngineTest() { Make(NetworkEngineOptions{}); }

  void Make(NetworkEngineOptions opts) {
    engine_ = std::make_unique<NetworkEngine>(
        opts, [this](Event e) { out_.Submit(std::move(e)); },
        [this](uint8_t, const IpAddress&, uint16_t port, SocketOwner* out) {
          if (port != 40000) return false;
          out->pid = 77;
          out->exe = "/usr/bin/curl";
          return true;
        });
    engine_->SetLocalAddresses({Ip("192.168.1.10"), Ip("fd00::10")});
  }

  std::vector<NetworkEvent> Flows() const {
    return out_.Payloads<NetworkEvent>(EventType::kNetworkConnection);
  }

  std::unique_ptr<NetworkEngine> engine_;
  testing_util::RecordingSubmitter out_;
};

TEST_F(NetworkEngineTest, OutboundSynReportedAtFirstSightWithOwner) {
  engine_->OnPacket(
      Packet(kProtoTcp, "192.168.1.10", 40000, "203.0.113.9", 443, kTcpSyn),
      1000);
  auto flows = Flows();
  ASSERT_EQ(flows.size(), 1u);
  const NetworkEvent& f = flows[0];
  EXPECT_EQ(f.protocol, "tcp");
  EXPECT_EQ(f.direction, "outbound");
  EXPECT_EQ(f.local_address, "192.168.1.10");
  EXPECT_EQ(f.local_port, 0);  // ephemeral port not part of the key
  EXPECT_EQ(f.remote_address, "203.0.113.9");
  EXPECT_EQ(f.remote_port, 443);
  EXPECT_EQ(f.pid, 77);
  EXPECT_EQ(f.exe, "/usr/bin/curl");
  EXPECT_EQ(f.count, 1u);
  EXPECT_EQ(f.bytes_out, 60u);
}

TEST_F(NetworkEngineTest, RepeatedConnectionsAggregateUntilFlush) {
  for (uint16_t port = 40000; port < 40005; ++port) {
    engine_->OnPacket(
        Packet(kProtoTcp, "192.168.1.10", port, "203.0.113.9", 443, kTcpSyn),
        1000 + port);
  }
  ASSERT_EQ(Flows().size(), 1u);  // first sight only
  engine_->Flush(5000);
  auto flows = Flows();
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[1].count, 4u);  // the interval's other four
  engine_->Flush(6000);
  EXPECT_EQ(Flows().size(), 2u);  // nothing new: no record
}

TEST_F(NetworkEngineTest, SynAckAndDataSegmentsIgnored) {
  engine_->OnPacket(Packet(kProtoTcp, "203.0.113.9", 443, "192.168.1.10", 40000,
                           kTcpSyn | kTcpAck),
                    1);
  engine_->OnPacket(
      Packet(kProtoTcp, "203.0.113.9", 443, "192.168.1.10", 40000, kTcpAck), 2);
  EXPECT_TRUE(Flows().empty());
}

TEST_F(NetworkEngineTest, InboundSynKeyedByLocalService) {
  engine_->OnPacket(
      Packet(kProtoTcp, "198.51.100.7", 51000, "192.168.1.10", 22, kTcpSyn), 1);
  auto flows = Flows();
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(flows[0].direction, "inbound");
  EXPECT_EQ(flows[0].local_port, 22);
  EXPECT_EQ(flows[0].remote_port, 0);
  EXPECT_EQ(flows[0].remote_address, "198.51.100.7");
  EXPECT_EQ(flows[0].bytes_in, 60u);
}

TEST_F(NetworkEngineTest, UdpBothDirectionsOneFlowWithBytes) {
  engine_->OnPacket(
      Packet(kProtoUdp, "192.168.1.10", 40000, "198.51.100.1", 123, 0, 76), 1);
  engine_->OnPacket(
      Packet(kProtoUdp, "198.51.100.1", 123, "192.168.1.10", 40000, 0, 76), 2);
  engine_->Flush(10);
  auto flows = Flows();
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0].direction, "outbound");
  EXPECT_EQ(flows[0].remote_port, 123);
  EXPECT_EQ(flows[1].bytes_in, 76u);  // the reply, in the interval record
}

TEST_F(NetworkEngineTest, LoopbackBothLocalUsesInitiator) {
  engine_->OnPacket(Packet(kProtoUdp, "127.0.0.1", 45678, "127.66.0.2", 9999),
                    1);
  engine_->OnPacket(
      Packet(kProtoTcp, "127.0.0.1", 45679, "127.66.0.1", 8080, kTcpSyn), 2);
  auto flows = Flows();
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0].remote_address, "127.66.0.2");
  EXPECT_EQ(flows[0].direction, "outbound");
  EXPECT_EQ(flows[1].remote_address, "127.66.0.1");
  EXPECT_EQ(flows[1].remote_port, 8080);
}

TEST_F(NetworkEngineTest, IcmpEchoAndReplyShareAFlow) {
  DecodedPacket req = Packet(kProtoIcmp, "192.168.1.10", 0, "203.0.113.5", 0);
  req.icmp_type = 8;
  DecodedPacket rep = Packet(kProtoIcmp, "203.0.113.5", 0, "192.168.1.10", 0);
  rep.icmp_type = 0;
  engine_->OnPacket(req, 1);
  engine_->OnPacket(rep, 2);
  engine_->Flush(3);
  auto flows = Flows();
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0].protocol, "icmp");
  EXPECT_EQ(flows[0].icmp_type, 8);
  EXPECT_EQ(flows[0].direction, "outbound");
  EXPECT_EQ(flows[1].count, 1u);  // the reply joined the same flow
}

TEST_F(NetworkEngineTest, InboundPingIsInbound) {
  DecodedPacket req = Packet(kProtoIcmpv6, "2001:db8::5", 0, "fd00::10", 0);
  req.icmp_type = 128;
  engine_->OnPacket(req, 1);
  auto flows = Flows();
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(flows[0].protocol, "icmpv6");
  EXPECT_EQ(flows[0].direction, "inbound");
  EXPECT_EQ(flows[0].remote_address, "2001:db8::5");
}

TEST_F(NetworkEngineTest, BoundedTableStillReportsFirstSight) {
  NetworkEngineOptions opts;
  opts.max_flows = 2;
  Make(opts);
  for (int i = 1; i <= 5; ++i) {
    engine_->OnPacket(Packet(kProtoTcp, "192.168.1.10", 40000,
                             "203.0.113." + std::to_string(i), 80, kTcpSyn),
                      i);
  }
  EXPECT_EQ(Flows().size(), 5u);
  std::map<std::string, uint64_t> c;
  for (auto& [k, v] : engine_->Counters()) c[k] = v;
  EXPECT_EQ(c["flows_tracked"], 2u);
  EXPECT_EQ(c["flows_untracked"], 3u);
}

TEST_F(NetworkEngineTest, ListenersAppearAndClose) {
  SocketInfo s;
  s.protocol = kProtoTcp;
  s.local = Ip("0.0.0.0");
  s.local_port = 22;
  s.state = "listen";
  s.owner.pid = 5;
  s.owner.exe = "/usr/sbin/sshd";
  engine_->BeginSocketScan();
  engine_->OnSocket(s, 1, false);
  engine_->EndSocketScan(1);
  engine_->BeginSocketScan();
  engine_->OnSocket(s, 2, false);
  engine_->EndSocketScan(2);
  engine_->BeginSocketScan();
  engine_->EndSocketScan(3);
  std::vector<NetworkEvent> listens =
      out_.Payloads<NetworkEvent>(EventType::kNetworkListen);
  ASSERT_EQ(listens.size(), 2u);
  EXPECT_EQ(listens[0].state, "listening");
  EXPECT_EQ(listens[0].local_port, 22);
  EXPECT_EQ(listens[0].exe, "/usr/sbin/sshd");
  EXPECT_EQ(listens[1].state, "closed");
}

TEST_F(NetworkEngineTest, EstablishedSocketOnListenPortIsInboundWithBytes) {
  SocketInfo l;
  l.protocol = kProtoTcp;
  l.local = Ip("0.0.0.0");
  l.local_port = 22;
  l.state = "listen";
  SocketInfo c;
  c.protocol = kProtoTcp;
  c.local = Ip("192.168.1.10");
  c.local_port = 22;
  c.remote = Ip("198.51.100.7");
  c.remote_port = 50000;
  c.state = "established";
  c.inode = 99;
  c.bytes_sent = 1000;
  c.bytes_received = 300;
  engine_->BeginSocketScan();
  engine_->OnSocket(l, 1, true);
  engine_->OnSocket(c, 1, true);
  engine_->EndSocketScan(1);
  c.bytes_sent = 1500;
  engine_->BeginSocketScan();
  engine_->OnSocket(l, 2, true);
  engine_->OnSocket(c, 2, true);
  engine_->EndSocketScan(2);
  engine_->Flush(3);
  auto flows = Flows();
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0].direction, "inbound");
  EXPECT_EQ(flows[0].count, 1u);  // new socket counted without capture
  EXPECT_EQ(flows[0].bytes_out, 1000u);
  EXPECT_EQ(flows[1].bytes_out, 500u);  // the delta since the last dump
  EXPECT_EQ(flows[1].count, 0u);        // same socket: not a new connection
}

// A DNS response answering example.com A 93.184.216.34.
std::vector<uint8_t> DnsAnswer() {
  std::vector<uint8_t> m = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
  const uint8_t qname[] = {7,   'e', 'x', 'a', 'm', 'p', 'l',
                           'e', 3,   'c', 'o', 'm', 0};
  m.insert(m.end(), qname, qname + sizeof qname);
  m.insert(m.end(), {0, 1, 0, 1});  // A IN
  m.insert(m.end(), {0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4});
  m.insert(m.end(), {93, 184, 216, 34});
  return m;
}

TEST_F(NetworkEngineTest, DnsAnswerEmittedOnceAndLabelsLaterFlows) {
  auto dns = DnsAnswer();
  DecodedPacket p = Packet(kProtoUdp, "192.168.1.1", 53, "192.168.1.10", 5353);
  p.payload = dns.data();
  p.payload_len = dns.size();
  engine_->OnPacket(p, 1);
  engine_->OnPacket(p, 2);  // resolvers repeat: one event per interval
  std::vector<DnsEvent> answers = out_.Payloads<DnsEvent>();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].query, "example.com");
  EXPECT_EQ(answers[0].qtype, "A");
  ASSERT_EQ(answers[0].addresses.size(), 1u);
  EXPECT_EQ(answers[0].addresses[0], "93.184.216.34");
  EXPECT_EQ(answers[0].ttl, 300u);
  out_.Clear();
  engine_->OnPacket(
      Packet(kProtoTcp, "192.168.1.10", 40001, "93.184.216.34", 443, kTcpSyn),
      3);
  auto flows = Flows();
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(flows[0].remote_name, "example.com");
}

TEST_F(NetworkEngineTest, MalformedDnsCounted) {
  std::vector<uint8_t> junk = {1, 2, 3};
  DecodedPacket p = Packet(kProtoUdp, "192.168.1.1", 53, "192.168.1.10", 5353);
  p.payload = junk.data();
  p.payload_len = junk.size();
  engine_->OnPacket(p, 1);
  std::map<std::string, uint64_t> c;
  for (auto& [k, v] : engine_->Counters()) c[k] = v;
  EXPECT_EQ(c["dns_malformed"], 1u);
}

}  // namespace
}  // namespace picket

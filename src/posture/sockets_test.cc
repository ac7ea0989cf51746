#include "posture/sockets.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

// Lines as the kernel prints them (little-endian host).
TEST(SocketsProcNetTest, TcpListenersOnly) {
  auto l = ParseProcNetLine(
      "   0: 00000000:0017 00000000:0000 0A 00000000:00000000 00:00000000 "
      "00000000     0        0 12345 1 0000000000000000 100 0 0 10 0",
      "tcp", false);
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->ToString(), "tcp 0.0.0.0:23");
  EXPECT_TRUE(l->wildcard());
  EXPECT_EQ(l->inode, 12345u);
  auto loopback = ParseProcNetLine(
      "   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 "
      "00000000   107        0 999 1",
      "tcp", false);
  ASSERT_TRUE(loopback.has_value());
  EXPECT_EQ(loopback->address, "127.0.0.1");
  EXPECT_EQ(loopback->port, 3306);
  EXPECT_EQ(loopback->uid, 107u);
  EXPECT_TRUE(loopback->loopback());
  // ESTABLISHED is not a listener; the header is not a socket.
  EXPECT_FALSE(ParseProcNetLine(
      "   2: 1401A8C0:0016 0501A8C0:C738 01 00000000:00000000 02:0009EB8A "
      "00000000     0        0 4242 4",
      "tcp", false));
  EXPECT_FALSE(ParseProcNetLine(
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
      "retrnsmt   uid  timeout inode",
      "tcp", false));
  EXPECT_FALSE(ParseProcNetLine("   3: garbage", "tcp", false));
}

TEST(SocketsProcNetTest, Ipv6AndUdp) {
  auto any6 = ParseProcNetLine(
      "   0: 00000000000000000000000000000000:0016 "
      "00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000     0        0 20023 1",
      "tcp", true);
  ASSERT_TRUE(any6.has_value());
  EXPECT_EQ(any6->ToString(), "tcp [::]:22");
  auto lo6 = ParseProcNetLine(
      "   1: 00000000000000000000000001000000:0035 "
      "00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000     0        0 7 1",
      "tcp", true);
  ASSERT_TRUE(lo6.has_value());
  EXPECT_EQ(lo6->address, "::1");
  EXPECT_TRUE(lo6->loopback());
  auto udp = ParseProcNetLine(
      "  12: 00000000:0045 00000000:0000 07 00000000:00000000 00:00000000 "
      "00000000     0        0 1069 2 0000000000000000 0",
      "udp", false);
  ASSERT_TRUE(udp.has_value());
  EXPECT_EQ(udp->ToString(), "udp 0.0.0.0:69");
  // A connected UDP socket talks to one peer only.
  EXPECT_FALSE(ParseProcNetLine(
      "  13: 0F02000A:A1B2 08080808:0035 01 00000000:00000000 00:00000000 "
      "00000000     0        0 1070 2 0000000000000000 0",
      "udp", false));
}

}  // namespace
}  // namespace picket

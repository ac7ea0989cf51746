#include "collectors/net/linux/sock_diag.h"

// clang-format off
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
// clang-format on
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace picket {
namespace {

// One SOCK_DIAG_BY_FAMILY message as the kernel sends it.
std::string DiagMessage(uint8_t family, uint8_t state, uint16_t sport,
                        uint16_t dport, uint32_t inode) {
  std::string buf(NLMSG_SPACE(sizeof(inet_diag_msg)), '\0');
  auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data());
  nlh->nlmsg_len = NLMSG_LENGTH(sizeof(inet_diag_msg));
  nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  auto* msg = reinterpret_cast<inet_diag_msg*>(NLMSG_DATA(nlh));
  msg->idiag_family = family;
  msg->idiag_state = state;
  msg->id.idiag_sport = htons(sport);
  msg->id.idiag_dport = htons(dport);
  msg->id.idiag_src[0] = htonl(0x7f000001);
  if (dport != 0) msg->id.idiag_dst[0] = htonl(0xc0000201);
  msg->idiag_inode = inode;
  msg->idiag_uid = 1000;
  return buf;
}

std::string Done() {
  std::string buf(NLMSG_SPACE(sizeof(int)), '\0');
  auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data());
  nlh->nlmsg_len = NLMSG_LENGTH(sizeof(int));
  nlh->nlmsg_type = NLMSG_DONE;
  return buf;
}

TEST(SockDiagParseTest, ListenerAndConnectionThenDone) {
  std::string dgram = DiagMessage(AF_INET, 10, 22, 0, 111) +
                      DiagMessage(AF_INET, 1, 40000, 443, 222) + Done();
  std::vector<SocketInfo> out;
  bool done = false;
  uint64_t bad = 0;
  ASSERT_TRUE(ParseInetDiagDatagram(dgram.data(), dgram.size(), kProtoTcp, &out,
                                    &done, &bad)
                  .ok());
  EXPECT_TRUE(done);
  EXPECT_EQ(bad, 0u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].state, "listen");
  EXPECT_EQ(out[0].local_port, 22);
  EXPECT_EQ(out[0].local.ToString(), "127.0.0.1");
  EXPECT_EQ(out[0].remote.family, 0);  // unconnected
  EXPECT_EQ(out[0].inode, 111u);
  EXPECT_EQ(out[1].state, "established");
  EXPECT_EQ(out[1].remote.ToString(), "192.0.2.1");
  EXPECT_EQ(out[1].remote_port, 443);
  EXPECT_EQ(out[1].uid, 1000u);
}

TEST(SockDiagParseTest, MalformedCountedNeverLoops) {
  std::vector<SocketInfo> out;
  bool done = false;
  uint64_t bad = 0;
  // A header claiming 4 GiB: libmnl's own check would accept it and then
  // advance by zero bytes forever.
  std::string huge(64, '\xff');
  ASSERT_TRUE(ParseInetDiagDatagram(huge.data(), huge.size(), kProtoTcp, &out,
                                    &done, &bad)
                  .ok());
  EXPECT_EQ(bad, 1u);
  // A message too short for inet_diag_msg.
  std::string shortmsg = Done();
  reinterpret_cast<nlmsghdr*>(shortmsg.data())->nlmsg_type =
      SOCK_DIAG_BY_FAMILY;
  ASSERT_TRUE(ParseInetDiagDatagram(shortmsg.data(), shortmsg.size(), kProtoTcp,
                                    &out, &done, &bad)
                  .ok());
  EXPECT_EQ(bad, 2u);
  EXPECT_TRUE(out.empty());
}

TEST(SockDiagTest, DumpsOwnListeningSocket) {
  auto diag = SockDiag::Open();
  if (!diag.ok()) GTEST_SKIP() << diag.status().ToString();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(0x7f000001);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::vector<SocketInfo> sockets;
  ASSERT_TRUE((*diag)->Dump(kProtoTcp, &sockets).ok());
  bool found = false;
  for (const SocketInfo& s : sockets) {
    found |= s.state == "listen" && s.local_port == ntohs(addr.sin_port);
  }
  EXPECT_TRUE(found);
  close(fd);
}

}  // namespace
}  // namespace picket

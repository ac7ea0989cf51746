#include "collectors/linux/proc_connector.h"

// clang-format off
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>
// clang-format on
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace picket {
namespace {

// Builds one netlink message carrying a proc_event, as the kernel does.
std::string Message(const proc_event& ev, size_t event_len = sizeof(proc_event),
                    uint32_t idx = CN_IDX_PROC) {
  std::string buf(NLMSG_SPACE(sizeof(cn_msg) + event_len), '\0');
  auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data());
  nlh->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + event_len);
  nlh->nlmsg_type = NLMSG_DONE;
  auto* msg = reinterpret_cast<cn_msg*>(NLMSG_DATA(nlh));
  msg->id.idx = idx;
  msg->id.val = CN_VAL_PROC;
  msg->len = static_cast<uint16_t>(event_len);
  std::memcpy(msg->data, &ev, event_len < sizeof ev ? event_len : sizeof ev);
  return buf;
}

proc_event Exec(int pid, int tgid) {
  proc_event ev{};
  ev.what = proc_event::PROC_EVENT_EXEC;
  ev.timestamp_ns = 123;
  ev.event_data.exec.process_pid = pid;
  ev.event_data.exec.process_tgid = tgid;
  return ev;
}

TEST(ProcConnectorParseTest, ExecForkExitInOneDatagram) {
  proc_event fork{};
  fork.what = proc_event::PROC_EVENT_FORK;
  fork.event_data.fork.parent_pid = 10;
  fork.event_data.fork.parent_tgid = 10;
  fork.event_data.fork.child_pid = 11;
  fork.event_data.fork.child_tgid = 11;
  proc_event exit{};
  exit.what = proc_event::PROC_EVENT_EXIT;
  exit.event_data.exit.process_pid = 11;
  exit.event_data.exit.process_tgid = 11;
  exit.event_data.exit.exit_code = 256;
  std::string dgram = Message(fork) + Message(Exec(11, 11)) + Message(exit);

  std::vector<ProcConnEvent> out;
  uint64_t bad = 0;
  ParseProcConnectorDatagram(dgram.data(), dgram.size(), &out, &bad);
  EXPECT_EQ(bad, 0u);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].kind, ProcConnEvent::Kind::kFork);
  EXPECT_EQ(out[0].parent_tgid, 10);
  EXPECT_EQ(out[0].tgid, 11);
  EXPECT_EQ(out[1].kind, ProcConnEvent::Kind::kExec);
  EXPECT_EQ(out[1].pid, 11);
  EXPECT_EQ(out[1].ktime_ns, 123u);
  EXPECT_TRUE(out[1].is_process());
  EXPECT_EQ(out[2].kind, ProcConnEvent::Kind::kExit);
  EXPECT_EQ(out[2].exit_code, 256u);
}

TEST(ProcConnectorParseTest, ThreadEventsAreMarked) {
  std::string dgram = Message(Exec(12, 11));
  std::vector<ProcConnEvent> out;
  uint64_t bad = 0;
  ParseProcConnectorDatagram(dgram.data(), dgram.size(), &out, &bad);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].is_process());
}

TEST(ProcConnectorParseTest, OtherEventKindsIgnoredNotMalformed) {
  proc_event uid{};
  uid.what = proc_event::PROC_EVENT_UID;
  std::string dgram = Message(uid);
  std::vector<ProcConnEvent> out;
  uint64_t bad = 0;
  ParseProcConnectorDatagram(dgram.data(), dgram.size(), &out, &bad);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(bad, 0u);
}

TEST(ProcConnectorParseTest, MalformedMessagesCountedAndSkipped) {
  std::vector<ProcConnEvent> out;
  uint64_t bad = 0;

  // Truncated datagram: header claims more than was received.
  std::string whole = Message(Exec(5, 5));
  ParseProcConnectorDatagram(whole.data(), whole.size() - 8, &out, &bad);
  EXPECT_EQ(bad, 1u);

  // Not from the proc connector.
  std::string foreign = Message(Exec(5, 5), sizeof(proc_event), 99);
  ParseProcConnectorDatagram(foreign.data(), foreign.size(), &out, &bad);
  EXPECT_EQ(bad, 2u);

  // cn_msg says the event is shorter than an exec record.
  std::string shortev = Message(Exec(5, 5), 20);
  ParseProcConnectorDatagram(shortev.data(), shortev.size(), &out, &bad);
  EXPECT_EQ(bad, 3u);

  // Zero pid is impossible for a real event.
  std::string zero = Message(Exec(0, 0));
  ParseProcConnectorDatagram(zero.data(), zero.size(), &out, &bad);
  EXPECT_EQ(bad, 4u);

  // Garbage bytes.
  std::string junk(7, '\xff');
  ParseProcConnectorDatagram(junk.data(), junk.size(), &out, &bad);
  EXPECT_EQ(bad, 5u);
  EXPECT_TRUE(out.empty());

  // A good message after a bad one in the same datagram still counts.
  std::string mixed = Message(Exec(0, 0)) + Message(Exec(6, 6));
  ParseProcConnectorDatagram(mixed.data(), mixed.size(), &out, &bad);
  EXPECT_EQ(bad, 6u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].pid, 6);
}

TEST(ProcConnectorParseTest, HugeLengthIsMalformedNotALoop) {
  // A header claiming 4 GiB: libmnl's own check casts the length to int,
  // accepts it, and its next-message step then advances by zero bytes.
  std::string huge(64, '\xff');
  std::vector<ProcConnEvent> out;
  uint64_t bad = 0;
  ParseProcConnectorDatagram(huge.data(), huge.size(), &out, &bad);
  EXPECT_EQ(bad, 1u);
  EXPECT_TRUE(out.empty());
}

TEST(ProcConnectorTest, ReportsOwnChildExecWhenRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_NET_ADMIN)";
  auto conn = ProcConnector::Open(1 << 20);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  pid_t child = fork();
  if (child == 0) {
    execl("/bin/true", "true", nullptr);
    _exit(127);
  }
  bool saw_exec = false, saw_exit = false;
  for (int i = 0; i < 200 && !(saw_exec && saw_exit); ++i) {
    Status st = (*conn)->ReadAvailable([&](const ProcConnEvent& ev) {
      if (ev.tgid != child) return;
      saw_exec |= ev.kind == ProcConnEvent::Kind::kExec;
      saw_exit |= ev.kind == ProcConnEvent::Kind::kExit;
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
    usleep(10000);
  }
  int status;
  waitpid(child, &status, 0);
  EXPECT_TRUE(saw_exec);
  EXPECT_TRUE(saw_exit);
}

}  // namespace
}  // namespace picket

namespace picket {
namespace {

TEST(ProcConnectorTest, OverrunIsReportedAsResourceExhausted) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_NET_ADMIN)";
  // A tiny buffer and a burst we do not read: the kernel must drop events
  // and say so, which is the collector's cue to rescan /proc.
  auto conn = ProcConnector::Open(4096);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  for (int i = 0; i < 400; ++i) {
    pid_t child = fork();
    if (child == 0) _exit(0);
    int status;
    waitpid(child, &status, 0);
  }
  bool overrun = false;
  for (int i = 0; i < 100 && !overrun; ++i) {
    Status st = (*conn)->ReadAvailable([](const ProcConnEvent&) {});
    overrun = st.code() == Status::Code::kResourceExhausted;
  }
  EXPECT_TRUE(overrun);
}

}  // namespace
}  // namespace picket

#include "collectors/net/linux/socket_owners.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "testing/temp_dir.h"

namespace picket {
namespace {

namespace fs = std::filesystem;

// A fake /proc whose processes hold "socket:[N]" descriptors.
class SocketOwnersTest : public ::testing::Test {
 protected:
  void Process(int pid, const std::string& exe) {
    fs::create_directories(Fd(pid, ""));
    fs::create_symlink(exe, Dir(pid) + "/exe");
  }
  void Socket(int pid, int fd, uint64_t inode) {
    fs::create_symlink("socket:[" + std::to_string(inode) + "]",
                       Fd(pid, std::to_string(fd)));
  }
  void File(int pid, int fd) {
    fs::create_symlink("/dev/null", Fd(pid, std::to_string(fd)));
  }
  std::string Dir(int pid) const {
    return root_ + "/proc/" + std::to_string(pid);
  }
  std::string Fd(int pid, const std::string& fd) const {
    return Dir(pid) + "/fd/" + fd;
  }

  testing_util::TempDir tmp_{"picket-owners-"};
  std::string root_ = tmp_.path();
};

TEST_F(SocketOwnersTest, FindsOwnerOfKnownAndNewSockets) {
  Process(100, "/usr/sbin/sshd");
  Socket(100, 3, 5001);
  File(100, 4);
  Process(200, "/usr/bin/curl");
  SocketOwners owners(root_, 200);
  SocketOwner o;
  owners.BeginPoll();
  ASSERT_TRUE(owners.Lookup(5001, 0, &o));
  EXPECT_EQ(o.pid, 100);
  EXPECT_EQ(o.exe, "/usr/sbin/sshd");
  owners.EndPoll();
  EXPECT_EQ(owners.rescans(), 1u);

  // A new socket of a process already known: found without a full scan.
  Socket(100, 5, 5002);
  owners.BeginPoll();
  ASSERT_TRUE(owners.Lookup(5002, 2000, &o));
  EXPECT_EQ(o.pid, 100);
  owners.EndPoll();
  EXPECT_EQ(owners.rescans(), 1u);

  // A process that had none: found by a full scan.
  Socket(200, 3, 6001);
  owners.BeginPoll();
  ASSERT_TRUE(owners.Lookup(6001, 4000, &o));
  EXPECT_EQ(o.pid, 200);
  EXPECT_EQ(o.exe, "/usr/bin/curl");
  owners.EndPoll();
  EXPECT_EQ(owners.rescans(), 2u);
}

TEST_F(SocketOwnersTest, UnownedSocketIsNotRescannedEveryPoll) {
  Process(100, "/usr/sbin/sshd");
  Socket(100, 3, 5001);
  SocketOwners owners(root_, 200);
  SocketOwner o;
  owners.BeginPoll();
  EXPECT_TRUE(owners.Lookup(5001, 0, &o));
  // Two sockets no process here holds (another namespace's).
  EXPECT_FALSE(owners.Lookup(9001, 0, &o));
  EXPECT_FALSE(owners.Lookup(9002, 0, &o));
  owners.EndPoll();
  EXPECT_EQ(owners.unowned(), 2u);
  const uint64_t rescans = owners.rescans();
  const uint64_t pid_scans = owners.pid_scans();

  // Later polls still list them: no /proc reading at all.
  for (int i = 1; i <= 5; ++i) {
    owners.BeginPoll();
    EXPECT_TRUE(owners.Lookup(5001, i * 2000, &o));
    EXPECT_FALSE(owners.Lookup(9001, i * 2000, &o));
    EXPECT_FALSE(owners.Lookup(9002, i * 2000, &o));
    owners.EndPoll();
  }
  EXPECT_EQ(owners.rescans(), rescans);
  EXPECT_EQ(owners.pid_scans(), pid_scans);

  // A dump without 9002: it is forgotten.
  owners.BeginPoll();
  EXPECT_FALSE(owners.Lookup(9001, 20000, &o));
  owners.EndPoll();
  EXPECT_EQ(owners.unowned(), 1u);
}

TEST_F(SocketOwnersTest, PartialDumpBetweenPollsFindsNewSockets) {
  // A flow seen by capture before the next full dump: its socket is looked
  // up in a batch of its own, right after a poll that scanned everything.
  Process(100, "/usr/bin/python3");
  Socket(100, 3, 5001);
  Process(200, "/usr/bin/curl");
  SocketOwners owners(root_, 200);
  SocketOwner o;
  owners.BeginPoll();
  EXPECT_TRUE(owners.Lookup(5001, 0, &o));
  EXPECT_FALSE(owners.Lookup(9001, 0, &o));  // unowned, after a full scan
  owners.EndPoll();

  Socket(100, 4, 5002);  // a known owner's new socket, the same millisecond
  owners.BeginLookups();
  ASSERT_TRUE(owners.Lookup(5002, 0, &o));
  EXPECT_EQ(o.pid, 100);

  Socket(200, 3, 6001);  // a new owner's socket, once a rescan is allowed
  owners.BeginLookups();
  ASSERT_TRUE(owners.Lookup(6001, 300, &o));
  EXPECT_EQ(o.pid, 200);
}

TEST_F(SocketOwnersTest, WithoutPollsEveryMissMayRescan) {
  // Targeted lookups outside a dump (a flow seen by capture first) keep
  // the rate limit and do not mark inodes unowned.
  Process(100, "/usr/sbin/sshd");
  SocketOwners owners(root_, 200);
  SocketOwner o;
  EXPECT_FALSE(owners.Lookup(7001, 0, &o));
  EXPECT_FALSE(owners.Lookup(7001, 100, &o));  // within 200 ms: no rescan
  EXPECT_EQ(owners.rescans(), 1u);
  Socket(100, 3, 7001);
  EXPECT_TRUE(owners.Lookup(7001, 300, &o));
  EXPECT_EQ(owners.unowned(), 0u);
}

}  // namespace
}  // namespace picket

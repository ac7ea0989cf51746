#include "platform/linux/files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "testing/temp_dir.h"

namespace picket {
namespace {

using testing_util::ReadFile;
using testing_util::WriteFile;

class FilesTest : public ::testing::Test {
 protected:
  testing_util::TempDir tmp_{"files_test."};
  std::string dir_ = tmp_.path();
};

TEST_F(FilesTest, InputFilesMustBeRegularAndAreNeverWaitedOn) {
  WriteFile(dir_ + "/plain", "abc");
  ASSERT_EQ(symlink((dir_ + "/plain").c_str(), (dir_ + "/link").c_str()), 0);
  ASSERT_EQ(mkfifo((dir_ + "/fifo").c_str(), 0600), 0);

  Result<std::string> plain = ReadInputFile(dir_ + "/plain", 100, "feed");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, "abc");
  // Links are followed for input files: an administrator may link them.
  EXPECT_TRUE(ReadInputFile(dir_ + "/link", 100, "feed").ok());

  // Without O_NONBLOCK this open would wait for a writer forever.
  Result<std::string> fifo = ReadInputFile(dir_ + "/fifo", 100, "feed");
  ASSERT_FALSE(fifo.ok());
  EXPECT_EQ(fifo.status().message(),
            "feed " + dir_ + "/fifo: not a regular file (a FIFO)");
  EXPECT_EQ(CheckInputFile(dir_, "certificate").message(),
            "certificate " + dir_ + ": not a regular file (a directory)");
  EXPECT_EQ(CheckInputFile("/dev/zero", "").message(),
            "/dev/zero: not a regular file (a character device)");

  Result<std::string> big = ReadInputFile(dir_ + "/plain", 2, "feed");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), Status::Code::kResourceExhausted);
}

TEST_F(FilesTest, StateDirIsCreatedPrivate) {
  Result<StateDir> dir = StateDir::Open(dir_ + "/a/b");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((dir_ + "/a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(FilesTest, StateDirWritableByOthersOrALinkIsRefused) {
  ASSERT_EQ(mkdir((dir_ + "/open").c_str(), 0700), 0);
  ASSERT_EQ(chmod((dir_ + "/open").c_str(), 0777), 0);
  Result<StateDir> open = StateDir::Open(dir_ + "/open");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().code(), Status::Code::kPermissionDenied);
  EXPECT_NE(open.status().message().find("writable by every user"),
            std::string::npos)
      << open.status().message();

  ASSERT_EQ(chmod((dir_ + "/open").c_str(), 0770), 0);
  EXPECT_NE(StateDir::Open(dir_ + "/open")
                .status()
                .message()
                .find("writable by its group"),
            std::string::npos);

  ASSERT_EQ(mkdir((dir_ + "/real").c_str(), 0700), 0);
  ASSERT_EQ(symlink((dir_ + "/real").c_str(), (dir_ + "/linked").c_str()), 0);
  Result<StateDir> linked = StateDir::Open(dir_ + "/linked");
  ASSERT_FALSE(linked.ok());
  EXPECT_NE(linked.status().message().find("is a symbolic link"),
            std::string::npos)
      << linked.status().message();
}

// The attack of the faults issue: events.jsonl pre-made as a link to another
// file. The agent must neither chmod the target nor write into it.
TEST_F(FilesTest, AStateFileThatIsALinkIsNeitherFollowedNorChmodded) {
  Result<StateDir> dir = StateDir::Open(dir_ + "/state");
  ASSERT_TRUE(dir.ok());
  const std::string victim = dir_ + "/victim";
  WriteFile(victim, "precious\n");
  ASSERT_EQ(chmod(victim.c_str(), 0644), 0);
  ASSERT_EQ(symlink(victim.c_str(), (dir_ + "/state/events.jsonl").c_str()), 0);

  Result<ScopedFd> fd =
      dir->OpenFile("events.jsonl", O_WRONLY | O_CREAT | O_APPEND, 0600);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.status().code(), Status::Code::kPermissionDenied);
  EXPECT_NE(fd.status().message().find("is a symbolic link"), std::string::npos)
      << fd.status().message();
  struct stat st;
  ASSERT_EQ(stat(victim.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(ReadFile(victim), "precious\n");

  // An atomic replace of the same name replaces the link itself, never the
  // file it points to.
  ASSERT_TRUE(dir->WriteFileAtomically("events.jsonl", "new").ok());
  EXPECT_EQ(ReadFile(victim), "precious\n");
  EXPECT_EQ(ReadFile(dir_ + "/state/events.jsonl"), "new");
}

TEST_F(FilesTest, AHardLinkedStateFileIsRefused) {
  Result<StateDir> dir = StateDir::Open(dir_ + "/state");
  ASSERT_TRUE(dir.ok());
  WriteFile(dir_ + "/victim", "precious\n");
  ASSERT_EQ(
      link((dir_ + "/victim").c_str(), (dir_ + "/state/positions").c_str()), 0);
  Result<ScopedFd> fd = dir->OpenFile("positions", O_WRONLY | O_APPEND);
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.status().message().find("hard links"), std::string::npos)
      << fd.status().message();
}

TEST_F(FilesTest, AStateFileWithALooseModeIsNarrowedThroughItsDescriptor) {
  Result<StateDir> dir = StateDir::Open(dir_ + "/state");
  ASSERT_TRUE(dir.ok());
  WriteFile(dir_ + "/state/events.jsonl", "x\n");
  ASSERT_EQ(chmod((dir_ + "/state/events.jsonl").c_str(), 0644), 0);
  Result<ScopedFd> fd =
      dir->OpenFile("events.jsonl", O_WRONLY | O_APPEND, 0600);
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  struct stat st;
  ASSERT_EQ(fstat(fd->get(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A FIFO in the state directory is refused without blocking.
  ASSERT_EQ(mkfifo((dir_ + "/state/fifo").c_str(), 0600), 0);
  Result<ScopedFd> fifo = dir->OpenFile("fifo", O_RDONLY);
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.status().message().find("a FIFO"), std::string::npos);
  // Names are single components.
  EXPECT_FALSE(dir->OpenFile("../victim", O_RDONLY).ok());
}

TEST_F(FilesTest, StateFilesOfAnotherUserAreRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chown a file";
  Result<StateDir> dir = StateDir::Open(dir_ + "/state");
  ASSERT_TRUE(dir.ok());
  WriteFile(dir_ + "/state/spool-cursor", "x");
  ASSERT_EQ(chown((dir_ + "/state/spool-cursor").c_str(), 65534, 65534), 0);
  Result<ScopedFd> fd = dir->OpenFile("spool-cursor", O_RDONLY);
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.status().message().find("owned by uid 65534"), std::string::npos)
      << fd.status().message();

  ASSERT_EQ(mkdir((dir_ + "/theirs").c_str(), 0700), 0);
  ASSERT_EQ(chown((dir_ + "/theirs").c_str(), 65534, 65534), 0);
  EXPECT_EQ(StateDir::Open(dir_ + "/theirs").status().code(),
            Status::Code::kPermissionDenied);
}

TEST_F(FilesTest, TrustedFiles) {
  struct stat st = {};
  st.st_uid = geteuid();
  st.st_gid = getegid();
  st.st_mode = S_IFREG | 0644;
  EXPECT_TRUE(CheckTrustedFile(st, "/c.yaml", "configuration").ok());
  st.st_mode = S_IFREG | 0646;
  EXPECT_EQ(CheckTrustedFile(st, "/c.yaml", "configuration").message(),
            "configuration /c.yaml: writable by every user; chmod o-w it");
  st.st_mode = S_IFREG | 0664;
  EXPECT_TRUE(CheckTrustedFile(st, "/c.yaml", "configuration").ok());
  st.st_gid = getegid() + 1000;
  EXPECT_FALSE(CheckTrustedFile(st, "/c.yaml", "configuration").ok());
  st.st_gid = 0;
  st.st_uid = geteuid() + 1000;
  st.st_mode = S_IFREG | 0644;
  if (geteuid() + 1000 != 0) {
    EXPECT_FALSE(CheckTrustedFile(st, "/c.yaml", "configuration").ok());
  }
}

}  // namespace
}  // namespace picket

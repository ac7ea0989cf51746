#include "collectors/linux/exec_watch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace picket {
namespace {

std::vector<procfs::MountEntry> LiveMounts() {
  int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  std::string text;
  char buf[4096];
  ssize_t n;
  while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0) text.append(buf, n);
  if (fd >= 0) close(fd);
  return procfs::ParseMountinfo(text);
}

TEST(ExecWatchTest, PinsTheExecutedFileOfAnInstantExit) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN)";
  auto watch = ExecWatch::Open(LiveMounts());
  if (!watch.ok()) GTEST_SKIP() << "fanotify: " << watch.status().ToString();
  pid_t child = fork();
  if (child == 0) {
    execl("/bin/true", "true", nullptr);
    _exit(127);
  }
  int status;
  waitpid(child, &status, 0);  // gone and reaped before we look
  (*watch)->Drain(0);
  auto file = (*watch)->Take(child);
  ASSERT_TRUE(file.has_value());
  char real[PATH_MAX];
  ASSERT_NE(realpath("/bin/true", real), nullptr);
  ASSERT_GE(file->fd, 0);
  EXPECT_EQ(file->path, "");  // read from the held descriptor instead
  char held[PATH_MAX] = {0};
  std::string link = "/proc/self/fd/" + std::to_string(file->fd);
  ASSERT_GT(readlink(link.c_str(), held, sizeof held - 1), 0);
  EXPECT_STREQ(held, real);  // the program, not its loader
  struct stat a, b;
  ASSERT_EQ(fstat(file->fd, &a), 0);
  ASSERT_EQ(stat(real, &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  close(file->fd);
  EXPECT_FALSE((*watch)->Take(child).has_value());  // taken once
  EXPECT_GE((*watch)->events(), 1u);
}

TEST(ExecWatchTest, ExpireForgetsStaleEntries) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN)";
  auto watch = ExecWatch::Open(LiveMounts());
  if (!watch.ok()) GTEST_SKIP() << "fanotify: " << watch.status().ToString();
  pid_t child = fork();
  if (child == 0) {
    execl("/bin/true", "true", nullptr);
    _exit(127);
  }
  int status;
  waitpid(child, &status, 0);
  (*watch)->Drain(1000);
  (*watch)->Expire(1500, 1000);  // not yet stale
  (*watch)->Expire(2500, 1000);  // stale
  EXPECT_FALSE((*watch)->Take(child).has_value());
}

TEST(ExecWatchTest, NothingToMarkIsAnError) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN)";
  auto watch = ExecWatch::Open({{"/proc", "proc"}});
  EXPECT_FALSE(watch.ok());
}

}  // namespace
}  // namespace picket

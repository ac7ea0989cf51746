#include "collectors/linux/proc_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

extern char** environ;

namespace picket {
namespace {

namespace fs = std::filesystem;

using testing_util::ReadFile;

const char kFixtureRoot[] = PICKET_SOURCE_DIR "/tests/fixtures/proc";

// Boot time in the captured proc/stat.
constexpr int64_t kFixtureBootTime = 1795446197;

int64_t ExpectedStartNs(uint64_t ticks) {
  const int64_t hz = sysconf(_SC_CLK_TCK);
  return kFixtureBootTime * 1000000000LL +
         static_cast<int64_t>(ticks / hz) * 1000000000LL +
         static_cast<int64_t>(ticks % hz) * 1000000000LL / hz;
}

std::string ReadLink(const std::string& path) {
  char buffer[PATH_MAX];
  ssize_t n = readlink(path.c_str(), buffer, sizeof(buffer));
  return n < 0 ? "" : std::string(buffer, static_cast<size_t>(n));
}

// --- The captured fixture tree ------------------------------------------

TEST(ProcReaderFixtureTest, ListPidsSkipsNonNumericEntries) {
  ProcReader reader(kFixtureRoot);
  // proc/self and proc/stat are not processes.
  EXPECT_EQ(reader.ListPids(),
            (std::vector<int32_t>{1, 2, 14, 3326, 3331, 3337, 3445}));
}

TEST(ProcReaderFixtureTest, NormalProcess) {
  ProcReader reader(kFixtureRoot);
  Result<ProcessInfo> info = reader.Read(3326);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->pid, 3326);
  EXPECT_EQ(info->ppid, 3325);
  EXPECT_EQ(info->uid, 65534u);
  EXPECT_EQ(info->gid, 65534u);
  EXPECT_EQ(info->user, "nobody");
  EXPECT_EQ(info->comm, "sleep");
  EXPECT_EQ(info->exe, "/usr/bin/sleep");
  EXPECT_FALSE(info->exe_deleted);
  EXPECT_EQ(info->argv, (std::vector<std::string>{"sleep", "1001"}));
  EXPECT_EQ(info->cwd, "/");
  EXPECT_EQ(info->start_time_ns, ExpectedStartNs(24288));
  EXPECT_EQ(info->exe_fs_type, "ext4");
  // <root>/usr/bin is not in the fixture, so nothing says o+w.
  EXPECT_FALSE(info->exe_dir_writable_by_all);
  EXPECT_TRUE(info->sha256.empty());
  EXPECT_FALSE(info->partial);

  // The fixture's exe symlink points at the absolute /usr/bin/sleep, so
  // stat() follows it to this machine's file when there is one.
  struct stat st;
  if (stat("/usr/bin/sleep", &st) == 0) {
    EXPECT_EQ(info->exe_inode, static_cast<uint64_t>(st.st_ino));
    EXPECT_EQ(info->exe_dev, static_cast<uint64_t>(st.st_dev));
  }
}

TEST(ProcReaderFixtureTest, DeletedExe) {
  ProcReader reader(kFixtureRoot);
  Result<ProcessInfo> info = reader.Read(3331);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->ppid, 3330);
  EXPECT_EQ(info->uid, 1000u);
  EXPECT_EQ(info->gid, 1000u);
  EXPECT_EQ(info->user, "cloudsdk");
  EXPECT_EQ(info->comm, "updater");
  EXPECT_EQ(info->exe, "/var/tmp/picket-cap/updater");
  EXPECT_TRUE(info->exe_deleted);
  EXPECT_EQ(info->argv, (std::vector<std::string>{"./updater", "1002"}));
  EXPECT_EQ(info->cwd, "/var/tmp/picket-cap");
  EXPECT_EQ(info->start_time_ns, ExpectedStartNs(24289));
  EXPECT_EQ(info->exe_fs_type, "ext4");
  // The captured target is gone: stat() fails, which is not "partial".
  EXPECT_EQ(info->exe_inode, 0u);
  EXPECT_EQ(info->exe_dev, 0u);
  EXPECT_FALSE(info->partial);
}

TEST(ProcReaderFixtureTest, KernelThreadIsComplete) {
  ProcReader reader(kFixtureRoot);
  Result<ProcessInfo> kthreadd = reader.Read(2);
  ASSERT_TRUE(kthreadd.ok()) << kthreadd.status().ToString();
  EXPECT_EQ(kthreadd->comm, "kthreadd");
  EXPECT_EQ(kthreadd->ppid, 0);
  EXPECT_EQ(kthreadd->user, "root");
  EXPECT_TRUE(kthreadd->exe.empty());
  EXPECT_TRUE(kthreadd->argv.empty());
  EXPECT_EQ(kthreadd->cwd, "/");
  EXPECT_EQ(kthreadd->start_time_ns, ExpectedStartNs(24));
  EXPECT_FALSE(kthreadd->partial);

  Result<ProcessInfo> ksoftirqd = reader.Read(14);
  ASSERT_TRUE(ksoftirqd.ok()) << ksoftirqd.status().ToString();
  EXPECT_EQ(ksoftirqd->comm, "ksoftirqd/0");
  EXPECT_EQ(ksoftirqd->ppid, 2);
  EXPECT_TRUE(ksoftirqd->exe.empty());
  EXPECT_EQ(ksoftirqd->exe_fs_type, "");
  EXPECT_FALSE(ksoftirqd->partial);
}

TEST(ProcReaderFixtureTest, UnreadableExeIsPartial) {
  // Captured from pid 1, whose exe and cwd this agent may not read (EACCES).
  ProcReader reader(kFixtureRoot);
  Result<ProcessInfo> info = reader.Read(1);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->comm, "process_api");
  EXPECT_EQ(info->ppid, 0);
  ASSERT_FALSE(info->argv.empty());
  EXPECT_EQ(info->argv[0], "/process_api");
  EXPECT_TRUE(info->exe.empty());
  EXPECT_TRUE(info->cwd.empty());
  EXPECT_TRUE(info->partial);
}

TEST(ProcReaderFixtureTest, CommWithSpacesAndParentheses) {
  ProcReader reader(kFixtureRoot);
  Result<ProcessInfo> info = reader.Read(3337);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->comm, "x) (y z)");
  EXPECT_EQ(info->ppid, 3336);
  EXPECT_EQ(info->uid, 0u);
  EXPECT_EQ(info->user, "root");
  EXPECT_EQ(info->exe, "/var/tmp/picket-cap/x) (y z)");
  EXPECT_FALSE(info->exe_deleted);
  EXPECT_EQ(info->argv,
            (std::vector<std::string>{"/var/tmp/picket-cap/x) (y z)", "1003"}));
  EXPECT_EQ(info->start_time_ns, ExpectedStartNs(24320));
  EXPECT_FALSE(info->partial);
}

TEST(ProcReaderFixtureTest, ProcessOnTmpfs) {
  ProcReader reader(kFixtureRoot);
  Result<ProcessInfo> info = reader.Read(3445);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->comm, ".x");
  EXPECT_EQ(info->ppid, 1);
  EXPECT_EQ(info->exe, "/tmp/.x");
  EXPECT_EQ(info->exe_fs_type, "tmpfs");
  EXPECT_EQ(info->cwd, "/tmp");
  EXPECT_EQ(info->argv, (std::vector<std::string>{"/tmp/.x", "1004", "5"}));
  EXPECT_EQ(info->start_time_ns, ExpectedStartNs(24813));
  EXPECT_FALSE(info->partial);
}

TEST(ProcReaderFixtureTest, MissingPidIsNotFound) {
  ProcReader reader(kFixtureRoot);
  Result<ProcessInfo> info = reader.Read(99999);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(reader.ReadExe(99999).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(reader.Read(0).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(reader.Read(-5).status().code(), Status::Code::kInvalidArgument);
}

TEST(ProcReaderFixtureTest, ReadExe) {
  ProcReader reader(kFixtureRoot);
  Result<procfs::ExeLink> deleted = reader.ReadExe(3331);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(deleted->path, "/var/tmp/picket-cap/updater");
  EXPECT_TRUE(deleted->deleted);

  Result<procfs::ExeLink> normal = reader.ReadExe(3326);
  ASSERT_TRUE(normal.ok());
  EXPECT_EQ(normal->path, "/usr/bin/sleep");
  EXPECT_FALSE(normal->deleted);

  // A kernel thread has no exe.
  EXPECT_EQ(reader.ReadExe(2).status().code(), Status::Code::kNotFound);
}

TEST(ProcReaderFixtureTest, RootWithTrailingSlash) {
  ProcReader reader(std::string(kFixtureRoot) + "/");
  Result<ProcessInfo> info = reader.Read(3445);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->exe_fs_type, "tmpfs");
  EXPECT_EQ(info->user, "root");
}

// --- Synthetic trees for the cases a checked-in fixture cannot hold ------

// A root under the test's temp dir with one process, pid 100, whose exe is
// <exe_target>. Directory modes and changing files cannot live in git.
class ProcReaderTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write("proc/stat", "cpu 1 2 3\nbtime 1000\n");
    Write("proc/self/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
    Write("etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/:\n");
    Write("proc/100/stat",
          "100 (x) S 1 100 100 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 250 0 0\n");
    Write("proc/100/status",
          "Name:\tx\nTgid:\t100\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\n"
          "Gid:\t1000\t1000\t1000\t1000\n");
    Write("proc/100/cmdline", std::string("/opt/drop/x\0-v\0", 15));
    fs::create_symlink("/", root_ + "/proc/100/cwd");
    fs::create_symlink("/opt/drop/x", root_ + "/proc/100/exe");
    fs::create_directories(root_ + "/opt/drop");
  }

  void Write(const std::string& relative, const std::string& content) {
    testing_util::WriteFile(root_ + "/" + relative, content);
  }

  // Sets the mtime of a tree file explicitly, so a rewrite within the same
  // clock tick still looks changed.
  void SetMtime(const std::string& relative, time_t seconds) {
    struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, (root_ + "/" + relative).c_str(), times, 0),
              0);
  }

  testing_util::TempDir tmp_{"picket-proc-"};
  std::string root_ = tmp_.path();
};

TEST_F(ProcReaderTreeTest, ReadsEveryField) {
  ProcReader reader(root_);
  Result<ProcessInfo> info = reader.Read(100);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->user, "alice");
  EXPECT_EQ(info->argv, (std::vector<std::string>{"/opt/drop/x", "-v"}));
  const int64_t hz = sysconf(_SC_CLK_TCK);
  EXPECT_EQ(info->start_time_ns, 1000 * 1000000000LL + 250 * 1000000000LL / hz);
  EXPECT_FALSE(info->partial);
}

TEST_F(ProcReaderTreeTest, ExeDirWritableByAll) {
  ASSERT_EQ(chmod((root_ + "/opt/drop").c_str(), 01777), 0);
  ProcReader reader(root_);
  Result<ProcessInfo> info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->exe_dir_writable_by_all);

  ASSERT_EQ(chmod((root_ + "/opt/drop").c_str(), 0755), 0);
  info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->exe_dir_writable_by_all);
}

TEST_F(ProcReaderTreeTest, DeletedExeDirIsNotJudged) {
  ASSERT_EQ(chmod((root_ + "/opt/drop").c_str(), 0777), 0);
  fs::remove(root_ + "/proc/100/exe");
  fs::create_symlink("/opt/drop/x (deleted)", root_ + "/proc/100/exe");
  ProcReader reader(root_);
  Result<ProcessInfo> info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->exe_deleted);
  EXPECT_EQ(info->exe, "/opt/drop/x");
  EXPECT_FALSE(info->exe_dir_writable_by_all);
}

TEST_F(ProcReaderTreeTest, PasswdReloadedWhenChanged) {
  ProcReader reader(root_);
  ASSERT_EQ(reader.Read(100)->user, "alice");

  // Same size, same inode: only the mtime tells.
  Write("etc/passwd", "root:x:0:0::/root:/bin/sh\nbobby:x:1000:1000::/:\n");
  SetMtime("etc/passwd", 2000000000);
  EXPECT_EQ(reader.Read(100)->user, "bobby");

  fs::remove(root_ + "/etc/passwd");
  Result<ProcessInfo> info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->user, "");
  // An unknown user name is not a failure to read the process.
  EXPECT_FALSE(info->partial);
}

TEST_F(ProcReaderTreeTest, MountsParsedOnceUntilRefreshed) {
  ProcReader reader(root_);
  ASSERT_EQ(reader.Read(100)->exe_fs_type, "ext4");

  Write("proc/self/mountinfo",
        "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
        "2 1 0:30 / /opt/drop rw - tmpfs tmpfs rw\n");
  EXPECT_EQ(reader.Read(100)->exe_fs_type, "ext4");
  reader.RefreshMounts();
  EXPECT_EQ(reader.Read(100)->exe_fs_type, "tmpfs");
}

TEST_F(ProcReaderTreeTest, MissingStatusIsPartial) {
  fs::remove(root_ + "/proc/100/status");
  ProcReader reader(root_);
  Result<ProcessInfo> info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->partial);
  EXPECT_EQ(info->comm, "x");
  EXPECT_EQ(info->exe, "/opt/drop/x");
  EXPECT_EQ(info->user, "");
}

TEST_F(ProcReaderTreeTest, MalformedStatIsPartial) {
  Write("proc/100/stat", "100 (x) S");
  ProcReader reader(root_);
  Result<ProcessInfo> info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->partial);
  EXPECT_EQ(info->comm, "");
  EXPECT_EQ(info->ppid, 1);  // from status instead
  EXPECT_EQ(info->start_time_ns, 0);
  EXPECT_EQ(info->exe, "/opt/drop/x");
}

TEST_F(ProcReaderTreeTest, MissingStatMeansProcessExited) {
  fs::remove(root_ + "/proc/100/stat");
  ProcReader reader(root_);
  EXPECT_EQ(reader.Read(100).status().code(), Status::Code::kNotFound);
}

TEST_F(ProcReaderTreeTest, MissingBootTimeIsPartial) {
  Write("proc/stat", "cpu 1 2 3\n");
  ProcReader reader(root_);
  Result<ProcessInfo> info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->start_time_ns, 0);
  EXPECT_TRUE(info->partial);
}

TEST_F(ProcReaderTreeTest, NoExeOutsideKernelThreadsIsPartial) {
  // A zombie: empty cmdline and no exe, but not a child of kthreadd.
  fs::remove(root_ + "/proc/100/exe");
  Write("proc/100/cmdline", "");
  ProcReader reader(root_);
  Result<ProcessInfo> info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->partial);
}

TEST_F(ProcReaderTreeTest, EmptyCmdlineOfExitingProcessIsPartial) {
  // Between releasing its memory and its cwd, an exiting process reads as
  // an empty command line with its exe and cwd still there.
  Write("proc/100/cmdline", "");
  Write("proc/100/stat",
        "100 (x) S 1 100 100 0 -1 4194308 0 0 0 0 0 0 0 0 20 0 1 0 250 0 0\n");
  ProcReader reader(root_);
  Result<ProcessInfo> info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->argv.empty());
  EXPECT_TRUE(info->partial);

  // A zombie likewise.
  Write("proc/100/stat",
        "100 (x) Z 1 100 100 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 250 0 0\n");
  info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->partial);
}

TEST_F(ProcReaderTreeTest, EmptyCmdlineOfLiveProcessIsComplete) {
  // argc 0 (execve with an empty argv, as the pkexec exploit did) is what
  // the program was given, not a failure to read it.
  Write("proc/100/cmdline", "");
  ProcReader reader(root_);
  Result<ProcessInfo> info = reader.Read(100);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->argv.empty());
  EXPECT_EQ(info->exe, "/opt/drop/x");
  EXPECT_FALSE(info->partial);
}

// --- The live system ------------------------------------------------------

TEST(ProcReaderLiveTest, ReadsOwnProcess) {
  ProcReader reader;
  Result<ProcessInfo> info = reader.Read(getpid());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->pid, getpid());
  EXPECT_EQ(info->ppid, getppid());
  EXPECT_EQ(info->uid, getuid());
  EXPECT_EQ(info->gid, getgid());
  EXPECT_EQ(info->exe, ReadLink("/proc/self/exe"));
  EXPECT_FALSE(info->exe_deleted);
  EXPECT_EQ(info->argv, procfs::ParseCmdline(ReadFile("/proc/self/cmdline")));
  EXPECT_EQ(info->cwd, ReadLink("/proc/self/cwd"));
  EXPECT_FALSE(info->comm.empty());
  EXPECT_FALSE(info->exe_fs_type.empty());
  struct stat st;
  ASSERT_EQ(stat("/proc/self/exe", &st), 0);
  EXPECT_EQ(info->exe_inode, static_cast<uint64_t>(st.st_ino));
  EXPECT_EQ(info->exe_dev, static_cast<uint64_t>(st.st_dev));
  // btime has one-second resolution, so allow that much slack.
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  EXPECT_GT(info->start_time_ns, 0);
  EXPECT_LE(info->start_time_ns, (now.tv_sec + 2) * 1000000000LL + now.tv_nsec);
  EXPECT_FALSE(info->partial);

  std::vector<int32_t> pids = reader.ListPids();
  EXPECT_TRUE(std::binary_search(pids.begin(), pids.end(), getpid()));
}

// Copies /bin/sleep to `path` and starts it; returns its pid or -1.
pid_t StartSleepCopy(const std::string& path) {
  std::error_code error;
  fs::copy_file("/bin/sleep", path, fs::copy_options::overwrite_existing,
                error);
  if (error) return -1;
  chmod(path.c_str(), 0755);
  pid_t pid = -1;
  char arg0[] = "sleep";
  char arg1[] = "30";
  char* argv[] = {arg0, arg1, nullptr};
  if (posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv, environ) != 0)
    return -1;
  // Wait until the child has exec'd: its exe no longer is this binary.
  const std::string self = ReadLink("/proc/self/exe");
  for (int i = 0; i < 500; ++i) {
    std::string exe = ReadLink("/proc/" + std::to_string(pid) + "/exe");
    if (!exe.empty() && exe != self) break;
    usleep(2000);
  }
  // Then until it sleeps: exec is complete and sleep(1) is in nanosleep, so
  // every /proc file describes the new program.
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)),
                     std::istreambuf_iterator<char>());
    size_t close = text.rfind(')');
    if (close != std::string::npos && close + 2 < text.size() &&
        text[close + 2] == 'S') {
      break;
    }
    usleep(2000);
  }
  return pid;
}

void StopChild(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

TEST(ProcReaderLiveTest, DeletedExeOfRunningProcess) {
  testing_util::TempDir dir("picket-live-");
  const std::string path = dir / "dropper";
  pid_t pid = StartSleepCopy(path);
  if (pid < 0) {
    GTEST_SKIP() << "cannot run a copy of /bin/sleep in " << dir.path();
  }
  struct stat copy;
  ASSERT_EQ(stat(path.c_str(), &copy), 0);
  ASSERT_EQ(unlink(path.c_str()), 0);

  ProcReader reader;
  Result<ProcessInfo> info = reader.Read(pid);
  Result<procfs::ExeLink> link = reader.ReadExe(pid);
  StopChild(pid);

  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->exe, path);
  EXPECT_TRUE(info->exe_deleted);
  // stat() through /proc/PID/exe still reaches the unlinked file.
  EXPECT_EQ(info->exe_inode, static_cast<uint64_t>(copy.st_ino));
  EXPECT_EQ(info->exe_dev, static_cast<uint64_t>(copy.st_dev));
  EXPECT_EQ(info->argv, (std::vector<std::string>{"sleep", "30"}));
  EXPECT_FALSE(info->partial);
  ASSERT_TRUE(link.ok());
  EXPECT_TRUE(link->deleted);
  EXPECT_EQ(link->path, path);
}

TEST(ProcReaderLiveTest, FileNamedLikeDeletedIsNotDeleted) {
  testing_util::TempDir dir("picket-live-");
  const std::string path = dir / "sleep (deleted)";
  pid_t pid = StartSleepCopy(path);
  if (pid < 0) {
    GTEST_SKIP() << "cannot run a copy of /bin/sleep in " << dir.path();
  }
  ProcReader reader;
  Result<ProcessInfo> info = reader.Read(pid);
  StopChild(pid);

  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->exe, path);
  EXPECT_FALSE(info->exe_deleted);
}

TEST(ProcReaderLiveTest, ExitedProcessIsNotFound) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(0);
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  ProcReader reader;
  EXPECT_EQ(reader.Read(pid).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace picket

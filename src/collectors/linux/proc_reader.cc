#include "collectors/linux/proc_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <ctime>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace picket {

namespace {

// Ceilings for whole-file reads of the shared files. Real ones are a few
// KiB; a hostile or broken file must not make the agent allocate without
// bound.
constexpr size_t kMaxSharedFileBytes = 4 << 20;

// /proc/PID/stat is at most ~1.1 KiB (52 numbers and a 64-byte comm). The
// ids we need from /proc/PID/status sit in its first ~600 bytes; a longer
// buffer would copy the capability and memory lines for nothing.
constexpr size_t kStatBufferBytes = 2048;
constexpr size_t kStatusBufferBytes = 2048;

// readlink() target: a path plus the kernel's " (deleted)".
constexpr size_t kLinkBufferBytes = PATH_MAX + 16;

constexpr int64_t kNanosPerSecond = 1000000000;

// Closes the descriptor it owns when it goes out of scope.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

ssize_t ReadRetrying(int fd, char* buffer, size_t capacity) {
  ssize_t n;
  do {
    n = read(fd, buffer, capacity);
  } while (n < 0 && errno == EINTR);
  return n;
}

// Reads up to `capacity` bytes of `name` under `dir_fd` with one read():
// procfs fills the whole buffer in one call, and what lies beyond
// `capacity` is not needed. Sets `*length` to the byte count. Returns 0 or
// the errno of the failed call: the caller tells "process gone" (ENOENT,
// ESRCH) from other failures, and builds no message for either.
int ReadAt(int dir_fd, const char* name, char* buffer, size_t capacity,
           size_t* length) {
  ScopedFd fd(openat(dir_fd, name, O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno;
  ssize_t n = ReadRetrying(fd.get(), buffer, capacity);
  if (n < 0) return errno;
  *length = static_cast<size_t>(n);
  return 0;
}

// Reads all of `path`, which must not exceed `max_bytes`. Used for the
// shared files (mountinfo, /proc/stat, passwd) that are read rarely and can
// be larger than one read() returns.
Result<std::string> ReadWholeFile(const std::string& path, size_t max_bytes) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open " + path, errno);
  std::string content;
  size_t used = 0;
  for (;;) {
    if (used == content.size()) {
      if (content.size() >= max_bytes) {
        return Status::ResourceExhausted(path + ": larger than " +
                                         std::to_string(max_bytes) + " bytes");
      }
      content.resize(std::min(max_bytes, content.size() + 4096));
    }
    ssize_t n =
        ReadRetrying(fd.get(), content.data() + used, content.size() - used);
    if (n < 0) return ErrnoStatus("read " + path, errno);
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  content.resize(used);
  return content;
}

// readlink() relative to `dir_fd`; `dir_fd` may be AT_FDCWD.
Result<std::string> ReadLinkAt(int dir_fd, const std::string& name) {
  char buffer[kLinkBufferBytes];
  ssize_t n = readlinkat(dir_fd, name.c_str(), buffer, sizeof(buffer));
  if (n < 0) return ErrnoStatus("readlink " + name, errno);
  // A full buffer may mean a cut-off target; a wrong path is worse than
  // none.
  if (static_cast<size_t>(n) >= sizeof(buffer)) {
    return ErrnoStatus("readlink " + name, ENAMETOOLONG);
  }
  return std::string(buffer, static_cast<size_t>(n));
}

// Whether the process under `dir_fd` is exiting or gone now (a fresh read
// of its stat: PF_EXITING, a zombie, or nothing left to read).
bool ExitingAt(int dir_fd) {
  char buffer[kStatBufferBytes];
  size_t length = 0;
  procfs::Stat stat;
  if (ReadAt(dir_fd, "stat", buffer, sizeof(buffer), &length) != 0 ||
      !procfs::ParseStat({buffer, length}, &stat)) {
    return true;
  }
  return (stat.flags & procfs::kTaskExiting) != 0 || stat.state == 'Z' ||
         stat.state == 'X';
}

int64_t TimespecNanos(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

// Converts a start time in clock ticks after boot to Unix nanoseconds.
// Returns false for values that would overflow, which only garbage yields.
bool TicksToUnixNanos(int64_t boot_time_s, uint64_t ticks, long ticks_per_s,
                      int64_t* out) {
  if (ticks_per_s <= 0 || boot_time_s < 0) return false;
  const uint64_t hz = static_cast<uint64_t>(ticks_per_s);
  const uint64_t seconds = ticks / hz;
  // Ten thousand years of uptime is garbage, and keeps the sum below
  // INT64_MAX.
  constexpr uint64_t kMaxSeconds = 10000ULL * 366 * 24 * 3600;
  if (seconds > kMaxSeconds || static_cast<uint64_t>(boot_time_s) > kMaxSeconds)
    return false;
  const uint64_t fraction_ns =
      (ticks % hz) * static_cast<uint64_t>(kNanosPerSecond) / hz;
  *out = (boot_time_s + static_cast<int64_t>(seconds)) * kNanosPerSecond +
         static_cast<int64_t>(fraction_ns);
  return true;
}

}  // namespace

ProcReader::ProcReader(std::string root) : root_(std::move(root)) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

std::string ProcReader::Path(std::string_view absolute) const {
  std::string path = root_;
  path.append(absolute);
  return path;
}

std::vector<int32_t> ProcReader::ListPids() const {
  std::vector<int32_t> pids;
  DIR* dir = opendir(Path("/proc").c_str());
  if (dir == nullptr) return pids;
  while (struct dirent* entry = readdir(dir)) {
    // Only all-digit names are processes; "self", "sys", "-1" are not.
    std::string_view name(entry->d_name);
    int32_t pid = 0;
    auto [end, ec] =
        std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec == std::errc() && end == name.data() + name.size() && pid > 0)
      pids.push_back(pid);
  }
  closedir(dir);
  std::sort(pids.begin(), pids.end());
  return pids;
}

Result<procfs::ExeLink> ProcReader::ReadExe(int32_t pid) const {
  if (pid <= 0) return Status::InvalidArgument("pid must be positive");
  Result<std::string> text =
      ReadLinkAt(AT_FDCWD, Path("/proc/" + std::to_string(pid) + "/exe"));
  if (!text.ok()) return text.status();
  return procfs::ParseExeLink(*text);
}

void ProcReader::RefreshMounts() { mounts_loaded_ = false; }

void ProcReader::LoadBootTimeOnce() {
  if (boot_time_loaded_) return;
  boot_time_loaded_ = true;
  clock_ticks_per_s_ = sysconf(_SC_CLK_TCK);
  Result<std::string> content =
      ReadWholeFile(Path("/proc/stat"), kMaxSharedFileBytes);
  boot_time_known_ = content.ok() && clock_ticks_per_s_ > 0 &&
                     procfs::ParseBootTime(*content, &boot_time_s_);
  if (root_.empty() && clock_ticks_per_s_ > 0) {
    // btime is truncated to whole seconds, which would put start times up to
    // a second early. On the live system the clocks give the boot instant
    // to the nanosecond (start times count from boot, suspend included).
    timespec real, boot;
    if (clock_gettime(CLOCK_REALTIME, &real) == 0 &&
        clock_gettime(CLOCK_BOOTTIME, &boot) == 0) {
      int64_t boot_ns = (real.tv_sec - boot.tv_sec) * kNanosPerSecond +
                        (real.tv_nsec - boot.tv_nsec);
      boot_time_s_ = boot_ns / kNanosPerSecond;
      boot_time_frac_ns_ = boot_ns % kNanosPerSecond;
      boot_time_known_ = true;
    }
  }
}

void ProcReader::LoadMountsIfNeeded() {
  if (mounts_loaded_) return;
  mounts_loaded_ = true;
  mounts_.clear();
  Result<std::string> content =
      ReadWholeFile(Path("/proc/self/mountinfo"), kMaxSharedFileBytes);
  if (content.ok()) mounts_ = procfs::ParseMountinfo(*content);
}

void ProcReader::ReloadPasswdIfChanged() {
  const std::string path = Path("/etc/passwd");
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    // No passwd (many minimal images): users stay unnamed.
    passwd_seen_ = false;
    users_.clear();
    return;
  }
  const int64_t mtime_ns = TimespecNanos(st.st_mtim);
  if (passwd_seen_ && st.st_dev == passwd_dev_ && st.st_ino == passwd_ino_ &&
      st.st_size == passwd_size_ && mtime_ns == passwd_mtime_ns_)
    return;
  passwd_seen_ = true;
  passwd_dev_ = st.st_dev;
  passwd_ino_ = st.st_ino;
  passwd_size_ = st.st_size;
  passwd_mtime_ns_ = mtime_ns;
  Result<std::string> content = ReadWholeFile(path, kMaxSharedFileBytes);
  if (content.ok()) {
    users_ = procfs::ParsePasswd(*content);
  } else {
    users_.clear();
  }
}

void ProcReader::FillExeFacts(int dir_fd, ProcessInfo* info) {
  // stat() through /proc/PID/exe reaches the running file even when it was
  // deleted or lives in another mount namespace.
  struct stat exe_stat;
  bool have_exe_stat = fstatat(dir_fd, "exe", &exe_stat, 0) == 0;
  if (have_exe_stat) {
    info->exe_dev = static_cast<uint64_t>(exe_stat.st_dev);
    info->exe_inode = static_cast<uint64_t>(exe_stat.st_ino);
  }

  // A file really named "x (deleted)" reads like a deleted "x"; if that
  // name still holds the running file, it is not deleted.
  if (info->exe_deleted && have_exe_stat && info->exe.starts_with('/')) {
    std::string full = info->exe + " (deleted)";
    struct stat named;
    if (stat(Path(full).c_str(), &named) == 0 &&
        named.st_dev == exe_stat.st_dev && named.st_ino == exe_stat.st_ino) {
      info->exe = std::move(full);
      info->exe_deleted = false;
    }
  }

  LoadMountsIfNeeded();
  info->exe_fs_type = procfs::FsTypeForPath(mounts_, info->exe);

  // A deleted exe's directory says nothing about the file that ran.
  if (info->exe_deleted || info->exe.empty() || info->exe.front() != '/')
    return;
  size_t slash = info->exe.rfind('/');
  std::string dir = slash == 0 ? "/" : info->exe.substr(0, slash);
  struct stat dir_stat;
  if (stat(Path(dir).c_str(), &dir_stat) == 0) {
    info->exe_dir_writable_by_all = (dir_stat.st_mode & S_IWOTH) != 0;
  }
}

Result<ProcessInfo> ProcReader::Read(int32_t pid) {
  if (pid <= 0) return Status::InvalidArgument("pid must be positive");
  const std::string dir_path = Path("/proc/" + std::to_string(pid));
  ScopedFd dir(open(dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return ErrnoStatus("open " + dir_path, errno);

  ProcessInfo info;
  info.pid = pid;
  bool partial = false;

  // The exe link first: a just-exec'd process may exit within a millisecond,
  // and its program is what detectors need most.
  Result<std::string> exe_text = ReadLinkAt(dir.get(), "exe");

  char stat_buffer[kStatBufferBytes];
  size_t length = 0;
  procfs::Stat proc_stat;
  int error =
      ReadAt(dir.get(), "stat", stat_buffer, sizeof(stat_buffer), &length);
  if (error == ENOENT || error == ESRCH) {
    // The process exited between the directory open and now: nothing of
    // it can be read any more, which is "gone", not "partial".
    return Status::NotFound(dir_path + ": process exited");
  }
  bool have_stat =
      error == 0 && procfs::ParseStat({stat_buffer, length}, &proc_stat);
  if (have_stat) {
    info.ppid = proc_stat.ppid;
    info.comm = std::move(proc_stat.comm);
    LoadBootTimeOnce();
    if (!boot_time_known_ ||
        !TicksToUnixNanos(boot_time_s_, proc_stat.start_ticks,
                          clock_ticks_per_s_, &info.start_time_ns)) {
      partial = true;
    } else {
      info.start_time_ns += boot_time_frac_ns_;
    }
  } else {
    partial = true;
  }

  char status_buffer[kStatusBufferBytes];
  procfs::StatusIds ids;
  if (ReadAt(dir.get(), "status", status_buffer, sizeof(status_buffer),
             &length) == 0 &&
      procfs::ParseStatus({status_buffer, length}, &ids)) {
    info.uid = ids.uid;
    info.gid = ids.gid;
    if (!have_stat) info.ppid = ids.ppid;
    ReloadPasswdIfChanged();
    auto user = users_.find(ids.uid);
    if (user != users_.end()) info.user = user->second;
  } else {
    partial = true;
  }

  cmdline_buffer_.resize(procfs::kMaxCmdlineBytes);
  bool have_cmdline = ReadAt(dir.get(), "cmdline", cmdline_buffer_.data(),
                             cmdline_buffer_.size(), &length) == 0;
  if (have_cmdline) {
    info.argv = procfs::ParseCmdline({cmdline_buffer_.data(), length});
    // An empty command line is a kernel thread, a program started with no
    // arguments at all (argc 0, as some exploits do), or a process that
    // began exiting after the reads above: its memory, and the argv in it,
    // is released before its cwd and files. The last is partial.
    if (info.argv.empty() && exe_text.ok() && ExitingAt(dir.get())) {
      partial = true;
    }
  } else {
    partial = true;
  }

  if (exe_text.ok()) {
    procfs::ExeLink link = procfs::ParseExeLink(*exe_text);
    info.exe = std::move(link.path);
    info.exe_deleted = link.deleted;
    FillExeFacts(dir.get(), &info);
  } else {
    // Kernel threads have no exe and no argv; that is their normal state.
    // The ppid test needs the stat, so without it we cannot tell.
    bool kernel_thread = have_cmdline && info.argv.empty() && have_stat &&
                         (pid == 2 || info.ppid == 2);
    if (!kernel_thread) partial = true;
  }

  Result<std::string> cwd = ReadLinkAt(dir.get(), "cwd");
  if (cwd.ok()) {
    info.cwd = std::move(*cwd);
  } else {
    partial = true;
  }

  info.partial = partial;
  return info;
}

}  // namespace picket

// LocalHost: the Host on this machine's file system, under a root prefix.
#include "posture/host.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace picket {

namespace {

constexpr size_t kLineBufferBytes = 64 << 10;

int64_t MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

FileInfo ToInfo(const struct stat& st) {
  FileInfo info;
  if (S_ISREG(st.st_mode)) {
    info.type = FileInfo::Type::kFile;
  } else if (S_ISDIR(st.st_mode)) {
    info.type = FileInfo::Type::kDirectory;
  } else if (S_ISLNK(st.st_mode)) {
    info.type = FileInfo::Type::kSymlink;
  }
  info.mode = st.st_mode & 07777;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.size = static_cast<uint64_t>(st.st_size);
  info.dev = st.st_dev;
  return info;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

class LocalHost final : public Host {
 public:
  LocalHost(std::string root, int root_fd)
      : root_(std::move(root)), root_fd_(root_fd) {}
  ~LocalHost() override {
    if (root_fd_ >= 0) close(root_fd_);
  }

  const std::string& root() const override { return root_; }

  Result<std::string> ReadFile(const std::string& path,
                               size_t max_bytes) const override {
    Fd fd(OpenRegular(path));
    if (fd.get() < 0) return ErrnoStatus("open " + path, errno);
    std::string out;
    char buf[16384];
    while (true) {
      ssize_t n = read(fd.get(), buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("read " + path, errno);
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
      if (out.size() > max_bytes) {
        return Status::ResourceExhausted(path + ": larger than " +
                                         std::to_string(max_bytes) + " bytes");
      }
    }
    return out;
  }

  Status ForEachLine(
      const std::string& path,
      const std::function<void(std::string_view)>& fn) const override {
    Fd fd(OpenRegular(path));
    if (fd.get() < 0) return ErrnoStatus("open " + path, errno);
    std::string buf;
    buf.reserve(kLineBufferBytes);
    char chunk[16384];
    bool skipping = false;  // inside an over-long line
    while (true) {
      ssize_t n = read(fd.get(), chunk, sizeof chunk);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("read " + path, errno);
      }
      if (n == 0) break;
      for (ssize_t i = 0; i < n; ++i) {
        char c = chunk[i];
        if (c == '\n') {
          if (!skipping) fn(buf);
          buf.clear();
          skipping = false;
        } else if (buf.size() < kLineBufferBytes) {
          buf += c;
        } else if (!skipping) {
          fn(buf);  // the first 64 KiB of a giant line
          skipping = true;
        }
      }
    }
    if (!buf.empty() && !skipping) fn(buf);
    return Status::Ok();
  }

  Result<FileInfo> Stat(const std::string& path, bool follow) const override {
    struct stat st;
    if (live()) {
      int rc = follow ? stat(path.c_str(), &st) : lstat(path.c_str(), &st);
      if (rc != 0) return ErrnoStatus("stat " + path, errno);
      return ToInfo(st);
    }
    Fd fd(Open(path, O_PATH | (follow ? 0 : O_NOFOLLOW)));
    if (fd.get() < 0) return ErrnoStatus("stat " + path, errno);
    if (fstat(fd.get(), &st) != 0) return ErrnoStatus("stat " + path, errno);
    return ToInfo(st);
  }

  Result<std::vector<std::string>> ListDir(
      const std::string& path) const override {
    Fd fd(Open(path, O_RDONLY | O_DIRECTORY));
    if (fd.get() < 0) return ErrnoStatus("open directory " + path, errno);
    DIR* dir = fdopendir(fd.get());
    if (dir == nullptr) return ErrnoStatus("open directory " + path, errno);
    fd.release();
    std::vector<std::string> names;
    while (dirent* d = readdir(dir)) {
      if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0)
        continue;
      names.emplace_back(d->d_name);
    }
    closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

  Result<std::string> ReadLink(const std::string& path) const override {
    char buf[4096];
    ssize_t n;
    if (live()) {
      n = readlink(path.c_str(), buf, sizeof buf);
    } else {
      Fd fd(Open(path, O_PATH | O_NOFOLLOW));
      if (fd.get() < 0) return ErrnoStatus("readlink " + path, errno);
      n = readlinkat(fd.get(), "", buf, sizeof buf);
    }
    if (n < 0) return ErrnoStatus("readlink " + path, errno);
    return std::string(buf, static_cast<size_t>(n));
  }

  Status Walk(const std::string& path, const WalkOptions& options,
              const WalkFn& fn, uint64_t* unreadable) const override {
    Fd fd(Open(path, O_RDONLY | O_DIRECTORY));
    if (fd.get() < 0) return ErrnoStatus("open directory " + path, errno);
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return ErrnoStatus("stat " + path, errno);
    WalkState state{options, fn, st.st_dev, 0, 0};
    std::string prefix = path == "/" ? "" : path;
    Status result = WalkDir(fd.release(), prefix, 0, &state);
    if (unreadable != nullptr) *unreadable = state.unreadable;
    return result;
  }

  Result<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                   int64_t timeout_ms,
                                   size_t max_output) const override;

  Result<FirewallState> Firewall() const override {
    if (live()) return ReadKernelFirewall();
    FirewallState state;
    static constexpr const char* kNft[] = {"/etc/nftables.conf",
                                           "/etc/sysconfig/nftables.conf"};
    static constexpr std::pair<const char*, const char*> kIptables[] = {
        {"/etc/iptables/rules.v4", "iptables"},
        {"/etc/iptables/rules.v6", "ip6tables"},
        {"/etc/sysconfig/iptables", "iptables"},
        {"/etc/sysconfig/ip6tables", "ip6tables"}};
    std::vector<std::string> read;
    for (const char* path : kNft) {
      auto text = ReadFile(path, 4 << 20);
      if (!text.ok()) continue;
      ParseNftRuleset(*text, &state);
      read.emplace_back(path);
    }
    for (const auto& [path, backend] : kIptables) {
      auto text = ReadFile(path, 4 << 20);
      if (!text.ok()) continue;
      ParseIptablesSave(*text, backend, &state);
      read.emplace_back(path);
    }
    if (read.empty()) {
      return Status::NotFound("no saved firewall ruleset under " + root_);
    }
    for (const std::string& path : read) {
      state.source += state.source.empty() ? path : ", " + path;
    }
    return state;
  }

  Result<std::vector<Listener>> Listeners() const override {
    static constexpr std::tuple<const char*, const char*, bool> kTables[] = {
        {"/proc/net/tcp", "tcp", false},
        {"/proc/net/tcp6", "tcp", true},
        {"/proc/net/udp", "udp", false},
        {"/proc/net/udp6", "udp", true}};
    std::vector<Listener> out;
    int found = 0;
    for (const auto& table : kTables) {
      // Copies: structured bindings cannot be captured before clang 16.
      const char* protocol = std::get<1>(table);
      bool v6 = std::get<2>(table);
      Status st = ForEachLine(std::get<0>(table), [&](std::string_view line) {
        auto l = ParseProcNetLine(line, protocol, v6);
        if (l) out.push_back(std::move(*l));
      });
      if (st.ok()) ++found;
    }
    if (found == 0) {
      return Status::NotFound("no /proc/net socket tables under " + root_);
    }
    return out;
  }

 private:
  struct WalkState {
    const WalkOptions& options;
    const WalkFn& fn;
    dev_t dev;
    uint64_t entries;
    uint64_t unreadable;
  };

  // Opens a file whose content a check reads: without blocking (a FIFO in
  // place of a configuration file would stall the scan, and with it the
  // agent's stop, for good) and only when it is a regular file; -1 with
  // errno (EINVAL for another kind of file) otherwise. /proc and /sys files
  // are regular files.
  int OpenRegular(const std::string& path) const {
    int fd = Open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      errno = EINVAL;
      return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
  }

  // Opens a device path: directly on the live system, else resolved inside
  // the root so that absolute symlinks cannot lead out of it.
  int Open(const std::string& path, int flags) const {
    if (live()) return open(path.c_str(), flags | O_CLOEXEC);
    std::string relative = path;
    while (!relative.empty() && relative[0] == '/') relative.erase(0, 1);
    if (relative.empty()) relative = ".";
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd =
        syscall(SYS_openat2, root_fd_, relative.c_str(), &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
    // Kernels before 5.6: plain prefixing (symlinks resolve on the host).
    return openat(root_fd_, relative.c_str(), flags | O_CLOEXEC);
  }

  Status WalkDir(int dir_fd, const std::string& dir_path, int depth,
                 WalkState* s) const {
    Fd fd(dir_fd);
    // Entries are examined as they are read; only subdirectories are kept,
    // and the stream (with its 32 KiB buffer) is closed before descending.
    // A directory of 10,000 files (/var/lib/dpkg/info) then costs no more
    // memory than one of ten.
    std::vector<std::string> subdirs;
    int stream_fd = dup(fd.get());
    DIR* dir = stream_fd < 0 ? nullptr : fdopendir(stream_fd);
    if (dir == nullptr) {
      if (stream_fd >= 0) close(stream_fd);
      ++s->unreadable;
      return Status::Ok();
    }
    Status result;
    std::string path;
    while (dirent* d = readdir(dir)) {
      const char* name = d->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) {
        continue;
      }
      // Symlinks are never followed and carry no permissions of their
      // own: skipping them saves a stat per link (a tenth of /usr).
      if (d->d_type == DT_LNK) continue;
      if (++s->entries > s->options.max_entries) {
        result = Status::ResourceExhausted(
            "more than " + std::to_string(s->options.max_entries) +
            " files to examine");
        break;
      }
      if ((s->entries & 1023) == 0 && s->options.keep_going &&
          !s->options.keep_going()) {
        result = Status::Unavailable("scan cancelled");
        break;
      }
      struct stat st;
      if (fstatat(fd.get(), name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
          S_ISLNK(st.st_mode)) {
        continue;  // vanished meanwhile, or a link on a file system
      }            // without d_type
      path.assign(dir_path).append("/").append(name);
      s->fn(path, ToInfo(st));
      if (!S_ISDIR(st.st_mode) || st.st_dev != s->dev ||
          depth + 1 >= s->options.max_depth) {
        continue;
      }
      bool excluded = false;
      for (const std::string& prefix : s->options.exclude) {
        if (PathUnder(path, prefix)) excluded = true;
      }
      if (!excluded) subdirs.emplace_back(name);
    }
    closedir(dir);
    if (!result.ok()) return result;
    for (const std::string& name : subdirs) {
      int child = openat(fd.get(), name.c_str(),
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) {
        ++s->unreadable;
        continue;
      }
      result = WalkDir(child, dir_path + "/" + name, depth + 1, s);
      if (!result.ok()) return result;
    }
    return Status::Ok();
  }

  std::string root_;
  int root_fd_;
};

Result<CommandOutput> LocalHost::RunCommand(
    const std::vector<std::string>& argv, int64_t timeout_ms,
    size_t max_output) const {
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/') {
    return Status::InvalidArgument("command must start with an absolute path");
  }
  if (access(argv[0].c_str(), X_OK) != 0) {
    return ErrnoStatus("cannot execute " + argv[0], errno);
  }
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return ErrnoStatus("pipe", errno);
  Fd read_end(pipefd[0]);
  Fd write_end(pipefd[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so the timeout kills what it spawned too; and
  // none of the agent's blocked signals (signalfd) or ignored ones.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char lang_env[] = "LC_ALL=C";
  char* env[] = {path_env, lang_env, nullptr};
  pid_t pid = 0;
  int rc =
      posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), env);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return ErrnoStatus("cannot execute " + argv[0], rc);
  write_end = Fd();

  CommandOutput out;
  int64_t deadline = MonotonicMs() + timeout_ms;
  bool eof = false;
  char buf[8192];
  while (!eof) {
    int64_t left = deadline - MonotonicMs();
    if (left <= 0) {
      out.timed_out = true;
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    ssize_t got = read(read_end.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      eof = true;
      break;
    }
    size_t room = max_output - std::min(max_output, out.output.size());
    size_t take = std::min(room, static_cast<size_t>(got));
    out.output.append(buf, take);
    if (take < static_cast<size_t>(got)) out.truncated = true;
  }
  int status = 0;
  while (!out.timed_out) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) break;
    if (MonotonicMs() >= deadline) {
      out.timed_out = true;
      break;
    }
    usleep(2000);
  }
  if (out.timed_out) {
    kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (WIFEXITED(status)) {
    out.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
  }
  return out;
}

}  // namespace

void ReleaseFreeMemory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

Result<std::unique_ptr<Host>> NewLocalHost(std::string root) {
  if (root.empty()) root = "/";
  char resolved[PATH_MAX];
  if (realpath(root.c_str(), resolved) == nullptr) {
    return ErrnoStatus("root " + root, errno);
  }
  root = resolved;
  int fd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("root " + root, errno);
  return std::unique_ptr<Host>(new LocalHost(std::move(root), fd));
}

}  // namespace picket

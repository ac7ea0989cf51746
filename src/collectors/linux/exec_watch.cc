#include "collectors/linux/exec_watch.h"

#include <fcntl.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <set>
#include <string_view>

namespace picket {

namespace {

// Descriptors held for not-yet-reported execs; beyond this only the path is
// kept, so a fork-exec storm cannot exhaust the agent's descriptor table.
constexpr size_t kMaxHeldFds = 256;
constexpr size_t kMaxPending = 4096;

bool IsPseudoFs(std::string_view type) {
  static const std::set<std::string_view> kPseudo = {
      "proc",        "sysfs",    "cgroup",  "cgroup2",    "devpts",
      "mqueue",      "debugfs",  "tracefs", "securityfs", "pstore",
      "bpf",         "configfs", "fusectl", "hugetlbfs",  "autofs",
      "binfmt_misc", "efivarfs", "nsfs",    "rpc_pipefs", "selinuxfs"};
  return kPseudo.count(type) > 0;
}

std::string FdPath(int fd) {
  char buf[PATH_MAX];
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = readlink(link.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

Result<std::unique_ptr<ExecWatch>> ExecWatch::Open(
    const std::vector<procfs::MountEntry>& mounts) {
  int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
                         O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("fanotify_init", errno);
  std::unique_ptr<ExecWatch> watch(new ExecWatch(fd));
  Status last = Status::NotFound("no file system to watch");
  for (const procfs::MountEntry& m : mounts) {
    if (IsPseudoFs(m.fs_type)) continue;
    // A file-system mark covers every mount of it (bind mounts included);
    // older kernels and some file systems only take a mount mark.
    if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC,
                      AT_FDCWD, m.mount_point.c_str()) == 0 ||
        fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_EXEC,
                      AT_FDCWD, m.mount_point.c_str()) == 0) {
      ++watch->marked_;
    } else {
      last = ErrnoStatus("fanotify_mark " + m.mount_point, errno);
    }
  }
  if (watch->marked_ == 0) return last;
  return watch;
}

ExecWatch::~ExecWatch() {
  for (auto& [pid, entry] : pending_) {
    if (entry.file.fd >= 0) close(entry.file.fd);
  }
  close(fd_);
}

void ExecWatch::Drain(int64_t now_ms) {
  alignas(fanotify_event_metadata) char buf[8192];
  size_t held = 0;
  for (const auto& [pid, entry] : pending_) held += entry.file.fd >= 0;
  for (;;) {
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) break;
    auto* md = reinterpret_cast<fanotify_event_metadata*>(buf);
    for (; FAN_EVENT_OK(md, n); md = FAN_EVENT_NEXT(md, n)) {
      if (md->vers != FANOTIFY_METADATA_VERSION) continue;
      if (md->mask & FAN_Q_OVERFLOW) {
        ++overflows_;
        continue;
      }
      if (md->fd < 0) continue;
      ++events_;
      int32_t pid = md->pid;
      auto it = pending_.find(pid);
      if (it != pending_.end() || pending_.size() >= kMaxPending) {
        // Already have the program of this exec (this is its interpreter or
        // loader), or too much pending: keep nothing.
        close(md->fd);
        continue;
      }
      Entry entry;
      entry.since_ms = now_ms;
      if (held < kMaxHeldFds) {
        // The path is read from the descriptor when it is needed.
        entry.file.fd = md->fd;
        ++held;
      } else {
        entry.file.path = FdPath(md->fd);
        close(md->fd);
      }
      pending_.emplace(pid, std::move(entry));
    }
    // A read returns every queued event that fits: room left for another
    // one means the queue was empty (saves a read that would fail with
    // EAGAIN on every exec).
    if (static_cast<size_t>(n) + sizeof(fanotify_event_metadata) <=
        sizeof buf) {
      break;
    }
  }
}

std::optional<ExecWatch::ExecFile> ExecWatch::Take(int32_t pid) {
  auto it = pending_.find(pid);
  if (it == pending_.end()) return std::nullopt;
  ExecFile file = std::move(it->second.file);
  pending_.erase(it);
  return file;
}

void ExecWatch::Expire(int64_t now_ms, int64_t max_age_ms) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now_ms - it->second.since_ms < max_age_ms) {
      ++it;
      continue;
    }
    if (it->second.file.fd >= 0) close(it->second.file.fd);
    it = pending_.erase(it);
  }
}

}  // namespace picket

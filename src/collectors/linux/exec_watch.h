// ExecWatch: the files the kernel opens to execute them, from fanotify
// (FAN_OPEN_EXEC), with the pid that executes them and an open descriptor.
//
// The proc connector says only "pid N executed"; a program that exits within
// a millisecond is gone before /proc/N can be read. fanotify hands over a
// descriptor of the executed file itself, so its path and hash survive the
// process. This is an optional complement: it needs CAP_SYS_ADMIN and a
// kernel >= 5.0, and Open() failing only means short-lived processes may be
// reported partially. Used on the event-loop thread only.
#ifndef PICKET_COLLECTORS_LINUX_EXEC_WATCH_H_
#define PICKET_COLLECTORS_LINUX_EXEC_WATCH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "collectors/linux/procfs.h"
#include "picket/status.h"

namespace picket {

class ExecWatch {
 public:
  // The program named in an execve: a binary or a script (for a script the
  // interpreter is opened later and is what /proc/N/exe shows).
  struct ExecFile {
    // As the kernel resolves the descriptor; only when `fd` is not held
    // (too many pending), else read it from `fd` when needed.
    std::string path;
    int fd = -1;  // owned by whoever Take()s it
  };

  // Watches every file system in `mounts` except pseudo file systems (proc,
  // sysfs, cgroup, ...). Fails when fanotify is unavailable or no file
  // system could be marked.
  static Result<std::unique_ptr<ExecWatch>> Open(
      const std::vector<procfs::MountEntry>& mounts);
  ~ExecWatch();

  int fd() const { return fd_; }

  // Reads every queued event. Call it before Take() so the files opened for
  // an exec the connector just reported are in.
  void Drain(int64_t now_ms);

  // The first file `pid` opened for execution since the last Take() for it,
  // or nullopt. Clears what is remembered for pid.
  std::optional<ExecFile> Take(int32_t pid);

  // Forgets files older than `max_age_ms` (their exec failed or was never
  // reported) and closes their descriptors.
  void Expire(int64_t now_ms, int64_t max_age_ms);

  uint64_t events() const { return events_; }
  uint64_t overflows() const { return overflows_; }
  size_t marked() const { return marked_; }

 private:
  struct Entry {
    ExecFile file;
    int64_t since_ms = 0;
  };

  explicit ExecWatch(int fd) : fd_(fd) {}

  int fd_;
  size_t marked_ = 0;
  std::unordered_map<int32_t, Entry> pending_;
  uint64_t events_ = 0;
  uint64_t overflows_ = 0;
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_LINUX_EXEC_WATCH_H_

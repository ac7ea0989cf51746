// Opening files safely, for an agent that runs as root.
//
// Two kinds of file reach the agent. Input files are named by the
// configuration (the configuration itself, the intel file, the posture
// policy, certificates, password files, logs); remote configuration can
// change some of those names, so each is opened without blocking (a FIFO or
// a device would otherwise stall the agent in open(2) or read(2) for good)
// and must be a regular file. Symbolic links are followed there: an
// administrator may link /etc/picket/picket.yaml to a managed copy.
//
// State files are the agent's own (events, spool, positions, results,
// stored remote configuration). They live in directories that only the
// agent's user may write; each is opened with openat(2) under a directory
// descriptor that was checked once, with O_NOFOLLOW, and must be a regular
// file owned by the agent's user with one link. A symlink or a hard link
// planted there, or a directory others can write, is refused with a message
// naming the path, instead of chmod-ing or appending to someone else's file.
//
// All functions are thread-safe; they return IOError / PermissionDenied /
// NotFound for the file system (IOError also for "not a regular file"),
// always naming the path.
#ifndef PICKET_PLATFORM_LINUX_FILES_H_
#define PICKET_PLATFORM_LINUX_FILES_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "picket/status.h"

namespace picket {

// Owns a file descriptor; closes it on destruction.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.Release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership; the caller closes the descriptor.
  int Release();
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Opens `path` read-only without blocking and checks it is a regular file
// (after following symlinks). The returned descriptor is in blocking mode
// again (regular files never block anyway). `what` names the file in errors
// ("policy", "intel file"): "<what> <path>: not a regular file (a FIFO)".
Result<ScopedFd> OpenInputFile(const std::string& path, std::string_view what);

// Reads a whole input file opened by OpenInputFile. A file larger than
// `max_bytes` is ResourceExhausted ("<what> <path>: larger than 1 MiB"),
// read no further.
Result<std::string> ReadInputFile(const std::string& path, size_t max_bytes,
                                  std::string_view what);

// Reads what is left of an open file, at most `max_bytes`
// (ResourceExhausted beyond, naming `label`).
Result<std::string> ReadRest(int fd, size_t max_bytes,
                             const std::string& label);

// ReadInputFile for a file that decides what a root agent does (its
// configuration, a posture policy): it must also pass CheckTrustedFile.
Result<std::string> ReadTrustedFile(const std::string& path, size_t max_bytes,
                                    std::string_view what);

// Checks that `path` can be opened as an input file, for files a library
// opens by name (TLS certificates and keys handed to libmosquitto).
Status CheckInputFile(const std::string& path, std::string_view what);

// A configuration file that another user may rewrite hands that user the
// agent's privileges. PermissionDenied, naming `path` and what is wrong,
// when `st` (the file's own status) is writable by others, writable by a
// group other than root's or the agent's, or owned by a user other than
// root or the agent's.
Status CheckTrustedFile(const struct stat& st, const std::string& path,
                        std::string_view what);

// A directory of state files, opened once and checked: not a symlink, owned
// by the agent's user (or root), writable by no one else. Move-only.
class StateDir {
 public:
  // Creates `path` (mode 0700, with missing parents 0700) when it does not
  // exist, then opens and checks it.
  static Result<StateDir> Open(const std::string& path);

  StateDir() = default;
  StateDir(StateDir&&) = default;
  StateDir& operator=(StateDir&&) = default;

  // Opens `name` (one path component) under the directory with `flags`
  // (O_RDONLY, O_WRONLY|O_CREAT|O_APPEND, ...) plus O_NOFOLLOW, O_NONBLOCK
  // and O_CLOEXEC, and checks it: a regular file owned by the agent's user
  // with one link. A file with wider permissions than `mode` is narrowed
  // to it (through the descriptor, never through a path). NotFound when it
  // does not exist and O_CREAT is not given.
  Result<ScopedFd> OpenFile(std::string_view name, int flags,
                            mode_t mode = 0600) const;

  // Reads `name` whole; NotFound when absent, ResourceExhausted beyond
  // `max_bytes`.
  Result<std::string> ReadFile(std::string_view name, size_t max_bytes) const;

  // Replaces `name` with `content` so that a reader sees the old file or the
  // new one: "<name>.tmp" written with `mode`, fsync, renameat, fsync of the
  // directory when `durable`.
  Status WriteFileAtomically(std::string_view name, std::string_view content,
                             mode_t mode = 0600, bool durable = true) const;

  // renameat / unlinkat within the directory. Unlink of a missing file is OK.
  Status Rename(std::string_view from, std::string_view to) const;
  Status Unlink(std::string_view name) const;

  // lstat of `name`; NotFound when absent.
  Result<struct stat> Stat(std::string_view name) const;

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  bool valid() const { return fd_.valid(); }

 private:
  std::string Join(std::string_view name) const;

  std::string path_;
  ScopedFd fd_;
};

// Splits "/a/b/c" into its directory ("/a/b") and last component ("c").
void SplitPath(const std::string& path, std::string* dir, std::string* name);

}  // namespace picket

#endif  // PICKET_PLATFORM_LINUX_FILES_H_

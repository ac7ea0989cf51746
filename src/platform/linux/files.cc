#include "platform/linux/files.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <utility>

namespace picket {

namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a plain file";
}

std::string Label(std::string_view what, const std::string& path) {
  if (what.empty()) return path;
  std::string out(what);
  out += ' ';
  out += path;
  return out;
}

// Turns the descriptor back to blocking mode: regular files never block,
// and callers expect whole reads.
void ClearNonBlock(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK))
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

Result<std::string> ReadAll(int fd, size_t max_bytes, const std::string& label,
                            size_t size_hint) {
  std::string out;
  if (size_hint > 0 && size_hint <= max_bytes) out.reserve(size_hint);
  char buf[16384];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot read " + label, errno);
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return Status::ResourceExhausted(
          "cannot read " + label + ": larger than " +
          (max_bytes % (1 << 20) == 0 ? std::to_string(max_bytes >> 20) + " MiB"
                                      : std::to_string(max_bytes) + " bytes"));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool WriteAllTo(int fd, std::string_view content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) Reset(other.Release());
  return *this;
}

ScopedFd::~ScopedFd() { Reset(); }

int ScopedFd::Release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void ScopedFd::Reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

Result<ScopedFd> OpenInputFile(const std::string& path, std::string_view what) {
  std::string label = Label(what, path);
  // O_NONBLOCK: open(2) of a FIFO without a writer would wait for one.
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return ErrnoStatus("cannot open " + label, errno);
  struct stat st;
  if (fstat(fd.get(), &st) != 0)
    return ErrnoStatus("cannot stat " + label, errno);
  if (!S_ISREG(st.st_mode)) {
    return Status::IOError(label + ": not a regular file (" +
                           KindOf(st.st_mode) + ")");
  }
  ClearNonBlock(fd.get());
  return fd;
}

Result<std::string> ReadInputFile(const std::string& path, size_t max_bytes,
                                  std::string_view what) {
  Result<ScopedFd> fd = OpenInputFile(path, what);
  if (!fd.ok()) return fd.status();
  struct stat st;
  size_t hint = 0;
  if (fstat(fd->get(), &st) == 0 && st.st_size > 0) {
    hint = static_cast<size_t>(st.st_size);
  }
  return ReadAll(fd->get(), max_bytes, Label(what, path), hint);
}

Result<std::string> ReadRest(int fd, size_t max_bytes,
                             const std::string& label) {
  return ReadAll(fd, max_bytes, label, 0);
}

Result<std::string> ReadTrustedFile(const std::string& path, size_t max_bytes,
                                    std::string_view what) {
  Result<ScopedFd> fd = OpenInputFile(path, what);
  if (!fd.ok()) return fd.status();
  struct stat st;
  if (fstat(fd->get(), &st) != 0) {
    return ErrnoStatus("cannot stat " + Label(what, path), errno);
  }
  PICKET_RETURN_IF_ERROR(CheckTrustedFile(st, path, what));
  return ReadAll(fd->get(), max_bytes, Label(what, path),
                 static_cast<size_t>(st.st_size));
}

Status CheckInputFile(const std::string& path, std::string_view what) {
  Result<ScopedFd> fd = OpenInputFile(path, what);
  return fd.ok() ? Status::Ok() : fd.status();
}

Status CheckTrustedFile(const struct stat& st, const std::string& path,
                        std::string_view what) {
  std::string label = Label(what, path);
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  if (st.st_uid != 0 && st.st_uid != uid) {
    return Status::PermissionDenied(label + ": owned by uid " +
                                    std::to_string(st.st_uid) +
                                    ", not by root or the agent's user (uid " +
                                    std::to_string(uid) + "); chown it");
  }
  if (st.st_mode & S_IWOTH) {
    return Status::PermissionDenied(label +
                                    ": writable by every user; chmod o-w it");
  }
  if ((st.st_mode & S_IWGRP) && st.st_gid != 0 && st.st_gid != gid) {
    return Status::PermissionDenied(
        label + ": writable by group " + std::to_string(st.st_gid) +
        ", which is not root's or the agent's; chmod g-w it");
  }
  return Status::Ok();
}

void SplitPath(const std::string& path, std::string* dir, std::string* name) {
  size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;  // "a/b/" names "b"
  size_t slash = path.rfind('/', end - 1);
  if (slash == std::string::npos) {
    *dir = ".";
    *name = path.substr(0, end);
  } else {
    *dir = slash == 0 ? "/" : path.substr(0, slash);
    *name = path.substr(slash + 1, end - slash - 1);
  }
}

Result<StateDir> StateDir::Open(const std::string& path) {
  if (path.empty())
    return Status::InvalidArgument("state directory: empty path");
  // Missing parents and the directory itself are created private.
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoStatus("cannot stat " + path, errno);
    std::string parent, name;
    SplitPath(path, &parent, &name);
    if (parent != path && parent != "/" && parent != ".") {
      struct stat pst;
      if (stat(parent.c_str(), &pst) != 0) {
        Result<StateDir> up = Open(parent);
        if (!up.ok()) return up.status();
      }
    }
    if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus("cannot create " + path, errno);
    }
  }
  StateDir dir;
  dir.path_ = path;
  dir.fd_.Reset(
      open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.fd_.valid()) {
    int err = errno;
    if ((err == ELOOP || err == ENOTDIR) && lstat(path.c_str(), &st) == 0 &&
        S_ISLNK(st.st_mode)) {
      return Status::PermissionDenied(
          path +
          ": is a symbolic link; name the real directory instead (state "
          "files are never opened through links)");
    }
    return ErrnoStatus("cannot open directory " + path, err);
  }
  if (fstat(dir.fd_.get(), &st) != 0) {
    return ErrnoStatus("cannot stat " + path, errno);
  }
  const uid_t uid = geteuid();
  if (st.st_uid != uid && st.st_uid != 0) {
    return Status::PermissionDenied(
        path + ": owned by uid " + std::to_string(st.st_uid) +
        ", not by the agent's user (uid " + std::to_string(uid) +
        ") or root; state directories must be the agent's own");
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    return Status::PermissionDenied(
        path + ": writable by " +
        ((st.st_mode & S_IWOTH) ? "every user" : "its group") +
        "; state directories must be writable by the agent's user only "
        "(chmod 0700)");
  }
  return dir;
}

std::string StateDir::Join(std::string_view name) const {
  std::string out = path_;
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

Result<ScopedFd> StateDir::OpenFile(std::string_view name, int flags,
                                    mode_t mode) const {
  std::string label = Join(name);
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." ||
      name == "..") {
    return Status::InvalidArgument(label + ": not a file name");
  }
  std::string n(name);
  ScopedFd fd(openat(fd_.get(), n.c_str(),
                     flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
                     mode));
  if (!fd.valid()) {
    int err = errno;
    struct stat st;
    if (err == ELOOP ||
        (fstatat(fd_.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISLNK(st.st_mode))) {
      return Status::PermissionDenied(
          label + ": is a symbolic link; refusing to follow it (remove it)");
    }
    return ErrnoStatus("cannot open " + label, err);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return ErrnoStatus("cannot stat " + label, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::IOError(label + ": not a regular file (" +
                           KindOf(st.st_mode) + ")");
  }
  if (st.st_uid != geteuid()) {
    return Status::PermissionDenied(
        label + ": owned by uid " + std::to_string(st.st_uid) +
        ", not by the agent's user; refusing to use it (remove it)");
  }
  if (st.st_nlink > 1) {
    return Status::PermissionDenied(
        label + ": has " + std::to_string(st.st_nlink) +
        " hard links; refusing to write through a link (remove it)");
  }
  if ((st.st_mode & 07777 & ~mode) != 0 && fchmod(fd.get(), mode) != 0) {
    return ErrnoStatus("cannot chmod " + label, errno);
  }
  ClearNonBlock(fd.get());
  return fd;
}

Result<std::string> StateDir::ReadFile(std::string_view name,
                                       size_t max_bytes) const {
  Result<ScopedFd> fd = OpenFile(name, O_RDONLY);
  if (!fd.ok()) return fd.status();
  return ReadAll(fd->get(), max_bytes, Join(name), 0);
}

Status StateDir::WriteFileAtomically(std::string_view name,
                                     std::string_view content, mode_t mode,
                                     bool durable) const {
  std::string tmp = std::string(name) + ".tmp";
  // A leftover temporary file (a crash between write and rename) is ours to
  // replace; anything else planted under that name is refused by OpenFile.
  Result<ScopedFd> fd = OpenFile(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (!fd.ok()) return fd.status();
  if (!WriteAllTo(fd->get(), content)) {
    Status st = ErrnoStatus("cannot write " + Join(tmp), errno);
    (void)Unlink(tmp);
    return st;
  }
  if (durable && fsync(fd->get()) != 0) {
    Status st = ErrnoStatus("cannot fsync " + Join(tmp), errno);
    (void)Unlink(tmp);
    return st;
  }
  fd->Reset();
  Status renamed = Rename(tmp, name);
  if (!renamed.ok()) {
    (void)Unlink(tmp);
    return renamed;
  }
  if (durable) fsync(fd_.get());
  return Status::Ok();
}

Status StateDir::Rename(std::string_view from, std::string_view to) const {
  std::string f(from), t(to);
  if (renameat(fd_.get(), f.c_str(), fd_.get(), t.c_str()) != 0) {
    return ErrnoStatus("cannot rename " + Join(from) + " to " + t, errno);
  }
  return Status::Ok();
}

Status StateDir::Unlink(std::string_view name) const {
  std::string n(name);
  if (unlinkat(fd_.get(), n.c_str(), 0) != 0 && errno != ENOENT) {
    return ErrnoStatus("cannot remove " + Join(name), errno);
  }
  return Status::Ok();
}

Result<struct stat> StateDir::Stat(std::string_view name) const {
  std::string n(name);
  struct stat st;
  if (fstatat(fd_.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoStatus("cannot stat " + Join(name), errno);
  }
  return st;
}

}  // namespace picket

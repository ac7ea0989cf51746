#include "intel/linux/intel_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace picket {

namespace {

FileIdentity IdentityOf(const struct stat& st) {
  FileIdentity id;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  id.size = st.st_size;
  return id;
}

// Closes the fd on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

IntelFile::~IntelFile() {
  if (data_ != nullptr && size_ > 0) {
    ::munmap(const_cast<uint8_t*>(data_), size_);
  }
}

Result<std::shared_ptr<const IntelFile>> IntelFile::Open(
    const std::string& path) {
  Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) return ErrnoStatus("open " + path, errno);
  struct stat st;
  if (::fstat(fd.fd, &st) != 0) return ErrnoStatus("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + ": not a regular file");
  }
  std::shared_ptr<IntelFile> file(new IntelFile);
  file->path_ = path;
  file->identity_ = IdentityOf(st);
  if (st.st_size > 0) {
    // MAP_POPULATE: fault every page in now, in one go, rather than during
    // the checksum pass and the first lookups.
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
                     MAP_PRIVATE | MAP_POPULATE, fd.fd, 0);
    if (p == MAP_FAILED) return ErrnoStatus("mmap " + path, errno);
    file->data_ = static_cast<const uint8_t*>(p);
    file->size_ = static_cast<size_t>(st.st_size);
  }
  Result<IntelStore> store = IntelStore::Open(file->bytes());
  if (!store.ok()) return store.status().WithContext(path);
  file->store_ = std::move(store.value());
  return std::shared_ptr<const IntelFile>(std::move(file));
}

Status IntelHandle::Load() {
  Result<std::shared_ptr<const IntelFile>> file = IntelFile::Open(path_);
  if (!file.ok()) return file.status();
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(file.value());
  have_failed_ = false;
  return Status::Ok();
}

Status IntelHandle::MaybeReload(bool* reloaded) {
  if (reloaded) *reloaded = false;
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) {
    int err = errno;
    FileIdentity gone;  // dev/ino 0, size -1: "no file"
    if (have_failed_ && failed_ == gone) return Status::Ok();
    failed_ = gone;
    have_failed_ = true;
    return ErrnoStatus("stat " + path_ + " (keeping the intel in service)",
                       err);
  }
  FileIdentity now = IdentityOf(st);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (current_ && current_->identity() == now) return Status::Ok();
  }
  if (have_failed_ && failed_ == now) return Status::Ok();
  Result<std::shared_ptr<const IntelFile>> file = IntelFile::Open(path_);
  if (!file.ok()) {
    failed_ = now;
    have_failed_ = true;
    return file.status().WithContext("keeping the intel in service");
  }
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(file.value());
  have_failed_ = false;
  if (reloaded) *reloaded = true;
  return Status::Ok();
}

std::shared_ptr<const IntelFile> IntelHandle::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::shared_ptr<const IntelStore> IntelHandle::CurrentStore() const {
  std::shared_ptr<const IntelFile> file = Current();
  if (!file) return nullptr;
  return std::shared_ptr<const IntelStore>(file, &file->store());
}

Status WriteFileAtomically(const std::string& path,
                           std::span<const uint8_t> bytes, mode_t mode) {
  std::string tmp = path + ".tmp.XXXXXX";
  int raw = ::mkstemp(tmp.data());
  if (raw < 0)
    return ErrnoStatus("create a temporary file beside " + path, errno);
  Fd fd{raw};
  auto fail = [&](const std::string& what) {
    Status st = ErrnoStatus(what + " " + tmp, errno);
    ::unlink(tmp.c_str());
    return st;
  };
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd.fd, mode) != 0) return fail("chmod");
  if (::fsync(fd.fd) != 0) return fail("fsync");
  if (::close(fd.fd) != 0) {
    fd.fd = -1;
    return fail("close");
  }
  fd.fd = -1;
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return fail("rename to " + path + " from");
  // Make the rename itself durable.
  Fd dir{::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd >= 0) ::fsync(dir.fd);
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) return ErrnoStatus("open " + path, errno);
  struct stat st;
  if (::fstat(fd.fd, &st) != 0) return ErrnoStatus("stat " + path, errno);
  if (S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(path + ": is a directory");
  }
  std::string out;
  if (st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd.fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("read " + path, errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace picket

#include "intel/linux/intel_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "platform/linux/files.h"

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
    const std::string& path, uint64_t max_bytes) {
  Result<ScopedFd> fd = OpenInputFile(path, "intel file");
  if (!fd.ok()) return fd.status();
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return ErrnoStatus("stat " + path, errno);
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Status::ResourceExhausted(path + ": " + std::to_string(st.st_size) +
                                     " bytes, larger than intel.max_size (" +
                                     std::to_string(max_bytes) + ")");
  }
  std::shared_ptr<IntelFile> file(new IntelFile);
  file->path_ = path;
  file->identity_ = IdentityOf(st);
  const size_t size = static_cast<size_t>(st.st_size);
  if (size > 0) {
    // A private copy, not a mapping of the file: a file rewritten in place
    // (cp over it, truncate) would otherwise change or vanish under the
    // lookups (SIGBUS on truncation). Resident memory is the same as a
    // populated mapping's.
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      return ErrnoStatus("allocate a copy of " + path, errno);
    file->data_ = static_cast<const uint8_t*>(p);
    file->size_ = size;
    uint8_t* out = static_cast<uint8_t*>(p);
    size_t done = 0;
    while (done < size) {
      ssize_t n =
          ::pread(fd->get(), out + done, size - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus("read " + path, errno);
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    struct stat after;
    if (done != size || ::fstat(fd->get(), &after) != 0 ||
        !(IdentityOf(after) == file->identity_)) {
      return Status::Unavailable(path +
                                 ": changed while being read; will try again");
    }
    ::mprotect(p, size, PROT_READ);
  }
  Result<IntelStore> store = IntelStore::Open(file->bytes());
  if (!store.ok()) return store.status().WithContext(path);
  file->store_ = std::move(store.value());
  return std::shared_ptr<const IntelFile>(std::move(file));
}

Status IntelHandle::Load() {
  Result<std::shared_ptr<const IntelFile>> file =
      IntelFile::Open(path_, max_bytes_);
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
  Result<std::shared_ptr<const IntelFile>> file =
      IntelFile::Open(path_, max_bytes_);
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
  ScopedFd fd(raw);
  auto fail = [&](const std::string& what) {
    Status st = ErrnoStatus(what + " " + tmp, errno);
    ::unlink(tmp.c_str());
    return st;
  };
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), mode) != 0) return fail("chmod");
  if (::fsync(fd.get()) != 0) return fail("fsync");
  if (::close(fd.Release()) != 0) return fail("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return fail("rename to " + path + " from");
  // Make the rename itself durable.
  ScopedFd dir(
      ::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.valid()) ::fsync(dir.get());
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path, size_t max_bytes) {
  return ReadInputFile(path, max_bytes, "");
}

}  // namespace picket

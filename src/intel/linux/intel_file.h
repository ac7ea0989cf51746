// Compiled intel files on Linux: mapping, hot reload and atomic writes.
//
// IntelFile copies a compiled file into private read-only memory and
// validates it with IntelStore::Open; the copy lives as long as the
// IntelFile. A copy rather than a mapping of the file: an operator who
// rewrites the file in place (`cp new.pint intel.bin`, `truncate`) changes
// only the file, never the store in service (a mapping would show the new
// bytes to lookups validated against the old ones, or fault on truncation). The
// IntelHandle owns the current IntelFile behind a shared_ptr: readers take
// a snapshot with Current() and keep using it, untouched by reloads, for as
// long as they hold it; MaybeReload() swaps in a new file only after it has
// been mapped and validated whole, so a reader never sees a half-read state
// and a bad new file leaves the old one in service.
//
// Replacing the file by rename(2) (as WriteFileAtomically and `picket intel
// compile` do) is still the way to publish a new file: a reload that reads
// a file while it is being rewritten in place sees it change and tries
// again at the next check.
#ifndef PICKET_INTEL_LINUX_INTEL_FILE_H_
#define PICKET_INTEL_LINUX_INTEL_FILE_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "intel/store.h"
#include "picket/status.h"

namespace picket {

// intel.max_size's default: about six million IPv4 indicators.
inline constexpr uint64_t kDefaultMaxIntelBytes = uint64_t{64} << 20;

// What identifies one version of a file on disk.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  int64_t mtime_ns = 0;
  int64_t size = -1;
  bool operator==(const FileIdentity&) const = default;
};

class IntelFile {
 public:
  // Reads and validates `path` (a regular file: a FIFO or a device is
  // refused without blocking). NotFound / PermissionDenied / IOError for
  // the file system and the wrong kind of file,
  // ResourceExhausted beyond `max_bytes`, Unavailable when it changed while
  // being read, Corruption / NotSupported (prefixed with the path) for the
  // content.
  static Result<std::shared_ptr<const IntelFile>> Open(
      const std::string& path, uint64_t max_bytes = kDefaultMaxIntelBytes);
  ~IntelFile();
  IntelFile(const IntelFile&) = delete;
  IntelFile& operator=(const IntelFile&) = delete;

  const IntelStore& store() const { return store_; }
  const std::string& path() const { return path_; }
  const FileIdentity& identity() const { return identity_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  IntelFile() = default;
  std::string path_;
  FileIdentity identity_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  IntelStore store_;
};

// The agent's current intel, reloadable. Thread-safe: Current() from any
// thread; MaybeReload() from one thread at a time (the pipeline's timer).
class IntelHandle {
 public:
  explicit IntelHandle(std::string path,
                       uint64_t max_bytes = kDefaultMaxIntelBytes)
      : path_(std::move(path)), max_bytes_(max_bytes) {}

  // Opens the file the first time. On failure the handle stays empty
  // (Current() returns nullptr) and the error is returned.
  Status Load();

  // Compares the file's identity (device, inode, mtime, size) with the one
  // in service. Unchanged: OK, *reloaded false. Changed and valid: swapped
  // in, OK, *reloaded true. Changed and invalid (or gone): the old file
  // stays in service and the error is returned once; later calls return OK
  // until the file changes again. `reloaded` may be null.
  Status MaybeReload(bool* reloaded = nullptr);

  // The file in service; nullptr before a successful Load.
  std::shared_ptr<const IntelFile> Current() const;
  // Its store, sharing ownership of the mapping (what a detector's
  // IntelProvider hands out); nullptr before a successful Load.
  std::shared_ptr<const IntelStore> CurrentStore() const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  uint64_t max_bytes_;
  mutable std::mutex mu_;
  std::shared_ptr<const IntelFile> current_;  // guarded by mu_
  FileIdentity failed_;  // identity of the last file that failed to load
  bool have_failed_ = false;
};

// Writes `bytes` to `path` so that readers see the old file or the new one,
// never a partial one: a temporary file in the same directory, fsync,
// chmod `mode`, rename over `path`, fsync of the directory.
Status WriteFileAtomically(const std::string& path,
                           std::span<const uint8_t> bytes, mode_t mode = 0644);

// Reads a whole regular file (feeds are read this way; they are parsed, not
// kept), refusing FIFOs and devices without blocking and anything larger
// than `max_bytes`.
Result<std::string> ReadWholeFile(const std::string& path,
                                  size_t max_bytes = size_t{1} << 30);

}  // namespace picket

#endif  // PICKET_INTEL_LINUX_INTEL_FILE_H_

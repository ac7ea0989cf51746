// Compiled intel files on Linux: mapping, hot reload and atomic writes.
//
// IntelFile maps a compiled file read-only (MAP_PRIVATE) and validates it
// with IntelStore::Open; the mapping lives as long as the IntelFile. The
// IntelHandle owns the current IntelFile behind a shared_ptr: readers take
// a snapshot with Current() and keep using it, untouched by reloads, for as
// long as they hold it; MaybeReload() swaps in a new file only after it has
// been mapped and validated whole, so a reader never sees a half-read state
// and a bad new file leaves the old one in service.
//
// Files must be replaced by rename(2) (as WriteFileAtomically and
// `picket intel compile` do), never rewritten in place: the kernel shows
// in-place writes to existing private mappings, and truncation in place
// would fault the reader.
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
  // Maps and validates `path`. NotFound / PermissionDenied / IOError for the
  // file system, Corruption / NotSupported (prefixed with the path) for the
  // content.
  static Result<std::shared_ptr<const IntelFile>> Open(const std::string& path);
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
  explicit IntelHandle(std::string path) : path_(std::move(path)) {}

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

// Reads a whole file (feeds are read this way; they are parsed, not mapped).
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace picket

#endif  // PICKET_INTEL_LINUX_INTEL_FILE_H_

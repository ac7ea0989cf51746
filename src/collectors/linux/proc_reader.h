// ProcReader: reads what picket knows about a process from procfs.
//
// It is the only place that opens files under /proc/PID; the parsing is done
// by the pure functions of procfs.h. Every path is taken under a root prefix
// (`--root DIR`, default "/"), so tests and `picket scan --root` can run it on
// a captured tree such as tests/fixtures/proc. It keeps three caches: the
// boot time (read once from <root>/proc/stat), the mount table (read once
// from <root>/proc/self/mountinfo, again on RefreshMounts()) and the uid →
// name map (reloaded when <root>/etc/passwd changes).
//
// Each per-process file is read with one open/read/close into a fixed
// buffer, through a directory descriptor for <root>/proc/PID so that all
// fields come from the same process even if its pid is reused meanwhile.
//
// Not thread-safe: one ProcReader belongs to one thread (the pipeline's).
#ifndef PICKET_COLLECTORS_LINUX_PROC_READER_H_
#define PICKET_COLLECTORS_LINUX_PROC_READER_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collectors/linux/procfs.h"
#include "picket/event.h"
#include "picket/status.h"

namespace picket {

class ProcReader {
 public:
  // `root` is prepended to every path; "/" (the default) reads the live
  // system. Nothing is read until the first call.
  explicit ProcReader(std::string root = "/");

  ProcReader(const ProcReader&) = delete;
  ProcReader& operator=(const ProcReader&) = delete;

  // Returns the pids of <root>/proc (its all-digit entries), ascending.
  // Returns {} when the directory cannot be read.
  std::vector<int32_t> ListPids() const;

  // Reads everything ProcessInfo holds about `pid` except sha256. Returns
  // NotFound when <root>/proc/PID does not exist or its stat file vanished
  // after the directory was opened (the process is gone), InvalidArgument
  // for pid <= 0, and another error when the directory cannot be opened. When
  // some fields cannot be read (permission denied, the process exits mid-read,
  // a file is missing or malformed) it returns what it has with `partial` set.
  // A kernel thread (pid 2 or ppid 2, empty cmdline, no exe) is complete
  // without an exe. exe_dev/exe_inode stay 0 without setting `partial` when
  // the exe cannot be stat()ed: in a fixture tree its target is elsewhere.
  Result<ProcessInfo> Read(int32_t pid);

  // Only readlink(<root>/proc/PID/exe): cheap enough to run on every process
  // at each rescan, to notice an exe that was deleted or replaced. The error
  // is NotFound for a gone process and for a kernel thread.
  Result<procfs::ExeLink> ReadExe(int32_t pid) const;

  // Re-reads <root>/proc/self/mountinfo on the next Read(); call it when the
  // mount table changed (POLLPRI on mountinfo) or periodically.
  void RefreshMounts();

 private:
  // Joins root_ and an absolute path without doubling the slash.
  std::string Path(std::string_view absolute) const;

  // The caches below are filled lazily. A failed load is not retried until
  // the next refresh (mounts) or file change (passwd), so a system without
  // the file pays the cost once.
  void LoadBootTimeOnce();
  void LoadMountsIfNeeded();
  void ReloadPasswdIfChanged();

  // Fills exe_dev, exe_inode, exe_fs_type and exe_dir_writable_by_all from
  // info->exe, for a process whose /proc/PID directory is `dir_fd`.
  void FillExeFacts(int dir_fd, ProcessInfo* info);

  std::string root_;  // without trailing '/'; "" for the real root

  bool boot_time_loaded_ = false;
  bool boot_time_known_ = false;
  int64_t boot_time_s_ = 0;
  int64_t boot_time_frac_ns_ = 0;  // sub-second part, live system only
  long clock_ticks_per_s_ = 0;

  bool mounts_loaded_ = false;
  std::vector<procfs::MountEntry> mounts_;

  // Identity of the /etc/passwd that users_ came from; a changed inode
  // catches the usual replace-by-rename, mtime and size an edit in place.
  bool passwd_seen_ = false;
  dev_t passwd_dev_ = 0;
  ino_t passwd_ino_ = 0;
  off_t passwd_size_ = 0;
  int64_t passwd_mtime_ns_ = 0;
  std::unordered_map<uint32_t, std::string> users_;

  // Reused for /proc/PID/cmdline so that a read allocates nothing big; one
  // byte more than ParseCmdline keeps.
  std::string cmdline_buffer_;
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_LINUX_PROC_READER_H_

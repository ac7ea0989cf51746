// ProcessCollector: every process start (exec), exit and, optionally, fork,
// in real time, enriched from /proc.
//
// Sources, chosen at Start():
//  - netlink: the kernel proc connector reports fork/exec/exit as they
//    happen; each exec is enriched from /proc at once (the process may exit
//    within a millisecond). A periodic rescan of /proc, and an immediate one
//    after a socket overrun (ENOBUFS), catches anything missed.
//  - poll: when the connector cannot be opened (not root, in a container,
//    kernel without CONFIG_PROC_EVENTS) or mode is "poll", /proc is scanned
//    every poll_interval; processes shorter-lived than that are not seen.
// With netlink, fanotify (ExecWatch) also pins each executed file, so even a
// process that exits before /proc can be read has its exe path and hash.
// At start every running process is reported once as process.snapshot.
// The SHA-256 of each executable is computed on a worker thread from an fd
// opened at exec time (so a deleted or replaced file still hashes to what
// ran) and cached by device + inode + mtime + size. Events wait for their
// hash in order, at most kHashWaitMs, so detectors see one complete event.
// All methods run on the event-loop thread.
#ifndef PICKET_COLLECTORS_LINUX_PROCESS_COLLECTOR_H_
#define PICKET_COLLECTORS_LINUX_PROCESS_COLLECTOR_H_

#include <deque>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "collectors/linux/exec_watch.h"
#include "collectors/linux/proc_connector.h"
#include "collectors/linux/proc_reader.h"
#include "core/clock.h"
#include "core/config.h"
#include "engine/worker.h"
#include "picket/collector.h"

namespace picket {

class ProcessCollector final : public Collector {
 public:
  // Events wait at most this long for their executable's hash.
  static constexpr int64_t kHashWaitMs = 2000;

  // `root` prefixes every /proc and /etc path ("/" on a live system); any
  // other root forces poll mode. `clock` must outlive the collector.
  ProcessCollector(ProcessCollectorConfig config, std::string root,
                   const Clock* clock);
  ~ProcessCollector() override;

  std::string name() const override { return "collector.process"; }
  Status Start(EventLoop& loop, EventSubmitter& out) override;
  void Stop() override;
  ComponentStats Stats() const override;

  // "netlink" or "poll" once started.
  const std::string& mode() const { return mode_; }

 private:
  enum class ScanKind { kSnapshot, kRescan, kPoll };

  struct Known {
    int64_t start_time_ns = 0;
    int32_t ppid = 0;
    uint32_t uid = 0;
    std::string user;
    std::string comm;
    std::string exe;
    bool exe_deleted = false;
    bool reported = false;  // an event was emitted for it (exit follows)
  };

  struct Pending {
    Event event;
    uint64_t waiting_job = 0;  // 0: ready
    int64_t since_ms = 0;
  };

  void OnReadable();
  void OnConnectorEvent(const ProcConnEvent& ev);
  void Scan(ScanKind kind);
  // Emits a process event. `exe_fd`, if >= 0, is an open fd of the
  // executable that this call takes ownership of (used for the hash).
  void EmitProcess(EventType type, ProcessInfo info, const char* source,
                   int32_t exit_code = 0, std::string change = "",
                   int exe_fd = -1);
  int OpenExe(int32_t pid) const;
  std::vector<procfs::MountEntry> ReadMounts() const;
  // Fills exe, exe_deleted, exe_dev and exe_inode from an open exe fd.
  void FillExeFromFd(int fd, ProcessInfo* p) const;
  void Remember(const ProcessInfo& info, bool reported);
  ProcessInfo FromKnown(int32_t pid, const Known& k) const;
  void EmitStatus(const std::string& state, const std::string& detail);

  // Hashing: starts (or joins) a hash job for the file behind `fd` (owned
  // from here on); returns its job id, or 0 when the hash is already known
  // (then *sha256 is set) or unavailable.
  uint64_t StartHash(int fd, std::string* sha256);
  void OnHashed(uint64_t job, const std::string& key, const std::string& sha);
  void ReleasePending(bool force_head);
  void Submit(Event event);

  ProcessCollectorConfig config_;
  std::string root_;
  const Clock* clock_;
  ProcReader reader_;
  EventLoop* loop_ = nullptr;
  EventSubmitter* out_ = nullptr;
  std::string mode_;
  std::unique_ptr<ProcConnector> connector_;
  std::unique_ptr<ExecWatch> exec_watch_;
  std::unique_ptr<Worker> worker_;
  std::vector<EventLoop::TimerId> timers_;
  std::unordered_map<int32_t, Known> table_;
  std::deque<Pending> pending_;

  // LRU of file key -> hash.
  std::list<std::pair<std::string, std::string>> lru_;
  std::unordered_map<std::string,
                     std::list<std::pair<std::string, std::string>>::iterator>
      cache_;
  std::unordered_map<std::string, uint64_t> inflight_;  // key -> job
  uint64_t next_job_ = 1;

  uint64_t events_ = 0;
  uint64_t dropped_ = 0;
  uint64_t connector_events_ = 0;
  uint64_t overruns_ = 0;
  uint64_t rescans_ = 0;
  uint64_t missed_found_ = 0;
  uint64_t enrich_partial_ = 0;
  uint64_t hashes_computed_ = 0;
  uint64_t hash_cache_hits_ = 0;
  uint64_t hash_failures_ = 0;
  uint64_t hash_skipped_ = 0;
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_LINUX_PROCESS_COLLECTOR_H_

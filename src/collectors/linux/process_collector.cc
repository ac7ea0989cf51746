#include "collectors/linux/process_collector.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <unordered_set>
#include <utility>

#include "collectors/linux/file_hash.h"

namespace picket {

namespace {

constexpr int kConnectorRcvBuf = 4 << 20;
constexpr size_t kMaxPending = 4096;
constexpr size_t kWorkerQueue = 256;

bool IsKernelThread(const ProcessInfo& p) {
  return !p.partial && p.exe.empty() && p.argv.empty() &&
         (p.pid == 2 || p.ppid == 2 || p.ppid == 0);
}

const char* ScanSource(int kind) {
  switch (kind) {
    case 0:
      return "snapshot";
    case 1:
      return "rescan";
    default:
      return "poll";
  }
}

}  // namespace

ProcessCollector::ProcessCollector(ProcessCollectorConfig config,
                                   std::string root, const Clock* clock)
    : config_(std::move(config)),
      root_(std::move(root)),
      clock_(clock),
      reader_(root_) {}

ProcessCollector::~ProcessCollector() { Stop(); }

Status ProcessCollector::Start(EventLoop& loop, EventSubmitter& out) {
  loop_ = &loop;
  out_ = &out;
  if (config_.hash_executables) {
    auto worker = Worker::Create(loop, kWorkerQueue);
    if (!worker.ok()) return worker.status().WithContext("hash worker");
    worker_ = std::move(worker.value());
  }

  std::string why_poll;
  bool live = root_ == "/" || root_.empty();
  if (config_.mode == "poll") {
    why_poll = "configured";
  } else if (!live) {
    why_poll = "root is " + root_;
  } else {
    auto conn = ProcConnector::Open(kConnectorRcvBuf);
    if (conn.ok()) {
      connector_ = std::move(conn.value());
    } else if (config_.mode == "netlink") {
      return conn.status().WithContext("process collector (mode netlink)");
    } else {
      why_poll = "proc connector unavailable: " + conn.status().message();
    }
  }

  // Subscribe before the snapshot so nothing starting in between is missed.
  if (connector_) {
    mode_ = "netlink";
    PICKET_RETURN_IF_ERROR(
        loop.AddFd(connector_->fd(), [this] { OnReadable(); }));
    std::string exec_files;
    auto watch = ExecWatch::Open(ReadMounts());
    if (watch.ok()) {
      // Not watched by the loop: the queue is read at each exec the proc
      // connector reports (fanotify's event is queued first, when execve()
      // opens the file) and by the 500 ms timer below. Waking for every
      // open-exec event (two per exec with the ELF interpreter) cost a
      // third of the loop's wake-ups.
      exec_watch_ = std::move(watch.value());
      exec_files = "executed files pinned by fanotify on " +
                   std::to_string(exec_watch_->marked()) + " file systems";
    } else {
      exec_files = "fanotify unavailable (" + watch.status().message() +
                   "): programs exiting within ~1 ms may be partial";
    }
    EmitStatus("mode", "netlink proc connector (real time); " + exec_files);
  } else {
    mode_ = "poll";
    EmitStatus("mode", "polling /proc every " +
                           std::to_string(config_.poll_interval_ms) + " ms (" +
                           why_poll + ")");
  }

  Scan(ScanKind::kSnapshot);

  if (connector_) {
    if (config_.rescan_interval_ms > 0) {
      timers_.push_back(loop.AddTimer(
          config_.rescan_interval_ms, config_.rescan_interval_ms, [this] {
            OnReadable();  // drain first so the rescan sees a settled table
            Scan(ScanKind::kRescan);
          }));
    }
  } else {
    timers_.push_back(loop.AddTimer(config_.poll_interval_ms,
                                    config_.poll_interval_ms,
                                    [this] { Scan(ScanKind::kPoll); }));
  }
  if (worker_ || exec_watch_) {
    timers_.push_back(loop.AddTimer(500, 500, [this] {
      ReleasePending(false);
      if (exec_watch_) {
        exec_watch_->Drain(loop_->NowMs());
        exec_watch_->Expire(loop_->NowMs(), kHashWaitMs);
      }
    }));
  }
  return Status::Ok();
}

void ProcessCollector::Stop() {
  if (loop_ == nullptr) return;
  for (auto id : timers_) loop_->CancelTimer(id);
  timers_.clear();
  if (connector_) {
    loop_->RemoveFd(connector_->fd());
    connector_.reset();
  }
  if (exec_watch_) {
    loop_->RemoveFd(exec_watch_->fd());
    exec_watch_.reset();
  }
  worker_.reset();
  // Whatever waited for a hash is delivered without it.
  while (!pending_.empty()) {
    Event ev = std::move(pending_.front().event);
    pending_.pop_front();
    if (out_->Submit(std::move(ev))) {
      ++events_;
    } else {
      ++dropped_;
    }
  }
  loop_ = nullptr;
}

void ProcessCollector::OnReadable() {
  if (!connector_) return;
  Status st = connector_->ReadAvailable(
      [this](const ProcConnEvent& ev) { OnConnectorEvent(ev); });
  if (st.code() == Status::Code::kResourceExhausted) {
    ++overruns_;
    Scan(ScanKind::kRescan);
  } else if (!st.ok()) {
    EmitStatus("error", st.message());
  }
}

void ProcessCollector::OnConnectorEvent(const ProcConnEvent& ev) {
  if (!ev.is_process()) return;  // thread creation and exit
  ++connector_events_;
  switch (ev.kind) {
    case ProcConnEvent::Kind::kFork: {
      Known child;
      auto parent = table_.find(ev.parent_tgid);
      if (parent != table_.end()) child = parent->second;
      child.ppid = ev.parent_tgid;
      child.start_time_ns = clock_->RealtimeNs();
      child.reported = false;
      if (config_.report_forks) {
        child.reported = true;
        table_[ev.tgid] = child;
        ProcessInfo info = FromKnown(ev.tgid, child);
        Event event;
        event.time_ns = clock_->RealtimeNs();
        event.type = EventType::kProcessFork;
        ProcessEvent pe;
        pe.process = std::move(info);
        pe.parent_pid = ev.parent_tgid;
        pe.source = "netlink";
        event.payload = std::move(pe);
        Submit(std::move(event));
      } else {
        table_[ev.tgid] = std::move(child);
      }
      break;
    }
    case ProcConnEvent::Kind::kExec: {
      // Pin the executable before anything else: the fd keeps the file
      // readable (for its path and hash) even if the process is gone by the
      // time /proc is read.
      int exe_fd = OpenExe(ev.tgid);
      std::optional<ExecWatch::ExecFile> executed;
      if (exec_watch_) {
        exec_watch_->Drain(loop_->NowMs());
        executed = exec_watch_->Take(ev.tgid);
      }
      if (executed && executed->fd >= 0) {
        if (exe_fd < 0) {
          exe_fd = executed->fd;
        } else {
          close(executed->fd);
        }
        executed->fd = -1;
      }
      auto info = reader_.Read(ev.tgid);
      ProcessInfo p;
      if (info.ok()) {
        p = std::move(info.value());
      } else {
        // Gone before /proc could be read: the fork told us the parent and
        // the credentials it inherited.
        p.pid = ev.tgid;
        auto it = table_.find(ev.tgid);
        if (it != table_.end()) {
          p.ppid = it->second.ppid;
          p.uid = it->second.uid;
          p.user = it->second.user;
        }
        p.partial = true;
      }
      if (p.exe.empty() && exe_fd >= 0) FillExeFromFd(exe_fd, &p);
      if (p.exe.empty() && executed && !executed->path.empty()) {
        procfs::ExeLink link = procfs::ParseExeLink(executed->path);
        p.exe = std::move(link.path);
        p.exe_deleted = link.deleted;
      }
      if (p.partial) ++enrich_partial_;
      Remember(p, true);
      EmitProcess(EventType::kProcessExec, std::move(p), "netlink", 0, "",
                  exe_fd);
      break;
    }
    case ProcConnEvent::Kind::kExit: {
      auto it = table_.find(ev.tgid);
      if (it == table_.end()) break;
      if (it->second.reported) {
        ProcessInfo p = FromKnown(ev.tgid, it->second);
        table_.erase(it);
        EmitProcess(EventType::kProcessExit, std::move(p), "netlink",
                    static_cast<int32_t>(ev.exit_code));
      } else {
        table_.erase(it);
      }
      break;
    }
  }
}

void ProcessCollector::Scan(ScanKind kind) {
  if (kind == ScanKind::kRescan) ++rescans_;
  const char* source = ScanSource(static_cast<int>(kind));
  reader_.RefreshMounts();
  std::vector<int32_t> pids = reader_.ListPids();
  std::unordered_set<int32_t> seen(pids.begin(), pids.end());

  for (int32_t pid : pids) {
    auto it = table_.find(pid);
    if (it != table_.end()) {
      Known& k = it->second;
      // Unreported entries are kernel threads and forked children that have
      // not exec'd (yet); both have nothing to check.
      if (!k.reported && kind != ScanKind::kRescan) continue;
      auto exe = reader_.ReadExe(pid);
      if (!exe.ok()) continue;  // gone or unreadable; the exit will tell
      if (exe->path != k.exe) {
        // A new program in this pid: exec (poll mode), or an exec whose
        // connector message was lost in an overrun (rescan), or pid reuse.
        auto info = reader_.Read(pid);
        if (!info.ok()) continue;
        if (kind == ScanKind::kRescan) ++missed_found_;
        Remember(*info, true);
        EmitProcess(EventType::kProcessExec, std::move(info.value()), source);
      } else if (!k.reported) {
        continue;
      } else if (exe->deleted && !k.exe_deleted) {
        auto info = reader_.Read(pid);
        if (!info.ok()) continue;
        info->exe_deleted = true;
        Remember(*info, true);
        EmitProcess(EventType::kProcessChanged, std::move(info.value()), source,
                    0, "exe_deleted");
      }
      continue;
    }
    auto info = reader_.Read(pid);
    if (!info.ok()) continue;
    if (IsKernelThread(*info)) {
      Known k;
      k.ppid = info->ppid;
      k.comm = info->comm;
      table_[pid] = std::move(k);  // remembered, never reported
      continue;
    }
    Remember(*info, true);
    if (kind == ScanKind::kSnapshot) {
      EmitProcess(EventType::kProcessSnapshot, std::move(info.value()), source);
    } else {
      if (kind == ScanKind::kRescan) ++missed_found_;
      EmitProcess(EventType::kProcessExec, std::move(info.value()), source);
    }
  }

  for (auto it = table_.begin(); it != table_.end();) {
    if (seen.count(it->first)) {
      ++it;
      continue;
    }
    if (it->second.reported) {
      ProcessInfo p = FromKnown(it->first, it->second);
      it = table_.erase(it);
      EmitProcess(EventType::kProcessExit, std::move(p), source, -1);
    } else {
      it = table_.erase(it);
    }
  }
}

void ProcessCollector::Remember(const ProcessInfo& info, bool reported) {
  Known& k = table_[info.pid];
  k.start_time_ns = info.start_time_ns;
  k.ppid = info.ppid;
  k.uid = info.uid;
  k.user = info.user;
  k.comm = info.comm;
  k.exe = info.exe;
  k.exe_deleted = info.exe_deleted;
  k.reported = reported;
}

ProcessInfo ProcessCollector::FromKnown(int32_t pid, const Known& k) const {
  ProcessInfo p;
  p.pid = pid;
  p.ppid = k.ppid;
  p.uid = k.uid;
  p.user = k.user;
  p.comm = k.comm;
  p.exe = k.exe;
  p.exe_deleted = k.exe_deleted;
  p.start_time_ns = k.start_time_ns;
  return p;
}

std::vector<procfs::MountEntry> ProcessCollector::ReadMounts() const {
  std::string path = root_ + "/proc/self/mountinfo";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0 && text.size() < (1 << 20)) {
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return procfs::ParseMountinfo(text);
}

int ProcessCollector::OpenExe(int32_t pid) const {
  std::string path = root_ + "/proc/" + std::to_string(pid) + "/exe";
  return open(path.c_str(), O_RDONLY | O_CLOEXEC);
}

void ProcessCollector::FillExeFromFd(int fd, ProcessInfo* p) const {
  char link[PATH_MAX];
  std::string self = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = readlink(self.c_str(), link, sizeof link);
  if (n <= 0) return;
  procfs::ExeLink exe = procfs::ParseExeLink(std::string_view(link, n));
  p->exe = std::move(exe.path);
  p->exe_deleted = exe.deleted;
  struct stat st;
  if (fstat(fd, &st) == 0) {
    p->exe_dev = st.st_dev;
    p->exe_inode = st.st_ino;
  }
}

void ProcessCollector::EmitProcess(EventType type, ProcessInfo info,
                                   const char* source, int32_t exit_code,
                                   std::string change, int exe_fd) {
  uint64_t job = 0;
  bool wants_hash = type == EventType::kProcessExec ||
                    type == EventType::kProcessSnapshot ||
                    type == EventType::kProcessChanged;
  if (wants_hash && worker_) {
    if (exe_fd < 0 && !info.exe.empty()) exe_fd = OpenExe(info.pid);
    if (exe_fd >= 0) job = StartHash(exe_fd, &info.sha256);
  } else if (exe_fd >= 0) {
    close(exe_fd);
  }
  Event event;
  event.time_ns = clock_->RealtimeNs();
  event.type = type;
  event.priority = Priority::kLow;
  ProcessEvent pe;
  pe.process = std::move(info);
  pe.exit_code = exit_code;
  pe.change = std::move(change);
  pe.source = source;
  event.payload = std::move(pe);
  if (job == 0 && pending_.empty()) {
    Submit(std::move(event));
    return;
  }
  if (pending_.size() >= kMaxPending) {
    ++hash_skipped_;
    ReleasePending(true);
  }
  pending_.push_back(Pending{std::move(event), job, loop_->NowMs()});
  ReleasePending(false);
}

uint64_t ProcessCollector::StartHash(int fd, std::string* sha256) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    ++hash_failures_;
    return 0;
  }
  if (static_cast<uint64_t>(st.st_size) > config_.hash_max_bytes) {
    close(fd);
    ++hash_skipped_;
    return 0;
  }
  std::string key =
      std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
      std::to_string(st.st_mtim.tv_sec) + "." +
      std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_size);
  if (auto hit = cache_.find(key); hit != cache_.end()) {
    close(fd);
    ++hash_cache_hits_;
    lru_.splice(lru_.begin(), lru_, hit->second);
    *sha256 = hit->second->second;
    return 0;
  }
  if (auto running = inflight_.find(key); running != inflight_.end()) {
    close(fd);
    ++hash_cache_hits_;
    return running->second;
  }
  uint64_t job = next_job_++;
  auto result = std::make_shared<std::string>();
  uint64_t max_bytes = config_.hash_max_bytes;
  bool posted = worker_->Post(
      [fd, result, max_bytes] {
        auto sha = Sha256OfFd(fd, max_bytes);
        if (sha.ok()) *result = std::move(sha.value());
        close(fd);
      },
      [this, job, key, result] { OnHashed(job, key, *result); });
  if (!posted) {
    close(fd);
    ++hash_skipped_;
    return 0;
  }
  inflight_[key] = job;
  return job;
}

void ProcessCollector::OnHashed(uint64_t job, const std::string& key,
                                const std::string& sha) {
  inflight_.erase(key);
  if (sha.empty()) {
    ++hash_failures_;
  } else {
    ++hashes_computed_;
    lru_.emplace_front(key, sha);
    cache_[key] = lru_.begin();
    while (cache_.size() > config_.hash_cache_entries && !lru_.empty()) {
      cache_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }
  for (Pending& p : pending_) {
    if (p.waiting_job != job) continue;
    p.waiting_job = 0;
    auto& pe = std::get<ProcessEvent>(p.event.payload);
    pe.process.sha256 = sha;
  }
  ReleasePending(false);
}

void ProcessCollector::ReleasePending(bool force_head) {
  int64_t now = loop_ ? loop_->NowMs() : 0;
  while (!pending_.empty()) {
    Pending& head = pending_.front();
    if (head.waiting_job != 0) {
      if (!force_head && now - head.since_ms < kHashWaitMs) break;
      ++hash_skipped_;
    }
    force_head = false;
    Event ev = std::move(head.event);
    pending_.pop_front();
    Submit(std::move(ev));
  }
}

void ProcessCollector::Submit(Event event) {
  if (out_->Submit(std::move(event))) {
    ++events_;
  } else {
    ++dropped_;
  }
}

void ProcessCollector::EmitStatus(const std::string& state,
                                  const std::string& detail) {
  Event event = MakeStatusEvent(clock_->RealtimeNs(), name(), state, detail);
  Submit(std::move(event));
}

ComponentStats ProcessCollector::Stats() const {
  return {name(),
          {{"events", events_},
           {"dropped", dropped_},
           {"connector_events", connector_events_},
           {"connector_malformed", connector_ ? connector_->malformed() : 0},
           {"overruns", overruns_},
           {"rescans", rescans_},
           {"missed_found_by_rescan", missed_found_},
           {"enrich_partial", enrich_partial_},
           {"hashes_computed", hashes_computed_},
           {"hash_cache_hits", hash_cache_hits_},
           {"hash_failures", hash_failures_},
           {"hash_skipped", hash_skipped_},
           {"exec_watch_events", exec_watch_ ? exec_watch_->events() : 0},
           {"exec_watch_overflows", exec_watch_ ? exec_watch_->overflows() : 0},
           {"tracked_processes", table_.size()}}};
}

}  // namespace picket

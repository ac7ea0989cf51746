// epoll-based EventLoop. Timers live in a binary heap keyed by due time and
// set the epoll_wait timeout, so idle costs no wake-ups beyond the next due
// timer. Signals arrive through a signalfd; Wake() writes an eventfd.
#include "picket/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace picket {

namespace {

int64_t MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

class EpollLoop final : public EventLoop {
 public:
  EpollLoop(int epfd, int wakefd) : epfd_(epfd), wakefd_(wakefd) {}
  ~EpollLoop() override {
    if (sigfd_ >= 0) close(sigfd_);
    close(wakefd_);
    close(epfd_);
  }

  Status AddFd(int fd, FdCallback cb) override {
    return AddIoFd(fd, [cb = std::move(cb)](bool, bool) { cb(); });
  }

  Status AddIoFd(int fd, IoCallback cb) override {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      return ErrnoStatus("epoll_ctl add", errno);
    }
    fds_[fd] = std::make_shared<FdEntry>(FdEntry{std::move(cb), false});
    return Status::Ok();
  }

  Status SetWriteInterest(int fd, bool on) override {
    auto it = fds_.find(fd);
    if (it == fds_.end()) return Status::NotFound("fd not registered");
    if (it->second->want_write == on) return Status::Ok();
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
      return ErrnoStatus("epoll_ctl mod", errno);
    }
    it->second->want_write = on;
    return Status::Ok();
  }

  void RemoveFd(int fd) override {
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    fds_.erase(fd);
  }

  TimerId AddTimer(int64_t delay_ms, int64_t period_ms,
                   TimerCallback cb) override {
    TimerId id = next_timer_id_++;
    timers_[id] =
        Timer{std::make_shared<TimerCallback>(std::move(cb)), period_ms};
    heap_.push(HeapEntry{NowMs() + (delay_ms < 0 ? 0 : delay_ms), id});
    return id;
  }

  void CancelTimer(TimerId id) override { timers_.erase(id); }

  Status HandleSignals(const std::vector<int>& signals,
                       SignalCallback cb) override {
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals) sigaddset(&set, s);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
      return ErrnoStatus("sigprocmask", errno);
    }
    int fd = signalfd(sigfd_, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) return ErrnoStatus("signalfd", errno);
    if (sigfd_ < 0) {
      sigfd_ = fd;
      signal_cb_ = std::move(cb);
      return AddFd(sigfd_, [this] { ReadSignals(); });
    }
    signal_cb_ = std::move(cb);
    return Status::Ok();
  }

  void AddAfterHook(std::function<void()> cb) override {
    after_hooks_.push_back(std::move(cb));
  }

  Status Run() override {
    running_ = true;
    epoll_event events[32];
    while (running_) {
      // What timers produced (statistics, heartbeats, batch deadlines) is
      // handled by the after hooks before the loop sleeps, not at the next
      // wake-up. Timers that come due meanwhile (a collector re-arming a
      // 0 ms timer to read on) wait for the next round: every round polls
      // the file descriptors, so a busy source cannot starve the others.
      int timeout = RunDueTimers();
      if (timers_fired_ && running_) {
        for (auto& hook : after_hooks_) hook();
        timeout = NextTimeout();
      }
      if (!running_) break;
      int n = epoll_wait(epfd_, events, 32, timeout);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("epoll_wait", errno);
      }
      for (int i = 0; i < n && running_; ++i) {
        int fd = events[i].data.fd;
        if (fd == wakefd_) {
          uint64_t v;
          [[maybe_unused]] ssize_t r = read(wakefd_, &v, sizeof v);
          continue;
        }
        auto it = fds_.find(fd);
        if (it == fds_.end()) continue;
        // Hold a reference: the callback may remove its own fd.
        std::shared_ptr<FdEntry> entry = it->second;
        uint32_t ready = events[i].events;
        entry->cb((ready & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0,
                  (ready & EPOLLOUT) != 0);
      }
      for (auto& hook : after_hooks_) hook();
    }
    for (auto& hook : after_hooks_) hook();
    return Status::Ok();
  }

  void Stop() override { running_ = false; }

  void Wake() override {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t r = write(wakefd_, &one, sizeof one);
  }

  int64_t NowMs() const override { return MonotonicMs(); }

  Status Init() {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wakefd_;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev) != 0) {
      return ErrnoStatus("epoll_ctl add eventfd", errno);
    }
    return Status::Ok();
  }

 private:
  struct FdEntry {
    IoCallback cb;
    bool want_write;
  };
  struct Timer {
    std::shared_ptr<TimerCallback> cb;
    int64_t period_ms;
  };
  struct HeapEntry {
    int64_t due_ms;
    TimerId id;
    bool operator>(const HeapEntry& o) const {
      return due_ms != o.due_ms ? due_ms > o.due_ms : id > o.id;
    }
  };

  // The epoll timeout until the next live timer, without running any.
  int NextTimeout() {
    while (!heap_.empty() && timers_.find(heap_.top().id) == timers_.end()) {
      heap_.pop();  // cancelled
    }
    if (heap_.empty()) return -1;
    int64_t wait = heap_.top().due_ms - NowMs();
    if (wait <= 0) return 0;
    return wait > 60000 ? 60000 : static_cast<int>(wait);
  }

  // Fires every due timer; returns the epoll timeout until the next one.
  // Timers added by the callbacks wait for the next round, even when due at
  // once, so that a chain of 0 ms timers cannot keep the loop from polling.
  int RunDueTimers() {
    timers_fired_ = false;
    const TimerId first_new = next_timer_id_;
    while (!heap_.empty() && running_) {
      HeapEntry top = heap_.top();
      auto it = timers_.find(top.id);
      if (it == timers_.end()) {  // cancelled
        heap_.pop();
        continue;
      }
      if (top.id >= first_new) return 0;
      int64_t now = NowMs();
      if (top.due_ms > now) {
        int64_t wait = top.due_ms - now;
        return wait > 60000 ? 60000 : static_cast<int>(wait);
      }
      heap_.pop();
      std::shared_ptr<TimerCallback> cb = it->second.cb;
      if (it->second.period_ms > 0) {
        heap_.push(HeapEntry{now + it->second.period_ms, top.id});
      } else {
        timers_.erase(it);
      }
      timers_fired_ = true;
      (*cb)();
    }
    return heap_.empty() ? -1 : 0;
  }

  void ReadSignals() {
    signalfd_siginfo si;
    while (read(sigfd_, &si, sizeof si) == sizeof si) {
      if (signal_cb_) signal_cb_(static_cast<int>(si.ssi_signo));
    }
  }

  int epfd_;
  int wakefd_;
  int sigfd_ = -1;
  bool running_ = false;
  bool timers_fired_ = false;  // set by RunDueTimers()
  SignalCallback signal_cb_;
  std::unordered_map<int, std::shared_ptr<FdEntry>> fds_;
  std::unordered_map<TimerId, Timer> timers_;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<>> heap_;
  TimerId next_timer_id_ = 1;
  std::vector<std::function<void()>> after_hooks_;
};

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return ErrnoStatus("epoll_create1", errno);
  int wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakefd < 0) {
    int err = errno;
    close(epfd);
    return ErrnoStatus("eventfd", err);
  }
  auto loop = std::make_unique<EpollLoop>(epfd, wakefd);
  Status st = loop->Init();
  if (!st.ok()) return st;
  return std::unique_ptr<EventLoop>(std::move(loop));
}

}  // namespace picket

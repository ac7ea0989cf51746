// EventLoop: the one thread that runs picket's pipeline.
//
// It owns readiness callbacks for file descriptors (netlink sockets, worker
// notifications, signals), timers, and "after" hooks that run at the end of
// every iteration (the pipeline drains its queue there). All callbacks run on
// the thread that called Run(); none of the methods is thread-safe except
// Wake(), which other threads use to interrupt a wait. The implementation is
// platform code (src/engine/linux/event_loop.cc: epoll, signalfd, eventfd).
#ifndef PICKET_EVENT_LOOP_H_
#define PICKET_EVENT_LOOP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "picket/status.h"

namespace picket {

class EventLoop {
 public:
  using FdCallback = std::function<void()>;
  using IoCallback = std::function<void(bool readable, bool writable)>;
  using TimerCallback = std::function<void()>;
  using SignalCallback = std::function<void(int signo)>;
  using TimerId = uint64_t;

  static Result<std::unique_ptr<EventLoop>> Create();
  virtual ~EventLoop() = default;

  // Calls `cb` whenever `fd` is readable (level-triggered). The caller keeps
  // ownership of fd and must RemoveFd() before closing it.
  virtual Status AddFd(int fd, FdCallback cb) = 0;
  // Like AddFd(), for sockets that also write (an MQTT connection): `cb`
  // learns which readiness fired, and writability is watched only while
  // SetWriteInterest(fd, true). Errors and hang-ups count as readable.
  virtual Status AddIoFd(int fd, IoCallback cb) = 0;
  virtual Status SetWriteInterest(int fd, bool on) = 0;
  virtual void RemoveFd(int fd) = 0;

  // Runs `cb` after `delay_ms`, then every `period_ms` if it is > 0.
  // Cancelling an unknown or already-fired one-shot id is a no-op.
  virtual TimerId AddTimer(int64_t delay_ms, int64_t period_ms,
                           TimerCallback cb) = 0;
  virtual void CancelTimer(TimerId id) = 0;

  // Blocks `signals` for the process and delivers them through the loop.
  virtual Status HandleSignals(const std::vector<int>& signals,
                               SignalCallback cb) = 0;

  // Runs `cb` at the end of every loop iteration, after all ready callbacks.
  virtual void AddAfterHook(std::function<void()> cb) = 0;

  // Runs until Stop(). Returns an error only if waiting itself fails.
  virtual Status Run() = 0;
  virtual void Stop() = 0;

  // Interrupts a wait from any thread; the after hooks then run.
  virtual void Wake() = 0;

  // Monotonic milliseconds, for timers and rate windows.
  virtual int64_t NowMs() const = 0;
};

}  // namespace picket

#endif  // PICKET_EVENT_LOOP_H_

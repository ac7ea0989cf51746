// Worker: one background thread for blocking work (hashing a binary, a
// posture scan), so the event loop never waits on the disk.
//
// Post() queues a job (bounded: it returns false when full, and the caller
// decides what to do without the result). The job runs on the worker thread;
// its `done` continuation runs later on the event-loop thread. Post() and
// the destructor must be called on the loop thread; jobs must only touch data
// they own. Destruction waits for the running job, then discards the rest
// (their `done` is not called).
#ifndef PICKET_ENGINE_WORKER_H_
#define PICKET_ENGINE_WORKER_H_

#include <cstddef>
#include <functional>
#include <memory>

#include "picket/event_loop.h"
#include "picket/status.h"

namespace picket {

// kIdle (SCHED_IDLE) runs only when a CPU has nothing else to do: for work
// that may wait (hashing, posture scans). kNormal is for work that must not
// starve on a busy device but must not block the loop either (reading the
// intel file).
enum class WorkerPriority { kIdle, kNormal };

class Worker {
 public:
  using Job = std::function<void()>;
  using Done = std::function<void()>;

  static Result<std::unique_ptr<Worker>> Create(
      EventLoop& loop, size_t capacity,
      WorkerPriority priority = WorkerPriority::kIdle);
  virtual ~Worker() = default;

  // Returns false, without running anything, when `capacity` jobs wait.
  virtual bool Post(Job job, Done done) = 0;

  virtual size_t pending() const = 0;
};

}  // namespace picket

#endif  // PICKET_ENGINE_WORKER_H_

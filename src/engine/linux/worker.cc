// Worker on a std::thread; completions are handed back through an eventfd
// watched by the event loop.
#include "engine/worker.h"

#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace picket {

namespace {

class ThreadWorker final : public Worker {
 public:
  ThreadWorker(EventLoop& loop, size_t capacity, int efd,
               WorkerPriority priority)
      : loop_(loop), capacity_(capacity), efd_(efd), priority_(priority) {}

  ~ThreadWorker() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      jobs_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    loop_.RemoveFd(efd_);
    close(efd_);
  }

  Status Start() {
    PICKET_RETURN_IF_ERROR(loop_.AddFd(efd_, [this] { RunCompletions(); }));
    thread_ = std::thread([this] { ThreadMain(); });
    return Status::Ok();
  }

  bool Post(Job job, Done done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (jobs_.size() >= capacity_) return false;
      jobs_.push_back({std::move(job), std::move(done)});
    }
    cv_.notify_one();
    return true;
  }

  size_t pending() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return jobs_.size();
  }

 private:
  struct Item {
    Job job;
    Done done;
  };

  void ThreadMain() {
    // Background work must never delay the event loop: SCHED_IDLE runs this
    // thread only when a CPU has nothing else to do.
    if (priority_ == WorkerPriority::kIdle) {
      sched_param param{};
      sched_setscheduler(0, SCHED_IDLE, &param);
    }
    for (;;) {
      Item item;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        item = std::move(jobs_.front());
        jobs_.pop_front();
      }
      item.job();
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        completed_.push_back(std::move(item.done));
      }
      uint64_t one = 1;
      [[maybe_unused]] ssize_t r = write(efd_, &one, sizeof one);
    }
  }

  void RunCompletions() {
    uint64_t v;
    [[maybe_unused]] ssize_t r = read(efd_, &v, sizeof v);
    std::deque<Done> ready;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready.swap(completed_);
    }
    for (auto& done : ready) {
      if (done) done();
    }
  }

  EventLoop& loop_;
  size_t capacity_;
  int efd_;
  WorkerPriority priority_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> jobs_;
  std::deque<Done> completed_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<Worker>> Worker::Create(EventLoop& loop, size_t capacity,
                                               WorkerPriority priority) {
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) return ErrnoStatus("eventfd", errno);
  auto worker = std::make_unique<ThreadWorker>(loop, capacity, efd, priority);
  PICKET_RETURN_IF_ERROR(worker->Start());
  return std::unique_ptr<Worker>(std::move(worker));
}

}  // namespace picket

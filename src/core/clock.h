// Clock: the agent's view of time, behind an interface so detectors and the
// pipeline can be tested with a fake clock. SystemClock uses std::chrono
// only, so the core stays portable. Thread-safe.
#ifndef PICKET_CORE_CLOCK_H_
#define PICKET_CORE_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace picket {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix time in nanoseconds (event timestamps).
  virtual int64_t RealtimeNs() const = 0;
  // Monotonic milliseconds (windows, rates, timeouts).
  virtual int64_t MonotonicMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t RealtimeNs() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t MonotonicMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

// A clock driven by the data: `picket replay` sets it to each packet's
// capture time, so windows and alert times follow the capture, not the
// machine replaying it.
class ManualClock final : public Clock {
 public:
  int64_t RealtimeNs() const override { return realtime_ns_; }
  int64_t MonotonicMs() const override { return realtime_ns_ / 1000000; }
  void SetRealtimeNs(int64_t ns) {
    if (ns > realtime_ns_) realtime_ns_ = ns;  // never backwards
  }

 private:
  int64_t realtime_ns_ = 0;
};

// A clock tests move by hand.
class FakeClock final : public Clock {
 public:
  int64_t RealtimeNs() const override { return realtime_ns_; }
  int64_t MonotonicMs() const override { return monotonic_ms_; }
  void AdvanceMs(int64_t ms) {
    monotonic_ms_ += ms;
    realtime_ns_ += ms * 1000000;
  }

 private:
  int64_t realtime_ns_ = 1795000000000000000;  // 2026-11-18
  int64_t monotonic_ms_ = 1000000;
};

}  // namespace picket

#endif  // PICKET_CORE_CLOCK_H_

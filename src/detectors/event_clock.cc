#include "detectors/event_clock.h"

#include <variant>

namespace picket {
namespace {

// A log time more than this after the event's arrival is a wrong clock
// or a guessed year, not the event's time.
constexpr int64_t kMaxFutureSkewNs = 86400LL * 1000000000;
constexpr int64_t kNsPerMs = 1000000;

}  // namespace

int64_t EventClock::Ms(const Event& event, const LoginEvent* login) {
  int64_t ns;
  if (login != nullptr) {
    ns = event.time_ns;
    if (login->log_time_ns != 0 &&
        login->log_time_ns - event.time_ns < kMaxFutureSkewNs) {
      ns = login->log_time_ns;
    }
    log_offset_ns_ = ns - event.time_ns;
    have_offset_ = true;
  } else if (!have_offset_) {
    ns = event.time_ns;
  } else {
    ns = event.time_ns + log_offset_ns_;
  }
  int64_t ms = ns / kNsPerMs;
  if (ms < watermark_ms_) {
    if (login != nullptr) ++out_of_order_;
    return watermark_ms_;
  }
  watermark_ms_ = ms;
  return ms;
}

int64_t EventClock::Ms(const Event& event) {
  const auto* login = std::get_if<LoginEvent>(&event.payload);
  bool counts = login != nullptr && (event.type == EventType::kLoginFailure ||
                                     event.type == EventType::kLoginSuccess ||
                                     event.type == EventType::kLogout);
  return Ms(event, counts ? login : nullptr);
}

}  // namespace picket

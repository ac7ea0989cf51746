// EventClock: the time windowed detectors judge events on (brute force,
// baselines' ranges), so that a log read from its beginning, a backlog
// drained after a restart, a replay and the live agent raise the same
// alerts (docs/login-monitoring.md, "Time"):
//
// - a login event's time is the time its log line carries, unless that is
//   more than a day after the event's arrival (a wrong device clock, a
//   guessed year): then its arrival;
// - any other event is placed on the log's clock: its arrival plus the
//   difference between the last login's log time and arrival (before the
//   first login: its arrival). A detector that judges logins only skips
//   other events until has_log_clock(): an agent event at start must not
//   move time past a history read from its beginning;
// - time never goes back: an event older than one already seen is taken
//   at the latest time seen (a login so is counted as out of order).
// Portable.
#ifndef PICKET_DETECTORS_EVENT_CLOCK_H_
#define PICKET_DETECTORS_EVENT_CLOCK_H_

#include <cstdint>

#include "picket/event.h"

namespace picket {

class EventClock {
 public:
  // The event's time in milliseconds; `login` is its login payload when it
  // is a login whose log time counts (null otherwise).
  int64_t Ms(const Event& event, const LoginEvent* login);
  // Ms() for any event: a login payload of a success, failure or logout
  // counts.
  int64_t Ms(const Event& event);

  int64_t latest_ms() const { return watermark_ms_; }
  // A login has been seen: other events are placed on the log's clock.
  bool has_log_clock() const { return have_offset_; }
  // Logins older than one already seen.
  uint64_t out_of_order() const { return out_of_order_; }

 private:
  int64_t watermark_ms_ = 0;
  int64_t log_offset_ns_ = 0;
  bool have_offset_ = false;  // a login event has set log_offset_ns_
  uint64_t out_of_order_ = 0;
};

}  // namespace picket

#endif  // PICKET_DETECTORS_EVENT_CLOCK_H_

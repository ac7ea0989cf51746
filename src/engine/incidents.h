// Incidents: alerts about one process tree share an id.
//
// Several detectors may judge the same process: a program run from /dev/shm
// (exec_location), its executable deleted (deleted_executable), then the
// same process sweeping the network or mining. A backend should see one
// incident, not three unrelated alerts. The pipeline asks this tracker for
// the incident of every alert it passes on; the tracker reads the process
// from the alert's evidence (a process event's pid, parent and start time,
// or a flow's owning pid), so detectors need not know about incidents.
//
// Rule: an alert whose process already has an incident joins it; else one
// whose parent has one joins the parent's (a dropper's child, a shell's
// command); else it opens a new incident named after the process:
// `<pid>-<start ms>` where start is the process's start time when the
// evidence says it, else the evidence event's time, so the same events
// replayed give the same ids. A process forked by one in an incident is in
// it from the fork on; an exited process leaves its incident (its pid may
// be reused). Alerts without a process have no incident. Memory: one entry
// per process with an incident, at most `max_entries` (oldest forgotten
// first, counted as `incidents_evicted`). Portable, single-threaded.
#ifndef PICKET_ENGINE_INCIDENTS_H_
#define PICKET_ENGINE_INCIDENTS_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

#include "picket/event.h"

namespace picket {

class IncidentTracker {
 public:
  explicit IncidentTracker(size_t max_entries = 4096)
      : max_entries_(max_entries) {}

  // Fills alert->incident (unless the detector set one) from its evidence.
  void Assign(Alert* alert);

  // Sees every event after its alerts were assigned: forks extend an
  // incident to the child, exits end a process's membership.
  void OnEvent(const Event& event);

  size_t size() const { return by_pid_.size(); }
  uint64_t opened() const { return opened_; }
  uint64_t evicted() const { return evicted_; }

 private:
  void Remember(int32_t pid, const std::string& incident);

  size_t max_entries_;
  std::unordered_map<int32_t, std::string> by_pid_;
  std::deque<int32_t> order_;  // insertion order, for eviction
  uint64_t opened_ = 0;
  uint64_t evicted_ = 0;
};

}  // namespace picket

#endif  // PICKET_ENGINE_INCIDENTS_H_

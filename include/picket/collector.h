// Collector: turns OS facts into typed events. Collectors never decide what
// is bad; that is the detectors' job.
//
// Lifecycle: Start() opens OS resources, registers file descriptors and
// timers with the loop and begins submitting events; Stop() releases them.
// Both run on the event-loop thread, as do all callbacks.
#ifndef PICKET_COLLECTOR_H_
#define PICKET_COLLECTOR_H_

#include <string>

#include "picket/event.h"
#include "picket/event_loop.h"
#include "picket/event_submitter.h"
#include "picket/status.h"

namespace picket {

class Collector {
 public:
  virtual ~Collector() = default;

  // "collector.process", ... used in statistics and status events.
  virtual std::string name() const = 0;

  // Starts collecting into `out`. An error means the collector could not run
  // at all; degraded modes (fallbacks) are reported as agent.status events.
  virtual Status Start(EventLoop& loop, EventSubmitter& out) = 0;

  virtual void Stop() = 0;

  // Called after the pipeline has written every event submitted so far to
  // the sinks (at the end of each loop round): a collector that saves
  // reading positions may save up to here without losing anything to a
  // crash. Does nothing by default.
  virtual void OnDrained() {}

  // Counters for the statistics event: at least "events" and "dropped".
  virtual ComponentStats Stats() const = 0;
};

}  // namespace picket

#endif  // PICKET_COLLECTOR_H_

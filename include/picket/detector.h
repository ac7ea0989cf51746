// Detector: a stateful consumer of events that raises alerts.
//
// Detectors are the portable heart of picket: they see only events, the
// configuration they were built with and (later) the intel store; they never
// touch the OS, so they run the same in the agent, in `picket replay` and in
// firmware. The pipeline calls OnEvent() for every event, in order, on one
// thread; a detector needs no locking.
#ifndef PICKET_DETECTOR_H_
#define PICKET_DETECTOR_H_

#include <cstdint>
#include <string>

#include "picket/event.h"

namespace picket {

// Where a detector puts its findings. The pipeline fills in the envelope and
// suppresses repeats of the same (type_id, dedup_key) within its window.
class AlertEmitter {
 public:
  virtual ~AlertEmitter() = default;
  virtual void Emit(Alert alert) = 0;
};

class Detector {
 public:
  virtual ~Detector() = default;

  // "detector.exec_location", ... used in alerts and statistics.
  virtual std::string name() const = 0;

  // Examines one event; may call out.Emit() any number of times.
  virtual void OnEvent(const Event& event, AlertEmitter& out) = 0;

  // True for a detector that counts the other detectors' alerts: the
  // pipeline shows it every alert raised, once the sinks have it; what it
  // emits from such an event is dropped (no alert begets an alert).
  virtual bool SeesAlerts() const { return false; }

  // Counters for the statistics event; at least "alerts".
  virtual ComponentStats Stats() const = 0;
};

// Builds an Alert whose evidence is a copy of `evidence`.
Alert MakeAlert(const Event& evidence, std::string type_id, Severity severity,
                std::string title, std::string description,
                std::string remediation, std::string dedup_key);

}  // namespace picket

#endif  // PICKET_DETECTOR_H_

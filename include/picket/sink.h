// Sink: the end of the pipeline, where events and alerts leave the agent.
//
// The pipeline calls Write() for every event that passes filtering, in order,
// on the event-loop thread, and Flush() after each drained batch and on stop.
// A sink must not block the loop for long: it buffers, and it reports what it
// could not deliver through its counters instead of failing the caller.
#ifndef PICKET_SINK_H_
#define PICKET_SINK_H_

#include <string>

#include "picket/event.h"
#include "picket/status.h"

namespace picket {

class Sink {
 public:
  virtual ~Sink() = default;

  // "sink.jsonl", "sink.stdout", ... used in statistics.
  virtual std::string name() const = 0;

  // Prepares the sink (opens files). Called once before any Write().
  virtual Status Open() = 0;

  // Accepts one event. Failures are counted, not returned: one bad write must
  // not stop the pipeline.
  virtual void Write(const Event& event) = 0;

  // Pushes buffered data to its destination.
  virtual void Flush() = 0;

  // Counters for the statistics event: at least "written" and "dropped".
  virtual ComponentStats Stats() const = 0;
};

}  // namespace picket

#endif  // PICKET_SINK_H_

// EventSubmitter: what a collector sees of the pipeline — one call that
// queues an event. The pipeline implements it; a unit test gives a collector
// a recording one instead. Called on the event-loop thread only.
#ifndef PICKET_EVENT_SUBMITTER_H_
#define PICKET_EVENT_SUBMITTER_H_

#include "picket/event.h"

namespace picket {

class EventSubmitter {
 public:
  virtual ~EventSubmitter() = default;
  // Queues `event`; returns false when the queue is full and it was dropped
  // (the pipeline counts the drop).
  virtual bool Submit(Event event) = 0;
};

}  // namespace picket

#endif  // PICKET_EVENT_SUBMITTER_H_

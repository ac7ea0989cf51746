// Test support: RecordingSubmitter, the EventSubmitter a unit test hands a
// collector in place of the pipeline. It keeps every event submitted, in
// order, and can be told to refuse them, as a full queue does. Not for the
// shipped binary. Thread-compatible: the collector under test submits on
// the test's thread (or the event loop it runs).
#ifndef PICKET_TESTING_RECORDING_SUBMITTER_H_
#define PICKET_TESTING_RECORDING_SUBMITTER_H_

#include <cstddef>
#include <utility>
#include <variant>
#include <vector>

#include "picket/event.h"
#include "picket/event_submitter.h"

namespace picket::testing_util {

class RecordingSubmitter final : public EventSubmitter {
 public:
  // Records `event` and returns true; while refusing, drops it, counts it
  // in refused() and returns false.
  bool Submit(Event event) override {
    if (refusing_) {
      ++refused_;
      return false;
    }
    events_.push_back(std::move(event));
    return true;
  }

  // While true, Submit() behaves as a full pipeline queue.
  void set_refusing(bool refusing) { refusing_ = refusing; }
  // Events refused so far.
  size_t refused() const { return refused_; }

  // Every event recorded, in submission order.
  const std::vector<Event>& events() const { return events_; }
  // Forgets the events recorded so far (not the refused count).
  void Clear() { events_.clear(); }

  // The payloads of type T of the recorded events, in order.
  template <typename T>
  std::vector<T> Payloads() const {
    std::vector<T> out;
    for (const Event& e : events_) {
      if (const T* p = std::get_if<T>(&e.payload)) out.push_back(*p);
    }
    return out;
  }
  // The same, of the events of `type` only (a LoginEvent is a success, a
  // failure or a logout).
  template <typename T>
  std::vector<T> Payloads(EventType type) const {
    std::vector<T> out;
    for (const Event& e : events_) {
      const T* p = std::get_if<T>(&e.payload);
      if (p != nullptr && e.type == type) out.push_back(*p);
    }
    return out;
  }

 private:
  std::vector<Event> events_;
  bool refusing_ = false;
  size_t refused_ = 0;
};

}  // namespace picket::testing_util

#endif  // PICKET_TESTING_RECORDING_SUBMITTER_H_

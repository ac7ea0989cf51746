// Test support: RecordingEmitter, the AlertEmitter a detector test passes to
// Detector::OnEvent() to see what it raised. Keeps every alert, in order;
// no deduplication (that is the pipeline's). Not for the shipped binary.
#ifndef PICKET_TESTING_RECORDING_EMITTER_H_
#define PICKET_TESTING_RECORDING_EMITTER_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "picket/detector.h"
#include "picket/event.h"

namespace picket::testing_util {

class RecordingEmitter final : public AlertEmitter {
 public:
  void Emit(Alert alert) override { alerts_.push_back(std::move(alert)); }

  // Every alert emitted, in order.
  const std::vector<Alert>& alerts() const { return alerts_; }
  // The alerts whose type_id is `type_id`, in order.
  std::vector<Alert> Of(std::string_view type_id) const {
    std::vector<Alert> out;
    for (const Alert& a : alerts_) {
      if (a.type_id == type_id) out.push_back(a);
    }
    return out;
  }
  void Clear() { alerts_.clear(); }

 private:
  std::vector<Alert> alerts_;
};

// The value of `key` in `alert`'s details; "<none>" when it has none, so a
// missing key fails an equality check with a readable message.
inline std::string Detail(const Alert& alert, std::string_view key) {
  for (const auto& [k, v] : alert.details) {
    if (k == key) return v;
  }
  return "<none>";
}

}  // namespace picket::testing_util

#endif  // PICKET_TESTING_RECORDING_EMITTER_H_

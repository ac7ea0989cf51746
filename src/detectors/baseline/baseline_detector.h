// BaselineDetector (`detector.baseline`): applies the security group's
// baseline (baseline.h) to every event. An event outside an allowed set,
// or matching a denied set, raises a deviation alert naming the rule, the
// item observed and the set; the same deviation seen again is counted and
// reported again at most once per repeat_interval with that count. Range
// rules count per window of event time (detectors/event_clock.h, windows
// aligned to multiples of their length) and alert once per window outside
// [min, max], when the first event after the window's end arrives (the
// agent's heartbeat guarantees one a minute). Portable. docs/baselines.md.
#ifndef PICKET_DETECTORS_BASELINE_BASELINE_DETECTOR_H_
#define PICKET_DETECTORS_BASELINE_BASELINE_DETECTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "detectors/baseline/baseline.h"
#include "detectors/baseline/baseline_config.h"
#include "detectors/event_clock.h"
#include "intel/allow_list.h"
#include "picket/detector.h"

namespace picket {

inline constexpr const char* kAlertBaselineNotAllowed = "baseline.not_allowed";
inline constexpr const char* kAlertBaselineDenied = "baseline.denied";
inline constexpr const char* kAlertBaselineOutOfRange = "baseline.out_of_range";

class BaselineDetector final : public Detector {
 public:
  // `baseline` may be null: the detector then only counts events.
  BaselineDetector(BaselineDetectorConfig config,
                   std::shared_ptr<const baseline::Baseline> baseline);

  std::string name() const override { return "detector.baseline"; }
  void OnEvent(const Event& event, AlertEmitter& out) override;
  bool SeesAlerts() const override { return true; }
  ComponentStats Stats() const override;

 private:
  struct CompiledItem {
    const baseline::Item* item = nullptr;
    IntelAllowList address;  // one entry, when item->address is set
    bool local = false;      // logins: address "local"
  };
  struct SetRule {
    const baseline::Rule* rule = nullptr;
    std::vector<CompiledItem> items;
    // Programs without wildcards or hash: found by hashing.
    std::unordered_set<std::string> exact;
    std::string allowed_text;  // the set, bounded, for alerts
  };
  struct RangeRule {
    const baseline::Rule* rule = nullptr;
    int64_t window_start_ms = -1;
    bool first_window = true;  // started with the agent: partial
    uint64_t value = 0;
    std::unordered_set<uint64_t> distinct;
  };
  struct Deviation {
    int64_t last_alert_ms = 0;
    int64_t last_seen_ms = 0;
    uint64_t since_alert = 0;  // occurrences since the last report
    uint64_t total = 0;
  };

  void CheckSets(const baseline::Observation& seen, const Event& event,
                 int64_t now, AlertEmitter& out);
  bool Matches(const CompiledItem& c, const baseline::Observation& seen) const;
  void Deviate(const SetRule& rule, const baseline::Observation& seen,
               const Event& event, int64_t now, AlertEmitter& out);
  void Count(const Event& event);
  void CloseWindows(int64_t now, const Event& event, AlertEmitter& out);
  void Judge(RangeRule& r, uint64_t value, int64_t start_ms, uint64_t windows,
             const Event& event, AlertEmitter& out);

  BaselineDetectorConfig config_;
  std::shared_ptr<const baseline::Baseline> baseline_;
  std::vector<SetRule> sets_;
  std::vector<RangeRule> ranges_;
  EventClock clock_;
  std::unordered_map<std::string, Deviation> deviations_;
  baseline::ProcessPrograms programs_;
  std::vector<baseline::Observation> seen_;  // reused per event
  uint64_t events_ = 0;
  uint64_t alerts_ = 0;
  uint64_t repeats_ = 0;
  uint64_t evicted_ = 0;
  uint64_t hash_unknown_ = 0;
  uint64_t windows_ = 0;
};

}  // namespace picket

#endif  // PICKET_DETECTORS_BASELINE_BASELINE_DETECTOR_H_

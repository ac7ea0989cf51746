// Learning a baseline from what a device did (`picket baseline learn`, the
// agent's learn mode) and merging baselines learned on several devices of
// a group (`picket baseline merge`). Portable. docs/baselines.md.
#ifndef PICKET_DETECTORS_BASELINE_LEARNER_H_
#define PICKET_DETECTORS_BASELINE_LEARNER_H_

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "detectors/baseline/baseline.h"
#include "detectors/event_clock.h"

namespace picket::baseline {

struct LearnOptions {
  std::string group = "default";
  int64_t window_ms = 10 * 60 * 1000;  // of the proposed ranges
  // A proposed range's max: the largest value of any window times this,
  // and at least the counter's floor (docs/baselines.md).
  double margin = 1.5;
  // A set with more distinct items is not proposed (a rule that lists
  // every address of the internet allows everything and costs memory).
  size_t max_items = 256;
};

class BaselineLearner {
 public:
  explicit BaselineLearner(LearnOptions options);

  void OnEvent(const Event& event);

  // The proposed baseline, with comments saying what each rule was learned
  // from. Deterministic: the same events give the same baseline.
  Baseline Propose(WriteNotes* notes) const;

  uint64_t events() const { return events_; }

 private:
  struct LearnedSet {
    std::set<std::string> seen;  // ItemText, to count distinct items
    std::vector<Item> items;     // in first-seen order
    uint64_t events = 0;
    bool overflow = false;
  };
  struct Window {
    int64_t start_ms = -1;
    uint64_t value = 0;
    std::set<std::string> distinct;
    uint64_t max = 0;  // over every window so far
    uint64_t windows = 0;
  };

  void Learn(const Observation& o);
  void Count(const Event& event, int64_t now);

  LearnOptions options_;
  EventClock clock_;
  ProcessPrograms programs_;
  std::vector<Observation> seen_;
  std::map<Kind, LearnedSet> sets_;
  std::map<Counter, Window> ranges_;
  uint64_t events_ = 0;
  int64_t first_ms_ = 0;
  int64_t last_ms_ = 0;
};

// The least floor of a learned range's max, per counter.
uint64_t LearnFloor(Counter counter);

// One baseline for a group from several: the union of each rule's items,
// the widest of each range (the lowest min, the highest max; no bound if
// any has none). Rules are matched by id; the same id must be the same
// kind (and counter and window). Every baseline must be for `group`
// (empty: the first's). False with *error naming the file and rule.
bool MergeBaselines(const std::vector<Baseline>& in, std::string group,
                    Baseline* out, std::string* error);

}  // namespace picket::baseline

#endif  // PICKET_DETECTORS_BASELINE_LEARNER_H_

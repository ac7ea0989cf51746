// PostureCollector: the agent's periodic security posture scan.
//
// At Start() it loads the configured policy; a policy that cannot be loaded
// is reported as an agent.status error and the collector stays idle (the
// rest of the agent keeps running). A one-shot timer fires after
// first_delay (plus jitter), the scan runs on a worker thread (SCHED_IDLE,
// with a pause between checks), and its results come back to the loop
// thread, which emits:
//  - after the first scan, one posture.result event per check;
//  - after each later scan, posture.result events only for checks whose
//    result changed, with `previous` set;
//  - after every scan, one posture.summary event.
// The next scan is scheduled when one finishes (interval plus a random
// jitter), so scans never overlap. Stop() cancels a running scan. All
// methods run on the event-loop thread.
#ifndef PICKET_POSTURE_POSTURE_COLLECTOR_H_
#define PICKET_POSTURE_POSTURE_COLLECTOR_H_

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "engine/worker.h"
#include "picket/collector.h"
#include "posture/policy.h"
#include "posture/scanner.h"

namespace picket {

class PostureCollector final : public Collector {
 public:
  // `root` is the Host root ("/" on a live system); `clock` must outlive
  // the collector. `state_file` (optional) keeps the last verdicts across
  // restarts and reloads, so that only changes are reported after the first
  // full report of a device, not after every start.
  PostureCollector(PostureConfig config, std::string root, const Clock* clock,
                   std::string state_file = "");
  ~PostureCollector() override;

  std::string name() const override { return "collector.posture"; }
  Status Start(EventLoop& loop, EventSubmitter& out) override;
  void Stop() override;
  ComponentStats Stats() const override;

  // Builds the posture.result event of one check; `previous` is the verdict
  // name it changed from ("" on the first report). Exposed for tests.
  static Event ResultEvent(const Policy& policy, const CheckResult& result,
                           const std::string& previous, int64_t time_ns);

 private:
  struct Job;

  void Schedule(int64_t delay_ms);
  void StartScan();
  void OnScanDone(const std::shared_ptr<Job>& job);
  void EmitStatus(const std::string& state, const std::string& detail);
  // The verdicts of `policy_id` saved by an earlier run, if any.
  void LoadVerdicts(const std::string& policy_id);
  void SaveVerdicts(const std::string& policy_id);
  void Submit(Event event);

  PostureConfig config_;
  std::string root_;
  const Clock* clock_;
  std::string state_file_;
  EventLoop* loop_ = nullptr;
  EventSubmitter* out_ = nullptr;
  std::shared_ptr<const Policy> policy_;
  std::unique_ptr<Worker> worker_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  EventLoop::TimerId timer_ = 0;
  bool timer_armed_ = false;
  bool scanning_ = false;
  bool reported_ = false;                    // the first full report went out
  std::map<std::string, std::string> last_;  // check id -> verdict name
  std::mt19937_64 rng_;

  uint64_t events_ = 0;
  uint64_t dropped_ = 0;
  uint64_t scans_ = 0;
  uint64_t changes_ = 0;
  uint64_t scan_failures_ = 0;
  uint64_t last_duration_ms_ = 0;
  uint64_t last_score_ = 0;
};

}  // namespace picket

#endif  // PICKET_POSTURE_POSTURE_COLLECTOR_H_

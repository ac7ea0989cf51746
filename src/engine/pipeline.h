// Pipeline: the engine between collectors and sinks.
//
// Collectors Submit() events into a bounded queue (drops are counted, never
// blocking the collector). Drain(), called by the event loop at the end of
// every iteration, stamps each event with the device id and, unless its
// producer gave it a source-position id (core/event_id.h), a unique run id
// "<run>-<seq>"; runs every detector on it, writes it to every sink, then
// handles the alerts the detectors raised: repeats of the same (type id, dedup
// key) within the dedup window are suppressed and counted; each detector may
// then raise at most `alert_budget` alerts per minute (the excess is dropped,
// counted per detector as alerts_over_budget, and announced once per episode
// by an agent.status event); the rest get their own envelope and go to the
// sinks right after their evidence, each with the incident of its process
// (engine/incidents.h). An alert whose evidence has a
// source-position id gets an id derived from it; others get a run id.
// Single-threaded: all methods run on the event-loop thread.
#ifndef PICKET_ENGINE_PIPELINE_H_
#define PICKET_ENGINE_PIPELINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "engine/bounded_queue.h"
#include "engine/incidents.h"
#include "picket/detector.h"
#include "picket/event.h"
#include "picket/event_submitter.h"
#include "picket/sink.h"

namespace picket {

struct PipelineOptions {
  std::string device_id;
  // Prefix of every run id of this run; random per start so run ids never
  // repeat across restarts.
  std::string run_id;
  size_t queue_capacity = 4096;
  int64_t dedup_window_ms = 3600000;
  size_t dedup_max_entries = 4096;  // bound on remembered alert keys
  // Alerts per detector per minute; 0: unlimited. Protects the sinks and
  // the MQTT link from a detector that raises one alert per packet.
  uint32_t alert_budget = 60;
};

class Pipeline final : public EventSubmitter, private AlertEmitter {
 public:
  // `clock` must outlive the pipeline.
  Pipeline(PipelineOptions options, const Clock* clock);

  void AddDetector(std::unique_ptr<Detector> detector);
  // Shared so that a sink can outlive a reload (the MQTT sink keeps its
  // connection while detectors and collectors are rebuilt).
  void AddSink(std::shared_ptr<Sink> sink);
  // Drops every detector and sink (after flushing the sinks), for reload.
  void ClearDetectorsAndSinks();

  // Changes the alert budget (a reloaded configuration); counts are kept.
  void SetAlertBudget(uint32_t per_minute) {
    options_.alert_budget = per_minute;
  }

  bool Submit(Event event) override;

  // Processes every queued event, then flushes the sinks.
  void Drain();

  // Engine counters followed by each detector's and sink's counters.
  std::vector<ComponentStats> Stats() const;

  const std::string& device_id() const { return options_.device_id; }
  size_t queued() const { return queue_.size(); }
  uint64_t processed() const { return processed_; }
  uint64_t alerts() const { return alerts_; }

 private:
  void Emit(Alert alert) override;
  void Process(Event& event);
  bool IsRepeat(const Alert& alert);
  std::string NextRunId();
  // The id of the envelope of `alert` (see the class comment).
  std::string AlertId(const Alert& alert);
  // Counts `alert` against its detector's budget; true when the budget of
  // the current minute is spent (the alert is then dropped). Writes the
  // agent.status event that announces a budget being hit.
  bool OverBudget(const Alert& alert);

  // One detector's alerts in the current minute.
  struct Budget {
    int64_t window_start_ms = 0;
    uint32_t used = 0;
    uint64_t over = 0;            // dropped, since the start
    uint64_t over_in_window = 0;  // dropped in the current minute
    bool announced = false;       // this episode was reported
  };

  PipelineOptions options_;
  const Clock* clock_;
  BoundedQueue<Event> queue_;
  std::string run_prefix_;  // run_id + "-"
  std::vector<std::unique_ptr<Detector>> detectors_;
  std::vector<std::shared_ptr<Sink>> sinks_;
  std::vector<Alert> pending_alerts_;
  Detector* current_detector_ = nullptr;  // the one in OnEvent(), if any
  std::unordered_map<std::string, int64_t> last_alert_ms_;
  std::unordered_map<std::string, Budget> budgets_;  // by detector name
  IncidentTracker incidents_;
  uint64_t next_seq_ = 1;
  uint64_t processed_ = 0;
  uint64_t alerts_ = 0;
  uint64_t alerts_suppressed_ = 0;
  uint64_t alerts_over_budget_ = 0;
};

}  // namespace picket

#endif  // PICKET_ENGINE_PIPELINE_H_

#include "engine/pipeline.h"

#include <utility>

#include "core/event_id.h"

namespace picket {

Alert MakeAlert(const Event& evidence, std::string type_id, Severity severity,
                std::string title, std::string description,
                std::string remediation, std::string dedup_key) {
  Alert alert;
  alert.type_id = std::move(type_id);
  alert.severity = severity;
  alert.title = std::move(title);
  alert.description = std::move(description);
  alert.remediation = std::move(remediation);
  alert.dedup_key = std::move(dedup_key);
  alert.evidence = std::make_shared<const Event>(evidence);
  return alert;
}

Pipeline::Pipeline(PipelineOptions options, const Clock* clock)
    : options_(std::move(options)),
      clock_(clock),
      queue_(options_.queue_capacity),
      run_prefix_(options_.run_id + "-") {}

void Pipeline::AddDetector(std::unique_ptr<Detector> detector) {
  detectors_.push_back(std::move(detector));
}

void Pipeline::AddSink(std::shared_ptr<Sink> sink) {
  sinks_.push_back(std::move(sink));
}

void Pipeline::ClearDetectorsAndSinks() {
  for (auto& sink : sinks_) sink->Flush();
  sinks_.clear();
  detectors_.clear();
}

bool Pipeline::Submit(Event event) { return queue_.Push(std::move(event)); }

void Pipeline::Drain() {
  bool any = false;
  while (auto event = queue_.Pop()) {
    Process(*event);
    any = true;
  }
  if (any) {
    for (auto& sink : sinks_) sink->Flush();
  }
}

void Pipeline::Process(Event& event) {
  event.device_id = options_.device_id;
  // A producer that read the event from a source position set its id.
  if (event.id.empty()) event.id = NextRunId();
  ++processed_;
  for (auto& detector : detectors_) {
    current_detector_ = detector.get();
    detector->OnEvent(event, *this);
  }
  current_detector_ = nullptr;
  for (auto& sink : sinks_) sink->Write(event);
  if (pending_alerts_.empty()) {
    incidents_.OnEvent(event);
    return;
  }

  // What a detector emits when shown an alert goes nowhere.
  struct Discard final : AlertEmitter {
    void Emit(Alert) override {}
  } discard;
  std::vector<Alert> alerts;
  alerts.swap(pending_alerts_);
  for (Alert& alert : alerts) {
    if (IsRepeat(alert)) {
      ++alerts_suppressed_;
      continue;
    }
    if (OverBudget(alert)) continue;
    ++alerts_;
    incidents_.Assign(&alert);
    Event out;
    out.device_id = options_.device_id;
    out.id = AlertId(alert);
    out.time_ns = clock_->RealtimeNs();
    out.type = EventType::kAlert;
    out.priority = Priority::kHigh;
    out.payload = std::move(alert);
    for (auto& sink : sinks_) sink->Write(out);
    for (auto& detector : detectors_) {
      if (detector->SeesAlerts()) detector->OnEvent(out, discard);
    }
  }
  incidents_.OnEvent(event);
}

std::string Pipeline::NextRunId() {
  return run_prefix_ + std::to_string(next_seq_++);
}

std::string Pipeline::AlertId(const Alert& alert) {
  // Raised from an event read at a source position: the same alert raised
  // again from that event (after a re-read) keeps its id.
  if (alert.evidence != nullptr && !alert.evidence->id.empty() &&
      !alert.evidence->id.starts_with(run_prefix_)) {
    return DerivedAlertId(
        alert.evidence->id, alert.type_id,
        alert.occurrence.empty() ? alert.dedup_key : alert.occurrence);
  }
  return NextRunId();
}

void Pipeline::Emit(Alert alert) {
  if (alert.detector.empty() && current_detector_ != nullptr) {
    alert.detector = current_detector_->name();
  }
  pending_alerts_.push_back(std::move(alert));
}

bool Pipeline::IsRepeat(const Alert& alert) {
  if (options_.dedup_window_ms <= 0) return false;
  int64_t now = clock_->MonotonicMs();
  std::string key = alert.type_id + '\n' + alert.dedup_key;
  auto it = last_alert_ms_.find(key);
  if (it != last_alert_ms_.end()) {
    if (now - it->second < options_.dedup_window_ms) return true;
    it->second = now;
    return false;
  }
  if (last_alert_ms_.size() >= options_.dedup_max_entries) {
    // Forget expired keys; if all are fresh, stay bounded by not remembering
    // this one (an extra alert is better than unbounded memory).
    std::erase_if(last_alert_ms_, [&](const auto& kv) {
      return now - kv.second >= options_.dedup_window_ms;
    });
    if (last_alert_ms_.size() >= options_.dedup_max_entries) return false;
  }
  last_alert_ms_.emplace(std::move(key), now);
  return false;
}

bool Pipeline::OverBudget(const Alert& alert) {
  if (options_.alert_budget == 0) return false;
  constexpr int64_t kWindowMs = 60000;
  int64_t now = clock_->MonotonicMs();
  Budget& b = budgets_[alert.detector];
  if (b.used == 0 || now - b.window_start_ms >= kWindowMs) {
    // A minute without excess ends the episode: the next one is announced.
    if (b.over_in_window == 0) b.announced = false;
    b.window_start_ms = now;
    b.used = 0;
    b.over_in_window = 0;
  }
  if (b.used < options_.alert_budget) {
    ++b.used;
    return false;
  }
  ++b.over;
  ++b.over_in_window;
  ++alerts_over_budget_;
  if (!b.announced) {
    b.announced = true;
    const std::string who = alert.detector.empty() ? "engine" : alert.detector;
    Event status = MakeStatusEvent(
        clock_->RealtimeNs(), who, "alert_budget",
        who + " raised more than " + std::to_string(options_.alert_budget) +
            " alerts in a minute; its further alerts are dropped until a "
            "minute passes (counted as alerts_over_budget in its "
            "statistics). First dropped: " +
            alert.type_id + ": " + alert.title,
        Priority::kHigh);
    status.device_id = options_.device_id;
    status.id = NextRunId();
    for (auto& sink : sinks_) sink->Write(status);
  }
  return true;
}

std::vector<ComponentStats> Pipeline::Stats() const {
  std::vector<ComponentStats> out;
  ComponentStats engine;
  engine.name = "engine";
  engine.counters = {
      {"queued", queue_.pushed()},
      {"dropped", queue_.dropped()},
      {"processed", processed_},
      {"queue_high_water", queue_.high_water()},
      {"alerts", alerts_},
      {"alerts_suppressed", alerts_suppressed_},
      {"alerts_over_budget", alerts_over_budget_},
      {"incidents", incidents_.opened()},
      {"incidents_evicted", incidents_.evicted()},
  };
  out.push_back(std::move(engine));
  for (const auto& d : detectors_) {
    ComponentStats stats = d->Stats();
    auto it = budgets_.find(d->name());
    stats.counters.emplace_back("alerts_over_budget",
                                it == budgets_.end() ? 0 : it->second.over);
    out.push_back(std::move(stats));
  }
  for (const auto& s : sinks_) out.push_back(s->Stats());
  return out;
}

}  // namespace picket

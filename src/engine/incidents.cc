#include "engine/incidents.h"

#include <variant>

namespace picket {

namespace {

constexpr int64_t kNsPerMs = 1000000;

}  // namespace

void IncidentTracker::Assign(Alert* alert) {
  if (!alert->incident.empty() || alert->evidence == nullptr) return;
  const Event& evidence = *alert->evidence;
  int32_t pid = 0;
  int32_t ppid = 0;
  int64_t start_ns = 0;
  if (const auto* pe = std::get_if<ProcessEvent>(&evidence.payload)) {
    pid = pe->process.pid;
    ppid = pe->process.ppid;
    start_ns = pe->process.start_time_ns;
  } else if (const auto* ne = std::get_if<NetworkEvent>(&evidence.payload)) {
    pid = ne->pid;
  }
  if (pid <= 0) return;
  if (auto it = by_pid_.find(pid); it != by_pid_.end()) {
    alert->incident = it->second;
    return;
  }
  if (ppid > 0) {
    if (auto it = by_pid_.find(ppid); it != by_pid_.end()) {
      alert->incident = it->second;
      Remember(pid, it->second);
      return;
    }
  }
  if (start_ns <= 0) start_ns = evidence.time_ns;
  alert->incident =
      std::to_string(pid) + "-" + std::to_string(start_ns / kNsPerMs);
  ++opened_;
  Remember(pid, alert->incident);
}

void IncidentTracker::OnEvent(const Event& event) {
  if (by_pid_.empty()) return;
  const auto* pe = std::get_if<ProcessEvent>(&event.payload);
  if (pe == nullptr) return;
  if (event.type == EventType::kProcessFork) {
    auto it = by_pid_.find(pe->parent_pid);
    if (it != by_pid_.end() && pe->process.pid != pe->parent_pid) {
      std::string incident = it->second;
      Remember(pe->process.pid, incident);
    }
  } else if (event.type == EventType::kProcessExit) {
    by_pid_.erase(pe->process.pid);  // its order_ slot is skipped later
  }
}

void IncidentTracker::Remember(int32_t pid, const std::string& incident) {
  if (max_entries_ == 0) return;
  auto [it, inserted] = by_pid_.insert_or_assign(pid, incident);
  if (!inserted) return;
  order_.push_back(pid);
  // order_ may hold pids that exited (erased from by_pid_) or that were
  // re-added; it is bounded because it is trimmed whenever it outgrows
  // twice the live entries.
  while (by_pid_.size() > max_entries_ && !order_.empty()) {
    int32_t oldest = order_.front();
    order_.pop_front();
    if (by_pid_.erase(oldest) > 0) ++evicted_;
  }
  if (order_.size() > 2 * max_entries_) {
    std::deque<int32_t> live;
    for (int32_t p : order_) {
      if (by_pid_.count(p) > 0) live.push_back(p);
    }
    order_.swap(live);
  }
}

}  // namespace picket

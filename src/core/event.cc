#include "picket/event.h"

#include <array>
#include <utility>

namespace picket {

namespace {

constexpr std::array<std::pair<EventType, std::string_view>, 17> kTypeNames = {{
    {EventType::kProcessSnapshot, "process.snapshot"},
    {EventType::kProcessFork, "process.fork"},
    {EventType::kProcessExec, "process.exec"},
    {EventType::kProcessExit, "process.exit"},
    {EventType::kProcessChanged, "process.changed"},
    {EventType::kAlert, "alert"},
    {EventType::kAgentStatus, "agent.status"},
    {EventType::kStatistics, "agent.statistics"},
    {EventType::kNetworkConnection, "network.connection"},
    {EventType::kNetworkListen, "network.listen"},
    {EventType::kNetworkDns, "network.dns"},
    {EventType::kLoginSuccess, "login.success"},
    {EventType::kLoginFailure, "login.failure"},
    {EventType::kLogout, "login.logout"},
    {EventType::kPostureResult, "posture.result"},
    {EventType::kPostureSummary, "posture.summary"},
    {EventType::kHeartbeat, "agent.heartbeat"},
}};

constexpr std::array<std::string_view, 3> kPriorityNames = {"low", "medium",
                                                            "high"};
constexpr std::array<std::string_view, 5> kSeverityNames = {
    "info", "low", "medium", "high", "critical"};

}  // namespace

std::string_view EventTypeName(EventType type) {
  for (const auto& [t, name] : kTypeNames) {
    if (t == type) return name;
  }
  return "unknown";
}

std::string_view PriorityName(Priority priority) {
  return kPriorityNames[static_cast<size_t>(priority)];
}

std::string_view SeverityName(Severity severity) {
  return kSeverityNames[static_cast<size_t>(severity)];
}

bool ParseEventType(std::string_view name, EventType* out) {
  for (const auto& [t, n] : kTypeNames) {
    if (n == name) {
      *out = t;
      return true;
    }
  }
  return false;
}

bool ParsePriority(std::string_view name, Priority* out) {
  for (size_t i = 0; i < kPriorityNames.size(); ++i) {
    if (kPriorityNames[i] == name) {
      *out = static_cast<Priority>(i);
      return true;
    }
  }
  return false;
}

bool ParseSeverity(std::string_view name, Severity* out) {
  for (size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) {
      *out = static_cast<Severity>(i);
      return true;
    }
  }
  return false;
}

Event MakeStatusEvent(int64_t time_ns, std::string component, std::string state,
                      std::string detail, Priority priority) {
  Event event;
  event.time_ns = time_ns;
  event.type = EventType::kAgentStatus;
  event.priority = priority;
  event.payload =
      AgentStatus{std::move(component), std::move(state), std::move(detail)};
  return event;
}

}  // namespace picket

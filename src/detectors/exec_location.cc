#include "detectors/exec_location.h"

#include <utility>

namespace picket {

bool PathIsUnder(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir == "/") return !path.empty() && path[0] == '/';
  if (path.size() < dir.size() || path.substr(0, dir.size()) != dir) {
    return false;
  }
  return path.size() == dir.size() || path[dir.size()] == '/';
}

ExecLocationDetector::ExecLocationDetector(ExecLocationDetectorConfig config)
    : config_(std::move(config)) {}

std::string ExecLocationDetector::Reason(const ProcessInfo& p) const {
  if (p.exe.empty() || p.exe[0] != '/') return "";
  for (const std::string& allowed : config_.allow) {
    if (PathIsUnder(p.exe, allowed)) return "";
  }
  for (const std::string& dir : config_.paths) {
    if (PathIsUnder(p.exe, dir)) return "its file is in " + dir;
  }
  if (config_.tmpfs && p.exe_fs_type == "tmpfs") {
    return "its file is on a tmpfs (memory-backed) mount";
  }
  if (config_.world_writable && p.exe_dir_writable_by_all) {
    return "its directory is writable by every user";
  }
  return "";
}

void ExecLocationDetector::OnEvent(const Event& event, AlertEmitter& out) {
  if (event.type != EventType::kProcessExec &&
      event.type != EventType::kProcessSnapshot) {
    return;
  }
  const auto* pe = std::get_if<ProcessEvent>(&event.payload);
  if (pe == nullptr) return;
  ++examined_;
  const ProcessInfo& p = pe->process;
  std::string reason = Reason(p);
  if (reason.empty()) return;
  ++alerts_;
  std::string desc = "Process " + std::to_string(p.pid) + " (user " +
                     (p.user.empty() ? std::to_string(p.uid) : p.user) +
                     ") runs " + p.exe + ", and " + reason +
                     ". Malware droppers place their payload in such "
                     "locations because they are writable and often wiped "
                     "at reboot.";
  out.Emit(MakeAlert(
      event, kAlertExecFromTemp, Severity::kHigh,
      "Program executed from a temporary or world-writable location: " + p.exe,
      std::move(desc),
      "Identify how the file got there (parent process, recent downloads), "
      "kill the process if it is not expected, remove the file, and mount "
      "temporary file systems with noexec.",
      p.exe));
}

ComponentStats ExecLocationDetector::Stats() const {
  return {name(), {{"examined", examined_}, {"alerts", alerts_}}};
}

}  // namespace picket

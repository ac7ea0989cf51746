#include "detectors/deleted_executable.h"

#include <utility>

#include "detectors/exec_location.h"

namespace picket {

DeletedExecutableDetector::DeletedExecutableDetector(
    DeletedExecutableDetectorConfig config)
    : config_(std::move(config)) {}

void DeletedExecutableDetector::OnEvent(const Event& event, AlertEmitter& out) {
  if (event.type != EventType::kProcessExec &&
      event.type != EventType::kProcessSnapshot &&
      event.type != EventType::kProcessChanged) {
    return;
  }
  const auto* pe = std::get_if<ProcessEvent>(&event.payload);
  if (pe == nullptr) return;
  ++examined_;
  const ProcessInfo& p = pe->process;
  if (!p.exe_deleted || p.exe.empty()) return;
  for (const std::string& allowed : config_.allow) {
    if (PathIsUnder(p.exe, allowed)) return;
  }
  ++alerts_;
  bool fileless = p.exe.rfind("/memfd:", 0) == 0;
  std::string who = "Process " + std::to_string(p.pid) + " (user " +
                    (p.user.empty() ? std::to_string(p.uid) : p.user) + ")";
  std::string title =
      fileless ? "Program running from memory without a file: " + p.exe
               : "Running program's executable was deleted: " + p.exe;
  std::string desc =
      fileless ? who + " executes an anonymous in-memory file (" + p.exe +
                     "). Fileless malware runs this way to leave nothing on "
                     "disk."
               : who + " still runs " + p.exe +
                     ", but that file has been deleted. Malware removes its "
                     "binary after start to evade file scans.";
  // One alert per process instance: pid plus start time survives pid reuse.
  std::string key =
      std::to_string(p.pid) + "@" + std::to_string(p.start_time_ns);
  out.Emit(MakeAlert(
      event, kAlertDeletedExecutable,
      fileless ? Severity::kCritical : Severity::kHigh, std::move(title),
      std::move(desc),
      "Capture the binary while the process lives (cp /proc/<pid>/exe), "
      "check its parent and network connections, then kill it. If a package "
      "upgrade replaced the file, restart the service instead.",
      std::move(key)));
}

ComponentStats DeletedExecutableDetector::Stats() const {
  return {name(), {{"examined", examined_}, {"alerts", alerts_}}};
}

}  // namespace picket

// ExecLocationDetector: alerts when a program runs from a temporary or
// world-writable place (/tmp, /var/tmp, /dev/shm, any tmpfs mount, a directory
// any user may write). IoT droppers (Mirai, Gafgyt, Hajime and kin) download
// their binary into such a place because it is the only writable one, so this
// is one of the strongest single signals on a device.
#ifndef PICKET_DETECTORS_EXEC_LOCATION_H_
#define PICKET_DETECTORS_EXEC_LOCATION_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "picket/detector.h"

namespace picket {

inline constexpr char kAlertExecFromTemp[] = "process.exec_from_temp";

class ExecLocationDetector final : public Detector {
 public:
  explicit ExecLocationDetector(ExecLocationDetectorConfig config);

  std::string name() const override { return "detector.exec_location"; }
  void OnEvent(const Event& event, AlertEmitter& out) override;
  ComponentStats Stats() const override;

 private:
  // Why `p` is suspicious ("in /tmp", "on tmpfs", ...), or empty.
  std::string Reason(const ProcessInfo& p) const;

  ExecLocationDetectorConfig config_;
  uint64_t examined_ = 0;
  uint64_t alerts_ = 0;
};

// True when `path` is `dir` or lies below it, component-wise ("/tmpx" is not
// under "/tmp"). Both must be absolute; a trailing '/' on dir is ignored.
bool PathIsUnder(std::string_view path, std::string_view dir);

}  // namespace picket

#endif  // PICKET_DETECTORS_EXEC_LOCATION_H_

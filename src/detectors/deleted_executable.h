// DeletedExecutableDetector: alerts when a running process's executable file
// no longer exists on disk, including programs run straight from memory
// (memfd_create, "/memfd:..."). Malware deletes its binary after start to
// hide from file scans; legitimate cases (a package upgrade replacing a
// running daemon) are rarer on devices and can be allow-listed by path.
#ifndef PICKET_DETECTORS_DELETED_EXECUTABLE_H_
#define PICKET_DETECTORS_DELETED_EXECUTABLE_H_

#include "core/config.h"
#include "picket/detector.h"

namespace picket {

inline constexpr char kAlertDeletedExecutable[] = "process.deleted_executable";

class DeletedExecutableDetector final : public Detector {
 public:
  explicit DeletedExecutableDetector(DeletedExecutableDetectorConfig config);

  std::string name() const override { return "detector.deleted_executable"; }
  void OnEvent(const Event& event, AlertEmitter& out) override;
  ComponentStats Stats() const override;

 private:
  DeletedExecutableDetectorConfig config_;
  uint64_t examined_ = 0;
  uint64_t alerts_ = 0;
};

}  // namespace picket

#endif  // PICKET_DETECTORS_DELETED_EXECUTABLE_H_

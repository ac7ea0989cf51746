#include "detectors/deleted_executable.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

class Collect final : public AlertEmitter {
 public:
  void Emit(Alert alert) override { alerts.push_back(std::move(alert)); }
  std::vector<Alert> alerts;
};

Event Proc(EventType type, const std::string& exe, bool deleted, int pid = 99,
           int64_t start = 5) {
  Event e;
  e.type = type;
  ProcessEvent pe;
  pe.process.pid = pid;
  pe.process.start_time_ns = start;
  pe.process.exe = exe;
  pe.process.exe_deleted = deleted;
  e.payload = pe;
  return e;
}

TEST(DeletedExecutableDetectorTest, AlertsOnExecSnapshotAndChange) {
  DeletedExecutableDetector d{DeletedExecutableDetectorConfig{}};
  Collect out;
  d.OnEvent(Proc(EventType::kProcessChanged, "/tmp/s", true, 1), out);
  d.OnEvent(Proc(EventType::kProcessSnapshot, "/tmp/s", true, 2), out);
  d.OnEvent(Proc(EventType::kProcessExec, "/tmp/s", true, 3), out);
  ASSERT_EQ(out.alerts.size(), 3u);
  EXPECT_EQ(out.alerts[0].type_id, kAlertDeletedExecutable);
  EXPECT_EQ(out.alerts[0].severity, Severity::kHigh);
  EXPECT_EQ(out.alerts[0].dedup_key, "1@5");
  EXPECT_NE(out.alerts[0].title.find("/tmp/s"), std::string::npos);
}

TEST(DeletedExecutableDetectorTest, QuietWhenPresentOrExit) {
  DeletedExecutableDetector d{DeletedExecutableDetectorConfig{}};
  Collect out;
  d.OnEvent(Proc(EventType::kProcessExec, "/usr/bin/x", false), out);
  d.OnEvent(Proc(EventType::kProcessExit, "/usr/bin/x", true), out);
  EXPECT_TRUE(out.alerts.empty());
}

TEST(DeletedExecutableDetectorTest, MemfdIsCriticalFileless) {
  DeletedExecutableDetector d{DeletedExecutableDetectorConfig{}};
  Collect out;
  d.OnEvent(Proc(EventType::kProcessExec, "/memfd:payload", true), out);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].severity, Severity::kCritical);
  EXPECT_NE(out.alerts[0].title.find("memory"), std::string::npos);
}

TEST(DeletedExecutableDetectorTest, AllowList) {
  DeletedExecutableDetectorConfig cfg;
  cfg.allow = {"/usr/sbin"};
  DeletedExecutableDetector d{cfg};
  Collect out;
  d.OnEvent(Proc(EventType::kProcessChanged, "/usr/sbin/sshd", true), out);
  EXPECT_TRUE(out.alerts.empty());
}

}  // namespace
}  // namespace picket

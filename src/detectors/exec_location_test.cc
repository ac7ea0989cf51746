#include "detectors/exec_location.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

class Collect final : public AlertEmitter {
 public:
  void Emit(Alert alert) override { alerts.push_back(std::move(alert)); }
  std::vector<Alert> alerts;
};

Event ProcEvent(EventType type, const std::string& exe) {
  Event e;
  e.type = type;
  e.id = "r-1";
  ProcessEvent pe;
  pe.process.pid = 1234;
  pe.process.user = "www";
  pe.process.exe = exe;
  e.payload = pe;
  return e;
}

TEST(PathIsUnderTest, ComponentWise) {
  EXPECT_TRUE(PathIsUnder("/tmp/x", "/tmp"));
  EXPECT_TRUE(PathIsUnder("/tmp/x", "/tmp/"));
  EXPECT_TRUE(PathIsUnder("/tmp", "/tmp"));
  EXPECT_TRUE(PathIsUnder("/tmp/a/b/c", "/tmp"));
  EXPECT_FALSE(PathIsUnder("/tmpfoo/x", "/tmp"));
  EXPECT_FALSE(PathIsUnder("/usr/bin/tmp", "/tmp"));
  EXPECT_FALSE(PathIsUnder("", "/tmp"));
  EXPECT_TRUE(PathIsUnder("/anything", "/"));
}

TEST(ExecLocationDetectorTest, AlertsOnEachConfiguredDirectory) {
  ExecLocationDetector d{ExecLocationDetectorConfig{}};
  for (const char* exe : {"/tmp/x", "/var/tmp/.a/b", "/dev/shm/m"}) {
    Collect out;
    d.OnEvent(ProcEvent(EventType::kProcessExec, exe), out);
    ASSERT_EQ(out.alerts.size(), 1u) << exe;
    const Alert& a = out.alerts[0];
    EXPECT_EQ(a.type_id, kAlertExecFromTemp);
    EXPECT_EQ(a.severity, Severity::kHigh);
    EXPECT_NE(a.title.find(exe), std::string::npos);
    EXPECT_NE(a.description.find("1234"), std::string::npos);
    EXPECT_FALSE(a.remediation.empty());
    EXPECT_EQ(a.dedup_key, exe);
    ASSERT_NE(a.evidence, nullptr);
    EXPECT_EQ(a.evidence->id, "r-1");
  }
}

TEST(ExecLocationDetectorTest, SnapshotAlsoJudgedButNotExit) {
  ExecLocationDetector d{ExecLocationDetectorConfig{}};
  Collect out;
  d.OnEvent(ProcEvent(EventType::kProcessSnapshot, "/tmp/x"), out);
  d.OnEvent(ProcEvent(EventType::kProcessExit, "/tmp/x"), out);
  EXPECT_EQ(out.alerts.size(), 1u);
}

TEST(ExecLocationDetectorTest, NormalLocationsQuiet) {
  ExecLocationDetector d{ExecLocationDetectorConfig{}};
  Collect out;
  d.OnEvent(ProcEvent(EventType::kProcessExec, "/usr/bin/true"), out);
  d.OnEvent(ProcEvent(EventType::kProcessExec, "/tmpfoo/bin"), out);
  d.OnEvent(ProcEvent(EventType::kProcessExec, ""), out);
  EXPECT_TRUE(out.alerts.empty());
}

TEST(ExecLocationDetectorTest, TmpfsAndWorldWritableFacts) {
  ExecLocationDetectorConfig cfg;
  ExecLocationDetector d{cfg};
  Collect out;
  Event on_tmpfs = ProcEvent(EventType::kProcessExec, "/run/user/0/x");
  std::get<ProcessEvent>(on_tmpfs.payload).process.exe_fs_type = "tmpfs";
  d.OnEvent(on_tmpfs, out);
  Event ww = ProcEvent(EventType::kProcessExec, "/data/share/x");
  std::get<ProcessEvent>(ww.payload).process.exe_dir_writable_by_all = true;
  d.OnEvent(ww, out);
  ASSERT_EQ(out.alerts.size(), 2u);
  EXPECT_NE(out.alerts[0].description.find("tmpfs"), std::string::npos);
  EXPECT_NE(out.alerts[1].description.find("writable by every user"),
            std::string::npos);

  cfg.tmpfs = false;
  cfg.world_writable = false;
  ExecLocationDetector off{cfg};
  Collect none;
  off.OnEvent(on_tmpfs, none);
  off.OnEvent(ww, none);
  EXPECT_TRUE(none.alerts.empty());
}

TEST(ExecLocationDetectorTest, AllowListWins) {
  ExecLocationDetectorConfig cfg;
  cfg.allow = {"/tmp/updater"};
  ExecLocationDetector d{cfg};
  Collect out;
  d.OnEvent(ProcEvent(EventType::kProcessExec, "/tmp/updater/run"), out);
  EXPECT_TRUE(out.alerts.empty());
  d.OnEvent(ProcEvent(EventType::kProcessExec, "/tmp/other"), out);
  EXPECT_EQ(out.alerts.size(), 1u);
}

}  // namespace
}  // namespace picket

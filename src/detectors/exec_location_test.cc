#include "detectors/exec_location.h"

#include <gtest/gtest.h>

#include "testing/recording_emitter.h"
#include "testing/sample_events.h"

namespace picket {
namespace {

using testing_util::RecordingEmitter;
using testing_util::SampleProcess;

// A sample process event with an id, for the alert's evidence.
Event ProcEvent(EventType type, const std::string& exe) {
  Event e = SampleProcess(type, exe);
  e.id = "r-1";
  return e;
}

TEST(ExecLocationPathIsUnderTest, ComponentWise) {
  EXPECT_TRUE(PathIsUnder("/tmp/x", "/tmp"));
  EXPECT_TRUE(PathIsUnder("/tmp/x", "/tmp/"));
  EXPECT_TRUE(PathIsUnder("/tmp", "/tmp"));
  EXPECT_TRUE(PathIsUnder("/tmp/a/b/c", "/tmp"));
  EXPECT_FALSE(PathIsUnder("/tmpfoo/x", "/tmp"));
  EXPECT_FALSE(PathIsUnder("/usr/bin/tmp", "/tmp"));
  EXPECT_FALSE(PathIsUnder("", "/tmp"));
  EXPECT_TRUE(PathIsUnder("/anything", "/"));
}

TEST(ExecLocationTest, AlertsOnEachConfiguredDirectory) {
  ExecLocationDetector d{ExecLocationDetectorConfig{}};
  for (const char* exe : {"/tmp/x", "/var/tmp/.a/b", "/dev/shm/m"}) {
    RecordingEmitter out;
    d.OnEvent(ProcEvent(EventType::kProcessExec, exe), out);
    ASSERT_EQ(out.alerts().size(), 1u) << exe;
    const Alert& a = out.alerts()[0];
    EXPECT_EQ(a.type_id, kAlertExecFromTemp);
    EXPECT_EQ(a.severity, Severity::kHigh);
    EXPECT_NE(a.title.find(exe), std::string::npos);
    EXPECT_NE(a.description.find(std::to_string(testing_util::kSamplePid)),
              std::string::npos);
    EXPECT_FALSE(a.remediation.empty());
    EXPECT_EQ(a.dedup_key, exe);
    ASSERT_NE(a.evidence, nullptr);
    EXPECT_EQ(a.evidence->id, "r-1");
  }
}

TEST(ExecLocationTest, SnapshotAlsoJudgedButNotExit) {
  ExecLocationDetector d{ExecLocationDetectorConfig{}};
  RecordingEmitter out;
  d.OnEvent(ProcEvent(EventType::kProcessSnapshot, "/tmp/x"), out);
  d.OnEvent(ProcEvent(EventType::kProcessExit, "/tmp/x"), out);
  EXPECT_EQ(out.alerts().size(), 1u);
}

TEST(ExecLocationTest, NormalLocationsQuiet) {
  ExecLocationDetector d{ExecLocationDetectorConfig{}};
  RecordingEmitter out;
  d.OnEvent(ProcEvent(EventType::kProcessExec, "/usr/bin/true"), out);
  d.OnEvent(ProcEvent(EventType::kProcessExec, "/tmpfoo/bin"), out);
  d.OnEvent(ProcEvent(EventType::kProcessExec, ""), out);
  EXPECT_TRUE(out.alerts().empty());
}

TEST(ExecLocationTest, TmpfsAndWorldWritableFacts) {
  ExecLocationDetectorConfig cfg;
  ExecLocationDetector d{cfg};
  RecordingEmitter out;
  Event on_tmpfs = ProcEvent(EventType::kProcessExec, "/run/user/0/x");
  std::get<ProcessEvent>(on_tmpfs.payload).process.exe_fs_type = "tmpfs";
  d.OnEvent(on_tmpfs, out);
  Event ww = ProcEvent(EventType::kProcessExec, "/data/share/x");
  std::get<ProcessEvent>(ww.payload).process.exe_dir_writable_by_all = true;
  d.OnEvent(ww, out);
  ASSERT_EQ(out.alerts().size(), 2u);
  EXPECT_NE(out.alerts()[0].description.find("tmpfs"), std::string::npos);
  EXPECT_NE(out.alerts()[1].description.find("writable by every user"),
            std::string::npos);

  cfg.tmpfs = false;
  cfg.world_writable = false;
  ExecLocationDetector off{cfg};
  RecordingEmitter none;
  off.OnEvent(on_tmpfs, none);
  off.OnEvent(ww, none);
  EXPECT_TRUE(none.alerts().empty());
}

TEST(ExecLocationTest, AllowListWins) {
  ExecLocationDetectorConfig cfg;
  cfg.allow = {"/tmp/updater"};
  ExecLocationDetector d{cfg};
  RecordingEmitter out;
  d.OnEvent(ProcEvent(EventType::kProcessExec, "/tmp/updater/run"), out);
  EXPECT_TRUE(out.alerts().empty());
  d.OnEvent(ProcEvent(EventType::kProcessExec, "/tmp/other"), out);
  EXPECT_EQ(out.alerts().size(), 1u);
}

}  // namespace
}  // namespace picket

#include "detectors/deleted_executable.h"

#include <gtest/gtest.h>

#include "testing/recording_emitter.h"
#include "testing/sample_events.h"

namespace picket {
namespace {

using testing_util::ProcessOf;
using testing_util::RecordingEmitter;
using testing_util::SampleProcess;

Event Proc(EventType type, const std::string& exe, bool deleted, int pid = 99,
           int64_t start = 5) {
  Event e = SampleProcess(type, exe);
  ProcessOf(e).pid = pid;
  ProcessOf(e).start_time_ns = start;
  ProcessOf(e).exe_deleted = deleted;
  return e;
}

TEST(DeletedExecutableTest, AlertsOnExecSnapshotAndChange) {
  DeletedExecutableDetector d{DeletedExecutableDetectorConfig{}};
  RecordingEmitter out;
  d.OnEvent(Proc(EventType::kProcessChanged, "/tmp/s", true, 1), out);
  d.OnEvent(Proc(EventType::kProcessSnapshot, "/tmp/s", true, 2), out);
  d.OnEvent(Proc(EventType::kProcessExec, "/tmp/s", true, 3), out);
  ASSERT_EQ(out.alerts().size(), 3u);
  EXPECT_EQ(out.alerts()[0].type_id, kAlertDeletedExecutable);
  EXPECT_EQ(out.alerts()[0].severity, Severity::kHigh);
  EXPECT_EQ(out.alerts()[0].dedup_key, "1@5");
  EXPECT_NE(out.alerts()[0].title.find("/tmp/s"), std::string::npos);
}

TEST(DeletedExecutableTest, QuietWhenPresentOrExit) {
  DeletedExecutableDetector d{DeletedExecutableDetectorConfig{}};
  RecordingEmitter out;
  d.OnEvent(Proc(EventType::kProcessExec, "/usr/bin/x", false), out);
  d.OnEvent(Proc(EventType::kProcessExit, "/usr/bin/x", true), out);
  EXPECT_TRUE(out.alerts().empty());
}

TEST(DeletedExecutableTest, MemfdIsCriticalFileless) {
  DeletedExecutableDetector d{DeletedExecutableDetectorConfig{}};
  RecordingEmitter out;
  d.OnEvent(Proc(EventType::kProcessExec, "/memfd:payload", true), out);
  ASSERT_EQ(out.alerts().size(), 1u);
  EXPECT_EQ(out.alerts()[0].severity, Severity::kCritical);
  EXPECT_NE(out.alerts()[0].title.find("memory"), std::string::npos);
}

TEST(DeletedExecutableTest, AllowList) {
  DeletedExecutableDetectorConfig cfg;
  cfg.allow = {"/usr/sbin"};
  DeletedExecutableDetector d{cfg};
  RecordingEmitter out;
  d.OnEvent(Proc(EventType::kProcessChanged, "/usr/sbin/sshd", true), out);
  EXPECT_TRUE(out.alerts().empty());
}

}  // namespace
}  // namespace picket

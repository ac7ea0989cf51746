#include "engine/pipeline.h"

#include <gtest/gtest.h>

#include <map>

namespace picket {
namespace {

class RecordingSink final : public Sink {
 public:
  explicit RecordingSink(std::vector<Event>* out) : out_(out) {}
  std::string name() const override { return "sink.recording"; }
  Status Open() override { return Status::Ok(); }
  void Write(const Event& event) override { out_->push_back(event); }
  void Flush() override { ++flushes; }
  ComponentStats Stats() const override { return {name(), {}}; }
  int flushes = 0;

 private:
  std::vector<Event>* out_;
};

// Alerts on every process.exec whose exe is "/bad", keyed by exe.
class BadExeDetector final : public Detector {
 public:
  std::string name() const override { return "detector.bad"; }
  void OnEvent(const Event& event, AlertEmitter& out) override {
    ++seen;
    const auto* pe = std::get_if<ProcessEvent>(&event.payload);
    if (pe == nullptr || pe->process.exe != "/bad") return;
    out.Emit(MakeAlert(event, "test.bad", Severity::kHigh, "bad", "d", "r",
                       pe->process.exe));
  }
  ComponentStats Stats() const override { return {name(), {}}; }
  int seen = 0;
};

Event Exec(const std::string& exe, int pid = 42) {
  Event e;
  e.type = EventType::kProcessExec;
  ProcessEvent pe;
  pe.process.pid = pid;
  pe.process.exe = exe;
  e.payload = pe;
  return e;
}

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() {
    PipelineOptions o;
    o.device_id = "dev-1";
    o.run_id = "abc";
    o.queue_capacity = 4;
    o.dedup_window_ms = 1000;
    pipeline_ = std::make_unique<Pipeline>(o, &clock_);
    auto d = std::make_unique<BadExeDetector>();
    detector_ = d.get();
    pipeline_->AddDetector(std::move(d));
    auto s = std::make_unique<RecordingSink>(&written_);
    sink_ = s.get();
    pipeline_->AddSink(std::move(s));
  }

  FakeClock clock_;
  std::unique_ptr<Pipeline> pipeline_;
  BadExeDetector* detector_;
  RecordingSink* sink_;
  std::vector<Event> written_;
};

TEST_F(PipelineTest, StampsDeviceAndUniqueIds) {
  ASSERT_TRUE(pipeline_->Submit(Exec("/a")));
  ASSERT_TRUE(pipeline_->Submit(Exec("/b")));
  pipeline_->Drain();
  ASSERT_EQ(written_.size(), 2u);
  EXPECT_EQ(written_[0].device_id, "dev-1");
  EXPECT_EQ(written_[0].id, "abc-1");
  EXPECT_EQ(written_[1].id, "abc-2");
  EXPECT_EQ(detector_->seen, 2);
  EXPECT_EQ(sink_->flushes, 1);
}

TEST_F(PipelineTest, AlertFollowsItsEvidenceWithOwnEnvelope) {
  ASSERT_TRUE(pipeline_->Submit(Exec("/bad", 7)));
  pipeline_->Drain();
  ASSERT_EQ(written_.size(), 2u);
  EXPECT_EQ(written_[0].type, EventType::kProcessExec);
  const Event& alert_event = written_[1];
  EXPECT_EQ(alert_event.type, EventType::kAlert);
  EXPECT_EQ(alert_event.priority, Priority::kHigh);
  EXPECT_EQ(alert_event.device_id, "dev-1");
  EXPECT_NE(alert_event.id, written_[0].id);
  const auto& alert = std::get<Alert>(alert_event.payload);
  EXPECT_EQ(alert.type_id, "test.bad");
  ASSERT_NE(alert.evidence, nullptr);
  EXPECT_EQ(alert.evidence->id, written_[0].id);
  EXPECT_EQ(std::get<ProcessEvent>(alert.evidence->payload).process.pid, 7);
}

TEST_F(PipelineTest, RepeatedAlertSuppressedWithinWindowOnly) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pipeline_->Submit(Exec("/bad")));
  pipeline_->Drain();
  int alerts = 0;
  for (const Event& e : written_) alerts += e.type == EventType::kAlert;
  EXPECT_EQ(alerts, 1);

  clock_.AdvanceMs(1001);
  ASSERT_TRUE(pipeline_->Submit(Exec("/bad")));
  pipeline_->Drain();
  alerts = 0;
  for (const Event& e : written_) alerts += e.type == EventType::kAlert;
  EXPECT_EQ(alerts, 2);

  auto stats = pipeline_->Stats();
  ASSERT_FALSE(stats.empty());
  EXPECT_EQ(stats[0].name, "engine");
  std::map<std::string, uint64_t> c(stats[0].counters.begin(),
                                    stats[0].counters.end());
  EXPECT_EQ(c["alerts"], 2u);
  EXPECT_EQ(c["alerts_suppressed"], 2u);
}

TEST_F(PipelineTest, FullQueueDropsAndCounts) {
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(pipeline_->Submit(Exec("/a")));
  EXPECT_FALSE(pipeline_->Submit(Exec("/a")));
  EXPECT_FALSE(pipeline_->Submit(Exec("/a")));
  pipeline_->Drain();
  EXPECT_EQ(written_.size(), 4u);
  auto stats = pipeline_->Stats();
  std::map<std::string, uint64_t> c(stats[0].counters.begin(),
                                    stats[0].counters.end());
  EXPECT_EQ(c["dropped"], 2u);
  EXPECT_EQ(c["processed"], 4u);
  EXPECT_EQ(c["queue_high_water"], 4u);
}

TEST_F(PipelineTest, NoFlushWhenNothingWasProcessed) {
  pipeline_->Drain();
  EXPECT_EQ(sink_->flushes, 0);
}

}  // namespace
}  // namespace picket

#include "engine/pipeline.h"

#include <gtest/gtest.h>

#include <map>

#include "core/event_id.h"
#include "core/event_json.h"

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

// A second detector judging the same process: its alert joins the incident
// the first one opened, also when it arrives later through a child.
class BadFlowDetector final : public Detector {
 public:
  std::string name() const override { return "detector.flow"; }
  void OnEvent(const Event& event, AlertEmitter& out) override {
    const auto* ne = std::get_if<NetworkEvent>(&event.payload);
    if (ne == nullptr) return;
    out.Emit(MakeAlert(event, "test.flow", Severity::kHigh, "flow", "d", "r",
                       std::to_string(ne->pid)));
  }
  ComponentStats Stats() const override { return {name(), {}}; }
};

TEST_F(PipelineTest, AlertsOnOneProcessTreeShareAnIncident) {
  pipeline_->AddDetector(std::make_unique<BadFlowDetector>());
  Event exec = Exec("/bad", 7);
  std::get<ProcessEvent>(exec.payload).process.start_time_ns = 5000000;
  ASSERT_TRUE(pipeline_->Submit(exec));
  Event fork;
  fork.type = EventType::kProcessFork;
  ProcessEvent pe;
  pe.process.pid = 8;
  pe.parent_pid = 7;
  fork.payload = pe;
  ASSERT_TRUE(pipeline_->Submit(fork));
  Event flow;
  flow.type = EventType::kNetworkConnection;
  NetworkEvent ne;
  ne.pid = 8;
  flow.payload = ne;
  ASSERT_TRUE(pipeline_->Submit(flow));
  pipeline_->Drain();
  std::vector<Alert> alerts;
  for (const Event& e : written_) {
    if (e.type == EventType::kAlert)
      alerts.push_back(std::get<Alert>(e.payload));
  }
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].incident, "7-5");
  EXPECT_EQ(alerts[1].type_id, "test.flow");
  EXPECT_EQ(alerts[1].incident, "7-5");
  // On the wire and back.
  std::string line = EventToJson(written_.back());
  EXPECT_NE(line.find("\"incident\":\"7-5\""), std::string::npos) << line;
  Event parsed;
  ASSERT_TRUE(EventFromJson(line, &parsed).ok());
  EXPECT_EQ(std::get<Alert>(parsed.payload).incident, "7-5");
}

TEST_F(PipelineTest, KeepsSourcePositionIdsAndDerivesTheirAlertIds) {
  Event read = Exec("/bad", 7);
  read.id = "00000000000000ab-120";
  ASSERT_TRUE(pipeline_->Submit(read));
  ASSERT_TRUE(pipeline_->Submit(Exec("/a")));
  pipeline_->Drain();
  ASSERT_EQ(written_.size(), 3u);
  EXPECT_EQ(written_[0].id, "00000000000000ab-120");
  // The alert's id comes from its evidence, type and key, not the run.
  EXPECT_EQ(written_[1].type, EventType::kAlert);
  EXPECT_EQ(written_[1].id,
            DerivedAlertId("00000000000000ab-120", "test.bad", "/bad"));
  // Events without one still get run ids, numbered without gaps.
  EXPECT_EQ(written_[2].id, "abc-1");
}

// Alerts whose dedup key holds a time, with an occurrence that does not.
class TimedKeyDetector final : public Detector {
 public:
  explicit TimedKeyDetector(const Clock* clock) : clock_(clock) {}
  std::string name() const override { return "detector.timed"; }
  void OnEvent(const Event& event, AlertEmitter& out) override {
    Alert a = MakeAlert(event, "test.timed", Severity::kLow, "t", "d", "r",
                        "k@" + std::to_string(clock_->MonotonicMs()));
    a.occurrence = "start";
    out.Emit(std::move(a));
  }
  ComponentStats Stats() const override { return {name(), {}}; }

 private:
  const Clock* clock_;
};

TEST_F(PipelineTest, AlertIdsUseTheOccurrenceWhenGiven) {
  PipelineOptions o;
  o.run_id = "r1";
  Pipeline first(o, &clock_);
  first.AddDetector(std::make_unique<TimedKeyDetector>(&clock_));
  std::vector<Event> a;
  first.AddSink(std::make_shared<RecordingSink>(&a));
  Event read = Exec("/x");
  read.id = "00000000000000cd-7";
  ASSERT_TRUE(first.Submit(read));
  first.Drain();
  clock_.AdvanceMs(5000);
  o.run_id = "r2";
  Pipeline second(o, &clock_);
  second.AddDetector(std::make_unique<TimedKeyDetector>(&clock_));
  std::vector<Event> b;
  second.AddSink(std::make_shared<RecordingSink>(&b));
  ASSERT_TRUE(second.Submit(read));
  second.Drain();
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_NE(std::get<Alert>(a[1].payload).dedup_key,
            std::get<Alert>(b[1].payload).dedup_key);
  EXPECT_EQ(a[1].id, b[1].id);
  EXPECT_EQ(a[1].id,
            DerivedAlertId("00000000000000cd-7", "test.timed", "start"));
}

TEST_F(PipelineTest, ReadAgainInANewRunTheSameIds) {
  Event read = Exec("/bad", 7);
  read.id = "00000000000000ab-120";
  ASSERT_TRUE(pipeline_->Submit(read));
  pipeline_->Drain();
  ASSERT_EQ(written_.size(), 2u);

  // A restart (after a crash) reads the same line again.
  PipelineOptions o;
  o.device_id = "dev-1";
  o.run_id = "def";
  Pipeline again(o, &clock_);
  again.AddDetector(std::make_unique<BadExeDetector>());
  std::vector<Event> out;
  again.AddSink(std::make_shared<RecordingSink>(&out));
  ASSERT_TRUE(again.Submit(read));
  ASSERT_TRUE(again.Submit(Exec("/a", 8)));
  again.Drain();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].id, written_[0].id);
  EXPECT_EQ(out[1].id, written_[1].id);
  EXPECT_EQ(out[2].id, "def-1");
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

// Alerts on every event, each with its own dedup key.
class StormDetector final : public Detector {
 public:
  explicit StormDetector(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  void OnEvent(const Event& event, AlertEmitter& out) override {
    out.Emit(MakeAlert(event, "test.storm", Severity::kLow, "storm " + name_,
                       "d", "r", std::to_string(n_++)));
  }
  ComponentStats Stats() const override { return {name_, {{"alerts", n_}}}; }

 private:
  std::string name_;
  uint64_t n_ = 0;
};

class PipelineAlertBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PipelineOptions o;
    o.device_id = "dev-1";
    o.run_id = "abc";
    o.queue_capacity = 1024;
    o.alert_budget = 3;
    o.dedup_window_ms = 0;
    pipeline_ = std::make_unique<Pipeline>(o, &clock_);
    pipeline_->AddDetector(std::make_unique<StormDetector>("detector.a"));
    pipeline_->AddDetector(std::make_unique<StormDetector>("detector.b"));
    pipeline_->AddSink(std::make_unique<RecordingSink>(&written_));
  }

  // Submits and processes `n` events; returns what was written.
  std::vector<Event> Run(int n) {
    written_.clear();
    for (int i = 0; i < n; ++i) EXPECT_TRUE(pipeline_->Submit(Exec("/a")));
    pipeline_->Drain();
    return written_;
  }

  static int Alerts(const std::vector<Event>& events, const std::string& d) {
    int n = 0;
    for (const Event& e : events) {
      n += e.type == EventType::kAlert &&
           std::get<Alert>(e.payload).detector == d;
    }
    return n;
  }

  static std::vector<AgentStatus> Budgets(const std::vector<Event>& events) {
    std::vector<AgentStatus> out;
    for (const Event& e : events) {
      if (e.type != EventType::kAgentStatus) continue;
      EXPECT_EQ(e.priority, Priority::kHigh);
      EXPECT_EQ(e.device_id, "dev-1");
      EXPECT_FALSE(e.id.empty());
      out.push_back(std::get<AgentStatus>(e.payload));
    }
    return out;
  }

  std::map<std::string, uint64_t> Counters(const std::string& component) {
    for (const ComponentStats& s : pipeline_->Stats()) {
      if (s.name == component) return {s.counters.begin(), s.counters.end()};
    }
    ADD_FAILURE() << "no " << component;
    return {};
  }

  FakeClock clock_;
  std::unique_ptr<Pipeline> pipeline_;
  std::vector<Event> written_;
};

TEST_F(PipelineAlertBudgetTest, EachDetectorGetsItsBudgetPerMinute) {
  std::vector<Event> out = Run(10);
  EXPECT_EQ(Alerts(out, "detector.a"), 3);
  EXPECT_EQ(Alerts(out, "detector.b"), 3);
  std::vector<AgentStatus> budgets = Budgets(out);
  ASSERT_EQ(budgets.size(), 2u);
  EXPECT_EQ(budgets[0].component, "detector.a");
  EXPECT_EQ(budgets[0].state, "alert_budget");
  EXPECT_NE(budgets[0].detail.find("more than 3 alerts in a minute"),
            std::string::npos)
      << budgets[0].detail;
  EXPECT_EQ(budgets[1].component, "detector.b");
  // The announcement comes where the first alert was dropped, before
  // the events that follow.
  EXPECT_EQ(Counters("engine")["alerts"], 6u);
  EXPECT_EQ(Counters("engine")["alerts_over_budget"], 14u);
  EXPECT_EQ(Counters("detector.a")["alerts_over_budget"], 7u);
  EXPECT_EQ(Counters("detector.a")["alerts"], 10u);  // the detector's own
  EXPECT_EQ(Counters("detector.b")["alerts_over_budget"], 7u);
  EXPECT_EQ(pipeline_->alerts(), 6u);

  // Within the minute nothing more passes.
  clock_.AdvanceMs(59000);
  out = Run(1);
  EXPECT_EQ(Alerts(out, "detector.a"), 0);
  EXPECT_TRUE(Budgets(out).empty());
}

TEST_F(PipelineAlertBudgetTest, AnEpisodeIsAnnouncedOnce) {
  Run(10);
  // The next minute: a fresh budget, the storm goes on, no new notice.
  clock_.AdvanceMs(60000);
  std::vector<Event> out = Run(10);
  EXPECT_EQ(Alerts(out, "detector.a"), 3);
  EXPECT_TRUE(Budgets(out).empty());
  // A minute within budget ends the episode...
  clock_.AdvanceMs(60000);
  out = Run(2);
  EXPECT_EQ(Alerts(out, "detector.a"), 2);
  EXPECT_TRUE(Budgets(out).empty());
  // ... so the next storm is announced again.
  clock_.AdvanceMs(60000);
  out = Run(5);
  EXPECT_EQ(Alerts(out, "detector.a"), 3);
  EXPECT_EQ(Budgets(out).size(), 2u);
  EXPECT_EQ(Counters("detector.a")["alerts_over_budget"], 7u + 7u + 2u);
}

TEST_F(PipelineAlertBudgetTest, ZeroMeansNoBudget) {
  pipeline_->SetAlertBudget(0);
  std::vector<Event> out = Run(100);
  EXPECT_EQ(Alerts(out, "detector.a"), 100);
  EXPECT_TRUE(Budgets(out).empty());
  EXPECT_EQ(Counters("engine")["alerts_over_budget"], 0u);
}

TEST_F(PipelineAlertBudgetTest, RepeatsSuppressedByDedupDoNotSpendTheBudget) {
  PipelineOptions o;
  o.run_id = "abc";
  o.alert_budget = 2;
  o.dedup_window_ms = 1000;
  Pipeline p(o, &clock_);
  auto d = std::make_unique<BadExeDetector>();
  p.AddDetector(std::move(d));
  std::vector<Event> w;
  p.AddSink(std::make_unique<RecordingSink>(&w));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p.Submit(Exec("/bad")));
  p.Drain();
  clock_.AdvanceMs(1001);
  ASSERT_TRUE(p.Submit(Exec("/bad")));
  p.Drain();
  int alerts = 0;
  for (const Event& e : w) alerts += e.type == EventType::kAlert;
  EXPECT_EQ(alerts, 2);
  std::vector<ComponentStats> stats = p.Stats();
  std::map<std::string, uint64_t> c(stats[0].counters.begin(),
                                    stats[0].counters.end());
  EXPECT_EQ(c["alerts_suppressed"], 4u);
  EXPECT_EQ(c["alerts_over_budget"], 0u);
}

}  // namespace
}  // namespace picket

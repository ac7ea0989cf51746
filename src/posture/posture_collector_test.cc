#include "posture/posture_collector.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "posture/posture_test_util.h"
#include "testing/recording_submitter.h"

namespace picket {
namespace {

using testing_util::FixtureRoot;

using testing_util::RecordingSubmitter;

constexpr char kPolicy[] = R"(id: collector-test
title: Collector test
checks:
  - id: net.forwarding
    title: No forwarding
    severity: high
    remediation: sysctl -w net.ipv4.ip_forward=0
    condition: {sysctl: {key: net.ipv4.ip_forward, equals: "0"}}
  - id: kernel.aslr
    title: ASLR
    severity: medium
    remediation: sysctl -w kernel.randomize_va_space=2
    condition: {sysctl: {key: kernel.randomize_va_space, equals: "2"}}
  - id: app.config
    title: Does not apply without the application
    severity: low
    remediation: none
    condition: {file: {path: /etc/app.conf, missing: not_applicable}}
)";

class PostureCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = EventLoop::Create();
    ASSERT_TRUE(loop.ok());
    loop_ = std::move(loop.value());
    policy_path_ = root_.path() + "/../policy.yaml";
    std::ofstream(policy_path_) << kPolicy;
    config_.policy = policy_path_;
    config_.first_delay_ms = 0;
    config_.jitter_ms = 0;
    config_.interval_ms = 20;
    config_.pacing_ms = 1;
  }

  // Runs the loop until `done` holds (checked every 10 ms) or 10 s pass.
  template <typename Pred>
  bool RunUntil(Pred done) {
    bool ok = false;
    EventLoop::TimerId timer = loop_->AddTimer(10, 10, [&] {
      if (done()) {
        ok = true;
        loop_->Stop();
      }
    });
    EventLoop::TimerId guard =
        loop_->AddTimer(10000, 0, [&] { loop_->Stop(); });
    EXPECT_TRUE(loop_->Run().ok());
    loop_->CancelTimer(timer);
    loop_->CancelTimer(guard);
    return ok;
  }

  FixtureRoot root_{"hardened"};
  std::string policy_path_;
  PostureConfig config_;
  SystemClock clock_;
  std::unique_ptr<EventLoop> loop_;
  RecordingSubmitter out_;
};

TEST_F(PostureCollectorTest, FullReportFirstThenOnlyChanges) {
  PostureCollector collector(config_, root_.path(), &clock_);
  ASSERT_TRUE(collector.Start(*loop_, out_).ok());
  ASSERT_TRUE(
      RunUntil([&] { return out_.Payloads<PostureSummary>().size() >= 1; }));

  // First report: every check, none with a previous result.
  auto results = out_.Payloads<PostureResult>();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].check_id, "net.forwarding");
  EXPECT_EQ(results[0].result, "pass");
  EXPECT_EQ(results[0].previous, "");
  EXPECT_EQ(results[0].policy, "collector-test");
  EXPECT_EQ(results[0].remediation, "sysctl -w net.ipv4.ip_forward=0");
  EXPECT_EQ(results[0].evidence,
            (std::vector<std::string>{"net.ipv4.ip_forward = 0"}));
  EXPECT_EQ(results[2].result, "not_applicable");
  PostureSummary first = out_.Payloads<PostureSummary>()[0];
  EXPECT_EQ(first.policy, "collector-test");
  EXPECT_EQ(first.passed, 2u);
  EXPECT_EQ(first.not_applicable, 1u);
  EXPECT_EQ(first.score, 100u);

  // The device changes; the next scan reports that check only.
  root_.Write("proc/sys/net/ipv4/ip_forward", "1\n");
  ASSERT_TRUE(
      RunUntil([&] { return out_.Payloads<PostureResult>().size() >= 4; }));
  ASSERT_TRUE(
      RunUntil([&] { return out_.Payloads<PostureSummary>().size() >= 3; }));
  collector.Stop();
  results = out_.Payloads<PostureResult>();
  ASSERT_EQ(results.size(), 4u);  // unchanged checks were not repeated
  EXPECT_EQ(results[3].check_id, "net.forwarding");
  EXPECT_EQ(results[3].result, "fail");
  EXPECT_EQ(results[3].previous, "pass");
  EXPECT_EQ(results[3].severity, Severity::kHigh);
  for (const Event& e : out_.events()) {
    if (e.type == EventType::kPostureResult &&
        std::get<PostureResult>(e.payload).result == "fail") {
      EXPECT_EQ(e.priority, Priority::kHigh);
    }
  }
  EXPECT_LT(out_.Payloads<PostureSummary>().back().score, 100u);
  uint64_t scans = 0;
  for (const auto& [name, value] : collector.Stats().counters) {
    if (name == "scans") scans = value;
  }
  EXPECT_GE(scans, 3u);
}

TEST_F(PostureCollectorTest, SavedVerdictsMakeARestartReportOnlyChanges) {
  const std::string state = root_.path() + "/../posture-results";
  {
    PostureCollector first(config_, root_.path(), &clock_, state);
    ASSERT_TRUE(first.Start(*loop_, out_).ok());
    ASSERT_TRUE(
        RunUntil([&] { return out_.Payloads<PostureSummary>().size() >= 1; }));
    first.Stop();
  }
  ASSERT_EQ(out_.Payloads<PostureResult>().size(), 3u);
  struct stat st;
  ASSERT_EQ(stat(state.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A restart (or a reload) with nothing changed reports no result again;
  // a change made while it was down is reported with what it was.
  root_.Write("proc/sys/net/ipv4/ip_forward", "1\n");
  out_.Clear();
  PostureCollector second(config_, root_.path(), &clock_, state);
  ASSERT_TRUE(second.Start(*loop_, out_).ok());
  ASSERT_TRUE(
      RunUntil([&] { return out_.Payloads<PostureSummary>().size() >= 1; }));
  second.Stop();
  auto results = out_.Payloads<PostureResult>();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].check_id, "net.forwarding");
  EXPECT_EQ(results[0].previous, "pass");
  EXPECT_EQ(results[0].result, "fail");

  // A damaged file is ignored: a full report again.
  std::ofstream(state) << "garbage\n";
  out_.Clear();
  PostureCollector third(config_, root_.path(), &clock_, state);
  ASSERT_TRUE(third.Start(*loop_, out_).ok());
  ASSERT_TRUE(
      RunUntil([&] { return out_.Payloads<PostureSummary>().size() >= 1; }));
  third.Stop();
  EXPECT_EQ(out_.Payloads<PostureResult>().size(), 3u);
}

TEST_F(PostureCollectorTest, BadPolicyIsReportedAndTheAgentGoesOn) {
  std::ofstream(policy_path_) << "id: x\ntitle: X\nchecks: [\n";
  PostureCollector collector(config_, root_.path(), &clock_);
  ASSERT_TRUE(collector.Start(*loop_, out_).ok());
  auto statuses = out_.Payloads<AgentStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].state, "error");
  EXPECT_NE(
      statuses[0].detail.find("posture scans disabled: " + policy_path_ + ":"),
      std::string::npos)
      << statuses[0].detail;
  collector.Stop();
}

TEST_F(PostureCollectorTest, StopCancelsARunningScan) {
  config_.pacing_ms = 200;  // slow enough to still be running
  PostureCollector collector(config_, root_.path(), &clock_);
  ASSERT_TRUE(collector.Start(*loop_, out_).ok());
  loop_->AddTimer(50, 0, [&] { loop_->Stop(); });
  ASSERT_TRUE(loop_->Run().ok());
  collector.Stop();  // returns promptly: the scan sees the cancel flag
  EXPECT_TRUE(out_.Payloads<PostureSummary>().empty());
}

}  // namespace
}  // namespace picket

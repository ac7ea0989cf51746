#include "detectors/brute_force.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "collectors/login/auth_correlator.h"
#include "collectors/login/syslog_line.h"
#include "testing/recording_emitter.h"
#include "testing/sample_events.h"

namespace picket {
namespace {

using testing_util::Detail;
using testing_util::RecordingEmitter;
using testing_util::SampleLogin;
using testing_util::SampleTick;

constexpr int64_t kSec = 1000000000;

// A failed sshd password login at `t` seconds.
Event Fail(int64_t t, const std::string& src,
           const std::string& user = "root") {
  return SampleLogin(EventType::kLoginFailure, user, src, t * kSec);
}

Event Success(int64_t t, const std::string& src, const std::string& user) {
  return SampleLogin(EventType::kLoginSuccess, user, src, t * kSec);
}

Event Tick(int64_t t_sec) { return SampleTick(t_sec * kSec); }

TEST(BruteForceLeakyBucketTest, LeaksWholeUnitsPerInterval) {
  LeakyBucket b;
  EXPECT_EQ(b.Add(0, 1000), 1u);
  EXPECT_EQ(b.Add(10, 1000), 2u);
  EXPECT_EQ(b.Level(999, 1000), 2u);
  EXPECT_EQ(b.Level(1000, 1000), 1u);
  EXPECT_EQ(b.Level(2500, 1000), 0u);
  EXPECT_EQ(b.Add(2600, 1000), 1u);
  EXPECT_EQ(b.Level(3599, 1000), 1u);
  EXPECT_EQ(b.Level(3600, 1000), 0u);
}

TEST(BruteForceTest, TenthFailureInABurstAlertsOnce) {
  BruteForceDetector d{BruteForceDetectorConfig{}};
  RecordingEmitter out;
  for (int i = 0; i < 9; ++i) d.OnEvent(Fail(1000 + 2 * i, "203.0.113.9"), out);
  EXPECT_TRUE(out.Of(kAlertBruteForce).empty());
  d.OnEvent(Fail(1018, "203.0.113.9", "admin"), out);
  auto bf = out.Of(kAlertBruteForce);
  ASSERT_EQ(bf.size(), 1u);
  const Alert& a = bf[0];
  EXPECT_EQ(a.severity, Severity::kMedium);
  EXPECT_EQ(Detail(a, "source"), "203.0.113.9");
  EXPECT_EQ(Detail(a, "attempts"), "10");
  EXPECT_EQ(Detail(a, "window_s"), "18");
  EXPECT_EQ(Detail(a, "users"), "root,admin");
  EXPECT_EQ(Detail(a, "phase"), "start");
  EXPECT_NE(a.title.find("203.0.113.9"), std::string::npos);
  ASSERT_NE(a.evidence, nullptr);
  // More failures soon after: no repeat.
  for (int i = 0; i < 20; ++i) d.OnEvent(Fail(1020 + i, "203.0.113.9"), out);
  EXPECT_EQ(out.Of(kAlertBruteForce).size(), 1u);
}

TEST(BruteForceTest, FailuresSlowerThanTheLeakNeverAlert) {
  BruteForceDetector d{BruteForceDetectorConfig{}};
  RecordingEmitter out;
  for (int i = 0; i < 200; ++i) d.OnEvent(Fail(61 * i, "198.51.100.1"), out);
  EXPECT_TRUE(out.Of(kAlertBruteForce).empty());
}

TEST(BruteForceTest, OngoingAttackRemindedThenSummarisedAtItsEnd) {
  BruteForceDetectorConfig cfg;
  cfg.realert_interval_ms = 600000;
  cfg.attack_end_ms = 300000;
  BruteForceDetector d{cfg};
  RecordingEmitter out;
  // One failure every 3 s for 15 minutes.
  for (int t = 0; t <= 900; t += 3) d.OnEvent(Fail(t, "192.0.2.50"), out);
  auto bf = out.Of(kAlertBruteForce);
  ASSERT_EQ(bf.size(), 2u);
  EXPECT_EQ(Detail(bf[1], "phase"), "ongoing");
  EXPECT_NE(bf[0].dedup_key, bf[1].dedup_key);
  // Quiet: the next event the detector sees after attack_end closes it.
  d.OnEvent(Tick(900 + 299), out);
  EXPECT_EQ(out.Of(kAlertBruteForce).size(), 2u);
  d.OnEvent(Tick(900 + 301), out);
  bf = out.Of(kAlertBruteForce);
  ASSERT_EQ(bf.size(), 3u);
  EXPECT_EQ(Detail(bf[2], "phase"), "end");
  EXPECT_EQ(Detail(bf[2], "attempts"), "301");
  EXPECT_EQ(bf[2].dedup_key, bf[0].dedup_key + "#end");
  // A new attack later is a new start.
  for (int i = 0; i < 10; ++i) d.OnEvent(Fail(5000 + i, "192.0.2.50"), out);
  bf = out.Of(kAlertBruteForce);
  ASSERT_EQ(bf.size(), 4u);
  EXPECT_EQ(Detail(bf[3], "phase"), "start");
  EXPECT_NE(bf[3].dedup_key, bf[0].dedup_key);
  // What tells the alerts of one failure apart for their ids: the phase,
  // not the start time (a restart re-reading the log judges it afresh).
  EXPECT_EQ(bf[0].occurrence, "start");
  EXPECT_EQ(bf[1].occurrence, "ongoing#1");
  EXPECT_EQ(bf[2].occurrence, "end");
  EXPECT_EQ(bf[3].occurrence, "start");
}

TEST(BruteForceTest, UserEnumeration) {
  BruteForceDetector d{BruteForceDetectorConfig{}};
  RecordingEmitter out;
  const char* users[] = {"admin", "test", "oracle", "pi", "ubnt"};
  for (int i = 0; i < 4; ++i) d.OnEvent(Fail(i, "192.0.2.7", users[i]), out);
  EXPECT_TRUE(out.Of(kAlertUserEnumeration).empty());
  d.OnEvent(Fail(4, "192.0.2.7", users[4]), out);
  auto e = out.Of(kAlertUserEnumeration);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(Detail(e[0], "user_count"), "5");
  EXPECT_EQ(Detail(e[0], "users"), "admin,test,oracle,pi,ubnt");
  EXPECT_TRUE(out.Of(kAlertBruteForce).empty());
}

TEST(BruteForceTest, DistributedGuessingOfOneAccount) {
  BruteForceDetector d{BruteForceDetectorConfig{}};
  RecordingEmitter out;
  // 19 failures on root from 4 addresses: not enough sources yet.
  for (int i = 0; i < 16; ++i) {
    d.OnEvent(Fail(i, "10.9.0." + std::to_string(i % 4)), out);
  }
  EXPECT_TRUE(out.Of(kAlertDistributedGuessing).empty());
  for (int i = 16; i < 20; ++i) {
    d.OnEvent(Fail(i, "10.9.1." + std::to_string(i)), out);
  }
  auto a = out.Of(kAlertDistributedGuessing);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Detail(a[0], "user"), "root");
  EXPECT_EQ(Detail(a[0], "attempts"), "20");
  EXPECT_EQ(Detail(a[0], "source_count"), "8");
  EXPECT_TRUE(out.Of(kAlertBruteForce).empty());  // no source did enough
}

TEST(BruteForceTest, ABruteForcingSourceIsNotADistributedCampaign) {
  BruteForceDetector d{BruteForceDetectorConfig{}};
  RecordingEmitter out;
  // One bot hammering root while four addresses of internet background
  // fail once each: one brute-force attack, not a distributed campaign.
  for (int i = 0; i < 60; ++i) {
    d.OnEvent(Fail(i, "192.0.2.80"), out);
    if (i % 15 == 0) d.OnEvent(Fail(i, "10.9.2." + std::to_string(i)), out);
  }
  EXPECT_EQ(out.Of(kAlertBruteForce).size(), 1u);
  EXPECT_TRUE(out.Of(kAlertDistributedGuessing).empty());
}

TEST(BruteForceTest, RemindersBackOffToAtMostOneADay) {
  BruteForceDetectorConfig cfg;
  cfg.realert_interval_ms = 600000;
  BruteForceDetector d{cfg};
  RecordingEmitter out;
  // One failure every 3 s for three hours: reminders after 10, 30, 70
  // and 150 minutes (each interval twice the last).
  for (int t = 0; t <= 3 * 3600; t += 3) d.OnEvent(Fail(t, "192.0.2.81"), out);
  std::vector<std::string> phases;
  for (const Alert& a : out.Of(kAlertBruteForce)) {
    phases.push_back(Detail(a, "phase"));
  }
  EXPECT_EQ(phases, (std::vector<std::string>{"start", "ongoing", "ongoing",
                                              "ongoing", "ongoing"}));
  // Three days more: the interval stops growing at a day.
  out.Clear();
  for (int64_t t = 3 * 3600; t <= 3 * 86400; t += 30) {
    d.OnEvent(Fail(t, "192.0.2.81"), out);
  }
  size_t reminders = out.Of(kAlertBruteForce).size();
  EXPECT_GE(reminders, 4u);
  EXPECT_LE(reminders, 6u);
}

TEST(BruteForceTest, SuccessAfterFailuresIsHighSeverity) {
  BruteForceDetector d{BruteForceDetectorConfig{}};
  RecordingEmitter out;
  for (int i = 0; i < 5; ++i) d.OnEvent(Fail(i, "192.0.2.66", "pi"), out);
  d.OnEvent(Success(7, "192.0.2.66", "pi"), out);
  auto s = out.Of(kAlertBruteForceSuccess);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].severity, Severity::kHigh);
  EXPECT_EQ(Detail(s[0], "attempts"), "5");
  EXPECT_EQ(Detail(s[0], "user"), "pi");
  EXPECT_EQ(Detail(s[0], "window_s"), "7");
  // A second login right after is not a new finding.
  d.OnEvent(Success(9, "192.0.2.66", "pi"), out);
  EXPECT_EQ(out.Of(kAlertBruteForceSuccess).size(), 1u);
  // Two typos then a login: normal.
  d.OnEvent(Fail(100, "192.0.2.67", "bob"), out);
  d.OnEvent(Fail(101, "192.0.2.67", "bob"), out);
  d.OnEvent(Success(102, "192.0.2.67", "bob"), out);
  EXPECT_EQ(out.Of(kAlertBruteForceSuccess).size(), 1u);
}

TEST(BruteForceTest, TrackedStateIsBounded) {
  BruteForceDetectorConfig cfg;
  cfg.max_tracked = 16;
  BruteForceDetector d{cfg};
  RecordingEmitter out;
  for (int i = 0; i < 1000; ++i) {
    d.OnEvent(
        Fail(i / 100,
             "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250),
             "u" + std::to_string(i)),
        out);
  }
  for (const auto& [name, value] : d.Stats().counters) {
    if (name == "tracked_sources" || name == "tracked_users") {
      EXPECT_LE(value, 16u) << name;
    }
  }
}

uint64_t Counter(const BruteForceDetector& d, const std::string& key) {
  for (const auto& [name, value] : d.Stats().counters) {
    if (name == key) return value;
  }
  return ~0ull;
}

// A failure that arrives at `arrive` seconds and was logged at `logged`.
Event LoggedFail(int64_t arrive, int64_t logged, const std::string& src) {
  Event e = Fail(arrive, src);
  std::get<LoginEvent>(e.payload).log_time_ns = logged * kSec;
  return e;
}

TEST(BruteForceTest, HistoryReadAtStartIsTimedByTheLog) {
  BruteForceDetector d{BruteForceDetectorConfig{}};
  RecordingEmitter out;
  // The agent's first status at start, then a log written 14 hours ago
  // read from its beginning within a few milliseconds.
  d.OnEvent(Tick(100000), out);
  for (int i = 0; i < 10; ++i) {
    d.OnEvent(LoggedFail(100000, 100000 - 14 * 3600 + 2 * i, "192.0.2.44"),
              out);
  }
  auto bf = out.Of(kAlertBruteForce);
  ASSERT_EQ(bf.size(), 1u);
  EXPECT_EQ(Detail(bf[0], "window_s"), "18");
  EXPECT_EQ(Counter(d, "out_of_order"), 0u);
}

TEST(BruteForceTest, LateLinesAreCountedAndNeverRefillTheBucket) {
  BruteForceDetector d{BruteForceDetectorConfig{}};
  RecordingEmitter out;
  d.OnEvent(LoggedFail(5000, 5000, "192.0.2.45"), out);
  // Two lines logged before the latest one seen.
  d.OnEvent(LoggedFail(5001, 4000, "192.0.2.45"), out);
  d.OnEvent(LoggedFail(5001, 4990, "192.0.2.45"), out);
  EXPECT_EQ(Counter(d, "out_of_order"), 2u);
}

TEST(BruteForceTest, LogTimeFarInTheFutureFallsBackToArrival) {
  BruteForceDetector d{BruteForceDetectorConfig{}};
  RecordingEmitter out;
  // A guessed year puts the log two days ahead: the arrival time counts,
  // so ten failures 2 s apart by arrival are one 18 s burst.
  for (int i = 0; i < 10; ++i) {
    d.OnEvent(LoggedFail(1000 + 2 * i, 1000 + 2 * 86400 + 7 * i, "192.0.2.46"),
              out);
  }
  auto bf = out.Of(kAlertBruteForce);
  ASSERT_EQ(bf.size(), 1u);
  EXPECT_EQ(Detail(bf[0], "window_s"), "18");
}

TEST(BruteForceTest, NamesSurvivePoolCompactionAndAreDropped) {
  BruteForceDetectorConfig cfg;
  cfg.attack_end_ms = 300000;
  BruteForceDetector d{cfg};
  RecordingEmitter out;
  // An enumeration from one source, with names built at run time (the
  // detector must keep its own copies).
  for (int i = 0; i < 6; ++i) {
    d.OnEvent(Fail(i, "192.0.2.9", "user-" + std::to_string(i)), out);
  }
  ASSERT_EQ(out.Of(kAlertUserEnumeration).size(), 1u);
  // 3,000 other names from passing sources fill the pool; once they are
  // forgotten the pool is compacted while the attack is still going.
  for (int i = 0; i < 3000; ++i) {
    d.OnEvent(
        Fail(10 + i / 100,
             "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250),
             "name-" + std::to_string(i)),
        out);
  }
  EXPECT_GE(Counter(d, "interned_names"), 3000u);
  for (int t = 100; t <= 2000; t += 20) {
    d.OnEvent(Fail(t, "192.0.2.9", "user-0"), out);  // keeps it going
  }
  d.OnEvent(Tick(2010), out);  // the passing sources are long forgotten
  EXPECT_LT(Counter(d, "interned_names"), 1000u);
  // The end summary still names the users it saw.
  d.OnEvent(Tick(2000 + 301), out);
  auto e = out.Of(kAlertUserEnumeration);
  ASSERT_GE(e.size(), 2u);
  EXPECT_EQ(Detail(e.back(), "phase"), "end");
  EXPECT_EQ(Detail(e.back(), "users"),
            "user-0,user-1,user-2,user-3,user-4,user-5");
  // Nothing tracked, nothing kept.
  d.OnEvent(Tick(100000), out);
  d.OnEvent(Tick(100002), out);
  EXPECT_EQ(Counter(d, "tracked_sources"), 0u);
  EXPECT_EQ(Counter(d, "interned_names"), 0u);
}

// Replays a fixture file through the parsers and the detector with the
// log's own timestamps (as `picket replay` would).
std::map<std::string, int> Replay(const std::string& name) {
  std::ifstream in(std::string(PICKET_SOURCE_DIR) +
                   "/../shared/data/authlogs/" + name);
  EXPECT_TRUE(in.good()) << name;
  BruteForceDetector d{BruteForceDetectorConfig{}};
  login::AuthCorrelator correlator;
  RecordingEmitter out;
  std::string line;
  while (std::getline(in, line)) {
    login::SyslogLine h;
    if (!login::ParseSyslogLine(line, &h)) continue;
    login::AuthRecord r;
    if (!login::ParseAuthMessage(h.program, h.message, &r)) continue;
    std::vector<login::LoginFact> facts;
    correlator.Add(r, h.pid, &facts);
    for (auto& f : facts) {
      Event e;
      e.type = f.type;
      e.time_ns = login::LogTimeToUnixNs(h.time, 2025);
      f.login.log_time_ns = e.time_ns;
      e.payload = f.login;
      d.OnEvent(e, out);
    }
  }
  d.OnEvent(Tick(2000000000), out);  // long after: ends every attack
  std::map<std::string, int> kinds;
  for (const Alert& a : out.alerts()) {
    kinds[a.type_id + " " + Detail(a, "phase") + " " +
          (Detail(a, "source") != "<none>" ? Detail(a, "source")
                                           : Detail(a, "user"))]++;
  }
  return kinds;
}

TEST(BruteForceTest, CrowdSecScenarios) {
  std::ifstream probe(std::string(PICKET_SOURCE_DIR) +
                      "/../shared/data/authlogs/crowdsec/ssh-bf.log");
  if (!probe) GTEST_SKIP() << "no shared data";
  // ssh-bf: six user names in three seconds: CrowdSec's user-enum fires;
  // its ssh-bf (5 in 10 s) is stricter than picket's default of 10.
  EXPECT_EQ(Replay("crowdsec/ssh-bf.log"),
            (std::map<std::string, int>{
                {"login.user_enumeration start 35.188.49.176", 1},
                {"login.user_enumeration end 35.188.49.176", 1}}));
  // ssh-slow-bf: one failure every ~30 s for ten minutes overflows the
  // bucket that leaks one per minute (CrowdSec's ssh-slow-bf fires too).
  EXPECT_EQ(Replay("crowdsec/ssh-slow-bf.log"),
            (std::map<std::string, int>{
                {"login.brute_force start 103.100.210.198", 1},
                {"login.brute_force end 103.100.210.198", 1}}));
  // Spread over hours, a few tries per source: nothing to report.
  EXPECT_EQ(Replay("crowdsec/ssh-time-based-bf.log"),
            (std::map<std::string, int>{}));
  // A legitimate user's sessions closing: no alert (CrowdSec's fp test).
  EXPECT_EQ(Replay("crowdsec/sshd-logs-fp.log"),
            (std::map<std::string, int>{}));
}

}  // namespace
}  // namespace picket

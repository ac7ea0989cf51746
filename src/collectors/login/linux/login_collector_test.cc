#include "collectors/login/linux/login_collector.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "collectors/login/utmp_record.h"
#include "core/event_id.h"
#include "testing/recording_submitter.h"
#include "testing/temp_dir.h"

namespace picket {
namespace {

using testing_util::RecordingSubmitter;

uint64_t Counter(const ComponentStats& stats, const std::string& name) {
  for (const auto& [n, v] : stats.counters) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no counter " << name;
  return 0;
}

class LoginCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root_ + "/var/log");
    std::filesystem::create_directories(root_ + "/state");
    Write("/etc/passwd",
          "root:x:0:0:root:/root:/bin/bash\n"
          "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n");
    config_.journal = "off";
    config_.start_at = "beginning";
    auto loop = EventLoop::Create();
    ASSERT_TRUE(loop.ok());
    loop_ = std::move(loop.value());
  }
  void Write(const std::string& path, const std::string& text,
             bool append = false) {
    if (append) {
      testing_util::AppendFile(root_ + path, text);
    } else {
      testing_util::WriteFile(root_ + path, text);
    }
  }
  static auto JournalAt(std::string_view cursor) {
    return LoginCollector::JournalAtForTest(cursor);
  }
  std::unique_ptr<LoginCollector> Make() {
    return std::make_unique<LoginCollector>(config_, root_, root_ + "/state",
                                            &clock_);
  }

  testing_util::TempDir tmp_{"picket-login-"};
  std::string root_ = tmp_.path();
  LoginCollectorConfig config_;
  SystemClock clock_;
  std::unique_ptr<EventLoop> loop_;
};

TEST_F(LoginCollectorTest, SyslogFileEventsWithFactsAndBadLinesCounted) {
  Write("/var/log/auth.log",
        "Mar  1 10:00:00 gw sshd[10]: Failed password for root from "
        "203.0.113.5 port 40000 ssh2\r\n"
        "Mar  1 10:00:01 gw sshd[10]: Failed password for root from "
        "203.0.113.5 port 40000 ssh2\n"
        "Mar  1 10:00:01 gw sshd[10]: \x01\x02 binary junk\n" +
            std::string("NUL\0inside\n", 11) +
            "complete garbage without any header\n" + std::string(10000, 'A') +
            "\n"
            "Mar  1 10:00:05 gw sshd[11]: Accepted password for www-data from "
            "198.51.100.2 port 5555 ssh2\n"
            "Mar  1 10:00:06 gw CRON[12]: pam_unix(cron:session): session "
            "closed for user root\n");
  RecordingSubmitter out;
  auto c = Make();
  ASSERT_TRUE(c->Start(*loop_, out).ok());
  EXPECT_EQ(c->sources(), "syslog");
  auto failures = out.Payloads<LoginEvent>(EventType::kLoginFailure);
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].source_address, "203.0.113.5");
  EXPECT_EQ(failures[0].user, "root");
  EXPECT_EQ(failures[0].origin, "syslog:/var/log/auth.log");
  EXPECT_EQ(failures[0].pid, 10);
  EXPECT_NE(failures[0].log_time_ns, 0);
  EXPECT_EQ(failures[0].message.back(), '2');  // CR stripped
  auto successes = out.Payloads<LoginEvent>(EventType::kLoginSuccess);
  ASSERT_EQ(successes.size(), 1u);
  EXPECT_EQ(successes[0].user, "www-data");
  EXPECT_EQ(successes[0].reason, "no_shell");
  ComponentStats stats = c->Stats();
  EXPECT_EQ(Counter(stats, "lines_binary"), 2u);
  EXPECT_EQ(Counter(stats, "lines_unparsed"), 1u);
  EXPECT_EQ(Counter(stats, "lines_overlong"), 1u);
  // The cron logout: a PAM session of another service, reported too.
  EXPECT_EQ(out.Payloads<LoginEvent>(EventType::kLogout).size(), 1u);
  c->Stop();
  struct stat st;
  ASSERT_EQ(stat((root_ + "/state/login-positions").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(LoginCollectorTest, EventsAFullQueueRefusesAreCountedAsDropped) {
  const std::string line =
      "Mar  1 10:00:00 gw sshd[10]: Failed password for root from "
      "203.0.113.5 port 40000 ssh2\n";
  Write("/var/log/auth.log", line + line);
  RecordingSubmitter out;
  out.set_refusing(true);
  auto c = Make();
  ASSERT_TRUE(c->Start(*loop_, out).ok());
  EXPECT_TRUE(out.events().empty());
  EXPECT_GE(out.refused(), 2u);  // the two failures, and any status
  EXPECT_EQ(Counter(c->Stats(), "dropped"), out.refused());
  EXPECT_EQ(Counter(c->Stats(), "events"), 0u);

  // Once the queue has room again, new lines go through; the lost ones are
  // not re-sent.
  out.set_refusing(false);
  Write("/var/log/auth.log", line, true);
  c->PollAll();
  EXPECT_EQ(out.Payloads<LoginEvent>(EventType::kLoginFailure).size(), 1u);
  EXPECT_EQ(Counter(c->Stats(), "events"), out.events().size());
  c->Stop();
}

TEST_F(LoginCollectorTest, WakesForItsFileNotForItsNeighbours) {
  // /var/log/syslog takes every line of the system; the agent must not wake
  // for each of them to re-read auth.log.
  Write("/var/log/auth.log", "");
  Write("/var/log/syslog", "");
  config_.start_at = "end";
  RecordingSubmitter out;
  auto c = Make();
  ASSERT_TRUE(c->Start(*loop_, out).ok());
  for (int i = 1; i <= 5; ++i) {
    loop_->AddTimer(i * 40, 0, [this] {
      Write("/var/log/syslog", "Mar  1 10:00:00 gw kernel: noise\n", true);
    });
  }
  loop_->AddTimer(300, 0, [this] {
    Write("/var/log/auth.log",
          "Mar  1 10:00:00 gw sshd[10]: Failed password for root from "
          "203.0.113.5 port 40000 ssh2\n",
          true);
  });
  loop_->AddTimer(500, 0, [this] { loop_->Stop(); });
  ASSERT_TRUE(loop_->Run().ok());
  EXPECT_EQ(out.Payloads<LoginEvent>(EventType::kLoginFailure).size(), 1u);
  EXPECT_EQ(Counter(c->Stats(), "inotify_wakeups"), 1u);
  c->Stop();
}

TEST_F(LoginCollectorTest, RestartReadsNoLineTwiceAndSkipsNone) {
  Write("/var/log/auth.log", "");
  const std::string line =
      "Mar  1 10:00:00 gw sshd[10]: Invalid user u%d from 192.0.2.9\n";
  auto make_line = [&](int i) {
    char buf[128];
    std::snprintf(buf, sizeof buf, line.c_str(), i);
    return std::string(buf);
  };
  RecordingSubmitter first;
  auto c = Make();
  ASSERT_TRUE(c->Start(*loop_, first).ok());
  Write("/var/log/auth.log", make_line(1) + make_line(2), true);
  c->PollAll();
  c->Stop();
  Write("/var/log/auth.log", make_line(3), true);  // while stopped
  RecordingSubmitter second;
  c = Make();
  ASSERT_TRUE(c->Start(*loop_, second).ok());
  Write("/var/log/auth.log", make_line(4), true);
  c->PollAll();
  c->Stop();
  auto a = first.Payloads<LoginEvent>(EventType::kLoginFailure);
  auto b = second.Payloads<LoginEvent>(EventType::kLoginFailure);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].user, "u3");
  EXPECT_EQ(b[1].user, "u4");
}

TEST_F(LoginCollectorTest, EventIdsComeFromTheFileAndTheLineOffset) {
  const std::string a =
      "Mar  1 10:00:00 gw sshd[10]: Failed password for root from "
      "192.0.2.9 port 1 ssh2\n";
  const std::string b =
      "Mar  1 10:00:01 gw sshd[11]: message repeated 2 times: [ Failed "
      "password for root from 192.0.2.9 port 2 ssh2]\n";
  Write("/var/log/auth.log", a + b);
  RecordingSubmitter first;
  auto c = Make();
  ASSERT_TRUE(c->Start(*loop_, first).ok());
  c->PollAll();
  c->Stop();
  std::vector<std::string> ids;
  for (const Event& e : first.events()) {
    if (e.type == EventType::kLoginFailure) ids.push_back(e.id);
  }
  struct stat st;
  ASSERT_EQ(stat((root_ + "/var/log/auth.log").c_str(), &st), 0);
  uint64_t key = login::FileTailer::SourceKey(st.st_ino, a, false);
  EXPECT_EQ(ids,
            (std::vector<std::string>{SourcePositionId(key, 0, 0),
                                      SourcePositionId(key, a.size(), 0),
                                      SourcePositionId(key, a.size(), 1)}));
  // Read again from the start (as after losing the positions): same ids.
  ASSERT_TRUE(std::filesystem::remove(root_ + "/state/login-positions"));
  RecordingSubmitter again;
  c = Make();
  ASSERT_TRUE(c->Start(*loop_, again).ok());
  c->PollAll();
  c->Stop();
  std::vector<std::string> ids2;
  for (const Event& e : again.events()) {
    if (e.type == EventType::kLoginFailure) ids2.push_back(e.id);
  }
  EXPECT_EQ(ids2, ids);
  // Other events keep no id of their own: the pipeline gives them one.
  for (const Event& e : first.events()) {
    if (e.type == EventType::kAgentStatus) {
      EXPECT_EQ(e.id, "");
    }
  }
}

TEST_F(LoginCollectorTest, RestartInsideAnAttemptCountsItOnce) {
  // sshd's failure, then the close of the same connection: one attempt.
  // A restart between the two lines must not make the close a second one.
  Write("/var/log/auth.log",
        "Mar  1 10:00:00 gw sshd[10]: Failed password for root from "
        "192.0.2.9 port 1 ssh2\n");
  RecordingSubmitter first;
  auto c = Make();
  ASSERT_TRUE(c->Start(*loop_, first).ok());
  c->PollAll();
  c->Stop();
  Write("/var/log/auth.log",
        "Mar  1 10:00:01 gw sshd[10]: Connection closed by authenticating "
        "user root 192.0.2.9 port 1 [preauth]\n"
        "Mar  1 10:00:02 gw sshd[12]: Connection closed by 192.0.2.10 port 7 "
        "[preauth]\n",
        true);
  RecordingSubmitter second;
  c = Make();
  ASSERT_TRUE(c->Start(*loop_, second).ok());
  c->PollAll();
  c->Stop();
  EXPECT_EQ(first.Payloads<LoginEvent>(EventType::kLoginFailure).size(), 1u);
  // Only the scanner that gave up (another connection) is an attempt.
  auto b = second.Payloads<LoginEvent>(EventType::kLoginFailure);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].source_address, "192.0.2.10");
  EXPECT_EQ(Counter(c->Stats(), "lines"), 2u);
}

TEST_F(LoginCollectorTest, JournalPositionsFromTheCursor) {
  const std::string cursor =
      "s=0d3c8f5f3a7e4b19a4c2f3c1e7b6a5d4;i=1a2b;b=9f;m=5;t=6;x=7";
  auto at = LoginCollectorTest::JournalAt(cursor);
  EXPECT_EQ(at.position, 0x1a2bu);
  // The same entry (same sequence number space and number) read in another
  // boot or at another time has the same key.
  auto same = LoginCollectorTest::JournalAt(
      "s=0d3c8f5f3a7e4b19a4c2f3c1e7b6a5d4;i=1a2b;b=00;m=1;t=2;x=3");
  EXPECT_EQ(same.key, at.key);
  EXPECT_EQ(same.position, at.position);
  auto other = LoginCollectorTest::JournalAt(
      "s=ffff8f5f3a7e4b19a4c2f3c1e7b6a5d4;i=1a2b;b=9f;m=5;t=6;x=7");
  EXPECT_NE(other.key, at.key);
  // Not a cursor of the usual shape: the whole text is the key.
  auto odd = LoginCollectorTest::JournalAt("garbage");
  EXPECT_EQ(odd.position, 0u);
  EXPECT_NE(odd.key, at.key);
}

TEST_F(LoginCollectorTest, MissingFileReportedThenRead) {
  config_.syslog = "on";
  config_.syslog_files = {"/var/log/secure"};
  RecordingSubmitter out;
  auto c = Make();
  ASSERT_TRUE(c->Start(*loop_, out).ok());
  bool missing = false;
  for (const auto& s : out.Payloads<AgentStatus>()) {
    missing =
        missing || (s.state == "source_missing" &&
                    s.detail.find("/var/log/secure") != std::string::npos);
  }
  EXPECT_TRUE(missing);
  Write("/var/log/secure",
        "Mar  1 10:00:00 gw dropbear[5]: Bad password attempt for 'root' from "
        "192.0.2.1:1234\n");
  c->PollAll();
  auto failures = out.Payloads<LoginEvent>(EventType::kLoginFailure);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].service, "dropbear");
  EXPECT_EQ(failures[0].source_port, 1234);
  c->Stop();
}

TEST_F(LoginCollectorTest, UtmpFallbackWithCorruptRecordSkipped) {
  config_.syslog_files = {"/var/log/none.log"};  // no syslog file: fallback
  using login::UtmpRecord;
  using login::UtmpType;
  UtmpRecord in;
  in.type = UtmpType::kUserProcess;
  in.pid = 77;
  in.line = "pts/1";
  in.user = "root";
  in.host = "203.0.113.50";
  in.address = "203.0.113.50";
  in.time_ns = 1700000000000000000;
  UtmpRecord out_rec = in;
  out_rec.type = UtmpType::kDeadProcess;
  out_rec.user = "";
  std::string corrupt(login::kUtmpRecordSize, '\xee');
  Write("/var/log/wtmp", login::EncodeUtmpRecord(in) + corrupt +
                             login::EncodeUtmpRecord(out_rec));
  UtmpRecord bad = in;
  bad.type = UtmpType::kLoginProcess;
  bad.line = "ssh:notty";
  bad.user = "admin";
  Write("/var/log/btmp", login::EncodeUtmpRecord(bad));
  RecordingSubmitter out;
  auto c = Make();
  ASSERT_TRUE(c->Start(*loop_, out).ok());
  EXPECT_EQ(c->sources(), "utmp");
  auto successes = out.Payloads<LoginEvent>(EventType::kLoginSuccess);
  ASSERT_EQ(successes.size(), 1u);
  EXPECT_EQ(successes[0].user, "root");
  EXPECT_EQ(successes[0].source_address, "203.0.113.50");
  EXPECT_EQ(successes[0].origin, "wtmp");
  auto logouts = out.Payloads<LoginEvent>(EventType::kLogout);
  ASSERT_EQ(logouts.size(), 1u);
  EXPECT_EQ(logouts[0].user, "root");
  auto failures = out.Payloads<LoginEvent>(EventType::kLoginFailure);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].service, "sshd");
  EXPECT_EQ(failures[0].user, "admin");
  EXPECT_EQ(Counter(c->Stats(), "utmp_corrupt"), 1u);
  c->Stop();
}

}  // namespace
}  // namespace picket

#include "collectors/login/auth_correlator.h"

#include <gtest/gtest.h>

#include "collectors/login/syslog_line.h"

namespace picket::login {
namespace {

// Feeds lines (syslog or bare) through one correlator.
std::vector<LoginFact> Feed(std::initializer_list<std::string_view> lines,
                            size_t max_sessions = 64) {
  AuthCorrelator c(max_sessions);
  std::vector<LoginFact> out;
  for (std::string_view line : lines) {
    SyslogLine h;
    std::string_view program, message = line;
    int32_t pid = 0;
    if (ParseSyslogLine(line, &h)) {
      program = h.program;
      message = h.message;
      pid = h.pid;
    }
    AuthRecord r;
    ParseAuthMessage(program, message, &r);
    c.Add(r, pid, &out);
  }
  return out;
}

TEST(AuthCorrelatorTest, InvalidUserAttemptIsOneFailure) {
  auto out = Feed({
      "Dec 10 06:55:46 h sshd[24200]: Invalid user webmaster from 1.2.3.4",
      "Dec 10 06:55:46 h sshd[24200]: pam_unix(sshd:auth): check pass; user "
      "unknown",
      "Dec 10 06:55:46 h sshd[24200]: pam_unix(sshd:auth): authentication "
      "failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4 ",
      "Dec 10 06:55:48 h sshd[24200]: Failed password for invalid user "
      "webmaster from 1.2.3.4 port 38926 ssh2",
      "Dec 10 06:55:48 h sshd[24200]: Connection closed by 1.2.3.4 [preauth]",
  });
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, EventType::kLoginFailure);
  EXPECT_EQ(out[0].login.user, "webmaster");
  EXPECT_EQ(out[0].login.reason, kReasonInvalidUser);
  EXPECT_EQ(out[0].login.pid, 24200);
}

TEST(AuthCorrelatorTest, PamThenSshdLineIsOneAttemptThenSshdCounts) {
  auto out = Feed({
      "Jan 1 00:00:01 h sshd[7]: pam_unix(sshd:auth): authentication "
      "failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example  "
      "user=root",
      "Jan 1 00:00:03 h sshd[7]: Failed password for root from 5.6.7.8 port "
      "42 ssh2",
      "Jan 1 00:00:04 h sshd[7]: pam_unix(sshd:auth): authentication "
      "failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example  "
      "user=root",
      "Jan 1 00:00:06 h sshd[7]: Failed password for root from 5.6.7.8 port "
      "42 ssh2",
      "Jan 1 00:00:07 h sshd[7]: message repeated 3 times: [ Failed password "
      "for root from 5.6.7.8 port 42 ssh2]",
      "Jan 1 00:00:08 h sshd[7]: error: maximum authentication attempts "
      "exceeded for root from 5.6.7.8 port 42 ssh2 [preauth]",
      "Jan 1 00:00:08 h sshd[7]: Disconnecting authenticating user root "
      "5.6.7.8 port 42: Too many authentication failures [preauth]",
  });
  // 1 (pam+sshd) + 1 + 3; the end of the connection adds nothing.
  ASSERT_EQ(out.size(), 5u);
  for (const auto& f : out) EXPECT_EQ(f.login.user, "root");
  EXPECT_EQ(out[0].login.source_address, "host.example");  // PAM's name
  EXPECT_EQ(out[1].login.source_address, "5.6.7.8");
}

TEST(AuthCorrelatorTest, PamOnlyStreamCountsEachPamLine) {
  auto out = Feed({
      "Jun 15 12:12:34 combo sshd(pam_unix)[23397]: authentication failure; "
      "logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
      "Jun 15 12:12:36 combo sshd(pam_unix)[23397]: authentication failure; "
      "logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
  });
  EXPECT_EQ(out.size(), 2u);
}

TEST(AuthCorrelatorTest, PreauthEndCountsOnlyForConnectionsWithoutAttempts) {
  auto out = Feed({
      // A scanner: nothing but the disconnect.
      "Jan 24 15:32:31 s sshd[1]: Disconnected from authenticating user root "
      "179.43.183.98 port 59402 [preauth]",
      // Bare sshd -E lines: keyed by address and port.
      "Failed password for root from 127.0.0.1 port 39422 ssh2",
      "Connection closed by authenticating user root 127.0.0.1 port 39422 "
      "[preauth]",
      // Address known only from the connection line.
      "Feb 12 04:09:18 h sshd[9]: Connection from 115.249.163.77 port 51353",
      "Feb 12 04:09:21 h sshd[9]: Disconnecting: Too many authentication "
      "failures [preauth]",
  });
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].login.reason, kReasonPreauth);
  EXPECT_EQ(out[1].login.reason, kReasonBadPassword);
  EXPECT_EQ(out[2].login.source_address, "115.249.163.77");
  EXPECT_EQ(out[2].login.reason, kReasonMaxAttempts);
}

TEST(AuthCorrelatorTest, SuccessAndLogoutOncePerConnection) {
  auto out = Feed({
      "Mar 7 18:53:20 b sshd[1556]: Accepted password for rda from "
      "192.0.2.113 port 52100 ssh2",
      "Mar 7 18:53:20 b sshd[1556]: pam_unix(sshd:session): session opened "
      "for user rda by (uid=0)",
      "Mar 7 18:55:20 b sshd[1556]: Disconnected from user rda 192.0.2.113 "
      "port 52100",
      "Mar 7 18:55:20 b sshd[1556]: pam_unix(sshd:session): session closed "
      "for user rda",
      // The pid is reused by a new connection later.
      "Mar 7 19:00:00 b sshd[1556]: Accepted password for bob from "
      "192.0.2.9 port 1 ssh2",
  });
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].type, EventType::kLoginSuccess);
  EXPECT_EQ(out[0].login.method, "password");
  EXPECT_EQ(out[1].type, EventType::kLogout);
  EXPECT_EQ(out[1].login.source_address, "192.0.2.113");
  EXPECT_EQ(out[2].type, EventType::kLoginSuccess);
  EXPECT_EQ(out[2].login.user, "bob");
}

TEST(AuthCorrelatorTest, SuFailsOncePerProcess) {
  auto out = Feed({
      "Jan 1 00:00:01 h su[40]: pam_unix(su:auth): authentication failure; "
      "logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  "
      "user=root",
      "Jan 1 00:00:03 h su[40]: FAILED SU (to root) alice on pts/0",
  });
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].login.service, "su");
  EXPECT_EQ(out[0].login.user, "root");
  EXPECT_EQ(out[0].login.by_user, "alice");
}

TEST(AuthCorrelatorTest, MemoryIsBounded) {
  AuthCorrelator c(8);
  std::vector<LoginFact> out;
  for (int pid = 1; pid <= 100; ++pid) {
    AuthRecord r;
    ASSERT_TRUE(ParseAuthMessage(
        "sshd", "Connection from 10.0.0.1 port 1 on 10.0.0.2 port 22", &r));
    c.Add(r, pid, &out);
  }
  EXPECT_LE(c.sessions(), 8u);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace picket::login

#include "collectors/login/auth_message.h"

#include <gtest/gtest.h>

namespace picket::login {
namespace {

AuthRecord Parse(std::string_view program, std::string_view message) {
  AuthRecord r;
  ParseAuthMessage(program, message, &r);
  return r;
}

TEST(AuthMessageTest, SshdAcceptedAndFailed) {
  AuthRecord r = Parse("sshd",
                       "Accepted publickey for vagrant from "
                       "192.168.121.1 port 56296 ssh2: RSA SHA256:x");
  EXPECT_EQ(r.kind, AuthKind::kSuccess);
  EXPECT_EQ(r.service, "sshd");
  EXPECT_EQ(r.user, "vagrant");
  EXPECT_EQ(r.address, "192.168.121.1");
  EXPECT_EQ(r.port, 56296);
  EXPECT_EQ(r.method, "publickey");

  r = Parse("sshd-session",
            "Failed password for invalid user admin from 2001:db8::1 port 22 "
            "ssh2");
  EXPECT_EQ(r.kind, AuthKind::kFailure);
  EXPECT_EQ(r.service, "sshd");
  EXPECT_EQ(r.user, "admin");
  EXPECT_EQ(r.address, "2001:db8::1");
  EXPECT_EQ(r.reason, kReasonInvalidUser);

  r = Parse("sshd",
            "Failed publickey for git from 192.0.2.1 port 1 ssh2: "
            "ECDSA 0e:ff");
  EXPECT_EQ(r.reason, kReasonKeyRefused);
}

TEST(AuthMessageTest, InjectedFromInUserNameDoesNotMoveTheSource) {
  AuthRecord r = Parse("sshd",
                       "Failed password for invalid user test from 10.10.1.2 "
                       "port 55555 ssh2 from 127.0.0.1 port 58946 ssh2");
  EXPECT_EQ(r.address, "127.0.0.1");
  EXPECT_EQ(r.user, "test from 10.10.1.2 port 55555 ssh2");
  r = Parse("sshd",
            "Connection closed by authenticating user test 127.0.0.1 port "
            "12345 192.0.2.11 port 46039 [preauth]");
  EXPECT_EQ(r.address, "192.0.2.11");
  EXPECT_EQ(r.port, 46039);
  EXPECT_EQ(r.user, "test 127.0.0.1 port 12345");
}

TEST(AuthMessageTest, PamFieldsAndInjectionAfterUser) {
  AuthRecord r =
      Parse("sshd",
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 "
            "euid=0 tty=ssh ruser= rhost=1.2.3.4  user=x rhost=6.6.6.6");
  EXPECT_EQ(r.kind, AuthKind::kPamFailure);
  EXPECT_EQ(r.address, "1.2.3.4");
  EXPECT_EQ(r.user, "x rhost=6.6.6.6");
  r = Parse("sshd(pam_unix)",
            "authentication failure; logname= uid=0 euid=0 tty=NODEVssh "
            "ruser= rhost=218.188.2.4 ");
  EXPECT_EQ(r.kind, AuthKind::kPamFailure);
  EXPECT_EQ(r.service, "sshd");
  EXPECT_EQ(r.address, "218.188.2.4");
  r = Parse("sshd",
            "pam_unix(sshd:session): session opened for user rda(uid="
            "1000) by (uid=0)");
  EXPECT_EQ(r.kind, AuthKind::kPamOpen);
  EXPECT_EQ(r.user, "rda");
}

TEST(AuthMessageTest, Dropbear) {
  AuthRecord r = Parse("dropbear",
                       "Bad password attempt for 'root' from "
                       "::ffff:198.51.100.215:60495");
  EXPECT_EQ(r.kind, AuthKind::kFailure);
  EXPECT_EQ(r.user, "root");
  EXPECT_EQ(r.address, "198.51.100.215");
  EXPECT_EQ(r.port, 60495);
  r = Parse("dropbear",
            "Password auth succeeded for 'root' from 10.0.0.2:5555");
  EXPECT_EQ(r.kind, AuthKind::kSuccess);
  EXPECT_EQ(r.method, "password");
  r = Parse("dropbear",
            "Pubkey auth succeeded for 'admin' with ssh-ed25519 key SHA256:ab "
            "from [2001:db8::5]:5555");
  EXPECT_EQ(r.kind, AuthKind::kNone);  // bracketed v6 is not dropbear's form
  r = Parse("dropbear",
            "Pubkey auth succeeded for 'admin' with ssh-ed25519 key SHA256:ab "
            "from 2001:db8::5:5555");
  EXPECT_EQ(r.kind, AuthKind::kSuccess);
  EXPECT_EQ(r.method, "publickey");
  EXPECT_EQ(r.address, "2001:db8::5");
  r = Parse("dropbear",
            "Exit (root) from <10.0.0.2:5555>: Disconnect received");
  EXPECT_EQ(r.kind, AuthKind::kLogout);
  EXPECT_EQ(r.user, "root");
  r = Parse("dropbear", "User 'ftp' has invalid shell, rejected");
  EXPECT_EQ(r.kind, AuthKind::kFailure);
  EXPECT_EQ(r.reason, kReasonNoShell);
}

TEST(AuthMessageTest, LoginTelnetAndBusyBox) {
  AuthRecord r = Parse("login",
                       "FAILED LOGIN (1) on '/dev/pts/1' from '203.0.113.9' "
                       "FOR 'admin', Authentication failure");
  EXPECT_EQ(r.kind, AuthKind::kFailure);
  EXPECT_EQ(r.service, "telnet");
  EXPECT_EQ(r.user, "admin");
  EXPECT_EQ(r.tty, "/dev/pts/1");
  EXPECT_EQ(r.address, "203.0.113.9");
  r = Parse("login",
            "FAILED LOGIN 1 FROM 203.0.113.9 FOR root, User not "
            "known to the underlying authentication module");
  EXPECT_EQ(r.reason, kReasonInvalidUser);
  EXPECT_EQ(r.user, "root");
  r = Parse("login",
            "invalid password for 'root' on 'pts/0' from "
            "'198.51.100.3'");
  EXPECT_EQ(r.kind, AuthKind::kFailure);
  EXPECT_EQ(r.service, "telnet");
  EXPECT_EQ(r.tty, "pts/0");
  r = Parse("login", "root login on 'ttyS0'");
  EXPECT_EQ(r.kind, AuthKind::kSuccess);
  EXPECT_EQ(r.service, "login");
  EXPECT_EQ(r.user, "root");
  EXPECT_EQ(r.tty, "ttyS0");
  r = Parse("login", "LOGIN ON pts/3 BY alice FROM 10.1.1.1");
  EXPECT_EQ(r.kind, AuthKind::kSuccess);
  EXPECT_EQ(r.user, "alice");
  EXPECT_EQ(r.address, "10.1.1.1");
}

TEST(AuthMessageTest, SuAndSudo) {
  AuthRecord r = Parse("su", "FAILED SU (to root) alice on pts/0");
  EXPECT_EQ(r.kind, AuthKind::kFailure);
  EXPECT_EQ(r.user, "root");
  EXPECT_EQ(r.by_user, "alice");
  EXPECT_EQ(r.tty, "pts/0");
  r = Parse("su", "(to root) alice on pts/0");
  EXPECT_EQ(r.kind, AuthKind::kSuccess);
  r = Parse("su", "- /dev/ttyS0 bob:root");
  EXPECT_EQ(r.kind, AuthKind::kFailure);
  EXPECT_EQ(r.by_user, "bob");
  EXPECT_EQ(r.tty, "ttyS0");
  r = Parse("sudo",
            "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
            "COMMAND=/bin/ls");
  EXPECT_EQ(r.kind, AuthKind::kSuccess);
  EXPECT_EQ(r.user, "root");
  EXPECT_EQ(r.by_user, "alice");
  r = Parse("sudo",
            "pam_unix(sudo:auth): authentication failure; "
            "logname=alice uid=1000 euid=0 tty=/dev/pts/0 "
            "ruser=alice rhost=  user=alice");
  EXPECT_EQ(r.kind, AuthKind::kPamFailure);
  EXPECT_EQ(r.service, "sudo");
  EXPECT_EQ(r.by_user, "alice");
  EXPECT_EQ(r.address, "");
}

TEST(AuthMessageTest, RepeatedMessage) {
  AuthRecord r = Parse("sshd",
                       "message repeated 5 times: [ Failed password for root "
                       "from 5.36.59.76 port 42393 ssh2]");
  EXPECT_EQ(r.kind, AuthKind::kFailure);
  EXPECT_EQ(r.repeat, 5u);
}

TEST(AuthMessageTest, BareLinesWithoutProgram) {
  AuthRecord r = Parse("",
                       "Failed password for root from 127.0.0.1 port "
                       "39422 ssh2");
  EXPECT_EQ(r.kind, AuthKind::kFailure);
  EXPECT_EQ(r.service, "sshd");
  r = Parse("", "Login attempt for nonexistent user from 192.168.9.163:49906");
  EXPECT_EQ(r.service, "dropbear");
  EXPECT_FALSE(ParseAuthMessage("", "random text", &r));
  EXPECT_FALSE(
      ParseAuthMessage("cron", "Failed password for x from 1.2.3.4", &r));
}

TEST(AuthMessageTest, UnmapIpv4) {
  EXPECT_EQ(UnmapIpv4("::ffff:1.2.3.4"), "1.2.3.4");
  EXPECT_EQ(UnmapIpv4("::ffff:abcd::1"), "::ffff:abcd::1");
  EXPECT_EQ(UnmapIpv4("10.0.0.1"), "10.0.0.1");
}

}  // namespace
}  // namespace picket::login

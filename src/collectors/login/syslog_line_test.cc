#include "collectors/login/syslog_line.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace picket::login {
namespace {

TEST(SyslogLineTest, Rfc3164WithHostAndPid) {
  SyslogLine h;
  ASSERT_TRUE(ParseSyslogLine(
      "Feb  5 14:10:21 gw sshd[16378]: Invalid user pascal from 1.2.3.4\r",
      &h));
  EXPECT_EQ(h.format, SyslogLine::Format::kRfc3164);
  EXPECT_EQ(h.time.month, 2);
  EXPECT_EQ(h.time.day, 5);
  EXPECT_EQ(h.time.hour, 14);
  EXPECT_FALSE(h.time.has_year);
  EXPECT_EQ(h.host, "gw");
  EXPECT_EQ(h.program, "sshd");
  EXPECT_EQ(h.pid, 16378);
  EXPECT_EQ(h.message, "Invalid user pascal from 1.2.3.4");
}

TEST(SyslogLineTest, DayWithoutPaddingOrWithZero) {
  SyslogLine a, b;
  ASSERT_TRUE(ParseSyslogLine("Feb 7 16:01:07 h sshd[1]: x", &a));
  ASSERT_TRUE(ParseSyslogLine("Jul 05 18:22:44 h sshd[1]: x", &b));
  EXPECT_EQ(a.time.day, 7);
  EXPECT_EQ(b.time.day, 5);
}

TEST(SyslogLineTest, NoHostAndBracketedProgram) {
  SyslogLine h;
  ASSERT_TRUE(ParseSyslogLine("Feb 11 15:23:17 dropbear[1252]: hello", &h));
  EXPECT_EQ(h.host, "");
  EXPECT_EQ(h.program, "dropbear");
  EXPECT_EQ(h.pid, 1252);
  ASSERT_TRUE(ParseSyslogLine("Mar  3 00:17:22 [sshd]: User root", &h));
  EXPECT_EQ(h.program, "sshd");
  EXPECT_EQ(h.message, "User root");
  ASSERT_TRUE(ParseSyslogLine("Jun 25 23:53:34 [sshd] User root", &h));
  EXPECT_EQ(h.program, "sshd");
}

TEST(SyslogLineTest, BusyBoxFacilityLevel) {
  SyslogLine h;
  ASSERT_TRUE(ParseSyslogLine(
      "Jan  1 00:01:02 camera auth.info dropbear[812]: Child connection from "
      "192.168.1.5:40000",
      &h));
  EXPECT_EQ(h.host, "camera");
  EXPECT_EQ(h.facility, "auth.info");
  EXPECT_EQ(h.program, "dropbear");
  EXPECT_EQ(h.pid, 812);
  EXPECT_EQ(h.message, "Child connection from 192.168.1.5:40000");
  ASSERT_TRUE(ParseSyslogLine(
      "Jan  1 00:01:02 router authpriv.notice login[99]: root login on "
      "'pts/0'",
      &h));
  EXPECT_EQ(h.facility, "authpriv.notice");
  EXPECT_EQ(h.program, "login");
}

TEST(SyslogLineTest, IsoHighPrecisionAndShortIso) {
  SyslogLine h;
  ASSERT_TRUE(ParseSyslogLine(
      "2015-04-16T18:02:50.321974+00:00 host sshd[2716]: m", &h));
  EXPECT_EQ(h.format, SyslogLine::Format::kIso);
  EXPECT_TRUE(h.time.has_year);
  EXPECT_TRUE(h.time.has_offset);
  EXPECT_EQ(h.time.nanos, 321974000);
  EXPECT_EQ(LogTimeToUnixNs(h.time, 0), 1429207370321974000);
  ASSERT_TRUE(
      ParseSyslogLine("2023-11-14T00:20:42+0100 myserver sshd[1]: m", &h));
  EXPECT_EQ(h.time.utc_offset_s, 3600);
  EXPECT_EQ(LogTimeToUnixNs(h.time, 0), 1699917642LL * 1000000000);
}

// Found by syslog_line_fuzz: years a log may carry but int64 nanoseconds
// cannot hold overflowed (undefined behaviour) instead of saturating.
TEST(SyslogLineTest, YearsOutsideTheNanosecondRangeSaturate) {
  SyslogLine h;
  ASSERT_TRUE(ParseSyslogLine("0023-11-14T00:20:42+0100 host sshd[1]: m", &h));
  EXPECT_EQ(LogTimeToUnixNs(h.time, 0),
            std::numeric_limits<int64_t>::min() / 1000000000 * 1000000000);
  ASSERT_TRUE(
      ParseSyslogLine("9999-12-31T23:59:59.999999999Z host sshd[1]: m", &h));
  const int64_t max = LogTimeToUnixNs(h.time, 0);
  EXPECT_GT(max, std::numeric_limits<int64_t>::max() - 2000000000);
  EXPECT_EQ(max % 1000000000, 999999999);
  // The last representable second still converts exactly.
  ASSERT_TRUE(ParseSyslogLine("2262-04-11T23:47:15Z host sshd[1]: m", &h));
  EXPECT_EQ(LogTimeToUnixNs(h.time, 0), 9223372035LL * 1000000000);
  // A year given by the caller is bounded the same way.
  ASSERT_TRUE(ParseSyslogLine("Feb  5 14:10:21 host sshd[1]: m", &h));
  EXPECT_EQ(LogTimeToUnixNs(h.time, 9000), max - 999999999);
}

TEST(SyslogLineTest, Rfc5424WithStructuredData) {
  SyslogLine h;
  ASSERT_TRUE(ParseSyslogLine(
      "<38>1 2019-07-08T17:40:17.954167-04:00 hostname.example.com sshd 55555 "
      "- [timeQuality tzKnown=\"1\"][xxx@123 test=\"[brackets]\"] Failed "
      "unknown for invalid user redmond from 192.0.2.2 port 55555 ssh2",
      &h));
  EXPECT_EQ(h.format, SyslogLine::Format::kRfc5424);
  EXPECT_EQ(h.host, "hostname.example.com");
  EXPECT_EQ(h.program, "sshd");
  EXPECT_EQ(h.pid, 55555);
  EXPECT_EQ(h.time.utc_offset_s, -4 * 3600);
  EXPECT_TRUE(h.message.starts_with("Failed unknown for invalid user"));
}

TEST(SyslogLineTest, JournalShortWithoutTime) {
  SyslogLine h;
  ASSERT_TRUE(ParseSyslogLine("srv sshd[13709]: error: PAM: x", &h));
  EXPECT_EQ(h.format, SyslogLine::Format::kNoTime);
  EXPECT_EQ(h.host, "srv");
  EXPECT_EQ(h.program, "sshd");
  EXPECT_EQ(h.message, "error: PAM: x");
}

TEST(SyslogLineTest, BareMessagesAndGarbageHaveNoHeader) {
  SyslogLine h;
  EXPECT_FALSE(ParseSyslogLine(
      "Failed password for root from 127.0.0.1 port 39422 ssh2", &h));
  EXPECT_FALSE(ParseSyslogLine("Exit (root): Disconnect received", &h));
  EXPECT_FALSE(ParseSyslogLine("", &h));
  EXPECT_FALSE(ParseSyslogLine("\x01\x02\x03 binary", &h));
  EXPECT_FALSE(ParseSyslogLine("Foo 99 99:99:99 x y[1]: z", &h));
  EXPECT_FALSE(ParseSyslogLine("<38>1 not-a-time h a 1 - - m", &h));
}

TEST(SyslogLineTest, DaysFromCivil) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
}

}  // namespace
}  // namespace picket::login

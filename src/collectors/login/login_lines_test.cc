#include "collectors/login/login_lines.h"

#include <gtest/gtest.h>

namespace picket::login {
namespace {

constexpr int64_t kNs = 1000000000;
// 2026-01-05T00:00:00Z
constexpr int64_t kJan2026 = 1767571200LL * kNs;

TEST(LoginLinesTest, LinesBecomeEventsWithTheirOwnTime) {
  LoginLines lines;
  std::vector<LoginFact> facts;
  EXPECT_EQ(lines.Add("2026-01-04T10:00:00+01:00 host sshd[42]: Failed "
                      "password for root from 192.0.2.7 port 4242 ssh2",
                      kJan2026, 0, false, &facts),
            LineResult::kRead);
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(facts[0].type, EventType::kLoginFailure);
  EXPECT_EQ(facts[0].login.user, "root");
  EXPECT_EQ(facts[0].login.source_address, "192.0.2.7");
  EXPECT_EQ(facts[0].login.log_time_ns, (1767517200LL) * kNs);
  EXPECT_NE(facts[0].login.message.find("Failed password"), std::string::npos);
}

TEST(LoginLinesTest, YearlessTimesTakeTheReferenceYearUnlessInTheFuture) {
  LoginLines lines;
  std::vector<LoginFact> facts;
  lines.Add(
      "Jan  4 10:00:00 host sshd[1]: Failed password for root from "
      "192.0.2.7 port 1 ssh2",
      kJan2026, 3600, false, &facts);
  lines.Add(
      "Dec 31 23:00:00 host sshd[2]: Failed password for root from "
      "192.0.2.7 port 2 ssh2",
      kJan2026, 0, false, &facts);
  ASSERT_EQ(facts.size(), 2u);
  // 2026-01-04T10:00 at +01:00.
  EXPECT_EQ(facts[0].login.log_time_ns, 1767517200LL * kNs);
  // December read in January: last year.
  EXPECT_EQ(facts[1].login.log_time_ns, 1767222000LL * kNs);
}

TEST(LoginLinesTest, BinaryGarbageAndContextLines) {
  LoginLines lines;
  std::vector<LoginFact> facts;
  EXPECT_EQ(lines.Add(std::string("a\x01b", 3), kJan2026, 0, false, &facts),
            LineResult::kBinary);
  EXPECT_EQ(lines.Add("not a log line at all", kJan2026, 0, false, &facts),
            LineResult::kUnparsed);
  EXPECT_EQ(lines.Add("Jan  4 10:00:00 host sshd[3]: Failed password for "
                      "root from 192.0.2.7 port 3 ssh2",
                      kJan2026, 0, true, &facts),
            LineResult::kRead);
  EXPECT_TRUE(facts.empty());  // context only
}

}  // namespace
}  // namespace picket::login

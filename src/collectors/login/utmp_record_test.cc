#include "collectors/login/utmp_record.h"

#include <gtest/gtest.h>

namespace picket::login {
namespace {

TEST(UtmpRecordTest, RoundTripOfALogin) {
  UtmpRecord in;
  in.type = UtmpType::kUserProcess;
  in.pid = 4242;
  in.line = "pts/0";
  in.user = "alice";
  in.host = "203.0.113.7";
  in.address = "203.0.113.7";
  in.time_ns = 1700000000123456000;
  std::string bytes = EncodeUtmpRecord(in);
  ASSERT_EQ(bytes.size(), kUtmpRecordSize);
  UtmpRecord out;
  ASSERT_EQ(ParseUtmpRecord(bytes, &out), UtmpParse::kOk);
  EXPECT_EQ(out.type, UtmpType::kUserProcess);
  EXPECT_EQ(out.pid, 4242);
  EXPECT_EQ(out.line, "pts/0");
  EXPECT_EQ(out.user, "alice");
  EXPECT_EQ(out.host, "203.0.113.7");
  EXPECT_EQ(out.address, "203.0.113.7");
  EXPECT_EQ(out.time_ns, 1700000000123456000);
}

TEST(UtmpRecordTest, LayoutMatchesGlibc) {
  // Field offsets from <utmp.h> on x86_64/arm (see the header).
  UtmpRecord in;
  in.type = UtmpType::kDeadProcess;
  in.pid = 0x01020304;
  in.line = "ttyS0";
  in.user = "root";
  std::string b = EncodeUtmpRecord(in);
  EXPECT_EQ(b[0], 8);
  EXPECT_EQ(b[4], 0x04);
  EXPECT_EQ(b.substr(8, 5), "ttyS0");
  EXPECT_EQ(b.substr(44, 4), "root");
}

TEST(UtmpRecordTest, CorruptAndShortRecords) {
  UtmpRecord r;
  EXPECT_EQ(ParseUtmpRecord(std::string(100, '\0'), &r), UtmpParse::kShort);
  std::string bad_type(kUtmpRecordSize, '\0');
  bad_type[0] = 42;
  EXPECT_EQ(ParseUtmpRecord(bad_type, &r), UtmpParse::kCorrupt);
  UtmpRecord in;
  in.type = UtmpType::kUserProcess;
  in.user = "x";
  std::string control = EncodeUtmpRecord(in);
  control[45] = '\x01';  // control byte inside ut_user
  EXPECT_EQ(ParseUtmpRecord(control, &r), UtmpParse::kCorrupt);
  std::string negative = EncodeUtmpRecord(in);
  negative[7] = '\x80';  // pid < 0
  EXPECT_EQ(ParseUtmpRecord(negative, &r), UtmpParse::kCorrupt);
  std::string garbage(kUtmpRecordSize, '\xff');
  EXPECT_EQ(ParseUtmpRecord(garbage, &r), UtmpParse::kCorrupt);
}

}  // namespace
}  // namespace picket::login

#include "collectors/login/journal_export.h"

#include <gtest/gtest.h>

#include <string>

namespace picket::login {
namespace {

using Next = JournalExportReader::Next;

std::string Binary(const std::string& name, const std::string& value) {
  std::string out = name + "\n";
  uint64_t len = value.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
  return out + value + "\n";
}

TEST(JournalExportTest, ReadsTextAndBinaryFields) {
  std::string data =
      "__CURSOR=s=abc;i=1\n__REALTIME_TIMESTAMP=1700000000123456\n_PID=99\n"
      "_COMM=sshd\nSYSLOG_IDENTIFIER=sshd\nSYSLOG_PID=42\n"
      "MESSAGE=Failed password for root from 10.0.0.1 port 22 ssh2\n\n" +
      std::string("__CURSOR=s=abc;i=2\n_COMM=sshd\n_PID=7\n") +
      Binary("MESSAGE", "two\nlines") + "\n";
  ASSERT_TRUE(LooksLikeJournalExport(data));
  JournalExportReader r(data);
  JournalExportEntry e;
  ASSERT_EQ(r.Read(&e), Next::kEntry);
  EXPECT_EQ(e.identifier, "sshd");
  EXPECT_EQ(e.pid, 42);  // SYSLOG_PID wins over _PID
  EXPECT_EQ(e.realtime_ns, 1700000000123456000);
  EXPECT_EQ(e.message, "Failed password for root from 10.0.0.1 port 22 ssh2");
  EXPECT_EQ(e.offset, 0u);
  ASSERT_EQ(r.Read(&e), Next::kEntry);
  EXPECT_EQ(e.identifier, "sshd");
  EXPECT_EQ(e.pid, 7);
  EXPECT_EQ(e.message, "two\nlines");
  EXPECT_EQ(r.Read(&e), Next::kEnd);
}

TEST(JournalExportTest, BadEntriesAreNamedAndSkipped) {
  using namespace std::string_literals;  // the length has NUL bytes
  std::string data =
      "__CURSOR=1\nMESSAGE\n\xff\xff\xff\x00\x00\x00\x00\x00x\n"
      "\n__CURSOR=2\nlower=case\n\n__CURSOR=3\nMESSAGE=ok\n"s;
  JournalExportReader r(data);
  JournalExportEntry e;
  ASSERT_EQ(r.Read(&e), Next::kError);
  EXPECT_NE(r.error().find("byte 11"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("longer than"), std::string::npos) << r.error();
  ASSERT_EQ(r.Read(&e), Next::kError);
  EXPECT_NE(r.error().find("not a field name"), std::string::npos);
  ASSERT_EQ(r.Read(&e), Next::kEntry);
  EXPECT_EQ(e.message, "ok");
  EXPECT_EQ(r.Read(&e), Next::kEnd);
}

TEST(JournalExportTest, CutShortBinaryFieldIsAnError) {
  std::string data = "__CURSOR=1\n" + Binary("MESSAGE", "abcdef");
  data.resize(data.size() - 4);
  JournalExportReader r(data);
  JournalExportEntry e;
  EXPECT_EQ(r.Read(&e), Next::kError);
  EXPECT_NE(r.error().find("runs past"), std::string::npos) << r.error();
  EXPECT_EQ(r.Read(&e), Next::kEnd);
  EXPECT_FALSE(LooksLikeJournalExport("Dec 10 06:55:46 host sshd[1]: x=y"));
}

}  // namespace
}  // namespace picket::login

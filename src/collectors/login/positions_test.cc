#include "collectors/login/positions.h"

#include <gtest/gtest.h>

namespace picket::login {
namespace {

TEST(PositionsTest, RoundTrip) {
  Positions p;
  p.files.push_back({"/var/log/auth.log", 2049, 131077, 4096, 256, 0xabcdef});
  p.files.push_back({"/tmp/with space.log", 1, 2, 3, 0, HeadHash("")});
  p.journal_cursor = "s=abc;i=12;b=def;m=1;t=2;x=3";
  std::string text = FormatPositions(p);
  EXPECT_TRUE(text.starts_with("# picket login positions v1\n"));
  int bad = -1;
  Positions q = ParsePositions(text, &bad);
  EXPECT_EQ(bad, 0);
  ASSERT_EQ(q.files.size(), 2u);
  EXPECT_EQ(q.files[0].path, "/var/log/auth.log");
  EXPECT_EQ(q.files[0].dev, 2049u);
  EXPECT_EQ(q.files[0].inode, 131077u);
  EXPECT_EQ(q.files[0].offset, 4096u);
  EXPECT_EQ(q.files[0].head_len, 256u);
  EXPECT_EQ(q.files[0].head_hash, 0xabcdefu);
  EXPECT_EQ(q.files[1].path, "/tmp/with space.log");
  EXPECT_EQ(q.journal_cursor, p.journal_cursor);
}

TEST(PositionsTest, MalformedLinesSkippedAndCounted) {
  int bad = 0;
  Positions q = ParsePositions(
      "file 1 2 x 0 0 /a\nfile 1 2 3 999 0 /b\nwhat\njournal a b\n"
      "file 1 2 3 4 00000000000000ff /ok\n",
      &bad);
  EXPECT_EQ(bad, 4);
  ASSERT_EQ(q.files.size(), 1u);
  EXPECT_EQ(q.files[0].path, "/ok");
  EXPECT_TRUE(q.journal_cursor.empty());
}

TEST(PositionsTest, PathsWithNewlinesAreNotWritten) {
  Positions p;
  p.files.push_back({"/evil\nfile 0 0 0 0 0 /x", 1, 1, 1, 0, 0});
  Positions q = ParsePositions(FormatPositions(p), nullptr);
  EXPECT_TRUE(q.files.empty());
}

}  // namespace
}  // namespace picket::login

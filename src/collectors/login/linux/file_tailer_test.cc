#include "collectors/login/linux/file_tailer.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace picket::login {
namespace {

class FileTailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/picket-tailer-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/auth.log";
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  void Append(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << text;
  }
  std::vector<std::string> Poll(FileTailer& t, int64_t now = 0) {
    std::vector<std::string> lines;
    t.Poll(now, [&](std::string_view l) { lines.emplace_back(l); });
    return lines;
  }
  using Lines = std::vector<std::string>;
  std::string dir_;
  std::string path_;
};

TEST_F(FileTailerTest, StartsAtEndThenFollowsPartialLinesAndCrlf) {
  Append(path_, "old line\n");
  FileTailer t(path_, {});
  EXPECT_EQ(Poll(t), Lines{});
  EXPECT_EQ(t.state(), FileTailer::State::kReading);
  Append(path_, "one\r\ntw");
  EXPECT_EQ(Poll(t), Lines{"one"});
  EXPECT_EQ(t.Position().offset, 9u + 5u);  // the partial "tw" is not in it
  Append(path_, "o\nthree\n");
  EXPECT_EQ(Poll(t), (Lines{"two", "three"}));
}

TEST_F(FileTailerTest, FromBeginningWhenConfigured) {
  Append(path_, "a\nb\n");
  FileTailer::Options opts;
  opts.start_at_end = false;
  FileTailer t(path_, opts);
  EXPECT_EQ(Poll(t), (Lines{"a", "b"}));
}

TEST_F(FileTailerTest, RotationByRenameDrainsTheOldFileFirst) {
  Append(path_, "");
  FileTailer t(path_, {});
  Poll(t);
  Append(path_, "before\n");
  ASSERT_EQ(rename(path_.c_str(), (path_ + ".1").c_str()), 0);
  // The writer still appends to the renamed file until it reopens.
  Append(path_ + ".1", "late write\n");
  Append(path_, "new file\n");
  EXPECT_EQ(Poll(t, 10), (Lines{"before", "late write", "new file"}));
  EXPECT_EQ(t.stats().rotations, 1u);
  Append(path_ + ".1", "later still\n");
  Append(path_, "more\n");
  EXPECT_EQ(Poll(t, 20), (Lines{"later still", "more"}));
  // After kDrainMs of silence the old file is let go.
  Append(path_, "x\n");
  EXPECT_EQ(Poll(t, 20 + FileTailer::kDrainMs), Lines{"x"});
  Append(path_ + ".1", "too late\n");
  EXPECT_EQ(Poll(t, 30 + FileTailer::kDrainMs), Lines{});
}

TEST_F(FileTailerTest, CopyTruncateRereadsFromStart) {
  Append(path_, "");
  FileTailer t(path_, {});
  Poll(t);
  Append(path_, "first\nsecond\n");
  EXPECT_EQ(Poll(t).size(), 2u);
  ASSERT_EQ(truncate(path_.c_str(), 0), 0);
  Append(path_, "after\n");
  EXPECT_EQ(Poll(t), Lines{"after"});
  EXPECT_EQ(t.stats().truncations, 1u);
}

TEST_F(FileTailerTest, OverlongLinesSkippedAndCounted) {
  Append(path_, "");
  FileTailer::Options opts;
  opts.max_line = 16;
  FileTailer t(path_, opts);
  Poll(t);
  Append(path_, std::string(40, 'x'));
  EXPECT_EQ(Poll(t), Lines{});
  Append(path_,
         std::string(40, 'y') + "\nshort\n" + std::string(17, 'z') + "\nok\n");
  EXPECT_EQ(Poll(t), (Lines{"short", "ok"}));
  EXPECT_EQ(t.stats().overlong, 2u);
  EXPECT_EQ(t.Position().offset, 40u + 41 + 6 + 18 + 3);
}

TEST_F(FileTailerTest, MissingFileReportedAndReadFromStartWhenItReturns) {
  FileTailer t(path_, {});
  EXPECT_TRUE(t.Poll(0, [](std::string_view) {}));
  EXPECT_EQ(t.state(), FileTailer::State::kMissing);
  Append(path_, "hello\n");
  EXPECT_EQ(Poll(t), Lines{"hello"});
  EXPECT_EQ(t.state(), FileTailer::State::kReading);
  ASSERT_EQ(unlink(path_.c_str()), 0);
  Poll(t);
  EXPECT_EQ(t.state(), FileTailer::State::kMissing);
  Append(path_, "back\n");
  EXPECT_EQ(Poll(t), Lines{"back"});
  EXPECT_EQ(t.state(), FileTailer::State::kReading);
}

TEST_F(FileTailerTest, UnreadableFileReported) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
  Append(path_, "x\n");
  ASSERT_EQ(chmod(path_.c_str(), 0), 0);
  FileTailer t(path_, {});
  Poll(t);
  EXPECT_EQ(t.state(), FileTailer::State::kUnreadable);
}

TEST_F(FileTailerTest, RestartResumesWithoutRepeatsOrGaps) {
  Append(path_, "");
  FilePosition saved;
  {
    FileTailer t(path_, {});
    Poll(t);
    Append(path_, "a\nb\npart");
    EXPECT_EQ(Poll(t), (Lines{"a", "b"}));
    saved = t.Position();
  }
  Append(path_, "ial\nc\n");  // written while the agent was down
  FileTailer t(path_, {});
  t.Restore(saved);
  EXPECT_EQ(Poll(t), (Lines{"partial", "c"}));
}

TEST_F(FileTailerTest, RestartAfterRotationWhileDownFinishesOldFile) {
  Append(path_, "");
  FilePosition saved;
  {
    FileTailer t(path_, {});
    Poll(t);
    Append(path_, "a\n");
    EXPECT_EQ(Poll(t), Lines{"a"});
    saved = t.Position();
  }
  Append(path_, "b\n");
  ASSERT_EQ(rename(path_.c_str(), (path_ + ".1").c_str()), 0);
  Append(path_, "c\n");
  FileTailer t(path_, {});
  t.Restore(saved);
  EXPECT_EQ(Poll(t), (Lines{"b", "c"}));
}

TEST_F(FileTailerTest, RestoredPositionOfAnotherFileIsNotTrusted) {
  Append(path_, "this is a new file\n");
  FilePosition saved;
  saved.path = path_;
  saved.dev = 1;
  saved.inode = 1;
  saved.offset = 5;
  FileTailer t(path_, {});
  t.Restore(saved);
  EXPECT_EQ(Poll(t), Lines{"this is a new file"});
}

TEST_F(FileTailerTest, RecordsOfFixedSize) {
  FileTailer::Options opts;
  opts.record_size = 4;
  opts.start_at_end = false;
  FileTailer t(path_, opts);
  Append(path_, "abcdefg");
  EXPECT_EQ(Poll(t), Lines{"abcd"});
  Append(path_, "h");
  EXPECT_EQ(Poll(t), Lines{"efgh"});
  EXPECT_EQ(t.Position().offset, 8u);
}

}  // namespace
}  // namespace picket::login

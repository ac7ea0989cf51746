#include "collectors/login/linux/file_tailer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace picket::login {
namespace {

using testing_util::AppendFile;

class FileTailerTest : public ::testing::Test {
 protected:
  // The lines to report (context lines left out).
  std::vector<std::string> Poll(FileTailer& t, int64_t now = 0) {
    std::vector<std::string> lines;
    t.Poll(now, [&](const FileTailer::Line& l) {
      if (!l.context) lines.emplace_back(l.data);
    });
    return lines;
  }
  // Every line handed over: "<offset> <text>", context lines with "c ".
  std::vector<std::string> PollAll(FileTailer& t, uint64_t* key = nullptr) {
    std::vector<std::string> lines;
    t.Poll(0, [&](const FileTailer::Line& l) {
      lines.push_back((l.context ? "c " : "") + std::to_string(l.offset) + " " +
                      std::string(l.data));
      if (key != nullptr) *key = l.source_key;
    });
    return lines;
  }
  using Lines = std::vector<std::string>;
  testing_util::TempDir dir_{"picket-tailer-"};
  std::string path_ = dir_ / "auth.log";
};

TEST_F(FileTailerTest, StartsAtEndThenFollowsPartialLinesAndCrlf) {
  AppendFile(path_, "old line\n");
  FileTailer t(path_, {});
  EXPECT_EQ(Poll(t), Lines{});
  EXPECT_EQ(t.state(), FileTailer::State::kReading);
  AppendFile(path_, "one\r\ntw");
  EXPECT_EQ(Poll(t), Lines{"one"});
  EXPECT_EQ(t.Position().offset, 9u + 5u);  // the partial "tw" is not in it
  AppendFile(path_, "o\nthree\n");
  EXPECT_EQ(Poll(t), (Lines{"two", "three"}));
}

TEST_F(FileTailerTest, FromBeginningWhenConfigured) {
  AppendFile(path_, "a\nb\n");
  FileTailer::Options opts;
  opts.start_at_end = false;
  FileTailer t(path_, opts);
  EXPECT_EQ(Poll(t), (Lines{"a", "b"}));
}

TEST_F(FileTailerTest, RotationByRenameDrainsTheOldFileFirst) {
  AppendFile(path_, "");
  FileTailer t(path_, {});
  Poll(t);
  AppendFile(path_, "before\n");
  ASSERT_EQ(rename(path_.c_str(), (path_ + ".1").c_str()), 0);
  // The writer still appends to the renamed file until it reopens.
  AppendFile(path_ + ".1", "late write\n");
  AppendFile(path_, "new file\n");
  EXPECT_EQ(Poll(t, 10), (Lines{"before", "late write", "new file"}));
  EXPECT_EQ(t.stats().rotations, 1u);
  AppendFile(path_ + ".1", "later still\n");
  AppendFile(path_, "more\n");
  EXPECT_EQ(Poll(t, 20), (Lines{"later still", "more"}));
  // After kDrainMs of silence the old file is let go.
  AppendFile(path_, "x\n");
  EXPECT_EQ(Poll(t, 20 + FileTailer::kDrainMs), Lines{"x"});
  AppendFile(path_ + ".1", "too late\n");
  EXPECT_EQ(Poll(t, 30 + FileTailer::kDrainMs), Lines{});
}

TEST_F(FileTailerTest, CopyTruncateRereadsFromStart) {
  AppendFile(path_, "");
  FileTailer t(path_, {});
  Poll(t);
  AppendFile(path_, "first\nsecond\n");
  EXPECT_EQ(Poll(t).size(), 2u);
  ASSERT_EQ(truncate(path_.c_str(), 0), 0);
  AppendFile(path_, "after\n");
  EXPECT_EQ(Poll(t), Lines{"after"});
  EXPECT_EQ(t.stats().truncations, 1u);
}

TEST_F(FileTailerTest, OverlongLinesSkippedAndCounted) {
  AppendFile(path_, "");
  FileTailer::Options opts;
  opts.max_line = 16;
  FileTailer t(path_, opts);
  Poll(t);
  AppendFile(path_, std::string(40, 'x'));
  EXPECT_EQ(Poll(t), Lines{});
  AppendFile(path_, std::string(40, 'y') + "\nshort\n" + std::string(17, 'z') +
                        "\nok\n");
  EXPECT_EQ(Poll(t), (Lines{"short", "ok"}));
  EXPECT_EQ(t.stats().overlong, 2u);
  EXPECT_EQ(t.Position().offset, 40u + 41 + 6 + 18 + 3);
}

TEST_F(FileTailerTest, MissingFileReportedAndReadFromStartWhenItReturns) {
  FileTailer t(path_, {});
  EXPECT_TRUE(t.Poll(0, [](const FileTailer::Line&) {}));
  EXPECT_EQ(t.state(), FileTailer::State::kMissing);
  AppendFile(path_, "hello\n");
  EXPECT_EQ(Poll(t), Lines{"hello"});
  EXPECT_EQ(t.state(), FileTailer::State::kReading);
  ASSERT_EQ(unlink(path_.c_str()), 0);
  Poll(t);
  EXPECT_EQ(t.state(), FileTailer::State::kMissing);
  AppendFile(path_, "back\n");
  EXPECT_EQ(Poll(t), Lines{"back"});
  EXPECT_EQ(t.state(), FileTailer::State::kReading);
}

TEST_F(FileTailerTest, UnreadableFileReported) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
  AppendFile(path_, "x\n");
  ASSERT_EQ(chmod(path_.c_str(), 0), 0);
  FileTailer t(path_, {});
  Poll(t);
  EXPECT_EQ(t.state(), FileTailer::State::kUnreadable);
}

TEST_F(FileTailerTest, RestartResumesWithoutRepeatsOrGaps) {
  AppendFile(path_, "");
  FilePosition saved;
  {
    FileTailer t(path_, {});
    Poll(t);
    AppendFile(path_, "a\nb\npart");
    EXPECT_EQ(Poll(t), (Lines{"a", "b"}));
    saved = t.Position();
  }
  AppendFile(path_, "ial\nc\n");  // written while the agent was down
  FileTailer t(path_, {});
  t.Restore(saved);
  EXPECT_EQ(Poll(t), (Lines{"partial", "c"}));
}

TEST_F(FileTailerTest, RestartAfterRotationWhileDownFinishesOldFile) {
  AppendFile(path_, "");
  FilePosition saved;
  {
    FileTailer t(path_, {});
    Poll(t);
    AppendFile(path_, "a\n");
    EXPECT_EQ(Poll(t), Lines{"a"});
    saved = t.Position();
  }
  AppendFile(path_, "b\n");
  ASSERT_EQ(rename(path_.c_str(), (path_ + ".1").c_str()), 0);
  AppendFile(path_, "c\n");
  FileTailer t(path_, {});
  t.Restore(saved);
  EXPECT_EQ(Poll(t), (Lines{"b", "c"}));
}

TEST_F(FileTailerTest, RestoredPositionOfAnotherFileIsNotTrusted) {
  AppendFile(path_, "this is a new file\n");
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
  AppendFile(path_, "abcdefg");
  EXPECT_EQ(Poll(t), Lines{"abcd"});
  AppendFile(path_, "h");
  EXPECT_EQ(Poll(t), Lines{"efgh"});
  EXPECT_EQ(t.Position().offset, 8u);
}

TEST_F(FileTailerTest, LinesCarryTheirOffsetAndTheFilesKey) {
  AppendFile(path_, "first\r\nsecond\n");
  FileTailer::Options opts;
  opts.start_at_end = false;
  FileTailer t(path_, opts);
  uint64_t key = 0;
  EXPECT_EQ(PollAll(t, &key), (Lines{"0 first", "7 second"}));
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(key, FileTailer::SourceKey(st.st_ino, "first\r\n", false));
  // The key is the first line's: later lines do not change it.
  EXPECT_EQ(FileTailer::SourceKey(st.st_ino, "first\r\nsecond\n", false), key);
  EXPECT_NE(FileTailer::SourceKey(st.st_ino + 1, "first\r\n", false), key);
  EXPECT_NE(FileTailer::SourceKey(st.st_ino, "first!\r\n", false), key);
  AppendFile(path_, "third\n");
  uint64_t later = 0;
  EXPECT_EQ(PollAll(t, &later), (Lines{"14 third"}));
  EXPECT_EQ(later, key);
}

TEST_F(FileTailerTest, KeyFollowsTheFileThroughRotationAndChangesWithIt) {
  AppendFile(path_, "");
  FileTailer t(path_, {});
  Poll(t);
  AppendFile(path_, "a1\n");
  uint64_t first = 0;
  EXPECT_EQ(PollAll(t, &first), (Lines{"0 a1"}));
  ASSERT_EQ(rename(path_.c_str(), (path_ + ".1").c_str()), 0);
  AppendFile(path_ + ".1", "a2\n");  // late write to the rotated file
  AppendFile(path_, "b1\n");
  std::vector<uint64_t> keys;
  std::vector<std::string> lines;
  t.Poll(10, [&](const FileTailer::Line& l) {
    lines.emplace_back(l.data);
    keys.push_back(l.source_key);
  });
  EXPECT_EQ(lines, (Lines{"a2", "b1"}));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], first);
  EXPECT_NE(keys[1], first);
}

TEST_F(FileTailerTest, RestartRereadsContextBeforeTheSavedPosition) {
  // More than kContextBytes of lines, 10 bytes each ("line 0000\n").
  std::string text;
  for (int i = 0; i < 600; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "line %04d\n", i);
    text += buf;
  }
  AppendFile(path_, text);
  FileTailer::Options opts;
  opts.start_at_end = false;
  FilePosition saved;
  uint64_t key = 0;
  {
    FileTailer t(path_, opts);
    EXPECT_EQ(PollAll(t, &key).size(), 600u);
    saved = t.Position();
  }
  AppendFile(path_, "line 0600\n");
  FileTailer t(path_, opts);
  t.Restore(saved);
  uint64_t again = 0;
  Lines got = PollAll(t, &again);
  EXPECT_EQ(again, key);
  // The whole lines within kContextBytes before offset 6000 as context,
  // then the new line; no line cut in two.
  ASSERT_FALSE(got.empty());
  size_t context = FileTailer::kContextBytes / 10;
  ASSERT_EQ(got.size(), context + 1);
  char first[32];
  std::snprintf(first, sizeof first, "c %zu line %04zu", 6000 - context * 10,
                600 - context);
  EXPECT_EQ(got.front(), first);
  EXPECT_EQ(got[context - 1], "c 5990 line 0599");
  EXPECT_EQ(got.back(), "6000 line 0600");
  EXPECT_EQ(t.Position().offset, 6010u);
  EXPECT_EQ(t.stats().lines, 1u);  // context lines are not counted again
}

TEST_F(FileTailerTest, ContextStartingOnALineBoundaryKeepsThatLine) {
  // Lines of kContextBytes bytes: the saved position minus kContextBytes
  // is exactly where the last line starts.
  std::string line(FileTailer::kContextBytes - 1, 'x');
  AppendFile(path_, line + "\n" + line + "\n");
  FileTailer::Options opts;
  opts.start_at_end = false;
  FilePosition saved;
  {
    FileTailer t(path_, opts);
    EXPECT_EQ(Poll(t).size(), 2u);
    saved = t.Position();
  }
  AppendFile(path_, "new\n");
  FileTailer t(path_, opts);
  t.Restore(saved);
  Lines got = PollAll(t);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "c 4096 " + line);
  EXPECT_EQ(got[1], "8192 new");
}

TEST_F(FileTailerTest, RecordsRereadWholeRecordsAsContext) {
  FileTailer::Options opts;
  opts.record_size = 1000;
  opts.start_at_end = false;
  AppendFile(path_, std::string(10000, 'r'));
  FilePosition saved;
  {
    FileTailer t(path_, opts);
    EXPECT_EQ(Poll(t).size(), 10u);
    saved = t.Position();
  }
  AppendFile(path_, std::string(1000, 'n'));
  FileTailer t(path_, opts);
  t.Restore(saved);
  Lines got = PollAll(t);
  ASSERT_EQ(got.size(), 5u);  // 4 records of context (4000 <= 4096)
  EXPECT_EQ(got[0].substr(0, 7), "c 6000 ");
  EXPECT_EQ(got[4].substr(0, 7), "10000 n");
}

}  // namespace
}  // namespace picket::login

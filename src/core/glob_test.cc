#include "core/glob.h"

#include <gtest/gtest.h>

#include <string>

namespace picket {
namespace {

TEST(GlobTest, LiteralPathsMatchOnlyThemselves) {
  EXPECT_TRUE(GlobMatch("/etc/passwd", "/etc/passwd"));
  EXPECT_FALSE(GlobMatch("/etc/passwd", "/etc/passwd-"));
  EXPECT_FALSE(GlobMatch("/etc/passwd", "/etc/passw"));
  EXPECT_FALSE(GlobMatch("/etc/passwd", "/etc/group"));
}

TEST(GlobTest, StarStopsAtSlash) {
  EXPECT_TRUE(GlobMatch("/etc/cron*", "/etc/crontab"));
  EXPECT_TRUE(GlobMatch("/etc/cron*", "/etc/cron"));
  EXPECT_TRUE(GlobMatch("/etc/cron*/*", "/etc/cron.d/backup"));
  EXPECT_FALSE(GlobMatch("/etc/cron*", "/etc/cron.d/backup"));
  EXPECT_FALSE(GlobMatch("/etc/*", "/etc/a/b"));
  EXPECT_TRUE(GlobMatch("/home/*/.ssh/authorized_keys",
                        "/home/alice/.ssh/authorized_keys"));
  EXPECT_FALSE(GlobMatch("/home/*/.ssh/authorized_keys",
                         "/home/a/b/.ssh/authorized_keys"));
}

TEST(GlobTest, StarBacktracksWithinAComponent) {
  EXPECT_TRUE(GlobMatch("/x/*a", "/x/aaa"));
  EXPECT_TRUE(GlobMatch("/x/*.rules", "/x/99-a.rules.rules"));
  EXPECT_FALSE(GlobMatch("/x/*.rules", "/x/99-a.rules~"));
  EXPECT_TRUE(GlobMatch("/x/a*b*c", "/x/abxbyc"));
}

TEST(GlobTest, QuestionMarkIsOneCharacterButNeverSlash) {
  EXPECT_TRUE(GlobMatch("/etc/rc?.d", "/etc/rc3.d"));
  EXPECT_FALSE(GlobMatch("/etc/rc?.d", "/etc/rc.d"));
  EXPECT_FALSE(GlobMatch("/a?b", "/a/b"));
}

TEST(GlobTest, ClassesMatchRangesAndNegations) {
  EXPECT_TRUE(GlobMatch("/etc/rc[0-6].d", "/etc/rc5.d"));
  EXPECT_FALSE(GlobMatch("/etc/rc[0-6].d", "/etc/rc7.d"));
  EXPECT_TRUE(GlobMatch("/etc/rc[!0-6].d", "/etc/rcS.d"));
  EXPECT_FALSE(GlobMatch("/etc/rc[!0-6].d", "/etc/rc1.d"));
  EXPECT_TRUE(GlobMatch("/x/[]a]", "/x/]"));
  EXPECT_FALSE(GlobMatch("/x[!a]y", "/x/y"));  // '/' is never in a class
}

TEST(GlobTest, UnterminatedClassMatchesABracket) {
  EXPECT_TRUE(GlobMatch("/x/[ab", "/x/[ab"));
  EXPECT_FALSE(GlobMatch("/x/[ab", "/x/a"));
}

TEST(GlobTest, BackslashEscapesAWildcard) {
  EXPECT_TRUE(GlobMatch("/x/a\\*", "/x/a*"));
  EXPECT_FALSE(GlobMatch("/x/a\\*", "/x/ab"));
  EXPECT_TRUE(GlobMatch("/x/a\\?", "/x/a?"));
}

TEST(GlobTest, DoubleStarSpansZeroOrMoreComponents) {
  EXPECT_TRUE(GlobMatch("/etc/systemd/**/*.timer", "/etc/systemd/a.timer"));
  EXPECT_TRUE(
      GlobMatch("/etc/systemd/**/*.timer", "/etc/systemd/system/a.timer"));
  EXPECT_TRUE(GlobMatch("/etc/systemd/**/*.timer",
                        "/etc/systemd/system/timers.target.wants/a.timer"));
  EXPECT_FALSE(
      GlobMatch("/etc/systemd/**/*.timer", "/etc/systemd/system/a.service"));
  EXPECT_TRUE(GlobMatch("/etc/**", "/etc/a/b/c"));
  EXPECT_FALSE(GlobMatch("/etc/**", "/etc"));
  EXPECT_FALSE(GlobMatch("/etc/**", "/usr/etc/a"));
}

TEST(GlobTest, DoubleStarInsideAComponentIsTwoStars) {
  EXPECT_TRUE(GlobMatch("/x/a**", "/x/abc"));
  EXPECT_FALSE(GlobMatch("/x/a**", "/x/ab/c"));
}

TEST(GlobTest, RepeatedDoubleStarsStayFast) {
  std::string pattern = "/";
  for (int i = 0; i < 40; ++i) pattern += "**/";
  pattern += "z";
  std::string path;
  for (int i = 0; i < 60; ++i) path += "/d";
  path += "/y";
  EXPECT_FALSE(GlobMatch(pattern, path));  // would not end if exponential
  path.back() = 'z';
  EXPECT_TRUE(GlobMatch(pattern, path));
}

TEST(GlobTest, HasWildcardIgnoresEscapedCharacters) {
  EXPECT_TRUE(HasWildcard("/etc/cron*"));
  EXPECT_TRUE(HasWildcard("/etc/rc?.d"));
  EXPECT_TRUE(HasWildcard("/etc/rc[0-6].d"));
  EXPECT_FALSE(HasWildcard("/etc/passwd"));
  EXPECT_FALSE(HasWildcard("/x/a\\*"));
}

TEST(GlobTest, RootIsTheLastDirectoryBeforeAWildcard) {
  EXPECT_EQ(GlobRoot("/etc/cron*/x"), "/etc");
  EXPECT_EQ(GlobRoot("/etc/cron.d/*"), "/etc/cron.d");
  EXPECT_EQ(GlobRoot("/home/*/.ssh/authorized_keys"), "/home");
  EXPECT_EQ(GlobRoot("/etc/systemd/**/*.timer"), "/etc/systemd");
  EXPECT_EQ(GlobRoot("/etc/passwd"), "/etc");
  EXPECT_EQ(GlobRoot("/*"), "/");
  EXPECT_EQ(GlobRoot("/passwd"), "/");
  EXPECT_EQ(GlobRoot("relative*"), "");
}

}  // namespace
}  // namespace picket

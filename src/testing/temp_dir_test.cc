#include "testing/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

namespace picket::testing_util {
namespace {

namespace fs = std::filesystem;

TEST(TempDirTest, MadeUnderTmpdirAndRemovedWithItsContent) {
  TempDir outer("temp_dir_test.");
  const char* saved = getenv("TMPDIR");
  const std::string saved_value = saved != nullptr ? saved : "";
  ASSERT_EQ(setenv("TMPDIR", (outer.path() + "/").c_str(), 1), 0);
  std::string path;
  {
    TempDir dir("x-");
    path = dir.path();
    EXPECT_EQ(fs::path(path).parent_path(), fs::path(outer.path()));
    EXPECT_TRUE(fs::path(path).filename().string().starts_with("x-"));
    EXPECT_TRUE(fs::is_directory(path));
    TempDir other("x-");
    EXPECT_NE(other.path(), path);
    WriteFile(dir / "a/b/c.txt", "deep");
    EXPECT_EQ(dir / "a/b/c.txt", path + "/a/b/c.txt");
  }
  if (saved != nullptr) {
    setenv("TMPDIR", saved_value.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(outer.path()));
}

TEST(TempDirTest, FilesAreWrittenAppendedAndReadWhole) {
  TempDir dir;
  const std::string file = dir / "f";
  WriteFile(file, std::string("a\0b", 3));
  EXPECT_EQ(ReadFile(file), std::string("a\0b", 3));
  AppendFile(file, "cd");
  EXPECT_EQ(ReadFile(file), std::string("a\0bcd", 5));
  WriteFile(file, "new");  // replaced, not appended
  EXPECT_EQ(ReadFile(file), "new");
  AppendFile(dir / "created", "x");
  EXPECT_EQ(ReadFile(dir / "created"), "x");
  EXPECT_EQ(ReadFile(dir / "missing"), "");
}

}  // namespace
}  // namespace picket::testing_util

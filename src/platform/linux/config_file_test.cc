#include "platform/linux/config_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "testing/temp_dir.h"

namespace picket {
namespace {

using testing_util::WriteFile;

// Each test's files live in a directory of their own, removed afterwards.
class ConfigFileTest : public ::testing::Test {
 protected:
  testing_util::TempDir dir_{"config_file_test."};
};

TEST_F(ConfigFileTest, LoadConfigFileNamesAMissingPath) {
  const std::string path = dir_ / "no/such/picket.yaml";
  Result<Config> result = LoadConfigFile(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kNotFound);
  EXPECT_NE(result.status().message().find(path), std::string::npos)
      << result.status().message();
}

TEST_F(ConfigFileTest, LoadConfigFileUsesThePathInErrorLines) {
  const std::string path = dir_ / "bad.yaml";
  WriteFile(path, "log_level: info\nengine:\n  queue_capacity: many\n");
  Result<Config> result = LoadConfigFile(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            path +
                ":3: engine.queue_capacity: expected an integer between 16 "
                "and 65536");
}

// check-config tells "unreadable" (exit 1) from "invalid" (exit 2) by the
// code, so reading failures must never look like InvalidArgument.
TEST_F(ConfigFileTest, LoadConfigFileReadFailuresAreNotInvalidArgument) {
  Result<Config> directory = LoadConfigFile(dir_.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.status().code(), Status::Code::kInvalidArgument);

  const std::string path = dir_ / "huge.yaml";
  WriteFile(path, "# " + std::string(2 << 20, 'x') + "\n");
  Result<Config> huge = LoadConfigFile(path);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(huge.status().message().find(path), std::string::npos);
}

// A FIFO named as the configuration (by mistake, or by an attacker who can
// choose the path) must not stall `picket check-config` or the agent in
// open(2): it is refused at once as "not a regular file".
TEST_F(ConfigFileTest, AFifoIsRefusedWithoutBlocking) {
  const std::string path = dir_ / "picket.fifo";
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  Result<Config> result = LoadConfigFile(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kIOError);
  EXPECT_NE(result.status().message().find("not a regular file (a FIFO)"),
            std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find(path), std::string::npos);
}

TEST_F(ConfigFileTest, AFileOthersCanWriteIsRefused) {
  const std::string path = dir_ / "ww.yaml";
  WriteFile(path, "log_level: info\n");
  ASSERT_EQ(chmod(path.c_str(), 0666), 0);
  Result<Config> loose = LoadConfigFile(path);
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  Result<Config> tight = LoadConfigFile(path);
  ASSERT_FALSE(loose.ok());
  EXPECT_EQ(loose.status().code(), Status::Code::kPermissionDenied);
  EXPECT_NE(loose.status().message().find("writable by every user"),
            std::string::npos)
      << loose.status().message();
  EXPECT_TRUE(tight.ok()) << tight.status().ToString();
}

TEST_F(ConfigFileTest, ANulByteIsNamedWithItsLine) {
  const std::string path = dir_ / "nul.yaml";
  static constexpr char kText[] =
      "log_level: info\nengine:\n  queue_capacity: 4\0"
      "096\n";
  WriteFile(path, std::string_view(kText, sizeof kText - 1));
  Result<Config> result = LoadConfigFile(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            path + ":3: NUL byte at line 3, column 20 (not a text file?)");
}

}  // namespace
}  // namespace picket

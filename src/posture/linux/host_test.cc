#include "posture/host.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "testing/temp_dir.h"

namespace picket {
namespace {

// A FIFO in place of a file a check reads (say /etc/ssh/sshd_config) used
// to stall the scan's worker in open(2) for good, and with it the agent's
// stop. It is refused at once, as not a regular file.
TEST(HostTest, AFifoWhereAFileIsReadIsRefusedWithoutBlocking) {
  testing_util::TempDir dir("host_test.");
  std::filesystem::create_directories(dir / "etc/ssh");
  ASSERT_EQ(mkfifo((dir / "etc/ssh/sshd_config").c_str(), 0600), 0);
  testing_util::WriteFile(dir / "etc/hostname", "cam\n");
  auto host = NewLocalHost(dir.path());
  ASSERT_TRUE(host.ok()) << host.status().ToString();

  EXPECT_FALSE((*host)->ReadFile("/etc/ssh/sshd_config", 1 << 20).ok());
  int lines = 0;
  EXPECT_FALSE((*host)
                   ->ForEachLine("/etc/ssh/sshd_config",
                                 [&](std::string_view) { ++lines; })
                   .ok());
  EXPECT_EQ(lines, 0);
  Result<std::string> plain = (*host)->ReadFile("/etc/hostname", 1 << 20);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, "cam\n");
}

}  // namespace
}  // namespace picket

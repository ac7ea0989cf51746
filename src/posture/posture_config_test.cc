// The `posture` section of the agent configuration (src/core/config.cc).
#include <gtest/gtest.h>

#include <string>

#include "core/config.h"
#include "platform/linux/config_file.h"

namespace picket {
namespace {

TEST(PostureConfigTest, DefaultsAndShippedFile) {
  auto empty = ParseConfig("", "c.yaml");
  ASSERT_TRUE(empty.ok());
  const PostureConfig& d = empty->posture;
  EXPECT_TRUE(d.enabled);
  EXPECT_EQ(d.policy, "/usr/share/picket/policies/picket-baseline.yaml");
  EXPECT_EQ(d.interval_ms, 12 * 3600 * 1000);
  EXPECT_EQ(d.jitter_ms, 600000);
  EXPECT_EQ(d.first_delay_ms, 60000);
  EXPECT_EQ(d.pacing_ms, 20);
  // The shipped file states the defaults.
  auto shipped =
      LoadConfigFile(std::string(PICKET_SOURCE_DIR) + "/config/picket.yaml");
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  EXPECT_EQ(shipped->posture.policy, d.policy);
  EXPECT_EQ(shipped->posture.interval_ms, d.interval_ms);
  EXPECT_EQ(shipped->posture.jitter_ms, d.jitter_ms);
  EXPECT_EQ(shipped->posture.first_delay_ms, d.first_delay_ms);
  EXPECT_EQ(shipped->posture.pacing_ms, d.pacing_ms);
}

TEST(PostureConfigTest, ReadsEveryKey) {
  auto c = ParseConfig(
      "posture:\n  enabled: false\n  policy: /etc/picket/my-policy.yaml\n"
      "  interval: 6h\n  jitter: 0\n  first_delay: 30s\n  pacing: 0\n",
      "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->posture.enabled);
  EXPECT_EQ(c->posture.policy, "/etc/picket/my-policy.yaml");
  EXPECT_EQ(c->posture.interval_ms, 6 * 3600 * 1000);
  EXPECT_EQ(c->posture.jitter_ms, 0);
  EXPECT_EQ(c->posture.first_delay_ms, 30000);
  EXPECT_EQ(c->posture.pacing_ms, 0);
}

TEST(PostureConfigTest, ErrorsNameLineAndKey) {
  auto c = ParseConfig(
      "posture:\n  policy: policies/x.yaml\n  interval: 10s\n  pace: 5ms\n",
      "c.yaml");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("c.yaml:2: posture.policy: expected an absolute path"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("c.yaml:3: posture.interval: expected a duration of at "
                   "least 1m"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("c.yaml:4: posture.pace: unknown key"), std::string::npos)
      << m;
}

}  // namespace
}  // namespace picket

#include "sinks/mqtt/remote_channel.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

TEST(RemoteChannelAzureTest, TheTwinGivesTheDocument) {
  AzureDesiredProperties desired;
  ASSERT_TRUE(desired.SetFromTwin(
      R"({"desired":{"log_level":"debug","$metadata":{"x":1},"$version":7},)"
      R"("reported":{"picket_config":{}}})"));
  EXPECT_EQ(desired.AsConfig(), R"({"log_level":"debug","version":7})");
}

TEST(RemoteChannelAzureTest, AVersionOfTheirOwnWins) {
  AzureDesiredProperties desired;
  ASSERT_TRUE(
      desired.SetFromTwin(R"({"desired":{"version":"42","$version":7}})"));
  EXPECT_EQ(desired.AsConfig(), R"({"version":"42"})");
}

TEST(RemoteChannelAzureTest, PatchesMergeAndNullRemoves) {
  AzureDesiredProperties desired;
  ASSERT_TRUE(desired.SetFromTwin(
      R"({"desired":{"detectors":{"brute_force":{"capacity":5}},)"
      R"("log_level":"debug","$version":7}})"));
  ASSERT_TRUE(
      desired.Patch(R"({"detectors":{"brute_force":{"leak_interval":"2m"}},)"
                    R"("log_level":null,"$version":8})"));
  EXPECT_EQ(desired.AsConfig(), R"({"detectors":{"brute_force":{"capacity":5,)"
                                R"("leak_interval":"2m"}},"version":8})");
}

TEST(RemoteChannelAzureTest, APatchBeforeTheTwinStartsFromNothing) {
  AzureDesiredProperties desired;
  EXPECT_EQ(desired.AsConfig(), "{}");
  ASSERT_TRUE(desired.Patch(R"({"log_level":"warning","$version":3})"));
  EXPECT_EQ(desired.AsConfig(), R"({"log_level":"warning","version":3})");
}

TEST(RemoteChannelAzureTest, MalformedInputChangesNothing) {
  AzureDesiredProperties desired;
  ASSERT_TRUE(desired.SetFromTwin(R"({"desired":{"log_level":"debug"}})"));
  EXPECT_FALSE(desired.SetFromTwin(R"({"reported":{}})"));
  EXPECT_FALSE(desired.SetFromTwin(R"({"desired":[1]})"));
  EXPECT_FALSE(desired.SetFromTwin("{"));
  EXPECT_FALSE(desired.Patch("[1,2]"));
  EXPECT_FALSE(desired.Patch("{\"log_level\":"));
  EXPECT_EQ(desired.AsConfig(), R"({"log_level":"debug"})");
}

TEST(RemoteChannelTopicParamTest, FindsAParameterOfTheTopic) {
  const std::string topic = "$iothub/twin/res/200/?$rid=7&$version=3";
  EXPECT_EQ(TopicParam(topic, "$rid"), "7");
  EXPECT_EQ(TopicParam(topic, "$version"), "3");
  EXPECT_EQ(TopicParam(topic, "$ver"), "");
  EXPECT_EQ(TopicParam("$iothub/twin/res/204/", "$rid"), "");
}

}  // namespace
}  // namespace picket

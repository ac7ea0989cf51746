#include "testing/recording_submitter.h"

#include <gtest/gtest.h>

namespace picket::testing_util {
namespace {

TEST(RecordingSubmitterTest, RecordsInOrderAndRefusesLikeAFullQueue) {
  RecordingSubmitter out;
  EXPECT_TRUE(out.Submit(MakeStatusEvent(1, "a", "started", "")));
  out.set_refusing(true);
  EXPECT_FALSE(out.Submit(MakeStatusEvent(2, "b", "started", "")));
  out.set_refusing(false);
  Event login;
  login.type = EventType::kLoginFailure;
  login.payload = LoginEvent{};
  EXPECT_TRUE(out.Submit(login));
  EXPECT_EQ(out.refused(), 1u);
  ASSERT_EQ(out.events().size(), 2u);
  EXPECT_EQ(out.events()[0].time_ns, 1);
  ASSERT_EQ(out.Payloads<AgentStatus>().size(), 1u);
  EXPECT_EQ(out.Payloads<AgentStatus>()[0].component, "a");
  EXPECT_EQ(out.Payloads<LoginEvent>().size(), 1u);
  EXPECT_EQ(out.Payloads<LoginEvent>(EventType::kLoginFailure).size(), 1u);
  EXPECT_TRUE(out.Payloads<LoginEvent>(EventType::kLoginSuccess).empty());
  out.Clear();
  EXPECT_TRUE(out.events().empty());
  EXPECT_EQ(out.refused(), 1u);
}

}  // namespace
}  // namespace picket::testing_util

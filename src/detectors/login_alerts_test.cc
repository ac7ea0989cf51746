#include "detectors/login_alerts.h"

#include <gtest/gtest.h>

#include "testing/recording_emitter.h"
#include "testing/sample_events.h"

namespace picket {
namespace {

using testing_util::LoginOf;
using testing_util::RecordingEmitter;
using testing_util::SampleLogin;

Event Success(const std::string& user, const std::string& source,
              const std::string& reason = "") {
  Event e = SampleLogin(EventType::kLoginSuccess, user, source);
  LoginOf(e).reason = reason;
  return e;
}

TEST(LoginAlertsTest, RootOverTheNetwork) {
  LoginAlertsDetector d{LoginAlertsDetectorConfig{}};
  RecordingEmitter out;
  d.OnEvent(Success("root", "203.0.113.4"), out);
  ASSERT_EQ(out.alerts().size(), 1u);
  EXPECT_EQ(out.alerts()[0].type_id, kAlertRootNetworkLogin);
  EXPECT_EQ(out.alerts()[0].dedup_key, "203.0.113.4");
  EXPECT_NE(out.alerts()[0].title.find("203.0.113.4"), std::string::npos);
  // Console root login and other users: no alert.
  d.OnEvent(Success("root", ""), out);
  d.OnEvent(Success("alice", "203.0.113.4"), out);
  Event failure = Success("root", "203.0.113.4");
  failure.type = EventType::kLoginFailure;
  d.OnEvent(failure, out);
  EXPECT_EQ(out.alerts().size(), 1u);
}

TEST(LoginAlertsTest, AllowedSourcesAndSwitches) {
  LoginAlertsDetectorConfig cfg;
  cfg.root_allowed_sources = {"10.0.0.2"};
  LoginAlertsDetector d{cfg};
  RecordingEmitter out;
  d.OnEvent(Success("root", "10.0.0.2"), out);
  EXPECT_TRUE(out.alerts().empty());
  cfg.root_network_login = false;
  LoginAlertsDetector off{cfg};
  off.OnEvent(Success("root", "10.0.0.3"), out);
  EXPECT_TRUE(out.alerts().empty());
}

TEST(LoginAlertsTest, UserWithoutShell) {
  LoginAlertsDetector d{LoginAlertsDetectorConfig{}};
  RecordingEmitter out;
  d.OnEvent(Success("www-data", "198.51.100.8", "no_shell"), out);
  ASSERT_EQ(out.alerts().size(), 1u);
  EXPECT_EQ(out.alerts()[0].type_id, kAlertNoShellUser);
  EXPECT_EQ(out.alerts()[0].severity, Severity::kHigh);
  EXPECT_EQ(out.alerts()[0].dedup_key, "www-data@198.51.100.8");
}

}  // namespace
}  // namespace picket

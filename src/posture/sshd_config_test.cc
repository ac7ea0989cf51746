#include "posture/sshd_config.h"

#include <gtest/gtest.h>

#include <map>

namespace picket {
namespace {

TEST(SshdConfigTest, FirstValueWinsAndKeywordsIgnoreCase) {
  SshdConfig c;
  ParseSshdConfig(
      "# comment\nPERMITROOTLOGIN no\npermitrootlogin yes\n"
      "MaxAuthTries=3\nBanner \"/etc/issue net\"\nCiphers a,b # trailing\n",
      "/etc/ssh/sshd_config", nullptr, &c);
  EXPECT_EQ(c.Find("PermitRootLogin")->value, "no");
  EXPECT_EQ(c.Find("PermitRootLogin")->origin, "/etc/ssh/sshd_config:2");
  EXPECT_EQ(c.Find("maxauthtries")->value, "3");
  EXPECT_EQ(c.Find("Banner")->value, "/etc/issue net");
  EXPECT_EQ(c.Find("Ciphers")->value, "a,b");
}

TEST(SshdConfigTest, DefaultsFillUnsetKeywords) {
  SshdConfig c;
  ParseSshdConfig("", "f", nullptr, &c);
  EXPECT_EQ(c.Find("PermitRootLogin")->value, "prohibit-password");
  EXPECT_EQ(c.Find("PermitRootLogin")->origin, "default");
  EXPECT_EQ(c.Find("MaxAuthTries")->value, "6");
  EXPECT_FALSE(c.Find("Ciphers").has_value());
}

TEST(SshdConfigTest, MatchBlocksDoNotChangeGlobalValues) {
  SshdConfig c;
  ParseSshdConfig(
      "Match User bob\n  PasswordAuthentication yes\n"
      "Match all\nX11Forwarding yes\n",
      "f", nullptr, &c);
  EXPECT_EQ(c.Find("PasswordAuthentication")->origin, "default");
  EXPECT_EQ(c.Find("X11Forwarding")->origin, "default");
}

TEST(SshdConfigTest, IncludesAreReadInPlaceRelativeToEtcSsh) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>>
      files = {{"/etc/ssh/sshd_config.d/*.conf",
                {{"/etc/ssh/sshd_config.d/a.conf", "PermitRootLogin no\n"},
                 {"/etc/ssh/sshd_config.d/b.conf",
                  "Include /loop\nPasswordAuthentication no\n"}}},
               {"/loop", {{"/loop", "Include /loop\n"}}}};
  std::vector<std::string> asked;
  SshdIncludeFn include = [&](const std::string& pattern) {
    asked.push_back(pattern);
    return files[pattern];
  };
  SshdConfig c;
  ParseSshdConfig("Include sshd_config.d/*.conf\nPermitRootLogin yes\n",
                  "/etc/ssh/sshd_config", include, &c);
  EXPECT_EQ(asked.front(), "/etc/ssh/sshd_config.d/*.conf");
  EXPECT_EQ(c.Find("PermitRootLogin")->value, "no");
  EXPECT_EQ(c.Find("PermitRootLogin")->origin,
            "/etc/ssh/sshd_config.d/a.conf:1");
  EXPECT_EQ(c.Find("PasswordAuthentication")->value, "no");
  ASSERT_EQ(c.problems.size(), 1u);  // the include loop stopped
  EXPECT_NE(c.problems[0].find("nested too deeply"), std::string::npos);
}

TEST(SshdConfigTest, LegacyKeywordsAlias) {
  SshdConfig c;
  ParseSshdConfig("ChallengeResponseAuthentication no\n", "f", nullptr, &c);
  EXPECT_EQ(c.Find("KbdInteractiveAuthentication")->value, "no");
}

}  // namespace
}  // namespace picket

#include "intel/allow_list.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

IpAddress Ip(const char* text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::Parse(text, &a)) << text;
  return a;
}

TEST(AllowListTest, AddressesCidrsAndDomains) {
  IntelAllowList allow;
  std::string error;
  ASSERT_TRUE(allow.Add("8.8.8.8", &error)) << error;
  ASSERT_TRUE(allow.Add("192.0.2.77/24", &error)) << error;  // host bits
  ASSERT_TRUE(allow.Add("2001:db8::/32", &error)) << error;
  ASSERT_TRUE(allow.Add("Broker.Example.", &error)) << error;
  EXPECT_EQ(allow.size(), 4u);
  EXPECT_TRUE(allow.AllowsAddress(Ip("8.8.8.8")));
  EXPECT_FALSE(allow.AllowsAddress(Ip("8.8.4.4")));
  EXPECT_TRUE(allow.AllowsAddress(Ip("192.0.2.1")));
  EXPECT_FALSE(allow.AllowsAddress(Ip("192.0.3.1")));
  EXPECT_TRUE(allow.AllowsAddress(Ip("2001:db8:5::1")));
  EXPECT_FALSE(allow.AllowsAddress(Ip("2001:db9::1")));
  EXPECT_TRUE(allow.AllowsAddress(Ip("::ffff:8.8.8.8")));  // mapped
  EXPECT_TRUE(allow.AllowsDomain("broker.example"));
  EXPECT_TRUE(allow.AllowsDomain("eu.BROKER.example."));
  EXPECT_FALSE(allow.AllowsDomain("notbroker.example"));
  EXPECT_FALSE(allow.AllowsDomain("example"));
  EXPECT_EQ(allow.Entries(),
            (std::vector<std::string>{"8.8.8.8", "192.0.2.0/24",
                                      "2001:db8::/32", "broker.example"}));
}

TEST(AllowListTest, InvalidItemsAreRefusedByName) {
  IntelAllowList allow;
  std::string error;
  for (const char* bad :
       {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "::/129", "300.1.1.1",
        "not a name", "a..b", "fe80::1%eth0", "http://x.example/"}) {
    EXPECT_FALSE(allow.Add(bad, &error)) << bad;
    EXPECT_NE(error.find(std::string("'") + bad + "'"), std::string::npos)
        << error;
    EXPECT_FALSE(IsValidAllowEntry(bad, nullptr)) << bad;
  }
  EXPECT_TRUE(allow.empty());
  EXPECT_TRUE(IsValidAllowEntry("0.0.0.0/0", nullptr));
}

TEST(AllowListTest, EmptyAllowsNothing) {
  IntelAllowList allow;
  EXPECT_FALSE(allow.AllowsAddress(Ip("1.1.1.1")));
  EXPECT_FALSE(allow.AllowsDomain("pool.example"));
}

}  // namespace
}  // namespace picket

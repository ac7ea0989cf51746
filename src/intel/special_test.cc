// Intel hygiene: special-purpose ranges, sink addresses, and what the
// feed parsers drop and count.
#include "intel/special.h"

#include <gtest/gtest.h>

#include <string>

#include "intel/compiler.h"
#include "intel/feed.h"
#include "intel/store.h"

namespace picket {
namespace {

Indicator Token(const std::string& text) {
  Indicator ind;
  std::string why;
  EXPECT_EQ(ClassifyToken(text, &ind, &why), TokenClass::kIndicator) << text;
  return ind;
}

HygieneVerdict Verdict(const std::string& text) {
  return CheckHygiene(Token(text));
}

TEST(SpecialTest, EveryIpv4SpecialBlockAsCidrIsDropped) {
  for (const char* cidr :
       {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
        "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
        "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"}) {
    EXPECT_EQ(Verdict(cidr), HygieneVerdict::kSpecialRange) << cidr;
  }
}

TEST(SpecialTest, CidrsInsideSpecialBlocksAreDropped) {
  EXPECT_EQ(Verdict("127.66.0.0/16"), HygieneVerdict::kSpecialRange);
  EXPECT_EQ(Verdict("10.1.2.0/24"), HygieneVerdict::kSpecialRange);
  EXPECT_EQ(Verdict("172.31.255.0/24"), HygieneVerdict::kSpecialRange);
  EXPECT_EQ(Verdict("100.127.0.0/16"), HygieneVerdict::kSpecialRange);
  EXPECT_EQ(Verdict("239.255.255.0/24"), HygieneVerdict::kSpecialRange);
  EXPECT_EQ(Verdict("255.255.255.254/31"), HygieneVerdict::kSpecialRange);
}

TEST(SpecialTest, BoundariesOfSpecialBlocksAreOrdinarySpace) {
  EXPECT_EQ(Verdict("9.255.255.0/24"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("11.0.0.0/24"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("100.63.255.0/24"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("100.128.0.0/16"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("172.15.0.0/16"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("172.32.0.0/16"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("192.0.1.0/24"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("198.20.0.0/16"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("223.255.255.0/24"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("1.10.16.0/20"), HygieneVerdict::kKeep);
}

TEST(SpecialTest, CidrsCoveringSpecialSpaceAreDroppedWhole) {
  EXPECT_EQ(Verdict("0.0.0.0/0"), HygieneVerdict::kSpecialRange);
  EXPECT_EQ(Verdict("10.0.0.0/7"), HygieneVerdict::kSpecialRange);  // + 11/8
  EXPECT_EQ(Verdict("192.0.0.0/8"), HygieneVerdict::kSpecialRange);
  EXPECT_EQ(Verdict("224.0.0.0/3"), HygieneVerdict::kSpecialRange);
  EXPECT_EQ(Verdict("::/0"), HygieneVerdict::kSpecialRange);
  EXPECT_EQ(Verdict("fc00::/6"), HygieneVerdict::kSpecialRange);
  EXPECT_EQ(SpecialRangeOverlapping(IpAddress::V4(0x08000000), 6),
            "10.0.0.0/8");  // 8.0.0.0/6
}

TEST(SpecialTest, Ipv6SpecialBlocks) {
  for (const char* cidr :
       {"::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64",
        "2001::/23", "2001:db8::/32", "2001:db8:1::/48", "2002::/16",
        "3fff::/20", "fc00::/7", "fd12:3456::/32", "fe80::/10", "fec0::/10",
        "ff00::/8", "ff02::/16"}) {
    EXPECT_EQ(Verdict(cidr), HygieneVerdict::kSpecialRange) << cidr;
  }
  EXPECT_EQ(Verdict("2001:200::/23"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("2a00:1450::/32"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("fe00::/9"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("2001:db9::/32"), HygieneVerdict::kKeep);
}

TEST(SpecialTest, ExactAddressesStayExceptSinkAddresses) {
  EXPECT_EQ(Verdict("127.65.2.2"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("10.0.0.1"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("192.0.2.7"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("fe80::1"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("8.8.8.8"), HygieneVerdict::kKeep);
  for (const char* sink : {"0.0.0.0", "127.0.0.1", "255.255.255.255",
                           "::", "::1", "127.0.0.1/32", "::1/128"}) {
    EXPECT_EQ(Verdict(sink), HygieneVerdict::kSinkAddress) << sink;
  }
  EXPECT_EQ(Verdict("127.0.0.2"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("::2"), HygieneVerdict::kKeep);
  EXPECT_EQ(Verdict("pool.example"), HygieneVerdict::kKeep);
}

TEST(SpecialTest, PrefixContainsComparesOnlyThePrefix) {
  IpAddress net, a;
  ASSERT_TRUE(ParseIpAddress("172.16.0.0", &net));
  ASSERT_TRUE(ParseIpAddress("172.31.1.1", &a));
  EXPECT_TRUE(PrefixContains(net, 12, a));
  EXPECT_FALSE(PrefixContains(net, 13, a));
  EXPECT_TRUE(PrefixContains(net, 0, a));
  ASSERT_TRUE(ParseIpAddress("::1", &a));
  EXPECT_FALSE(PrefixContains(net, 0, a));  // another family
}

class CollectSink : public IndicatorSink {
 public:
  void Add(const Indicator& ind) override { got.push_back(ind.ToString()); }
  std::vector<std::string> got;
};

constexpr char kFeed[] =
    "10.0.0.0/8\n"
    "127.66.0.0/16\n"
    "1.10.16.0/20\n"
    "127.65.2.2\n"
    "0.0.0.0\n"
    "127.0.0.1\n"
    "255.255.255.255\n"
    "::1\n"
    "fe80::/10\n"
    "192.0.0.0/8\n"
    "203.0.113.5\n";

TEST(SpecialTest, ParseFeedDropsAndCountsPerFeed) {
  CollectSink sink;
  FeedReport report;
  report.source = "t";
  ParseFeed(kFeed, FeedFormat::kPlain, IntelCategory::kBotnetC2, &sink,
            &report);
  EXPECT_EQ(report.dropped_special, 4u);  // 10/8, 127.66, fe80, 192/8
  EXPECT_EQ(report.dropped_sink, 4u);
  EXPECT_EQ(sink.got, (std::vector<std::string>{"1.10.16.0/20", "127.65.2.2",
                                                "203.0.113.5"}));
  EXPECT_EQ(report.accepted_total(), 3u);
  EXPECT_EQ(report.rejected, 0u);
}

TEST(SpecialTest, KeepSpecialKeepsEverything) {
  CollectSink sink;
  FeedReport report;
  report.keep_special = true;
  ParseFeed(kFeed, FeedFormat::kPlain, IntelCategory::kBotnetC2, &sink,
            &report);
  EXPECT_EQ(report.dropped_special + report.dropped_sink, 0u);
  EXPECT_EQ(report.accepted_total(), 11u);
}

TEST(SpecialTest, HostsFileSinkIsNeverAnIndicator) {
  CollectSink sink;
  FeedReport report;
  ParseFeed("0.0.0.0 pool.example\n127.0.0.1 miner.example\n::1 x.example\n",
            FeedFormat::kHosts, IntelCategory::kMinerPool, &sink, &report);
  EXPECT_EQ(sink.got, (std::vector<std::string>{"pool.example", "miner.example",
                                                "x.example"}));
}

TEST(SpecialTest, CompiledStoreHasNoSpecialCidrs) {
  std::vector<FeedReport> reports;
  Result<std::vector<uint8_t>> image =
      CompileFeeds({{kFeed, FeedFormat::kPlain, "a", IntelCategory::kBotnetC2},
                    {"172.16.0.0/12\n", FeedFormat::kPlain, "b",
                     IntelCategory::kDrop, true}},
                   0, &reports);
  ASSERT_TRUE(image.ok());
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].dropped_special, 4u);
  EXPECT_EQ(reports[1].dropped_special, 0u);
  Result<IntelStore> store = IntelStore::Open(*image);
  ASSERT_TRUE(store.ok());
  IpAddress a;
  ASSERT_TRUE(ParseIpAddress("10.1.2.3", &a));
  EXPECT_FALSE(store->LookupIp(a));
  ASSERT_TRUE(ParseIpAddress("127.0.0.1", &a));
  EXPECT_FALSE(store->LookupIp(a));
  ASSERT_TRUE(ParseIpAddress("127.65.2.2", &a));
  EXPECT_TRUE(store->LookupIp(a));
  ASSERT_TRUE(ParseIpAddress("172.20.0.1", &a));  // feed b kept it
  EXPECT_TRUE(store->LookupIp(a));
}

}  // namespace
}  // namespace picket

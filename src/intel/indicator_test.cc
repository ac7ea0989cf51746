#include "intel/indicator.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace picket {
namespace {

TEST(IndicatorTest, ParseIpv4IsStrict) {
  uint32_t v;
  ASSERT_TRUE(ParseIpv4("192.0.2.1", &v));
  EXPECT_EQ(v, 0xC0000201u);
  ASSERT_TRUE(ParseIpv4("0.0.0.0", &v));
  EXPECT_EQ(v, 0u);
  ASSERT_TRUE(ParseIpv4("255.255.255.255", &v));
  EXPECT_EQ(v, 0xFFFFFFFFu);
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ",
        " 1.2.3.4", "1..3.4", "1.2.3.", "a.b.c.d", "1.2.3.-4", "1.2.3.0x1"}) {
    EXPECT_FALSE(ParseIpv4(bad, &v)) << bad;
  }
}

TEST(IndicatorTest, ParseIpv6Forms) {
  std::array<uint8_t, 16> a;
  ASSERT_TRUE(ParseIpv6("2001:db8::1", &a));
  EXPECT_EQ(a[0], 0x20);
  EXPECT_EQ(a[1], 0x01);
  EXPECT_EQ(a[15], 1);
  ASSERT_TRUE(ParseIpv6("::", &a));
  EXPECT_EQ(a, (std::array<uint8_t, 16>{}));
  ASSERT_TRUE(ParseIpv6("::ffff:192.0.2.1", &a));
  EXPECT_EQ(a[10], 0xFF);
  EXPECT_EQ(a[12], 192);
  EXPECT_EQ(a[15], 1);
  ASSERT_TRUE(ParseIpv6("1:2:3:4:5:6:7:8", &a));
  EXPECT_EQ(a[14], 0);
  EXPECT_EQ(a[15], 8);
  ASSERT_TRUE(ParseIpv6("1::", &a));
  ASSERT_TRUE(ParseIpv6("0:0:0:0:0:ffff:1.2.3.4", &a));
  EXPECT_EQ(a[12], 1);
  for (const char* bad :
       {"", ":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3",
        "12345::", "g::", "1:2:3:4:5:6:7", "::1%eth0", "[::1]",
        "1.2.3.4::", "::1.2.3", "1:2:3:4:5:6:7:8::", "1:"}) {
    EXPECT_FALSE(ParseIpv6(bad, &a)) << bad;
  }
}

// Text -> address -> text is the identity on canonical forms, for random
// addresses, and parsing the canonical text gives the same bytes.
TEST(IndicatorTest, Ipv6RoundTripOnRandomAddresses) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::array<uint8_t, 16> b{};
    for (int g = 0; g < 8; ++g) {
      // Plenty of zero groups so "::" compression is exercised.
      uint16_t v = (rng() % 3 == 0) ? 0 : uint16_t(rng());
      b[2 * g] = uint8_t(v >> 8), b[2 * g + 1] = uint8_t(v);
    }
    std::string text = FormatIpAddress(IpAddress::V6(b));
    std::array<uint8_t, 16> back;
    ASSERT_TRUE(ParseIpv6(text, &back)) << text;
    EXPECT_EQ(back, b) << text;
  }
}

TEST(IndicatorTest, NormalizeDomain) {
  std::string out;
  ASSERT_TRUE(NormalizeDomain("Pool.MineXMR.com.", &out));
  EXPECT_EQ(out, "pool.minexmr.com");
  ASSERT_TRUE(NormalizeDomain("*.coinhive.com", &out));
  EXPECT_EQ(out, "coinhive.com");
  ASSERT_TRUE(NormalizeDomain("_dmarc.x-y.example", &out));
  ASSERT_TRUE(NormalizeDomain("xn--80ak6aa92e.com", &out));
  for (const char* bad : {"", "com", "a..b", ".a.b", "a.b..", "-a.example",
                          "a-.example", "a.b/c", "a b.example", "1.2.3.4",
                          "1.2.3.999", "caf\xC3\xA9.fr", "a.example:80"}) {
    EXPECT_FALSE(NormalizeDomain(bad, &out)) << bad;
  }
  EXPECT_FALSE(NormalizeDomain(std::string(64, 'a') + ".com", &out));
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "abc.";
  long_name += "com";  // 259 characters
  EXPECT_FALSE(NormalizeDomain(long_name, &out));
}

TEST(IndicatorTest, ClassifyToken) {
  struct Case {
    const char* token;
    TokenClass cls;
    const char* text;  // canonical indicator for kIndicator
  };
  const Case cases[] = {
      {"192.0.2.1", TokenClass::kIndicator, "192.0.2.1"},
      {"192.0.2.1:8080", TokenClass::kIndicator, "192.0.2.1"},
      {"192.0.2.77/24", TokenClass::kIndicator, "192.0.2.0/24"},
      {"192.0.2.1/32", TokenClass::kIndicator, "192.0.2.1"},
      {"0.0.0.0/0", TokenClass::kIndicator, "0.0.0.0/0"},
      {"2001:DB8::1", TokenClass::kIndicator, "2001:db8::1"},
      {"[2001:db8::1]:443", TokenClass::kIndicator, "2001:db8::1"},
      {"2001:db8::ff/32", TokenClass::kIndicator, "2001:db8::/32"},
      {"2001:db8::1/128", TokenClass::kIndicator, "2001:db8::1"},
      {"::ffff:192.0.2.1", TokenClass::kIndicator, "192.0.2.1"},
      {"::ffff:192.0.2.0/120", TokenClass::kIndicator, "192.0.2.0/24"},
      {"Pool.Example", TokenClass::kIndicator, "pool.example"},
      {"pool.example:3333", TokenClass::kIndicator, "pool.example"},
      {"http://pool.example/", TokenClass::kIndicator, "pool.example"},
      {"stratum+tcp://pool.example:3333", TokenClass::kIndicator,
       "pool.example"},
      {"http://user@198.51.100.1:81/bins/x86", TokenClass::kIndicator,
       "198.51.100.1"},
      {"198.51.100.1/bins.sh", TokenClass::kIndicator, "198.51.100.1"},
      {"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
       TokenClass::kIndicator,
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"http://dl.example/x.sh", TokenClass::kUrlWithPath, nullptr},
      {"dl.example/x.sh", TokenClass::kUrlWithPath, nullptr},
      {"/x.sh", TokenClass::kPath, nullptr},
      {"AS64496", TokenClass::kAsn, nullptr},
      {"d41d8cd98f00b204e9800998ecf8427e", TokenClass::kOtherHash, nullptr},
      {"da39a3ee5e6b4b0d3255bfef95601890afd80709", TokenClass::kOtherHash,
       nullptr},
      {"localhost", TokenClass::kLocalName, nullptr},
      {"*://*/x*", TokenClass::kPattern, nullptr},
      {"192.0.2.1/33", TokenClass::kInvalid, nullptr},
      {"2001:db8::/129", TokenClass::kInvalid, nullptr},
      {"192.0.2.1:70000", TokenClass::kInvalid, nullptr},
      {"300.1.1.1", TokenClass::kInvalid, nullptr},
      {"2001:db8:::1", TokenClass::kInvalid, nullptr},
      {"foo", TokenClass::kInvalid, nullptr},
      {"[2001:db8::1", TokenClass::kInvalid, nullptr},
  };
  for (const Case& c : cases) {
    Indicator ind;
    std::string reason;
    TokenClass got = ClassifyToken(c.token, &ind, &reason);
    EXPECT_EQ(int(got), int(c.cls)) << c.token;
    if (got == TokenClass::kIndicator && c.text) {
      EXPECT_EQ(ind.ToString(), c.text) << c.token;
    }
    if (got == TokenClass::kInvalid) {
      EXPECT_FALSE(reason.empty()) << c.token;
    }
  }
}

TEST(IndicatorTest, UrlHostForCuratedSources) {
  Indicator ind;
  std::string reason;
  ASSERT_EQ(
      ClassifyUrlHost("https://dl.example:8443/a/b.exe?x=1", &ind, &reason),
      TokenClass::kIndicator);
  EXPECT_EQ(ind.ToString(), "dl.example");
  EXPECT_EQ(ClassifyUrlHost("Data/dtl.dat", &ind, &reason),
            TokenClass::kInvalid);
}

TEST(IndicatorTest, CategoryNamesAreStable) {
  const char* names[] = {"unknown",  "botnet_c2",   "malware", "miner_pool",
                         "scanner",  "bruteforce",  "spam",    "tor_exit",
                         "phishing", "compromised", "drop"};
  ASSERT_EQ(std::size(names), size_t(kIntelCategoryCount));
  for (int i = 0; i < kIntelCategoryCount; ++i) {
    EXPECT_EQ(IntelCategoryName(IntelCategory(i)), names[i]);
    IntelCategory c;
    ASSERT_TRUE(ParseIntelCategory(names[i], &c));
    EXPECT_EQ(int(c), i);
  }
  IntelCategory c;
  EXPECT_FALSE(ParseIntelCategory("botnet", &c));
}

TEST(IndicatorTest, DefaultCategoryFromTheShippedFeedNames) {
  struct Case {
    const char* feed;
    IntelCategory category;
  };
  const Case cases[] = {
      {"coinbl_hosts", IntelCategory::kMinerPool},
      {"coinbl_ips", IntelCategory::kMinerPool},
      {"coinblocker_hosts", IntelCategory::kMinerPool},
      {"keraf_NoCoin_blacklist", IntelCategory::kMinerPool},
      {"elf_coinminer", IntelCategory::kMinerPool},
      {"crypto_mining", IntelCategory::kMinerPool},
      {"redtail_miner", IntelCategory::kMinerPool},
      {"feodo", IntelCategory::kBotnetC2},
      {"feodo_2015", IntelCategory::kBotnetC2},
      {"sslbl", IntelCategory::kBotnetC2},
      {"et_botcc", IntelCategory::kBotnetC2},
      {"botcc.portgrouped", IntelCategory::kBotnetC2},
      {"elf_mirai", IntelCategory::kBotnetC2},
      {"elf_gafgyt", IntelCategory::kBotnetC2},
      {"elf_hajime", IntelCategory::kBotnetC2},
      {"elf_moobot", IntelCategory::kBotnetC2},
      {"elf_xorddos", IntelCategory::kBotnetC2},
      {"blocklist_de_ssh", IntelCategory::kBruteforce},
      {"bruteforceblocker", IntelCategory::kBruteforce},
      {"greensnow", IntelCategory::kBruteforce},
      {"dataplane_sshpwauth", IntelCategory::kBruteforce},
      {"dataplane_telnetlogin", IntelCategory::kBruteforce},
      {"elf_sshscan", IntelCategory::kBruteforce},
      {"spamhaus_drop", IntelCategory::kDrop},
      {"spamhaus_edrop", IntelCategory::kDrop},
      {"secops_drop_ipv6", IntelCategory::kDrop},
      {"drop", IntelCategory::kDrop},
      {"et_block", IntelCategory::kDrop},
      {"firehol_level1", IntelCategory::kDrop},
      {"tor_exits", IntelCategory::kTorExit},
      {"mass_scanner", IntelCategory::kScanner},
      {"mass_scanner_cidr", IntelCategory::kScanner},
      {"ciarmy", IntelCategory::kScanner},
      {"dshield", IntelCategory::kScanner},
      {"emerging-scan", IntelCategory::kScanner},
      {"et_compromised", IntelCategory::kCompromised},
      {"compromised-ips", IntelCategory::kCompromised},
      {"urlhaus-filter-hosts", IntelCategory::kMalware},
      {"elf_teamtnt", IntelCategory::kBotnetC2},
      {"elf_kaiten", IntelCategory::kBotnetC2},
      {"openphish", IntelCategory::kPhishing},
      {"long_event", IntelCategory::kUnknown},
      {"apt1", IntelCategory::kUnknown},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IntelCategoryName(DefaultCategoryForFeed(c.feed)),
              IntelCategoryName(c.category))
        << c.feed;
  }
}

}  // namespace
}  // namespace picket

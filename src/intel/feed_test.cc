// Feed parsers on the real feed files of ../shared/data/intel (counts per
// file asserted; several cross-checked with grep/awk, see docs/intel.md),
// and on small inline samples of the formats the shared data lacks.
#include "intel/feed.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace picket {
namespace {

const std::string kIntelData = PICKET_SOURCE_DIR "/../shared/data/intel/";

std::string ReadData(const std::string& relative) {
  std::ifstream in(kIntelData + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class CollectSink : public IndicatorSink {
 public:
  void Add(const Indicator& indicator) override { all.push_back(indicator); }
  std::vector<std::string> Texts() const {
    std::vector<std::string> out;
    for (const Indicator& i : all) out.push_back(i.ToString());
    return out;
  }
  bool Has(const std::string& text) const {
    for (const Indicator& i : all) {
      if (i.ToString() == text) return true;
    }
    return false;
  }
  std::vector<Indicator> all;
};

FeedReport Parse(std::string_view text, FeedFormat format, CollectSink* sink,
                 IntelCategory category = IntelCategory::kUnknown) {
  FeedReport report;
  report.source = "feed";
  report.keep_special = true;  // parsing only; hygiene: special_test.cc
  ParseFeed(text, format, category, sink, &report);
  return report;
}

struct RealFeed {
  const char* path;
  FeedFormat format;                     // as detected
  size_t accepted[kIndicatorKindCount];  // ipv4, ipv4_net, ipv6, ipv6_net,
                                         // domain, sha256
  size_t skipped;
  size_t rejected;
  size_t lines;
};

// Every feed file in ../shared/data/intel. The counts were checked against
// independent counts (grep -v '^#' | grep -c . for the FireHOL sets, a
// Python reading of the maltrail trails, the MISP attributes and the STIX
// patterns).
constexpr RealFeed kRealFeeds[] = {
    {"et-open/botcc.portgrouped.rules",
     FeedFormat::kSuricata,
     {68, 0, 0, 0, 0, 0},
     0,
     0,
     58},
    {"et-open/botcc.rules",
     FeedFormat::kSuricata,
     {274, 0, 0, 0, 0, 0},
     0,
     0,
     105},
    {"et-open/ciarmy.rules",
     FeedFormat::kSuricata,
     {5000, 0, 0, 0, 0, 0},
     0,
     0,
     134},
    {"et-open/compromised-ips.txt",
     FeedFormat::kPlain,
     {2789, 0, 0, 0, 0, 0},
     0,
     0,
     2789},
    {"et-open/drop.rules",
     FeedFormat::kSuricata,
     {0, 818, 0, 0, 0, 0},
     0,
     0,
     81},
    {"et-open/emerging-coinminer.rules",
     FeedFormat::kSuricata,
     {0, 0, 0, 0, 0, 0},
     20,
     0,
     84},
    {"et-open/emerging-scan.rules",
     FeedFormat::kSuricata,
     {0, 0, 0, 0, 0, 0},
     271,
     0,
     728},
    {"et-open/emerging-telnet.rules",
     FeedFormat::kSuricata,
     {0, 0, 0, 0, 0, 0},
     8,
     0,
     60},
    {"et-open/emerging-worm.rules",
     FeedFormat::kSuricata,
     {0, 0, 0, 0, 0, 0},
     9,
     0,
     78},
    {"firehol/blocklist_de_ssh.ipset",
     FeedFormat::kPlain,
     {7802, 0, 0, 0, 0, 0},
     0,
     0,
     7833},
    {"firehol/bruteforceblocker.ipset",
     FeedFormat::kPlain,
     {987, 0, 0, 0, 0, 0},
     0,
     0,
     1021},
    {"firehol/ciarmy.ipset",
     FeedFormat::kPlain,
     {15000, 0, 0, 0, 0, 0},
     0,
     0,
     15031},
    {"firehol/coinbl_hosts.ipset",
     FeedFormat::kPlain,
     {10231, 0, 0, 0, 0, 0},
     0,
     0,
     10266},
    {"firehol/coinbl_ips.ipset",
     FeedFormat::kPlain,
     {1390, 0, 0, 0, 0, 0},
     0,
     0,
     1425},
    {"firehol/dshield.netset",
     FeedFormat::kPlain,
     {0, 19, 0, 0, 0, 0},
     0,
     0,
     49},
    {"firehol/et_block.netset",
     FeedFormat::kPlain,
     {458, 1009, 0, 0, 0, 0},
     0,
     0,
     1500},
    {"firehol/et_botcc.ipset",
     FeedFormat::kPlain,
     {67, 0, 0, 0, 0, 0},
     0,
     0,
     103},
    {"firehol/et_compromised.ipset",
     FeedFormat::kPlain,
     {746, 0, 0, 0, 0, 0},
     0,
     0,
     777},
    {"firehol/feodo.ipset", FeedFormat::kPlain, {0, 0, 0, 0, 0, 0}, 0, 0, 31},
    {"firehol/feodo_2015.ipset",
     FeedFormat::kPlain,
     {235, 0, 0, 0, 0, 0},
     0,
     0,
     265},
    {"firehol/feodo_badips.ipset",
     FeedFormat::kPlain,
     {0, 0, 0, 0, 0, 0},
     0,
     0,
     42},
    {"firehol/firehol_level1.netset",
     FeedFormat::kPlain,
     {0, 2511, 0, 0, 0, 0},
     0,
     0,
     2544},
    {"firehol/firehol_level2.netset",
     FeedFormat::kPlain,
     {15945, 219, 0, 0, 0, 0},
     0,
     0,
     16195},
    {"firehol/greensnow.ipset",
     FeedFormat::kPlain,
     {2496, 0, 0, 0, 0, 0},
     0,
     0,
     2532},
    {"firehol/spamhaus_drop.netset",
     FeedFormat::kPlain,
     {0, 986, 0, 0, 0, 0},
     0,
     0,
     1017},
    {"firehol/spamhaus_edrop.netset",
     FeedFormat::kPlain,
     {0, 55, 0, 0, 0, 0},
     0,
     0,
     85},
    {"firehol/sslbl.ipset", FeedFormat::kPlain, {0, 0, 0, 0, 0, 0}, 0, 0, 30},
    {"firehol/tor_exits.ipset",
     FeedFormat::kPlain,
     {1204, 0, 0, 0, 0, 0},
     0,
     0,
     1234},
    {"intelmq-fixtures/abusech_feodo_ipblocklist_sample.json",
     FeedFormat::kJson,
     {4, 0, 0, 0, 0, 0},
     0,
     0,
     49},
    {"intelmq-fixtures/cymru_infected_20171031.txt",
     FeedFormat::kDataplane,
     {9, 0, 0, 0, 0, 0},
     0,
     0,
     11},
    {"intelmq-fixtures/dataplane_sshclient.txt",
     FeedFormat::kDataplane,
     {2, 0, 0, 0, 0, 0},
     0,
     1,
     72},
    {"intelmq-fixtures/dataplane_sshpwauth.txt",
     FeedFormat::kDataplane,
     {3, 0, 0, 0, 0, 0},
     0,
     0,
     77},
    {"intelmq-fixtures/dataplane_telnetlogin.txt",
     FeedFormat::kDataplane,
     {1, 0, 0, 0, 0, 0},
     0,
     0,
     69},
    {"intelmq-fixtures/dshield_block.txt",
     FeedFormat::kPlain,
     {0, 2, 0, 0, 0, 0},
     0,
     1,
     39},
    {"intelmq-fixtures/misp_misp_event.json",
     FeedFormat::kMisp,
     {0, 0, 0, 0, 0, 0},
     2,
     0,
     78},
    {"intelmq-fixtures/shadowserver_testdata_test_telnet.csv",
     FeedFormat::kCsv,
     {2, 0, 0, 0, 0, 0},
     0,
     0,
     3},
    {"intelmq-fixtures/spamhaus_asndrop.txt",
     FeedFormat::kPlain,
     {0, 0, 0, 0, 0, 0},
     2,
     0,
     6},
    {"intelmq-fixtures/spamhaus_drop.txt",
     FeedFormat::kPlain,
     {0, 1, 0, 1, 0, 0},
     0,
     0,
     6},
    {"maltrail/crypto_mining.txt",
     FeedFormat::kMaltrail,
     {740, 0, 0, 0, 445, 0},
     0,
     0,
     1928},
    {"maltrail/elf_coinminer.txt",
     FeedFormat::kMaltrail,
     {757, 0, 0, 0, 131, 0},
     204,
     0,
     1592},
    {"maltrail/elf_gafgyt.txt",
     FeedFormat::kMaltrail,
     {32959, 0, 0, 0, 491, 0},
     15808,
     4,
     51056},
    {"maltrail/elf_h2miner.txt",
     FeedFormat::kMaltrail,
     {119, 0, 0, 0, 31, 0},
     8,
     0,
     347},
    {"maltrail/elf_hajime.txt",
     FeedFormat::kMaltrail,
     {92, 0, 0, 0, 1, 0},
     0,
     0,
     158},
    {"maltrail/elf_kaiten.txt",
     FeedFormat::kMaltrail,
     {61, 0, 0, 0, 54, 0},
     63,
     0,
     328},
    {"maltrail/elf_mirai.txt",
     FeedFormat::kMaltrail,
     {12801, 0, 0, 0, 4386, 0},
     37611,
     0,
     65618},
    {"maltrail/elf_moobot.txt",
     FeedFormat::kMaltrail,
     {2, 0, 0, 0, 36, 0},
     1,
     0,
     64},
    {"maltrail/elf_sshscan.txt",
     FeedFormat::kMaltrail,
     {9, 0, 0, 0, 13, 0},
     1,
     0,
     71},
    {"maltrail/elf_teamtnt.txt",
     FeedFormat::kMaltrail,
     {63, 0, 0, 0, 74, 0},
     85,
     0,
     378},
    {"maltrail/elf_xorddos.txt",
     FeedFormat::kMaltrail,
     {216, 0, 0, 0, 192, 0},
     1,
     0,
     508},
    {"maltrail/generic_miner.txt",
     FeedFormat::kMaltrail,
     {307, 0, 0, 0, 341, 0},
     45,
     0,
     1247},
    {"maltrail/mass_scanner.txt",
     FeedFormat::kMaltrail,
     {17234, 0, 1981, 0, 0, 0},
     2,
     3,
     19341},
    {"maltrail/mass_scanner_cidr.txt",
     FeedFormat::kMaltrail,
     {13, 1093, 0, 0, 0, 0},
     0,
     0,
     1130},
    {"maltrail/redtail_miner.txt",
     FeedFormat::kMaltrail,
     {454, 0, 0, 0, 5, 0},
     0,
     0,
     487},
    {"mining/coinblocker_MiningServerIPList.txt",
     FeedFormat::kPlain,
     {1026, 0, 0, 0, 0, 0},
     0,
     0,
     1033},
    {"mining/coinblocker_hosts",
     FeedFormat::kHosts,
     {0, 0, 0, 0, 5834, 0},
     0,
     3,
     5843},
    {"mining/coinblocker_list.txt",
     FeedFormat::kPlain,
     {0, 0, 0, 0, 5834, 0},
     0,
     3,
     5837},
    {"mining/coinblocker_list_optional.txt",
     FeedFormat::kPlain,
     {0, 0, 0, 0, 296, 0},
     0,
     0,
     297},
    {"mining/keraf_NoCoin_blacklist.txt",
     FeedFormat::kPlain,
     {0, 0, 0, 0, 1, 0},
     157,
     0,
     158},
    {"mining/nocoin_hosts.txt",
     FeedFormat::kHosts,
     {0, 0, 0, 0, 313, 0},
     0,
     0,
     324},
    {"mining/nocoin_nocoin.txt",
     FeedFormat::kAdblock,
     {7, 0, 0, 0, 191, 0},
     119,
     0,
     358},
    {"misp/existing_event.json",
     FeedFormat::kMisp,
     {12, 0, 0, 0, 19, 0},
     91,
     0,
     4599},
    {"misp/long_event.json",
     FeedFormat::kMisp,
     {9, 0, 0, 0, 22, 84},
     252,
     3,
     3730},
    {"misp/mainly_objects_1.json",
     FeedFormat::kMisp,
     {0, 0, 0, 0, 0, 3},
     71,
     0,
     1092},
    {"misp/stix2.json", FeedFormat::kStix, {0, 0, 0, 0, 0, 0}, 0, 0, 1},
    {"misp/xorist_57c4445b.json",
     FeedFormat::kMisp,
     {0, 0, 0, 0, 0, 1},
     8,
     0,
     1},
    {"spamhaus/secops_drop.txt",
     FeedFormat::kPlain,
     {0, 989, 0, 0, 0, 0},
     0,
     0,
     989},
    {"spamhaus/secops_drop_ipv6.txt",
     FeedFormat::kPlain,
     {0, 0, 0, 51, 0, 0},
     0,
     0,
     51},
    {"spamhaus/secops_edrop.txt",
     FeedFormat::kPlain,
     {0, 322, 0, 0, 0, 0},
     0,
     0,
     322},
    {"stix/apt1.json", FeedFormat::kStix, {0, 4, 0, 0, 3, 0}, 5, 0, 1206},
    {"stix/indicator-for-c2-ip-address.json",
     FeedFormat::kStix,
     {1, 0, 0, 0, 0, 0},
     0,
     0,
     21},
    {"stix/indicator-to-campaign-relationship.json",
     FeedFormat::kStix,
     {1, 0, 0, 0, 0, 0},
     0,
     0,
     39},
    {"stix/indicators-for-C2-with-COA.json",
     FeedFormat::kStix,
     {1, 0, 0, 0, 0, 1},
     0,
     0,
     107},
    {"stix/infrastructure.json",
     FeedFormat::kStix,
     {0, 0, 0, 0, 0, 0},
     0,
     0,
     112},
    {"stix/malicious-email-indicator-with-attachment.json",
     FeedFormat::kStix,
     {0, 0, 0, 0, 0, 0},
     2,
     0,
     84},
    {"stix/poisonivy.json",
     FeedFormat::kStix,
     {40, 0, 0, 0, 24, 0},
     2,
     1,
     2014},
    {"urlhaus/urlhaus-filter-dnscrypt-blocked-ips-online.txt",
     FeedFormat::kPlain,
     {2234, 0, 0, 0, 0, 0},
     0,
     0,
     2240},
    {"urlhaus/urlhaus-filter-domains-online.txt",
     FeedFormat::kPlain,
     {2234, 0, 0, 0, 619, 0},
     0,
     0,
     2859},
    {"urlhaus/urlhaus-filter-hosts-online.txt",
     FeedFormat::kHosts,
     {0, 0, 0, 0, 619, 0},
     0,
     0,
     625},
    {"urlhaus/urlhaus-filter-hosts.txt",
     FeedFormat::kHosts,
     {0, 0, 0, 0, 2689, 0},
     0,
     0,
     2695},
    {"urlhaus/urlhaus-filter-online.txt",
     FeedFormat::kAdblock,
     {2250, 0, 0, 0, 620, 0},
     3493,
     0,
     6369},
};

TEST(FeedRealFilesTest, DetectedFormatAndCountsPerFile) {
  for (const RealFeed& feed : kRealFeeds) {
    SCOPED_TRACE(feed.path);
    std::string text = ReadData(feed.path);
    ASSERT_FALSE(text.empty()) << "missing " << kIntelData << feed.path;
    FeedFormat format;
    std::string why;
    ASSERT_TRUE(DetectFeedFormat(text, &format, &why)) << why;
    EXPECT_EQ(FeedFormatName(format), FeedFormatName(feed.format));
    CollectSink sink;
    FeedReport r = Parse(text, format, &sink);
    for (int k = 0; k < kIndicatorKindCount; ++k) {
      EXPECT_EQ(r.accepted[k], feed.accepted[k])
          << IndicatorKindName(IndicatorKind(k));
    }
    EXPECT_EQ(r.skipped, feed.skipped);
    EXPECT_EQ(r.rejected, feed.rejected);
    EXPECT_EQ(r.lines, feed.lines);
    EXPECT_EQ(sink.all.size(), r.accepted_total());
    EXPECT_EQ(r.errors.size(), std::min(r.rejected, kMaxReportedErrors));
  }
}

// docs/intel.md shows the same table; keep the two in step.
TEST(FeedRealFilesTest, DocumentedCountsMatch) {
  std::ifstream in(PICKET_SOURCE_DIR "/docs/intel.md");
  std::string line;
  size_t rows = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::istringstream cell_in(line);
    std::string cell;
    while (std::getline(cell_in, cell, '|')) {
      while (!cell.empty() && cell.front() == ' ') cell.erase(0, 1);
      while (!cell.empty() && cell.back() == ' ') cell.pop_back();
      cells.push_back(cell);
    }
    // "| path | format | 6 kinds | skipped | rejected |" -> 11 cells.
    if (cells.size() != 11 || cells[1].find('/') == std::string::npos) continue;
    const RealFeed* feed = nullptr;
    for (const RealFeed& f : kRealFeeds) {
      if (cells[1] == f.path) feed = &f;
    }
    ASSERT_NE(feed, nullptr) << "documented but not tested: " << cells[1];
    ++rows;
    EXPECT_EQ(cells[2], FeedFormatName(feed->format)) << cells[1];
    for (int k = 0; k < kIndicatorKindCount; ++k) {
      EXPECT_EQ(cells[3 + k], std::to_string(feed->accepted[k])) << cells[1];
    }
    EXPECT_EQ(cells[9], std::to_string(feed->skipped)) << cells[1];
    EXPECT_EQ(cells[10], std::to_string(feed->rejected)) << cells[1];
  }
  EXPECT_EQ(rows, std::size(kRealFeeds));
}

TEST(FeedRealFilesTest, NewlineDelimitedJsonIsRefusedWithAReason) {
  FeedFormat format;
  std::string why;
  EXPECT_FALSE(DetectFeedFormat(ReadData("spamhaus/secops_asn_drop.json"),
                                &format, &why));
  EXPECT_NE(why.find("newline-delimited JSON"), std::string::npos) << why;
}

TEST(FeedRealFilesTest, RejectedLinesNameFileLineAndReason) {
  struct Case {
    const char* path;
    FeedFormat format;
    std::vector<std::string> first_errors;
  };
  const Case cases[] = {
      {"maltrail/elf_gafgyt.txt",
       FeedFormat::kMaltrail,
       {"feed:49065: invalid port: 103.124.104.118:79548",
        "feed:49531: invalid port: 192.119.74.238:69420",
        "feed:49670: invalid port: 209.141.41.58:67457",
        "feed:49729: invalid port: 37.49.228.204:96666"}},
      {"maltrail/mass_scanner.txt",
       FeedFormat::kMaltrail,
       {"feed:17474: not an IP address, CIDR, domain name or SHA-256: "
        "C91.196.152.28",
        "feed:17484: not an IP address, CIDR, domain name or SHA-256: "
        "C91.196.152.38",
        "feed:18235: not an IP address, CIDR, domain name or SHA-256: "
        "C91.230.168.27"}},
      {"mining/coinblocker_hosts",
       FeedFormat::kHosts,
       {"feed:2985: non-ASCII name (write internationalised names as xn--): "
        "my\xC3\xA8therw\xC3\xA4llet.com",
        "feed:2988: non-ASCII name (write internationalised names as xn--): "
        "m\xC3\xBF"
        "eth\xC3\xA8rwall\xC3\xA9t.com",
        "feed:5574: not an IP address, CIDR, domain name or SHA-256: "
        "xmr.-eu1.nanopool.org"}},
      {"stix/poisonivy.json",
       FeedFormat::kStix,
       {"feed:606: invalid domain name in pattern: domain autuo.xicp.net"}},
      {"misp/long_event.json",
       FeedFormat::kMisp,
       {"feed:30: invalid URL host: 107.183.86",
        "feed:1270: invalid URL host: Data/dtl.dat",
        "feed:1280: invalid URL host: Data/glp.uin"}},
      {"intelmq-fixtures/dataplane_sshclient.txt",
       FeedFormat::kDataplane,
       {"feed:68: no IP address field: 14080 | Telmex Colombia S.A., CO |"}},
      {"intelmq-fixtures/dshield_block.txt",
       FeedFormat::kPlain,
       {"feed:31: not an IP address, CIDR, domain name or SHA-256: Start"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    CollectSink sink;
    FeedReport r = Parse(ReadData(c.path), c.format, &sink);
    std::vector<std::string> got;
    for (const FeedLineError& e : r.errors) got.push_back(r.Format(e));
    EXPECT_EQ(got, c.first_errors);
  }
}

TEST(FeedRealFilesTest, IndicatorsCarryValueAndCategory) {
  CollectSink sink;
  Parse(ReadData("intelmq-fixtures/spamhaus_drop.txt"), FeedFormat::kPlain,
        &sink, IntelCategory::kDrop);
  EXPECT_EQ(sink.Texts(),
            (std::vector<std::string>{"1.4.0.0/17", "2a06:e480::/29"}));
  for (const Indicator& i : sink.all)
    EXPECT_EQ(i.category, IntelCategory::kDrop);

  CollectSink rules;
  Parse(ReadData("et-open/botcc.rules"), FeedFormat::kSuricata, &rules);
  ASSERT_GE(rules.all.size(), 2u);
  EXPECT_EQ(rules.all[0].ToString(), "104.143.5.144");
  EXPECT_EQ(rules.all[1].ToString(), "108.174.48.100");

  // "ip:port" keeps the address; "http://ip" the host.
  CollectSink mining;
  Parse(ReadData("maltrail/crypto_mining.txt"), FeedFormat::kMaltrail, &mining);
  EXPECT_TRUE(mining.Has("107.191.47.239"));
  EXPECT_TRUE(mining.Has("xmr.pool.minergate.com"));
  CollectSink mirai;
  Parse(ReadData("maltrail/elf_coinminer.txt"), FeedFormat::kMaltrail, &mirai);
  EXPECT_FALSE(mirai.Texts().empty());

  // DShield block.txt: "start end /24" ranges become CIDRs.
  CollectSink dshield;
  Parse(ReadData("intelmq-fixtures/dshield_block.txt"), FeedFormat::kPlain,
        &dshield);
  EXPECT_EQ(dshield.Texts(),
            (std::vector<std::string>{"43.229.53.0/24", "194.63.140.0/24"}));

  CollectSink feodo;
  Parse(ReadData("intelmq-fixtures/abusech_feodo_ipblocklist_sample.json"),
        FeedFormat::kJson, &feodo, IntelCategory::kBotnetC2);
  EXPECT_EQ(feodo.Texts(),
            (std::vector<std::string>{"51.178.161.32", "142.44.247.57",
                                      "37.187.115.122", "1.234.21.73"}));

  CollectSink coa;
  Parse(ReadData("stix/indicators-for-C2-with-COA.json"), FeedFormat::kStix,
        &coa);
  EXPECT_EQ(coa.Texts(),
            (std::vector<std::string>{
                "10.0.0.0",
                "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b7"
                "65448c8635fb6c"}));
  // A SHA-256 in an uncategorised feed is malware.
  EXPECT_EQ(coa.all[1].category, IntelCategory::kMalware);
}

TEST(FeedDetectTest, RecognisesContent) {
  auto detect = [](std::string_view text) {
    FeedFormat f;
    std::string why;
    EXPECT_TRUE(DetectFeedFormat(text, &f, &why)) << why;
    return std::string(FeedFormatName(f));
  };
  EXPECT_EQ(detect(""), "plain");
  EXPECT_EQ(detect("# comment\n1.2.3.4\n"), "plain");
  EXPECT_EQ(detect("0.0.0.0 a.example\n0.0.0.0 b.example\n"), "hosts");
  EXPECT_EQ(detect("[Adblock Plus 2.0]\n||a.example^\n"), "adblock");
  EXPECT_EQ(detect("||a.example^\n||b.example^$third-party\n"), "adblock");
  EXPECT_EQ(detect("# Maltrail\n/x.sh\n"), "maltrail");
  EXPECT_EQ(detect("1.2.3.4:3333\n/bins/x86\nbad.example\n"), "maltrail");
  EXPECT_EQ(detect("# first_seen_utc,dst_ip,dst_port,c2_status\n"
                   "\"2021-01-01\",\"1.2.3.4\",\"443\",\"online\"\n"),
            "csv");
  EXPECT_EQ(detect("[{\"ip_address\": \"1.2.3.4\"}]"), "json");
  EXPECT_EQ(detect("{\"type\": \"bundle\", \"objects\": []}"), "stix");
  EXPECT_EQ(detect("{\"Event\": {\"Attribute\": []}}"), "misp");
  EXPECT_EQ(detect("alert ip [1.2.3.4] any -> $HOME_NET any (msg:\"x\";)\n"),
            "suricata");
  FeedFormat f;
  std::string why;
  EXPECT_FALSE(DetectFeedFormat(std::string("PKT\0\x01", 5), &f, &why));
  EXPECT_FALSE(DetectFeedFormat("{\"hello\": 1}", &f, &why));
  EXPECT_NE(why.find("neither"), std::string::npos);
}

TEST(FeedPlainTest, CommentsRangesAndMalformedLinesNeverAbort) {
  CollectSink sink;
  FeedReport r = Parse(
      "# header\n"
      "1.2.3.4\n"
      "10.0.0.0/8 ; SBL1\n"
      "  192.0.2.0 - 192.0.2.3 \n"  // not a range form: "-" is a token
      "198.51.100.0-198.51.100.255\n"
      "300.1.1.1\n"
      "2001:db8::/32\r\n"
      "example.com\n"
      "AS64496\n"
      "d41d8cd98f00b204e9800998ecf8427e\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "not_a_thing!\n"
      "1.2.3.4/33\n"
      "203.0.113.9 203.0.113.6\n",
      FeedFormat::kPlain, &sink);
  EXPECT_EQ(sink.Texts(),
            (std::vector<std::string>{
                "1.2.3.4", "10.0.0.0/8", "192.0.2.0", "198.51.100.0/24",
                "2001:db8::/32", "example.com",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
                "855"}));
  EXPECT_EQ(r.skipped, 2u);  // ASN, MD5
  EXPECT_EQ(r.rejected, 4u);
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.Format(r.errors[0]), "feed:6: invalid IPv4 address: 300.1.1.1");
  EXPECT_EQ(r.errors[2].line, 13u);
  EXPECT_EQ(r.Format(r.errors[3]),
            "feed:14: range ends before it starts: 203.0.113.9 203.0.113.6");
  EXPECT_EQ(r.lines, 14u);
}

TEST(FeedPlainTest, RangeBecomesTheSmallestCidrCover) {
  CollectSink sink;
  Parse("10.0.0.1 10.0.0.10\n", FeedFormat::kPlain, &sink);
  EXPECT_EQ(sink.Texts(),
            (std::vector<std::string>{"10.0.0.1", "10.0.0.2/31", "10.0.0.4/30",
                                      "10.0.0.8/31", "10.0.0.10"}));
  CollectSink all;
  Parse("0.0.0.0-255.255.255.255\n", FeedFormat::kPlain, &all);
  EXPECT_EQ(all.Texts(), (std::vector<std::string>{"0.0.0.0/0"}));
}

TEST(FeedReportTest, KeepsOnlyTheFirstErrorsButCountsAll) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "bogus..line\n";
  CollectSink sink;
  FeedReport r = Parse(text, FeedFormat::kPlain, &sink);
  EXPECT_EQ(r.rejected, 100u);
  EXPECT_EQ(r.errors.size(), kMaxReportedErrors);
  EXPECT_EQ(r.errors.back().line, kMaxReportedErrors);
}

TEST(FeedHostsTest, NamesAfterTheAddress) {
  CollectSink sink;
  FeedReport r = Parse(
      "127.0.0.1 localhost\n"
      "::1 ip6-localhost ip6-loopback\n"
      "0.0.0.0 a.example b.example # two names\n"
      "0.0.0.0\n"
      "a.example 0.0.0.0\n",
      FeedFormat::kHosts, &sink);
  EXPECT_EQ(sink.Texts(), (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_EQ(r.skipped, 3u);  // the local names
  EXPECT_EQ(r.rejected, 2u);
}

TEST(FeedAdblockTest, HostRulesOnly) {
  CollectSink sink;
  FeedReport r = Parse(
      "[Adblock Plus 2.0]\n"
      "! comment\n"
      "||pool.example^\n"
      "||Miner.Example^$third-party\n"
      "||198.51.100.7^\n"
      "||cdn.example/miner.js^$all\n"
      "||198.51.100.8/x.sh^\n"
      "@@||good.example^$script\n"
      "example.com##.ad\n"
      "/coinhive.min.js\n"
      "bare.example\n"
      "||bad..example^\n",
      FeedFormat::kAdblock, &sink);
  EXPECT_EQ(sink.Texts(), (std::vector<std::string>{
                              "pool.example", "miner.example", "198.51.100.7",
                              "198.51.100.8", "bare.example"}));
  EXPECT_EQ(r.skipped, 4u);
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(r.errors[0].line, 12u);
}

TEST(FeedMaltrailTest, TakesIndicatorsCountsTheRest) {
  CollectSink sink;
  FeedReport r = Parse(
      "# comment\n"
      "pool.example\n"
      "198.51.100.1:3333\n"
      "198.51.100.0/24 # scanners\n"
      "2001:db8::1 # v6\n"
      "/bins/mirai.arm7\n"
      "dl.example/bins/x86\n"
      "http://198.51.100.9/bins.sh\n"
      "http://pool.example\n"
      "198.51.100.1:99999\n",
      FeedFormat::kMaltrail, &sink);
  EXPECT_EQ(sink.Texts(), (std::vector<std::string>{
                              "pool.example", "198.51.100.1", "198.51.100.0/24",
                              "2001:db8::1", "198.51.100.9", "pool.example"}));
  EXPECT_EQ(r.skipped, 2u);
  EXPECT_EQ(r.skipped_by_reason.at("url path"), 1u);
  EXPECT_EQ(r.skipped_by_reason.at("url with a path on a domain"), 1u);
  EXPECT_EQ(r.rejected, 1u);
}

// abuse.ch CSV exports, in the shape of the published files (the shared
// data holds none): Feodo Tracker, URLhaus, ThreatFox, MalwareBazaar.
TEST(FeedCsvTest, AbuseChExports) {
  CollectSink feodo;
  FeedReport r = Parse(
      "################################################################\n"
      "# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #\n"
      "################################################################\n"
      "#\n"
      "# first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware\n"
      "\"2021-01-17 07:44:46\",\"51.178.161.32\",\"4643\",\"online\","
      "\"2022-11-15\",\"Dridex\"\n"
      "\"2021-01-26 03:22:41\",\"142.44.247.57\",\"4043\",\"offline\","
      "\"2022-10-17\",\"Dridex\"\n"
      "\"2021-01-26 03:22:41\",\"142.44.247\",\"4043\",\"offline\","
      "\"2022-10-17\",\"Dridex\"\n"
      "# END 2 entries\n",
      FeedFormat::kCsv, &feodo, IntelCategory::kBotnetC2);
  EXPECT_EQ(feodo.Texts(),
            (std::vector<std::string>{"51.178.161.32", "142.44.247.57"}));
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(r.errors[0].line, 8u);

  CollectSink urlhaus;
  r = Parse(
      "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,"
      "reporter\n"
      "\"3029483\",\"2024-07-01 18:52:05\",\"http://182.127.5.9:52341/i\","
      "\"online\",\"2024-07-01\",\"malware_download\",\"32-bit,elf,mips,Mozi\","
      "\"https://urlhaus.abuse.ch/url/3029483/\",\"geenensp\"\n"
      "\"3029482\",\"2024-07-01 18:51:05\",\"https://bitbucket.org/a/b/x.exe\","
      "\"online\",\"2024-07-01\",\"malware_download\",\"exe\","
      "\"https://urlhaus.abuse.ch/url/3029482/\",\"abuse_ch\"\n",
      FeedFormat::kCsv, &urlhaus, IntelCategory::kMalware);
  EXPECT_EQ(urlhaus.Texts(), (std::vector<std::string>{"182.127.5.9"}));
  EXPECT_EQ(r.skipped, 1u);

  CollectSink threatfox;
  r = Parse(
      "# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\","
      "\"threat_type\",\"fk_malware\",\"malware_alias\",\"malware_printable\","
      "\"last_seen_utc\",\"confidence_level\",\"reference\",\"tags\","
      "\"anonymous\",\"reporter\"\n"
      "\"2024-07-01 18:51:13\", \"1300000\", \"91.92.240.144:9000\", "
      "\"ip:port\", \"botnet_cc\", \"elf.mirai\", \"None\", \"Mirai\", \"\", "
      "\"75\", \"\", \"Mirai\", \"0\", \"x\"\n"
      "\"2024-07-01 18:50:00\", \"1300001\", \"bad.example\", \"domain\", "
      "\"payload_delivery\", \"win.x\", \"None\", \"X\", \"\", \"50\", \"\", "
      "\"\", \"0\", \"x\"\n"
      "\"2024-07-01 18:50:00\", \"1300002\", "
      "\"0123456789abcdef0123456789abcdef\", \"md5_hash\", \"payload\", "
      "\"win.x\", \"None\", \"X\", \"\", \"50\", \"\", \"\", \"0\", \"x\"\n",
      FeedFormat::kCsv, &threatfox);
  ASSERT_EQ(threatfox.Texts(),
            (std::vector<std::string>{"91.92.240.144", "bad.example"}));
  EXPECT_EQ(threatfox.all[0].category, IntelCategory::kBotnetC2);
  EXPECT_EQ(threatfox.all[1].category, IntelCategory::kMalware);
  EXPECT_EQ(r.skipped, 1u);

  CollectSink bazaar;
  r = Parse(
      "# \"first_seen_utc\",\"sha256_hash\",\"md5_hash\",\"sha1_hash\","
      "\"reporter\",\"file_name\"\n"
      "\"2024-07-01 18:52:05\",\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
      "934ca495991b7852b855\",\"d41d8cd98f00b204e9800998ecf8427e\","
      "\"da39a3ee5e6b4b0d3255bfef95601890afd80709\",\"x\",\"a.elf\"\n",
      FeedFormat::kCsv, &bazaar);
  ASSERT_EQ(bazaar.all.size(), 1u);
  EXPECT_EQ(bazaar.all[0].kind, IndicatorKind::kSha256);
  EXPECT_EQ(bazaar.all[0].category, IntelCategory::kMalware);
}

TEST(FeedJsonTest, ThreatFoxExportAndBrokenJson) {
  CollectSink sink;
  FeedReport r = Parse(
      "{\n"
      "  \"1300000\": [{\"ioc_value\": \"91.92.240.144:9000\",\n"
      "                \"ioc_type\": \"ip:port\",\n"
      "                \"threat_type\": \"botnet_cc\"}],\n"
      "  \"1300001\": [{\"ioc_value\": \"bad..example\",\n"
      "                \"ioc_type\": \"domain\"}],\n"
      "  \"1300002\": [{\"something\": \"else\"}]\n"
      "}\n",
      FeedFormat::kJson, &sink);
  EXPECT_EQ(sink.Texts(), (std::vector<std::string>{"91.92.240.144"}));
  EXPECT_EQ(sink.all[0].category, IntelCategory::kBotnetC2);
  ASSERT_EQ(r.rejected, 2u);
  EXPECT_EQ(r.Format(r.errors[0]), "feed:5: invalid indicator: bad..example");
  EXPECT_EQ(r.errors[1].line, 7u);

  CollectSink broken;
  r = Parse("[\n{\"ip_address\": \"1.2.3.4\"},\n{oops}\n]", FeedFormat::kJson,
            &broken);
  EXPECT_TRUE(broken.all.empty());
  ASSERT_EQ(r.rejected, 1u);
  EXPECT_EQ(r.errors[0].line, 3u);
  EXPECT_NE(r.errors[0].reason.find("invalid JSON"), std::string::npos);
}

TEST(FeedStixTest, SimpleComparisonsOnly) {
  CollectSink sink;
  FeedReport r = Parse(R"({"type": "bundle", "objects": [
  {"type": "indicator", "pattern": "[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'c2.example']"},
  {"type": "indicator", "pattern": "[ipv6-addr:value = '2001:db8::/32'] OR [url:value = 'http://dl.example/x.sh']"},
  {"type": "indicator", "pattern": "[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']"},
  {"type": "indicator", "pattern": "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"},
  {"type": "indicator", "pattern": "[ipv4-addr:value = '198.51.100.2' AND network-traffic:dst_port = 80]"},
  {"type": "indicator", "pattern": "[ipv4-addr:value = '198.51.100.3'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.4']"},
  {"type": "indicator", "pattern_type": "sigma", "pattern": "title: x"},
  {"type": "indicator", "revoked": true, "pattern": "[ipv4-addr:value = '198.51.100.5']"},
  {"type": "indicator", "indicator_types": ["compromised"], "pattern": "[ipv4-addr:value = '198.51.100.6']"},
  {"type": "indicator", "pattern": "[ipv4-addr:value = 'c2.example']"},
  {"type": "indicator", "pattern": "[ipv4-addr:value = '198.51.100.7'"},
  {"type": "malware", "name": "x"}
]})",
                       FeedFormat::kStix, &sink);
  EXPECT_EQ(sink.Texts(),
            (std::vector<std::string>{
                "198.51.100.1", "c2.example", "2001:db8::/32", "dl.example",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
                "855",
                "198.51.100.6"}));
  EXPECT_EQ(sink.all.back().category, IntelCategory::kCompromised);
  EXPECT_EQ(r.skipped, 5u);
  ASSERT_EQ(r.rejected, 2u);
  EXPECT_EQ(r.errors[0].line, 11u);
  EXPECT_EQ(r.errors[0].reason, "invalid IPv4 address in pattern");
  EXPECT_EQ(r.errors[1].line, 12u);
  EXPECT_EQ(r.errors[1].reason, "invalid STIX pattern");
}

TEST(FeedMispTest, AttributesAndObjectAttributesForDetection) {
  CollectSink sink;
  FeedReport r = Parse(R"({"response": [{"Event": {
  "Attribute": [
    {"type": "ip-dst", "value": "198.51.100.1", "to_ids": true},
    {"type": "ip-dst|port", "value": "198.51.100.2|4444", "to_ids": true},
    {"type": "domain|ip", "value": "c2.example|198.51.100.3", "to_ids": true},
    {"type": "hostname", "value": "x.c2.example", "to_ids": false},
    {"type": "url", "value": "https://dl.example/a/b.exe", "to_ids": true},
    {"type": "filename|sha256", "value": "a.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "to_ids": true},
    {"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", "to_ids": true},
    {"type": "ip-src", "value": "198.51.100.9", "to_ids": true, "deleted": true},
    {"type": "ip-src", "value": "not-an-ip", "to_ids": true}
  ],
  "Object": [{"name": "domain-ip", "Attribute": [
    {"type": "domain", "value": "obj.example", "to_ids": true}]}]
}}]})",
                       FeedFormat::kMisp, &sink);
  EXPECT_EQ(sink.Texts(),
            (std::vector<std::string>{
                "198.51.100.1", "198.51.100.2", "c2.example", "198.51.100.3",
                "dl.example",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b"
                "855",
                "obj.example"}));
  EXPECT_EQ(r.skipped, 3u);  // to_ids false, md5, deleted
  ASSERT_EQ(r.rejected, 1u);
  EXPECT_EQ(r.errors[0].line, 11u);
}

TEST(FeedSuricataTest, LiteralAddressesOfRuleHeaders) {
  CollectSink sink;
  FeedReport r = Parse(
      "# alert ip [192.0.2.1] any -> any any (msg:\"disabled\";)\n"
      "alert ip [198.51.100.1,198.51.100.0/24,!198.51.100.7,$HOME_NET] any "
      "-> $HOME_NET any (msg:\"x\"; sid:1;)\n"
      "alert tcp $HOME_NET any -> 203.0.113.5 80 (msg:\"y\"; sid:2;)\n"
      "alert http $HOME_NET any -> $EXTERNAL_NET any (msg:\"z\"; sid:3;)\n"
      "this is not a rule\n",
      FeedFormat::kSuricata, &sink);
  EXPECT_EQ(sink.Texts(),
            (std::vector<std::string>{"198.51.100.1", "198.51.100.0/24",
                                      "203.0.113.5"}));
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_EQ(r.rejected, 1u);
}

TEST(FeedDataplaneTest, AddressIsTheFirstIpField) {
  CollectSink sink;
  FeedReport r = Parse(
      "# ASN | ASname | ipaddr | lastseen | category\n"
      "174  |  COGENT  |  198.51.100.1  |  2016-12-01  |  sshpwauth\n"
      "1  |  NAME | With | pipe  |  198.51.100.2  |  2016-12-01  |  x\n"
      "bruteforce|198.51.100.3|64496|2017-10-31 10:00:00|ssh|AS\n"
      "14080 | Telmex |\n",
      FeedFormat::kDataplane, &sink);
  EXPECT_EQ(sink.Texts(), (std::vector<std::string>{
                              "198.51.100.1", "198.51.100.2", "198.51.100.3"}));
  EXPECT_EQ(r.rejected, 1u);
}

TEST(FeedFormatNamesTest, RoundTrip) {
  for (int i = 0; i < kFeedFormatCount; ++i) {
    FeedFormat f;
    ASSERT_TRUE(ParseFeedFormat(FeedFormatName(FeedFormat(i)), &f));
    EXPECT_EQ(int(f), i);
  }
  FeedFormat f;
  EXPECT_FALSE(ParseFeedFormat("auto", &f));
}

}  // namespace
}  // namespace picket

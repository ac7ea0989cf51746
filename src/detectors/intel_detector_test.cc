// The intel detector on synthetic events against a store compiled from
// small feeds: what matches, and how matches become campaigns (one alert
// for a scan of a listed network, reminders, end summaries, bounded
// memory).
#include "detectors/intel_detector.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/event_json.h"
#include "intel/compiler.h"
#include "intel/feed.h"

namespace picket {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kT0 = 1700000000 * kSecond;

class Collect final : public AlertEmitter {
 public:
  void Emit(Alert alert) override { alerts.push_back(std::move(alert)); }
  std::vector<Alert> alerts;
};

class FixedProvider final : public IntelProvider {
 public:
  std::shared_ptr<const IntelStore> Current() const override { return store; }
  std::shared_ptr<const IntelStore> store;
};

std::map<std::string, std::string> DetailsOf(const Alert& a) {
  return {a.details.begin(), a.details.end()};
}

std::string Phase(const Alert& a) { return DetailsOf(a)["phase"]; }

std::map<std::string, uint64_t> Counters(const Detector& d) {
  ComponentStats s = d.Stats();
  return {s.counters.begin(), s.counters.end()};
}

Event Flow(const std::string& remote, int64_t time_ns, uint32_t pid = 0,
           const std::string& exe = "",
           const std::string& direction = "outbound") {
  Event e;
  e.type = EventType::kNetworkConnection;
  e.time_ns = time_ns;
  NetworkEvent n;
  n.protocol = "tcp";
  n.direction = direction;
  n.local_address = "192.168.1.20";
  n.remote_address = remote;
  n.remote_port = 23;
  n.pid = pid;
  n.exe = exe;
  n.count = 1;
  n.source = "pcap";
  e.payload = n;
  return e;
}

Event Dns(const std::string& query, int64_t time_ns) {
  Event e;
  e.type = EventType::kNetworkDns;
  e.time_ns = time_ns;
  DnsEvent d;
  d.query = query;
  d.qtype = "A";
  d.rcode = "NOERROR";
  d.addresses = {"203.0.113.80"};
  d.source = "pcap";
  e.payload = d;
  return e;
}

// Any other event: the agent's heartbeat, say.
Event Tick(int64_t time_ns) {
  Event e;
  e.type = EventType::kHeartbeat;
  e.time_ns = time_ns;
  e.payload = Heartbeat{};
  return e;
}

// "10.x.y.z" for the n-th distinct host of 10.0.0.0/8.
std::string Host10(uint32_t n) {
  uint32_t a = n + 1;
  return "10." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

class IntelDetectorTest : public ::testing::Test {
 protected:
  IntelDetectorTest() {
    IntelCompiler compiler;
    AddFeed(compiler, "firehol_level1", IntelCategory::kDrop,
            "10.0.0.0/8\n172.16.0.0/12\n");
    AddFeed(compiler, "feodo", IntelCategory::kBotnetC2,
            "198.51.100.23\n203.0.113.0/24\n");
    AddFeed(compiler, "coinbl_hosts", IntelCategory::kMinerPool,
            "minexmr-pool.example\n");
    Result<std::vector<uint8_t>> image = compiler.Build(1735689600);
    EXPECT_TRUE(image.ok()) << image.status().ToString();
    bytes_ = std::make_shared<std::vector<uint8_t>>(std::move(*image));
    Result<IntelStore> store = IntelStore::Open(*bytes_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    provider_.store = std::make_shared<const IntelStore>(*store);
    config_.realert_interval_ms = 60000;
    config_.campaign_end_ms = 30000;
  }

  static void AddFeed(IntelCompiler& c, const std::string& name,
                      IntelCategory category, const std::string& text) {
    Result<uint16_t> feed = c.AddFeed(name, FeedFormat::kPlain, category);
    ASSERT_TRUE(feed.ok());
    FeedReport report;
    report.keep_special = true;  // the fixtures list documentation ranges
    ParseFeed(text, FeedFormat::kPlain, category, c.Sink(*feed), &report);
  }

  std::unique_ptr<IntelDetector> Make() {
    return std::make_unique<IntelDetector>(config_, &provider_);
  }

  std::shared_ptr<std::vector<uint8_t>> bytes_;
  FixedProvider provider_;
  IntelDetectorConfig config_;
  Collect out_;
};

TEST_F(IntelDetectorTest, FiftyThousandFlowsIntoOneListedNetworkAreOneAlert) {
  auto d = Make();
  // 50,000 distinct addresses in 10.0.0.0/8 at 5,000 a second, well
  // within the realert interval.
  for (uint32_t i = 0; i < 50000; ++i) {
    d->OnEvent(Flow(Host10(i * 331), kT0 + i * (kSecond / 5000), 4242,
                    "/tmp/.x/mirai"),
               out_);
  }
  ASSERT_EQ(out_.alerts.size(), 1u);
  const Alert a = out_.alerts[0];  // a copy: more alerts are appended below
  EXPECT_EQ(a.type_id, kAlertIntelConnection);
  EXPECT_EQ(a.severity, Severity::kHigh);  // outbound, drop list
  auto details = DetailsOf(a);
  EXPECT_EQ(details["indicator"], "10.0.0.0/8");
  EXPECT_EQ(details["indicator_kind"], "ipv4_net");
  EXPECT_EQ(details["feed"], "firehol_level1");
  EXPECT_EQ(details["category"], "drop");
  EXPECT_EQ(details["phase"], "start");
  EXPECT_EQ(details["connections"], "1");
  EXPECT_EQ(details["remote_address"], Host10(0));
  EXPECT_EQ(details["exe"], "/tmp/.x/mirai");
  EXPECT_EQ(details["pid"], "4242");

  // Quiet for campaign_end: one summary with the counts.
  d->OnEvent(Tick(kT0 + 10 * kSecond + 30 * kSecond + kSecond), out_);
  ASSERT_EQ(out_.alerts.size(), 2u);
  const Alert& end = out_.alerts[1];
  details = DetailsOf(end);
  EXPECT_EQ(details["phase"], "end");
  EXPECT_EQ(details["connections"], "50000");
  uint64_t addresses = std::stoull(details["addresses"]);
  EXPECT_NEAR(static_cast<double>(addresses), 50000.0, 0.05 * 50000);
  std::string sample = details["sample"];
  EXPECT_EQ(std::count(sample.begin(), sample.end(), ','), 9) << sample;
  EXPECT_EQ(sample.rfind(Host10(0) + ",", 0), 0u) << sample;
  EXPECT_EQ(details["first_seen"], FormatEventTime(kT0));
  EXPECT_EQ(details["last_seen"],
            FormatEventTime(kT0 + 49999 * (kSecond / 5000)));
  EXPECT_NE(end.dedup_key, a.dedup_key);
  // The summary's evidence is the last flow of the campaign.
  ASSERT_NE(end.evidence, nullptr);
  EXPECT_EQ(std::get<NetworkEvent>(end.evidence->payload).remote_address,
            Host10(49999 * 331));

  auto c = Counters(*d);
  EXPECT_EQ(c["matches"], 50000u);
  EXPECT_EQ(c["alerts"], 2u);
  EXPECT_EQ(c["campaigns_started"], 1u);
  EXPECT_EQ(c["campaigns_ended"], 1u);
  EXPECT_EQ(c["tracked"], 0u);
}

TEST_F(IntelDetectorTest, TwoListedNetworksAreTwoCampaigns) {
  auto d = Make();
  for (uint32_t i = 0; i < 100; ++i) {
    d->OnEvent(Flow(Host10(i), kT0 + int64_t{i} * 1000000), out_);
    d->OnEvent(
        Flow("172.16.0." + std::to_string(i + 1), kT0 + int64_t{i} * 1000000),
        out_);
  }
  ASSERT_EQ(out_.alerts.size(), 2u);
  EXPECT_EQ(DetailsOf(out_.alerts[0])["indicator"], "10.0.0.0/8");
  EXPECT_EQ(DetailsOf(out_.alerts[1])["indicator"], "172.16.0.0/12");
  EXPECT_NE(out_.alerts[0].dedup_key, out_.alerts[1].dedup_key);
  // Inbound traffic from the same network is a campaign of its own.
  d->OnEvent(Flow(Host10(5), kT0 + kSecond, 0, "", "inbound"), out_);
  ASSERT_EQ(out_.alerts.size(), 3u);
  EXPECT_EQ(DetailsOf(out_.alerts[2])["direction"], "inbound");
  EXPECT_EQ(out_.alerts[2].severity, Severity::kLow);
}

TEST_F(IntelDetectorTest, ExactAddressAlertsOnTheFirstConnection) {
  auto d = Make();
  d->OnEvent(Flow("192.0.2.1", kT0), out_);  // not listed
  EXPECT_TRUE(out_.alerts.empty());
  d->OnEvent(Flow("198.51.100.23", kT0 + 1000, 1377, "/tmp/.cache/kworker"),
             out_);
  ASSERT_EQ(out_.alerts.size(), 1u);
  const Alert& a = out_.alerts[0];
  EXPECT_EQ(a.severity, Severity::kCritical);
  auto details = DetailsOf(a);
  EXPECT_EQ(details["indicator"], "198.51.100.23");
  EXPECT_EQ(details["indicator_kind"], "ipv4");
  EXPECT_EQ(details["feed"], "feodo");
  EXPECT_EQ(details["category"], "botnet_c2");
  EXPECT_EQ(details["remote_address"], "198.51.100.23");
  EXPECT_EQ(details["addresses"], "1");
  EXPECT_EQ(details["sample"], "198.51.100.23");
  ASSERT_NE(a.evidence, nullptr);
  EXPECT_EQ(a.evidence->type, EventType::kNetworkConnection);
  // The same beacon again is counted, not alerted.
  d->OnEvent(Flow("198.51.100.23", kT0 + kSecond, 1377, "/tmp/.cache/kworker"),
             out_);
  EXPECT_EQ(out_.alerts.size(), 1u);
}

TEST_F(IntelDetectorTest, RemindsAtMostOncePerIntervalWithUpdatedCounts) {
  auto d = Make();
  // One connection a second for 150 s: start, reminders at 60 s and 120 s.
  for (int i = 0; i <= 150; ++i) {
    d->OnEvent(Flow("203.0.113." + std::to_string(i % 200 + 1),
                    kT0 + i * kSecond, 7, "/usr/bin/x"),
               out_);
  }
  ASSERT_EQ(out_.alerts.size(), 3u);
  EXPECT_EQ(Phase(out_.alerts[0]), "start");
  EXPECT_EQ(Phase(out_.alerts[1]), "ongoing");
  EXPECT_EQ(Phase(out_.alerts[2]), "ongoing");
  EXPECT_EQ(DetailsOf(out_.alerts[1])["connections"], "61");
  EXPECT_EQ(DetailsOf(out_.alerts[2])["connections"], "121");
  // Past 64 distinct addresses the count is an estimate.
  EXPECT_NEAR(std::stod(DetailsOf(out_.alerts[2])["addresses"]), 121.0, 6.0);
  EXPECT_NE(out_.alerts[1].dedup_key, out_.alerts[2].dedup_key);
}

TEST_F(IntelDetectorTest, EndSummaryOnlyAfterQuietPeriod) {
  auto d = Make();
  d->OnEvent(Flow(Host10(1), kT0), out_);
  d->OnEvent(Flow(Host10(2), kT0 + kSecond), out_);
  ASSERT_EQ(out_.alerts.size(), 1u);
  d->OnEvent(Tick(kT0 + 29 * kSecond), out_);  // 28 s quiet: not yet
  EXPECT_EQ(out_.alerts.size(), 1u);
  d->OnEvent(Tick(kT0 + 32 * kSecond), out_);
  ASSERT_EQ(out_.alerts.size(), 2u);
  auto details = DetailsOf(out_.alerts[1]);
  EXPECT_EQ(details["phase"], "end");
  EXPECT_EQ(details["connections"], "2");
  EXPECT_EQ(details["addresses"], "2");
  EXPECT_EQ(details["sample"], Host10(1) + "," + Host10(2));
  // Only one summary; a new match afterwards starts a new campaign.
  d->OnEvent(Tick(kT0 + 40 * kSecond), out_);
  EXPECT_EQ(out_.alerts.size(), 2u);
  d->OnEvent(Flow(Host10(3), kT0 + 41 * kSecond), out_);
  ASSERT_EQ(out_.alerts.size(), 3u);
  EXPECT_EQ(Phase(out_.alerts[2]), "start");
  EXPECT_NE(out_.alerts[2].dedup_key, out_.alerts[0].dedup_key);
}

TEST_F(IntelDetectorTest, LateReportOfEndedCampaignRaisesNothing) {
  auto d = Make();
  d->OnEvent(Flow(Host10(1), kT0, 9, "/bin/scan"), out_);
  d->OnEvent(Flow(Host10(2), kT0 + 10 * kSecond, 9, "/bin/scan"), out_);
  d->OnEvent(Tick(kT0 + 45 * kSecond), out_);
  ASSERT_EQ(out_.alerts.size(), 2u);
  EXPECT_EQ(Phase(out_.alerts[1]), "end");
  // The collector's report at stop of a flow active at 5 s, owner unknown.
  Event late = Flow(Host10(3), kT0 + 46 * kSecond);
  std::get<NetworkEvent>(late.payload).first_seen_ns = kT0 + 5 * kSecond;
  std::get<NetworkEvent>(late.payload).last_seen_ns = kT0 + 5 * kSecond;
  d->OnEvent(late, out_);
  EXPECT_EQ(out_.alerts.size(), 2u);
  EXPECT_EQ(Counters(*d)["late"], 1u);
  // New activity is a new campaign.
  d->OnEvent(Flow(Host10(4), kT0 + 47 * kSecond), out_);
  ASSERT_EQ(out_.alerts.size(), 3u);
  EXPECT_EQ(Phase(out_.alerts[2]), "start");
  EXPECT_EQ(Counters(*d)["late"], 1u);
}

TEST_F(IntelDetectorTest, ProcessesHaveTheirOwnCampaigns) {
  auto d = Make();
  // Flows whose owner is not known yet join the campaign; the first known
  // process adopts it.
  d->OnEvent(Flow(Host10(1), kT0), out_);
  d->OnEvent(Flow(Host10(2), kT0 + 1, 100, "/tmp/scanner"), out_);
  d->OnEvent(Flow(Host10(3), kT0 + 2), out_);
  ASSERT_EQ(out_.alerts.size(), 1u);
  // Another program reaching into the same network is news.
  d->OnEvent(Flow(Host10(4), kT0 + 3, 200, "/usr/bin/wget"), out_);
  ASSERT_EQ(out_.alerts.size(), 2u);
  EXPECT_EQ(DetailsOf(out_.alerts[1])["exe"], "/usr/bin/wget");
  d->OnEvent(Tick(kT0 + 60 * kSecond), out_);
  ASSERT_EQ(out_.alerts.size(), 4u);
  std::map<std::string, std::string> ends;
  for (size_t i = 2; i < 4; ++i) {
    auto det = DetailsOf(out_.alerts[i]);
    EXPECT_EQ(det["phase"], "end");
    ends[det["exe"]] = det["connections"];
  }
  EXPECT_EQ(ends["/tmp/scanner"], "3");
  EXPECT_EQ(ends["/usr/bin/wget"], "1");
}

TEST_F(IntelDetectorTest, TrackedCampaignsAreCappedAndEvictionsCounted) {
  config_.max_tracked = 16;
  auto d = Make();
  // 20 different listed addresses: 20 campaigns, 4 forgotten.
  for (int i = 0; i < 20; ++i) {
    d->OnEvent(
        Flow("203.0.113.1", kT0 + i, 1000 + i, "/bin/p" + std::to_string(i)),
        out_);
  }
  // Per indicator at most 8 processes have campaigns; the rest join in.
  auto c = Counters(*d);
  EXPECT_EQ(c["campaigns_started"], 8u);
  EXPECT_EQ(out_.alerts.size(), 8u);
  for (int i = 0; i < 20; ++i) {
    d->OnEvent(
        Flow(Host10(i), kT0 + 100 + i, 2000 + i, "/bin/q" + std::to_string(i)),
        out_);
  }
  c = Counters(*d);
  EXPECT_EQ(c["campaigns_started"], 16u);
  EXPECT_EQ(c["tracked"], 16u);
  for (int i = 0; i < 10; ++i) {
    d->OnEvent(Flow("172.16.0." + std::to_string(i + 1), kT0 + 200 + i, 3000,
                    "/bin/r"),
               out_);
  }
  c = Counters(*d);
  EXPECT_EQ(c["campaigns_started"], 17u);
  EXPECT_EQ(c["tracked"], 16u);
  EXPECT_EQ(c["evicted"], 1u);
  // The forgotten one was the longest quiet: the first 203.0.113.1 one.
  d->OnEvent(Flow("203.0.113.1", kT0 + 300, 1000, "/bin/p0"), out_);
  c = Counters(*d);
  EXPECT_EQ(c["evicted"], 2u);
  EXPECT_EQ(c["campaigns_started"], 18u);
}

TEST_F(IntelDetectorTest, DnsAnswersUnderOneListedDomainAreOneCampaign) {
  auto d = Make();
  for (int i = 0; i < 500; ++i) {
    d->OnEvent(Dns("x" + std::to_string(i) + ".minexmr-pool.example",
                   kT0 + int64_t{i} * 10000000),
               out_);
  }
  d->OnEvent(Dns("unlisted.example", kT0 + 6 * kSecond), out_);
  ASSERT_EQ(out_.alerts.size(), 1u);
  auto details = DetailsOf(out_.alerts[0]);
  EXPECT_EQ(out_.alerts[0].type_id, kAlertIntelDns);
  EXPECT_EQ(out_.alerts[0].severity, Severity::kCritical);
  EXPECT_EQ(details["indicator"], "minexmr-pool.example");
  EXPECT_EQ(details["query"], "x0.minexmr-pool.example");
  EXPECT_EQ(details["answers"], "203.0.113.80");
  EXPECT_EQ(details["phase"], "start");
  d->OnEvent(Tick(kT0 + 40 * kSecond), out_);
  ASSERT_EQ(out_.alerts.size(), 2u);
  details = DetailsOf(out_.alerts[1]);
  EXPECT_EQ(details["phase"], "end");
  EXPECT_EQ(details["lookups"], "500");
  uint64_t names = std::stoull(details["names"]);
  EXPECT_NEAR(static_cast<double>(names), 500.0, 25.0);
}

TEST_F(IntelDetectorTest, NoStoreNoAlerts) {
  provider_.store = nullptr;
  auto d = Make();
  d->OnEvent(Flow("198.51.100.23", kT0), out_);
  EXPECT_TRUE(out_.alerts.empty());
  EXPECT_EQ(Counters(*d)["no_store"], 1u);
}

TEST_F(IntelDetectorTest, AllowedAddressesCidrsAndDomainsNeverAlert) {
  IntelAllowList allow;
  std::string error;
  ASSERT_TRUE(allow.Add("198.51.100.23", &error)) << error;
  ASSERT_TRUE(allow.Add("10.1.0.0/16", &error)) << error;
  ASSERT_TRUE(allow.Add("pool.example", &error)) << error;
  IntelDetector d(config_, &provider_, allow);
  d.OnEvent(Flow("198.51.100.23", kT0), out_);
  d.OnEvent(Flow("10.1.2.3", kT0 + 1), out_);
  d.OnEvent(Dns("eu.minexmr-pool.example", kT0 + 2), out_);  // not allowed
  ASSERT_EQ(out_.alerts.size(), 1u);
  EXPECT_EQ(out_.alerts[0].type_id, kAlertIntelDns);
  d.OnEvent(Flow("10.2.0.1", kT0 + 3), out_);  // 10/8 outside the /16
  EXPECT_EQ(out_.alerts.size(), 2u);
  EXPECT_EQ(Counters(d)["allowed"], 2u);
  EXPECT_EQ(Counters(d)["matches"], 2u);

  IntelAllowList domains;
  ASSERT_TRUE(domains.Add("minexmr-pool.example", &error)) << error;
  IntelDetector d2(config_, &provider_, domains);
  out_.alerts.clear();
  d2.OnEvent(Dns("MINEXMR-pool.example.", kT0), out_);
  d2.OnEvent(Dns("a.minexmr-pool.example", kT0 + 1), out_);
  EXPECT_TRUE(out_.alerts.empty());
  EXPECT_EQ(Counters(d2)["allowed"], 2u);
}

}  // namespace
}  // namespace picket

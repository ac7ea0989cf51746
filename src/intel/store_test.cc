// The compiler and the store against brute-force references on random data,
// and the store's refusal of truncated and corrupt files.
#include "intel/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "intel/compiler.h"
#include "intel/intel_format.h"
#include "intel/xxhash.h"

namespace picket {
namespace {

namespace f = intel_format;

using Bytes = std::vector<uint8_t>;

struct Listed {
  std::string indicator;
  std::set<std::pair<std::string, IntelCategory>> sources;
};

std::set<std::pair<std::string, IntelCategory>> SourcesOf(const IntelMatch& m) {
  std::set<std::pair<std::string, IntelCategory>> out;
  for (size_t i = 0; i < m.source_count(); ++i) {
    IntelSource s = m.source(i);
    out.insert({std::string(s.feed), s.category});
  }
  return out;
}

Indicator V4(uint32_t ip, int len = 32) {
  Indicator i;
  i.kind = len == 32 ? IndicatorKind::kIpv4 : IndicatorKind::kIpv4Net;
  i.ipv4 = len == 0 ? 0 : ip & (0xFFFFFFFFu << (32 - len));
  i.prefix_len = uint8_t(len);
  return i;
}

Bytes Build(IntelCompiler& c) {
  Result<Bytes> image = c.Build(1735689600);
  EXPECT_TRUE(image.ok()) << image.status().ToString();
  return image.ok() ? *image : Bytes();
}

IntelStore OpenOk(const Bytes& bytes) {
  Result<IntelStore> s = IntelStore::Open(bytes);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : IntelStore();
}

// A store and the bytes it views (the store copies nothing, so the bytes
// must outlive it).
struct Compiled {
  Bytes bytes;
  IntelStore store;
};

Compiled Compile(IntelCompiler& c) {
  Compiled out;
  out.bytes = Build(c);
  out.store = OpenOk(out.bytes);
  return out;
}

void FixChecksum(Bytes* b) {
  f::Store(b->data() + f::kChecksumOffset,
           Xxh64(b->data() + f::kChecksummedFrom,
                 b->size() - f::kChecksummedFrom, 0));
}

// ------------------------------------------------------------------- IPv4

TEST(StoreIpv4Test, ExactAndLongestPrefixMatchBruteForce) {
  std::mt19937 rng(42);
  const std::string feeds[] = {"alpha", "beta", "gamma"};
  const IntelCategory cats[] = {IntelCategory::kBotnetC2,
                                IntelCategory::kScanner, IntelCategory::kDrop};
  IntelCompiler c;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.AddFeed(feeds[i], FeedFormat::kPlain, cats[i]).ok());
  }
  // Addresses concentrated in 10.0.0.0/12 so that random queries there hit
  // both exact entries and nested CIDRs.
  auto addr = [&] { return 0x0A000000u | (rng() & 0x000FFFFFu); };
  std::map<uint32_t, Listed> exact;
  struct Net {
    uint32_t net;
    int len;
  };
  std::map<std::pair<uint32_t, int>, Listed> nets;
  for (int i = 0; i < 20000; ++i) {
    int feed = rng() % 3;
    IntelCategory cat = (rng() % 5 == 0) ? IntelCategory::kMalware : cats[feed];
    Indicator ind = V4(addr());
    ind.category = cat;
    c.Add(uint16_t(feed), ind);
    Listed& l = exact[ind.ipv4];
    l.indicator = ind.ToString();
    l.sources.insert({feeds[feed], cat});
  }
  for (int i = 0; i < 2000; ++i) {
    int feed = rng() % 3;
    int len = 8 + int(rng() % 24);  // /8 .. /31
    Indicator ind = V4(addr(), len);
    ind.category = cats[feed];
    c.Add(uint16_t(feed), ind);
    Listed& l = nets[{ind.ipv4, len}];
    l.indicator = ind.ToString();
    l.sources.insert({feeds[feed], cats[feed]});
  }
  // The whole space and a /1, so ranges reach both ends of the space.
  Indicator top = V4(0x80000000u, 1);
  top.category = IntelCategory::kDrop;
  c.Add(2, top);
  nets[{0x80000000u, 1}] = {"128.0.0.0/1", {{"gamma", IntelCategory::kDrop}}};
  Bytes bytes = Build(c);
  IntelStore s = OpenOk(bytes);
  EXPECT_EQ(s.count(IndicatorKind::kIpv4), exact.size());
  EXPECT_EQ(s.count(IndicatorKind::kIpv4Net), nets.size());

  auto reference = [&](uint32_t ip) -> const Listed* {
    auto e = exact.find(ip);
    if (e != exact.end()) return &e->second;
    const Listed* best = nullptr;
    int best_len = -1;
    for (const auto& [key, listed] : nets) {
      int len = key.second;
      uint32_t mask = len == 0 ? 0 : 0xFFFFFFFFu << (32 - len);
      if ((ip & mask) == key.first && len > best_len) {
        best = &listed;
        best_len = len;
      }
    }
    return best;
  };
  std::vector<uint32_t> queries;
  for (const auto& [ip, l] : exact) queries.push_back(ip);
  for (int i = 0; i < 6000; ++i) queries.push_back(addr());
  for (int i = 0; i < 2000; ++i) queries.push_back(uint32_t(rng()));
  for (const auto& [key, l] : nets) {
    uint32_t last = key.first | (0xFFFFFFFFu >> key.second);
    queries.push_back(key.first);
    queries.push_back(last);
    queries.push_back(last + 1);
    queries.push_back(key.first - 1);
  }
  queries.push_back(0);
  queries.push_back(0xFFFFFFFFu);
  size_t hits = 0;
  for (uint32_t ip : queries) {
    const Listed* want = reference(ip);
    std::optional<IntelMatch> got = s.LookupIpv4(ip);
    ASSERT_EQ(got.has_value(), want != nullptr)
        << FormatIpAddress(IpAddress::V4(ip));
    if (!want) continue;
    ++hits;
    EXPECT_EQ(got->indicator(), want->indicator);
    EXPECT_EQ(SourcesOf(*got), want->sources) << want->indicator;
  }
  EXPECT_GT(hits, exact.size() + 1000);  // the CIDRs were exercised too
}

TEST(StoreIpv4Test, LookupIpTakesMappedIpv6AsIpv4) {
  IntelCompiler c;
  ASSERT_TRUE(
      c.AddFeed("f", FeedFormat::kPlain, IntelCategory::kBotnetC2).ok());
  Indicator i = V4(0xC6336401u);  // 198.51.100.1
  i.category = IntelCategory::kBotnetC2;
  c.Add(0, i);
  Compiled compiled = Compile(c);
  const IntelStore& s = compiled.store;
  IpAddress mapped;
  ASSERT_TRUE(ParseIpAddress("::ffff:198.51.100.1", &mapped));
  std::optional<IntelMatch> m = s.LookupIp(mapped);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->indicator(), "198.51.100.1");
  EXPECT_EQ(m->kind(), IndicatorKind::kIpv4);
  EXPECT_EQ(m->feed(), "f");
  EXPECT_EQ(m->category(), IntelCategory::kBotnetC2);
  EXPECT_FALSE(s.LookupIp(IpAddress()));  // unset address
}

// ------------------------------------------------------------------- IPv6

TEST(StoreIpv6Test, ExactAndLongestPrefixMatchBruteForce) {
  std::mt19937_64 rng(9);
  IntelCompiler c;
  ASSERT_TRUE(c.AddFeed("v6", FeedFormat::kPlain, IntelCategory::kDrop).ok());
  auto addr = [&] {
    std::array<uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8};
    uint64_t r1 = rng(), r2 = rng();
    a[4] = uint8_t(r1 & 0x0F);  // a small space: hits are likely
    for (int i = 5; i < 16; ++i)
      a[i] = uint8_t((i < 8 ? r1 : r2) >> (8 * (i % 8)));
    return a;
  };
  auto masked = [](std::array<uint8_t, 16> a, int len) {
    for (int i = 0; i < 16; ++i) {
      int keep = std::clamp(len - 8 * i, 0, 8);
      a[i] &= uint8_t(keep == 0 ? 0 : 0xFF << (8 - keep));
    }
    return a;
  };
  std::set<std::array<uint8_t, 16>> exact;
  std::set<std::pair<std::array<uint8_t, 16>, int>> nets;
  for (int i = 0; i < 3000; ++i) {
    Indicator ind;
    ind.kind = IndicatorKind::kIpv6;
    ind.ipv6 = addr();
    ind.category = IntelCategory::kDrop;
    c.Add(0, ind);
    exact.insert(ind.ipv6);
  }
  for (int i = 0; i < 800; ++i) {
    int len = 16 + int(rng() % 112);
    Indicator ind;
    ind.kind = IndicatorKind::kIpv6Net;
    ind.prefix_len = uint8_t(len);
    ind.ipv6 = masked(addr(), len);
    ind.category = IntelCategory::kDrop;
    c.Add(0, ind);
    nets.insert({ind.ipv6, len});
  }
  Compiled compiled = Compile(c);
  const IntelStore& s = compiled.store;
  EXPECT_EQ(s.count(IndicatorKind::kIpv6), exact.size());
  EXPECT_EQ(s.count(IndicatorKind::kIpv6Net), nets.size());
  auto reference = [&](const std::array<uint8_t, 16>& a) -> std::string {
    if (exact.count(a)) return FormatIpAddress(IpAddress::V6(a));
    int best = -1;
    std::array<uint8_t, 16> best_net{};
    for (const auto& [net, len] : nets) {
      if (masked(a, len) == net && len > best) best = len, best_net = net;
    }
    if (best < 0) return "";
    return FormatIpAddress(IpAddress::V6(best_net)) + "/" +
           std::to_string(best);
  };
  std::vector<std::array<uint8_t, 16>> queries(exact.begin(), exact.end());
  for (int i = 0; i < 3000; ++i) queries.push_back(addr());
  for (const auto& [net, len] : nets) queries.push_back(net);
  queries.push_back({});
  std::array<uint8_t, 16> ones;
  ones.fill(0xFF);
  queries.push_back(ones);
  size_t hits = 0;
  for (const auto& q : queries) {
    std::string want = reference(q);
    std::optional<IntelMatch> got = s.LookupIp(IpAddress::V6(q));
    ASSERT_EQ(got.has_value(), !want.empty())
        << FormatIpAddress(IpAddress::V6(q));
    if (got) {
      ++hits;
      EXPECT_EQ(got->indicator(), want);
    }
  }
  EXPECT_GT(hits, exact.size() + nets.size() / 2);
}

// ----------------------------------------------------------------- domains

TEST(StoreDomainTest, NearestListedParentBruteForce) {
  std::mt19937 rng(3);
  const char* labels[] = {"pool", "a", "b", "xmr", "mine", "c2", "cdn", "x-1"};
  const char* tlds[] = {"example", "test", "invalid"};
  auto name = [&](int depth) {
    std::string n = tlds[rng() % 3];
    for (int i = 0; i < depth; ++i)
      n = std::string(labels[rng() % 8]) + "." + n;
    return n;
  };
  IntelCompiler c;
  ASSERT_TRUE(
      c.AddFeed("miners", FeedFormat::kHosts, IntelCategory::kMinerPool).ok());
  std::set<std::string> listed;
  for (int i = 0; i < 400; ++i) {
    Indicator ind;
    ind.kind = IndicatorKind::kDomain;
    ind.domain = name(1 + int(rng() % 3));
    ind.category = IntelCategory::kMinerPool;
    c.Add(0, ind);
    listed.insert(ind.domain);
  }
  Compiled compiled = Compile(c);
  const IntelStore& s = compiled.store;
  EXPECT_EQ(s.count(IndicatorKind::kDomain), listed.size());
  size_t hits = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string q = name(1 + int(rng() % 5));
    std::string want;
    for (size_t at = 0; at != std::string::npos;) {
      std::string suffix = q.substr(at);
      if (listed.count(suffix)) {
        want = suffix;
        break;
      }
      size_t dot = q.find('.', at);
      at = dot == std::string::npos ? dot : dot + 1;
    }
    // Case and a trailing dot do not matter.
    std::string query = q;
    query[0] = char(std::toupper(query[0]));
    if (i % 2) query += ".";
    std::optional<IntelMatch> got = s.LookupDomain(query);
    ASSERT_EQ(got.has_value(), !want.empty()) << q;
    if (got) {
      ++hits;
      EXPECT_EQ(got->indicator(), want);
      EXPECT_EQ(got->kind(), IndicatorKind::kDomain);
      EXPECT_EQ(got->category(), IntelCategory::kMinerPool);
    }
  }
  EXPECT_GT(hits, 1000u);
  EXPECT_FALSE(s.LookupDomain(""));
  EXPECT_FALSE(s.LookupDomain("example"));
  EXPECT_FALSE(s.LookupDomain(std::string(300, 'a')));
}

TEST(StoreDomainTest, MostSpecificParentWins) {
  IntelCompiler c;
  ASSERT_TRUE(
      c.AddFeed("broad", FeedFormat::kPlain, IntelCategory::kDrop).ok());
  ASSERT_TRUE(
      c.AddFeed("narrow", FeedFormat::kPlain, IntelCategory::kMinerPool).ok());
  Indicator d;
  d.kind = IndicatorKind::kDomain;
  d.domain = "pool.example";
  d.category = IntelCategory::kDrop;
  c.Add(0, d);
  d.domain = "b.pool.example";
  d.category = IntelCategory::kMinerPool;
  c.Add(1, d);
  Compiled compiled = Compile(c);
  const IntelStore& s = compiled.store;
  EXPECT_EQ(s.LookupDomain("a.b.pool.example")->indicator(), "b.pool.example");
  EXPECT_EQ(s.LookupDomain("a.b.pool.example")->feed(), "narrow");
  EXPECT_EQ(s.LookupDomain("x.pool.example")->indicator(), "pool.example");
  EXPECT_EQ(s.LookupDomain("POOL.EXAMPLE.")->feed(), "broad");
  EXPECT_FALSE(s.LookupDomain("otherpool.example"));
  EXPECT_FALSE(s.LookupDomain("pool.example.com"));
}

// ----------------------------------------------------------------- SHA-256

TEST(StoreSha256Test, ExactBruteForce) {
  std::mt19937 rng(11);
  IntelCompiler c;
  ASSERT_TRUE(
      c.AddFeed("bazaar", FeedFormat::kCsv, IntelCategory::kMalware).ok());
  std::set<std::array<uint8_t, 32>> listed;
  auto digest = [&] {
    std::array<uint8_t, 32> d;
    for (uint8_t& b : d) b = uint8_t(rng());
    return d;
  };
  for (int i = 0; i < 3000; ++i) {
    Indicator ind;
    ind.kind = IndicatorKind::kSha256;
    ind.sha256 = digest();
    ind.category = IntelCategory::kMalware;
    c.Add(0, ind);
    listed.insert(ind.sha256);
  }
  Compiled compiled = Compile(c);
  const IntelStore& s = compiled.store;
  for (const auto& d : listed) {
    std::optional<IntelMatch> m = s.LookupSha256(d);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->indicator(), Sha256Hex(d));
    std::string upper = Sha256Hex(d);
    for (char& ch : upper) ch = char(std::toupper(ch));
    EXPECT_TRUE(s.LookupSha256(upper));
  }
  for (int i = 0; i < 3000; ++i) {
    auto d = digest();
    EXPECT_EQ(s.LookupSha256(d).has_value(), listed.count(d) > 0);
  }
  EXPECT_FALSE(s.LookupSha256("abc"));
}

// ------------------------------------------------------- feeds and sources

TEST(StoreSourcesTest, DuplicatesMergeAndFeedsAreCounted) {
  IntelCompiler c;
  ASSERT_TRUE(
      c.AddFeed("feodo", FeedFormat::kPlain, IntelCategory::kBotnetC2).ok());
  ASSERT_TRUE(
      c.AddFeed("firehol_level1", FeedFormat::kPlain, IntelCategory::kDrop)
          .ok());
  // The same name again is the same feed.
  Result<uint16_t> again =
      c.AddFeed("feodo", FeedFormat::kJson, IntelCategory::kMalware);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  Indicator ip = V4(0xC6336401u);
  ip.category = IntelCategory::kBotnetC2;
  c.Add(0, ip);
  c.Add(0, ip);  // duplicate within the feed
  ip.category = IntelCategory::kDrop;
  c.Add(1, ip);
  c.SetRejected(1, 3);
  c.SetRejected(1, 2);
  Compiled compiled = Compile(c);
  const IntelStore& s = compiled.store;
  std::optional<IntelMatch> m = s.LookupIpv4(0xC6336401u);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->source_count(), 2u);
  EXPECT_EQ(m->source(0).feed, "feodo");
  EXPECT_EQ(m->source(0).category, IntelCategory::kBotnetC2);
  EXPECT_EQ(m->source(1).feed, "firehol_level1");
  EXPECT_EQ(m->source(1).category, IntelCategory::kDrop);
  EXPECT_EQ(m->source(2).feed, "");  // out of range: empty
  ASSERT_EQ(s.feed_count(), 2u);
  IntelFeedInfo f0 = s.feed(0), f1 = s.feed(1);
  EXPECT_EQ(f0.name, "feodo");
  EXPECT_EQ(f0.format, FeedFormat::kPlain);
  EXPECT_EQ(f0.category, IntelCategory::kBotnetC2);
  EXPECT_EQ(f0.counts[int(IndicatorKind::kIpv4)], 1u);
  EXPECT_EQ(f1.counts[int(IndicatorKind::kIpv4)], 1u);
  EXPECT_EQ(f1.rejected, 5u);
  EXPECT_EQ(s.count(IndicatorKind::kIpv4), 1u);
  EXPECT_EQ(s.source_set_count(), 1u);
  EXPECT_EQ(s.created_unix(), 1735689600u);
  EXPECT_EQ(s.version(), 1u);
}

TEST(StoreSourcesTest, RealFeedsCompileAndLookUp) {
  const std::string dir = PICKET_SOURCE_DIR "/../shared/data/intel/";
  auto read = [&](const char* p) {
    std::FILE* fp = std::fopen((dir + p).c_str(), "rb");
    std::string t;
    char buf[65536];
    size_t n;
    while (fp && (n = std::fread(buf, 1, sizeof(buf), fp)) > 0)
      t.append(buf, n);
    if (fp) std::fclose(fp);
    return t;
  };
  std::string mirai = read("maltrail/elf_mirai.txt");
  std::string drop = read("firehol/spamhaus_drop.netset");
  std::string coin = read("mining/coinblocker_hosts");
  std::string apt1 = read("stix/apt1.json");
  std::vector<FeedReport> reports;
  Result<Bytes> image = CompileFeeds(
      {{mirai, FeedFormat::kMaltrail, "elf_mirai", IntelCategory::kBotnetC2},
       {drop, FeedFormat::kPlain, "spamhaus_drop", IntelCategory::kDrop},
       {coin, FeedFormat::kHosts, "coinblocker_hosts",
        IntelCategory::kMinerPool},
       {apt1, FeedFormat::kStix, "apt1", IntelCategory::kUnknown}},
      0, &reports);
  ASSERT_TRUE(image.ok());
  ASSERT_EQ(reports.size(), 4u);
  IntelStore s = OpenOk(*image);
  // 1.10.16.0/20 is the first Spamhaus DROP entry.
  std::optional<IntelMatch> m = s.LookupIpv4(0x010A1005u);  // 1.10.16.5
  ASSERT_TRUE(m);
  EXPECT_EQ(m->indicator(), "1.10.16.0/20");
  EXPECT_EQ(m->feed(), "spamhaus_drop");
  m = s.LookupDomain("x.000.0x1f4b0.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->indicator(), "000.0x1f4b0.com");
  EXPECT_EQ(m->category(), IntelCategory::kMinerPool);
  m = s.LookupIpv4(0xDFA60001u);  // 223.166.0.1 in apt1's 223.166.0.0/15
  ASSERT_TRUE(m);
  EXPECT_EQ(m->indicator(), "223.166.0.0/15");
  EXPECT_EQ(m->feed(), "apt1");
  EXPECT_FALSE(s.LookupDomain("example.org"));
}

// ------------------------------------------------------ corrupt and short

Bytes SmallFile() {
  IntelCompiler c;
  EXPECT_TRUE(
      c.AddFeed("demo", FeedFormat::kPlain, IntelCategory::kBotnetC2).ok());
  Indicator i = V4(0xC0000201u);
  i.category = IntelCategory::kBotnetC2;
  c.Add(0, i);
  c.Add(0, V4(0xC6336400u, 24));
  Indicator d;
  d.kind = IndicatorKind::kDomain;
  d.domain = "c2.example";
  c.Add(0, d);
  Indicator v6;
  v6.kind = IndicatorKind::kIpv6Net;
  v6.prefix_len = 32;
  ParseIpv6("2001:db8::", &v6.ipv6);
  c.Add(0, v6);
  return Build(c);
}

TEST(StoreCorruptTest, EveryTruncationIsRefused) {
  Bytes good = SmallFile();
  ASSERT_TRUE(IntelStore::Open(good).ok());
  for (size_t n = 0; n < good.size(); ++n) {
    Result<IntelStore> s =
        IntelStore::Open(std::span<const uint8_t>(good.data(), n));
    ASSERT_FALSE(s.ok()) << n;
    EXPECT_EQ(s.status().code(), Status::Code::kCorruption) << n;
    if (n >= f::kMagicSize) {
      EXPECT_NE(s.status().message().find("truncated"), std::string::npos)
          << n << ": " << s.status().message();
    }
  }
  Bytes longer = good;
  longer.push_back(0);
  Result<IntelStore> s = IntelStore::Open(longer);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("trailing bytes"), std::string::npos);
}

TEST(StoreCorruptTest, EveryFlippedByteIsRefused) {
  Bytes good = SmallFile();
  for (size_t i = 0; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x20;
    Result<IntelStore> s = IntelStore::Open(bad);
    ASSERT_FALSE(s.ok()) << "byte " << i;
    // The reserved header bytes are checked before the checksum.
    bool reserved =
        i >= f::kReservedOffset && i < f::kReservedOffset + f::kReservedSize;
    if (i >= f::kChecksummedFrom + 8) {
      EXPECT_NE(s.status().message().find(reserved ? "reserved header bytes"
                                                   : "checksum mismatch"),
                std::string::npos)
          << i << ": " << s.status().message();
    }
  }
}

TEST(StoreCorruptTest, ClearMessages) {
  Bytes good = SmallFile();
  Bytes bad = good;
  bad[0] = 'X';
  EXPECT_EQ(IntelStore::Open(bad).status().message(),
            "not a picket intel file (bad magic)");
  bad = good;
  f::Store<uint32_t>(bad.data() + f::kVersionOffset, 2);
  EXPECT_EQ(IntelStore::Open(bad).status().code(), Status::Code::kNotSupported);
  EXPECT_EQ(IntelStore::Open(bad).status().message(),
            "intel file format version 2; this picket reads version 1");
  EXPECT_EQ(IntelStore::Open(Bytes{}).status().message(),
            "not a picket intel file (bad magic)");
}

// A file whose checksum is right but whose structure is not (a buggy or
// hostile writer) is refused by the structural checks.
TEST(StoreCorruptTest, StructuralChecksBehindAValidChecksum) {
  Bytes good = SmallFile();
  auto entry = [&](Bytes& b, uint32_t type) -> uint8_t* {
    for (size_t i = 0; i < f::kSectionCount; ++i) {
      uint8_t* e = b.data() + f::kHeaderSize + i * f::kSectionEntrySize;
      if (f::LoadU32(e) == type) return e;
    }
    return nullptr;
  };
  auto refused = [&](Bytes b, const std::string& what) {
    FixChecksum(&b);
    Result<IntelStore> s = IntelStore::Open(b);
    EXPECT_FALSE(s.ok()) << what;
    if (!s.ok()) {
      EXPECT_NE(s.status().message().find(what), std::string::npos)
          << s.status().message();
    }
  };
  Bytes b = good;
  f::Store<uint64_t>(entry(b, f::kIpv4Addrs) + f::kEntryOffsetOffset,
                     b.size() - 2);
  refused(b, "section IPV4_ADDRS out of bounds");
  b = good;
  f::Store<uint64_t>(entry(b, f::kIpv4Addrs) + f::kEntryCountOffset, 2);
  refused(b, "size does not match count");
  b = good;
  f::Store<uint32_t>(entry(b, f::kDomains), 999);  // an unknown type
  refused(b, "section DOMAINS missing");
  b = good;
  f::Store<uint32_t>(entry(b, f::kSha256), f::kDomains);
  refused(b, "appears twice");
  b = good;
  {
    uint8_t* sets = entry(b, f::kIpv4AddrSets);
    f::Store<uint16_t>(b.data() + f::LoadU64(sets + f::kEntryOffsetOffset), 7);
  }
  refused(b, "set id out of range");
  b = good;
  {
    uint8_t* idx = entry(b, f::kIpv4AddrIndex);
    f::Store<uint32_t>(idx + f::kEntryParamOffset, 25);
  }
  refused(b, "bad index size");
  b = good;
  {
    uint8_t* r = entry(b, f::kIpv4Ranges);  // range 1's CIDR index
    f::Store<uint32_t>(b.data() + f::LoadU64(r + f::kEntryOffsetOffset) + 12,
                       5);
  }
  refused(b, "names a missing CIDR");
  b = good;
  {
    uint8_t* feeds = entry(b, f::kFeeds);
    f::Store<uint32_t>(b.data() + f::LoadU64(feeds + f::kEntryOffsetOffset) +
                           f::kFeedNameLength,
                       1000);
  }
  refused(b, "name out of bounds");
  b = good;
  {
    uint8_t* entries = entry(b, f::kSourceEntries);
    f::Store<uint32_t>(b.data() + f::LoadU64(entries + f::kEntryOffsetOffset),
                       3);
  }
  refused(b, "source entry 0 invalid");
}

// Random damage behind a valid checksum: Open must refuse or return a store
// whose lookups stay inside the bytes (the sanitizer build checks that).
TEST(StoreCorruptTest, RandomDamageNeverReadsOutOfBounds) {
  Bytes good = SmallFile();
  std::mt19937 rng(5);
  int opened = 0;
  for (int round = 0; round < 3000; ++round) {
    Bytes b = good;
    int flips = 1 + int(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      size_t at = f::kChecksummedFrom + 8 + rng() % (b.size() - 32);
      b[at] = uint8_t(rng());
    }
    FixChecksum(&b);
    Result<IntelStore> s = IntelStore::Open(b);
    if (!s.ok()) continue;
    ++opened;
    for (uint32_t ip : {0xC0000201u, 0xC6336405u, 0u, 0xFFFFFFFFu}) {
      if (auto m = s->LookupIpv4(ip)) {
        m->indicator();
        for (size_t k = 0; k < m->source_count(); ++k) m->source(k);
      }
    }
    IpAddress v6;
    ParseIpAddress("2001:db8::1", &v6);
    if (auto m = s->LookupIp(v6)) m->indicator();
    if (auto m = s->LookupDomain("a.c2.example")) m->source(0);
    for (size_t k = 0; k < s->feed_count(); ++k) s->feed(k);
  }
  EXPECT_GT(opened, 0);  // some damage lands in data, not structure
}

TEST(StoreEmptyTest, EverythingMisses) {
  IntelCompiler c;
  Compiled compiled = Compile(c);
  const IntelStore& s = compiled.store;
  EXPECT_FALSE(s.LookupIpv4(0));
  IpAddress v6;
  ParseIpAddress("::1", &v6);
  EXPECT_FALSE(s.LookupIp(v6));
  EXPECT_FALSE(s.LookupDomain("a.example"));
  EXPECT_FALSE(s.LookupSha256(std::array<uint8_t, 32>{}));
  IntelStore none;
  EXPECT_FALSE(none.LookupIpv4(0));
  EXPECT_FALSE(none.LookupDomain("a.example"));
}

}  // namespace
}  // namespace picket

#include "intel/compiler.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <unordered_map>

#include "intel/intel_format.h"
#include "intel/xxhash.h"

namespace picket {

namespace f = intel_format;

namespace {

using U128 = unsigned __int128;

U128 ToU128(const std::array<uint8_t, 16>& b) {
  U128 v = 0;
  for (uint8_t x : b) v = v << 8 | x;
  return v;
}

void FromU128(U128 v, uint8_t* out) {
  for (int i = 15; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

// Interns sorted source lists as set ids.
class SourceSets {
 public:
  // `sources` sorted, unique, non-empty. Returns false when the id space
  // (u16) is exhausted.
  bool Intern(const std::vector<uint32_t>& sources, uint16_t* id) {
    if (sources.size() == 1) {
      auto it = single_.find(sources[0]);
      if (it != single_.end()) return *id = it->second, true;
      if (!NewSet(sources, id)) return false;
      single_.emplace(sources[0], *id);
      return true;
    }
    auto it = multi_.find(sources);
    if (it != multi_.end()) return *id = it->second, true;
    if (!NewSet(sources, id)) return false;
    multi_.emplace(sources, *id);
    return true;
  }
  const std::vector<uint32_t>& starts() const { return starts_; }
  const std::vector<uint32_t>& entries() const { return entries_; }
  size_t count() const { return starts_.size() - 1; }

 private:
  bool NewSet(const std::vector<uint32_t>& sources, uint16_t* id) {
    if (count() >= f::kMaxSourceSets) return false;
    *id = static_cast<uint16_t>(count());
    for (uint32_t s : sources) {
      // feed << 8 | category  ->  file form: feed | category << 16.
      entries_.push_back((s >> 8) | (s & 0xFF) << 16);
    }
    starts_.push_back(static_cast<uint32_t>(entries_.size()));
    return true;
  }
  std::unordered_map<uint32_t, uint16_t> single_;
  std::map<std::vector<uint32_t>, uint16_t> multi_;
  std::vector<uint32_t> starts_{0};
  std::vector<uint32_t> entries_;
};

// Groups `items` (sorted by key, then source) by key; for each group calls
// emit(first item, set id). Counts each distinct feed of a group in
// counts[feed]. Returns false when the set ids run out.
template <typename T, typename SameKey, typename Emit>
bool Group(const std::vector<T>& items, SameKey same, SourceSets* sets,
           std::vector<std::array<uint32_t, kIndicatorKindCount>*>& feed_counts,
           int kind, Emit emit) {
  std::vector<uint32_t> sources;
  for (size_t i = 0; i < items.size();) {
    size_t j = i;
    sources.clear();
    while (j < items.size() && same(items[i], items[j])) {
      uint32_t s = items[j].source;
      if (sources.empty() || sources.back() != s) {
        if (sources.empty() || (sources.back() >> 8) != (s >> 8)) {
          ++(*feed_counts[s >> 8])[kind];
        }
        sources.push_back(s);
      }
      ++j;
    }
    uint16_t id;
    if (!sets->Intern(sources, &id)) return false;
    emit(items[i], id);
    i = j;
  }
  return true;
}

// Flattens laminar CIDRs (sorted by first address, then shorter prefix
// first) into ranges: each range start with the index of the longest prefix
// covering it, or kNoNet. Neighbours with the same answer are merged.
template <typename K>
void BuildRanges(const std::vector<std::pair<K, K>>& nets, K max,
                 std::vector<K>* starts, std::vector<uint32_t>* values) {
  std::vector<K> s;
  std::vector<uint32_t> v;
  auto emit = [&](K start, uint32_t value) {
    if (!s.empty() && s.back() == start) {
      v.back() = value;
    } else {
      s.push_back(start);
      v.push_back(value);
    }
  };
  emit(0, f::kNoNet);
  std::vector<uint32_t> stack;
  auto close = [&](bool all, K next) {
    while (!stack.empty() && (all || nets[stack.back()].second < next)) {
      K last = nets[stack.back()].second;
      stack.pop_back();
      if (last == max) continue;  // nothing follows; enclosing nets end too
      emit(last + 1, stack.empty() ? f::kNoNet : stack.back());
    }
  };
  for (uint32_t i = 0; i < nets.size(); ++i) {
    close(false, nets[i].first);
    emit(nets[i].first, i);
    stack.push_back(i);
  }
  close(true, 0);
  starts->clear();
  values->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (!values->empty() && values->back() == v[i]) continue;
    starts->push_back(s[i]);
    values->push_back(v[i]);
  }
}

// About 16 keys per bucket.
uint32_t IndexBits(size_t n) {
  if (n < 16) return 0;
  int log2 = std::bit_width(n) - 1;
  return static_cast<uint32_t>(std::clamp(log2 - 2, 0, 20));
}

std::vector<uint32_t> BuildIndex(const std::vector<uint32_t>& keys,
                                 uint32_t bits) {
  std::vector<uint32_t> index((size_t{1} << bits) + 1, 0);
  size_t k = 0;
  for (size_t bucket = 0; bucket < index.size(); ++bucket) {
    index[bucket] = static_cast<uint32_t>(k);
    if (bucket + 1 == index.size()) break;
    while (k < keys.size() &&
           (bits == 0 ? 0 : (keys[k] >> (32 - bits))) == bucket) {
      ++k;
    }
  }
  index.back() = static_cast<uint32_t>(keys.size());
  return index;
}

struct SectionData {
  uint32_t type;
  uint32_t param = 0;
  std::vector<uint8_t> bytes;
  uint64_t count = 0;
};

void PutU16s(SectionData* s, const std::vector<uint16_t>& v) {
  s->bytes.resize(v.size() * 2);
  for (size_t i = 0; i < v.size(); ++i) f::Store(&s->bytes[2 * i], v[i]);
  s->count = v.size();
}

void PutU32s(SectionData* s, const std::vector<uint32_t>& v) {
  s->bytes.resize(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) f::Store(&s->bytes[4 * i], v[i]);
  s->count = v.size();
}

}  // namespace

class IntelCompiler::FeedSink : public IndicatorSink {
 public:
  FeedSink(IntelCompiler* compiler, uint16_t feed)
      : compiler_(compiler), feed_(feed) {}
  void Add(const Indicator& indicator) override {
    compiler_->Add(feed_, indicator);
  }

 private:
  IntelCompiler* compiler_;
  uint16_t feed_;
};

IntelCompiler::IntelCompiler() = default;
IntelCompiler::~IntelCompiler() = default;

Result<uint16_t> IntelCompiler::AddFeed(std::string_view name,
                                        FeedFormat format,
                                        IntelCategory default_category) {
  if (name.empty() || name.size() > 255) {
    return Status::InvalidArgument("feed name must be 1 to 255 bytes");
  }
  for (size_t i = 0; i < feeds_.size(); ++i) {
    if (feeds_[i].name == name) return static_cast<uint16_t>(i);
  }
  if (feeds_.size() >= 0xFFFF) {
    return Status::ResourceExhausted("more than 65535 feeds");
  }
  feeds_.push_back({std::string(name), format, default_category, 0, {}});
  sinks_.push_back(std::make_unique<FeedSink>(
      this, static_cast<uint16_t>(feeds_.size() - 1)));
  return static_cast<uint16_t>(feeds_.size() - 1);
}

void IntelCompiler::SetRejected(uint16_t feed, size_t rejected) {
  if (feed < feeds_.size()) {
    uint64_t total = uint64_t{feeds_[feed].rejected} + rejected;
    feeds_[feed].rejected =
        static_cast<uint32_t>(std::min<uint64_t>(total, 0xFFFFFFFF));
  }
}

IndicatorSink* IntelCompiler::Sink(uint16_t feed) {
  return feed < sinks_.size() ? sinks_[feed].get() : nullptr;
}

void IntelCompiler::Add(uint16_t feed, const Indicator& ind) {
  if (feed >= feeds_.size()) return;
  uint32_t source = uint32_t{feed} << 8 | static_cast<uint8_t>(ind.category);
  ++added_;
  switch (ind.kind) {
    case IndicatorKind::kIpv4:
      v4_.push_back({ind.ipv4, source});
      break;
    case IndicatorKind::kIpv4Net: {
      int len = std::min<int>(ind.prefix_len, 32);
      if (len == 32) {
        v4_.push_back({ind.ipv4, source});
        break;
      }
      uint32_t mask = len == 0 ? 0 : 0xFFFFFFFFu << (32 - len);
      v4_nets_.push_back({ind.ipv4 & mask, static_cast<uint8_t>(len), source});
      break;
    }
    case IndicatorKind::kIpv6:
      v6_.push_back({ind.ipv6, 128, source});
      break;
    case IndicatorKind::kIpv6Net: {
      int len = std::min<int>(ind.prefix_len, 128);
      if (len == 128) {
        v6_.push_back({ind.ipv6, 128, source});
        break;
      }
      U128 mask = len == 0 ? 0 : ~U128{0} << (128 - len);
      V6 net{{}, static_cast<uint8_t>(len), source};
      FromU128(ToU128(ind.ipv6) & mask, net.ip.data());
      v6_nets_.push_back(net);
      break;
    }
    case IndicatorKind::kDomain:
      domains_.push_back(
          {Xxh64(ind.domain.data(), ind.domain.size(), f::kDomainHashSeed),
           source});
      break;
    case IndicatorKind::kSha256:
      sha_.push_back({ind.sha256, source});
      break;
  }
}

Result<std::vector<uint8_t>> IntelCompiler::Build(uint64_t created_unix) {
  SourceSets sets;
  std::vector<std::array<uint32_t, kIndicatorKindCount>*> counts;
  for (Feed& feed : feeds_) {
    feed.counts.fill(0);
    counts.push_back(&feed.counts);
  }
  const Status exhausted = Status::ResourceExhausted(
      "more than 65535 distinct (feed, category) combinations");
  constexpr size_t kMaxKeys = 0xFFFFFFFEu;
  if (v4_.size() > kMaxKeys || v4_nets_.size() > kMaxKeys ||
      v6_.size() > kMaxKeys || v6_nets_.size() > kMaxKeys ||
      domains_.size() > kMaxKeys || sha_.size() > kMaxKeys) {
    return Status::ResourceExhausted("more than 2^32 - 2 indicators of a kind");
  }

  std::vector<SectionData> sections;
  auto section = [&](uint32_t type) -> SectionData& {
    sections.push_back({type, 0, {}, 0});
    return sections.back();
  };
  // Reserve so references stay valid while filling.
  sections.reserve(f::kSectionCount);

  // IPv4 addresses.
  std::vector<uint32_t> v4_keys;
  std::vector<uint16_t> v4_sets;
  std::sort(v4_.begin(), v4_.end(), [](const V4& a, const V4& b) {
    return a.ip != b.ip ? a.ip < b.ip : a.source < b.source;
  });
  if (!Group(
          v4_, [](const V4& a, const V4& b) { return a.ip == b.ip; }, &sets,
          counts, int(IndicatorKind::kIpv4),
          [&](const V4& x, uint16_t id) {
            v4_keys.push_back(x.ip);
            v4_sets.push_back(id);
          })) {
    return exhausted;
  }
  std::vector<V4>().swap(v4_);

  // IPv4 CIDRs.
  std::sort(v4_nets_.begin(), v4_nets_.end(),
            [](const V4Net& a, const V4Net& b) {
              if (a.net != b.net) return a.net < b.net;
              if (a.len != b.len) return a.len < b.len;
              return a.source < b.source;
            });
  std::vector<uint8_t> v4_net_bytes;
  std::vector<std::pair<uint32_t, uint32_t>> v4_spans;
  if (!Group(
          v4_nets_,
          [](const V4Net& a, const V4Net& b) {
            return a.net == b.net && a.len == b.len;
          },
          &sets, counts, int(IndicatorKind::kIpv4Net),
          [&](const V4Net& x, uint16_t id) {
            uint8_t rec[f::kIpv4NetRecordSize] = {};
            f::Store(rec, x.net);
            rec[4] = x.len;
            f::Store(rec + 6, id);
            v4_net_bytes.insert(v4_net_bytes.end(), rec, rec + sizeof(rec));
            uint32_t last =
                x.net | (x.len == 0 ? 0xFFFFFFFFu : (0xFFFFFFFFu >> x.len));
            v4_spans.push_back({x.net, last});
          })) {
    return exhausted;
  }
  std::vector<uint32_t> v4_range_starts, v4_range_nets;
  if (!v4_spans.empty()) {
    BuildRanges<uint32_t>(v4_spans, 0xFFFFFFFFu, &v4_range_starts,
                          &v4_range_nets);
  }

  // IPv6 addresses and CIDRs.
  auto v6_less = [](const V6& a, const V6& b) {
    if (a.ip != b.ip) return a.ip < b.ip;
    if (a.len != b.len) return a.len < b.len;
    return a.source < b.source;
  };
  auto v6_same = [](const V6& a, const V6& b) {
    return a.ip == b.ip && a.len == b.len;
  };
  std::sort(v6_.begin(), v6_.end(), v6_less);
  std::sort(v6_nets_.begin(), v6_nets_.end(), v6_less);
  std::vector<uint8_t> v6_keys;
  std::vector<uint16_t> v6_sets;
  if (!Group(v6_, v6_same, &sets, counts, int(IndicatorKind::kIpv6),
             [&](const V6& x, uint16_t id) {
               v6_keys.insert(v6_keys.end(), x.ip.begin(), x.ip.end());
               v6_sets.push_back(id);
             })) {
    return exhausted;
  }
  std::vector<uint8_t> v6_net_bytes;
  std::vector<std::pair<U128, U128>> v6_spans;
  if (!Group(v6_nets_, v6_same, &sets, counts, int(IndicatorKind::kIpv6Net),
             [&](const V6& x, uint16_t id) {
               uint8_t rec[f::kIpv6NetRecordSize] = {};
               std::memcpy(rec, x.ip.data(), 16);
               rec[16] = x.len;
               f::Store(rec + 18, id);
               v6_net_bytes.insert(v6_net_bytes.end(), rec, rec + sizeof(rec));
               U128 first = ToU128(x.ip);
               U128 host = x.len == 0 ? ~U128{0} : (~U128{0} >> x.len);
               v6_spans.push_back({first, first | host});
             })) {
    return exhausted;
  }
  std::vector<U128> v6_range_starts;
  std::vector<uint32_t> v6_range_nets;
  if (!v6_spans.empty()) {
    BuildRanges<U128>(v6_spans, ~U128{0}, &v6_range_starts, &v6_range_nets);
  }

  // Domains.
  std::sort(domains_.begin(), domains_.end(),
            [](const Hash64& a, const Hash64& b) {
              return a.hash != b.hash ? a.hash < b.hash : a.source < b.source;
            });
  std::vector<uint8_t> domain_keys;
  std::vector<uint16_t> domain_sets;
  if (!Group(
          domains_,
          [](const Hash64& a, const Hash64& b) { return a.hash == b.hash; },
          &sets, counts, int(IndicatorKind::kDomain),
          [&](const Hash64& x, uint16_t id) {
            uint8_t k[8];
            f::Store(k, x.hash);
            domain_keys.insert(domain_keys.end(), k, k + 8);
            domain_sets.push_back(id);
          })) {
    return exhausted;
  }

  // SHA-256.
  std::sort(sha_.begin(), sha_.end(), [](const Sha& a, const Sha& b) {
    return a.digest != b.digest ? a.digest < b.digest : a.source < b.source;
  });
  std::vector<uint8_t> sha_keys;
  std::vector<uint16_t> sha_sets;
  if (!Group(
          sha_, [](const Sha& a, const Sha& b) { return a.digest == b.digest; },
          &sets, counts, int(IndicatorKind::kSha256),
          [&](const Sha& x, uint16_t id) {
            sha_keys.insert(sha_keys.end(), x.digest.begin(), x.digest.end());
            sha_sets.push_back(id);
          })) {
    return exhausted;
  }

  // Strings and feeds.
  {
    SectionData& strings = section(f::kStrings);
    SectionData feeds{f::kFeeds, 0, {}, feeds_.size()};
    for (const Feed& feed : feeds_) {
      uint8_t rec[f::kFeedRecordSize] = {};
      f::Store(rec + f::kFeedNameOffset,
               static_cast<uint32_t>(strings.bytes.size()));
      f::Store(rec + f::kFeedNameLength,
               static_cast<uint32_t>(feed.name.size()));
      rec[f::kFeedCategory] = static_cast<uint8_t>(feed.category);
      rec[f::kFeedFormat] = static_cast<uint8_t>(feed.format);
      const size_t kCountAt[kIndicatorKindCount] = {
          f::kFeedIpv4,     f::kFeedIpv4Nets, f::kFeedIpv6,
          f::kFeedIpv6Nets, f::kFeedDomains,  f::kFeedSha256};
      for (int k = 0; k < kIndicatorKindCount; ++k) {
        f::Store(rec + kCountAt[k], feed.counts[k]);
      }
      f::Store(rec + f::kFeedRejected, feed.rejected);
      strings.bytes.insert(strings.bytes.end(), feed.name.begin(),
                           feed.name.end());
      feeds.bytes.insert(feeds.bytes.end(), rec, rec + sizeof(rec));
    }
    strings.count = strings.bytes.size();
    sections.push_back(std::move(feeds));
  }
  PutU32s(&section(f::kSourceSets), sets.starts());
  PutU32s(&section(f::kSourceEntries), sets.entries());

  PutU32s(&section(f::kIpv4Addrs), v4_keys);
  PutU16s(&section(f::kIpv4AddrSets), v4_sets);
  {
    SectionData& idx = section(f::kIpv4AddrIndex);
    idx.param = IndexBits(v4_keys.size());
    PutU32s(&idx, BuildIndex(v4_keys, idx.param));
  }
  {
    SectionData& nets = section(f::kIpv4Nets);
    nets.count = v4_spans.size();
    nets.bytes = std::move(v4_net_bytes);
  }
  {
    // (start, CIDR) pairs side by side: the search lands on the answer.
    SectionData& s = section(f::kIpv4Ranges);
    s.count = v4_range_starts.size();
    s.bytes.resize(8 * v4_range_starts.size());
    for (size_t i = 0; i < v4_range_starts.size(); ++i) {
      f::Store(&s.bytes[8 * i], v4_range_starts[i]);
      f::Store(&s.bytes[8 * i + 4], v4_range_nets[i]);
    }
  }
  {
    SectionData& idx = section(f::kIpv4RangeIndex);
    idx.param = IndexBits(v4_range_starts.size());
    PutU32s(&idx, BuildIndex(v4_range_starts, idx.param));
  }
  {
    SectionData& s = section(f::kIpv6Addrs);
    s.count = v6_sets.size();
    s.bytes = std::move(v6_keys);
  }
  PutU16s(&section(f::kIpv6AddrSets), v6_sets);
  {
    SectionData& s = section(f::kIpv6Nets);
    s.count = v6_spans.size();
    s.bytes = std::move(v6_net_bytes);
  }
  {
    SectionData& s = section(f::kIpv6Ranges);
    s.count = v6_range_starts.size();
    s.bytes.resize(16 * v6_range_starts.size());
    for (size_t i = 0; i < v6_range_starts.size(); ++i) {
      FromU128(v6_range_starts[i], &s.bytes[16 * i]);
    }
  }
  PutU32s(&section(f::kIpv6RangeNets), v6_range_nets);
  {
    SectionData& s = section(f::kDomains);
    s.count = domain_sets.size();
    s.bytes = std::move(domain_keys);
  }
  PutU16s(&section(f::kDomainSets), domain_sets);
  {
    SectionData& s = section(f::kSha256);
    s.count = sha_sets.size();
    s.bytes = std::move(sha_keys);
  }
  PutU16s(&section(f::kSha256Sets), sha_sets);

  // Lay out: header, table, sections (8-aligned).
  size_t table_end = f::kHeaderSize + sections.size() * f::kSectionEntrySize;
  size_t size = table_end;
  std::vector<uint64_t> offsets;
  for (const SectionData& s : sections) {
    size = (size + f::kSectionAlignment - 1) / f::kSectionAlignment *
           f::kSectionAlignment;
    offsets.push_back(size);
    size += s.bytes.size();
  }
  std::vector<uint8_t> out(size, 0);
  std::memcpy(out.data() + f::kMagicOffset, f::kMagic, f::kMagicSize);
  f::Store(out.data() + f::kVersionOffset, f::kVersion);
  f::Store(out.data() + f::kHeaderSizeOffset, f::kHeaderSize);
  f::Store(out.data() + f::kFileSizeOffset, static_cast<uint64_t>(size));
  f::Store(out.data() + f::kCreatedOffset, created_unix);
  f::Store(out.data() + f::kSectionCountOffset,
           static_cast<uint32_t>(sections.size()));
  f::Store(out.data() + f::kSectionTableOffsetOffset, f::kHeaderSize);
  for (size_t i = 0; i < sections.size(); ++i) {
    uint8_t* e = out.data() + f::kHeaderSize + i * f::kSectionEntrySize;
    f::Store(e + f::kEntryTypeOffset, sections[i].type);
    f::Store(e + f::kEntryParamOffset, sections[i].param);
    f::Store(e + f::kEntryOffsetOffset, offsets[i]);
    f::Store(e + f::kEntrySizeOffset,
             static_cast<uint64_t>(sections[i].bytes.size()));
    f::Store(e + f::kEntryCountOffset, sections[i].count);
    if (!sections[i].bytes.empty()) {
      std::memcpy(out.data() + offsets[i], sections[i].bytes.data(),
                  sections[i].bytes.size());
    }
  }
  uint64_t checksum = Xxh64(out.data() + f::kChecksummedFrom,
                            out.size() - f::kChecksummedFrom, 0);
  f::Store(out.data() + f::kChecksumOffset, checksum);
  return out;
}

Result<std::vector<uint8_t>> CompileFeeds(const std::vector<FeedInput>& feeds,
                                          uint64_t created_unix,
                                          std::vector<FeedReport>* reports) {
  IntelCompiler compiler;
  for (const FeedInput& in : feeds) {
    Result<uint16_t> id = compiler.AddFeed(in.name, in.format, in.category);
    if (!id.ok()) return id.status();
    FeedReport report;
    report.source = in.name;
    report.keep_special = in.keep_special;
    ParseFeed(in.text, in.format, in.category, compiler.Sink(*id), &report);
    compiler.SetRejected(*id, report.rejected);
    if (reports) reports->push_back(std::move(report));
  }
  return compiler.Build(created_unix);
}

}  // namespace picket

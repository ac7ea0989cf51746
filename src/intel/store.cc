#include "intel/store.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "intel/intel_format.h"
#include "intel/xxhash.h"

namespace picket {

namespace f = intel_format;

namespace {

Status Corrupt(std::string_view what) { return Status::Corruption(what); }

const f::SectionSpec* FindSpec(uint32_t type) {
  for (const f::SectionSpec& s : f::kSections) {
    if (s.type == type) return &s;
  }
  return nullptr;
}

// Every u16 in `a` is below `limit`.
bool U16sBelow(const uint8_t* p, uint64_t n, uint32_t limit) {
  uint32_t max = 0;
  for (uint64_t i = 0; i < n; ++i)
    max = std::max<uint32_t>(max, f::LoadU16(p + 2 * i));
  return n == 0 || max < limit;
}

}  // namespace

std::string IntelMatch::indicator() const {
  IpAddress a;
  switch (kind_) {
    case IndicatorKind::kIpv4:
      a.family = 4;
      std::copy(key_.begin(), key_.begin() + 4, a.bytes.begin());
      return FormatIpAddress(a);
    case IndicatorKind::kIpv4Net:
      a = IpAddress::V4(f::LoadU32(net_record_));
      return FormatIpAddress(a) + "/" + std::to_string(net_record_[4]);
    case IndicatorKind::kIpv6:
      a.family = 6;
      std::copy(key_.begin(), key_.begin() + 16, a.bytes.begin());
      return FormatIpAddress(a);
    case IndicatorKind::kIpv6Net:
      a.family = 6;
      std::copy(net_record_, net_record_ + 16, a.bytes.begin());
      return FormatIpAddress(a) + "/" + std::to_string(net_record_[16]);
    case IndicatorKind::kDomain:
      return domain_;
    case IndicatorKind::kSha256:
      return Sha256Hex(key_);
  }
  return {};
}

size_t IntelMatch::source_count() const {
  if (!set_id_) return 0;
  size_t set = f::LoadU16(set_id_);
  return f::LoadU32(tables_.set_starts + 4 * (set + 1)) -
         f::LoadU32(tables_.set_starts + 4 * set);
}

IntelSource IntelMatch::source(size_t i) const {
  if (i >= source_count()) return {};
  size_t set = f::LoadU16(set_id_);
  uint32_t entry = f::LoadU32(
      tables_.entries + 4 * (f::LoadU32(tables_.set_starts + 4 * set) + i));
  const uint8_t* feed = tables_.feeds + f::kFeedRecordSize * (entry & 0xFFFF);
  IntelSource s;
  s.feed = std::string_view(reinterpret_cast<const char*>(tables_.strings) +
                                f::LoadU32(feed + f::kFeedNameOffset),
                            f::LoadU32(feed + f::kFeedNameLength));
  s.category = static_cast<IntelCategory>((entry >> 16) & 0xFF);
  return s;
}

Result<IntelStore> IntelStore::Open(std::span<const uint8_t> bytes) {
  const uint8_t* p = bytes.data();
  const uint64_t have = bytes.size();
  if (have < f::kMagicSize ||
      std::memcmp(p + f::kMagicOffset, f::kMagic, f::kMagicSize) != 0) {
    return Corrupt("not a picket intel file (bad magic)");
  }
  if (have < f::kHeaderSize) {
    return Corrupt("truncated: " + std::to_string(have) +
                   " bytes, the header alone is 64");
  }
  IntelStore s;
  s.version_ = f::LoadU32(p + f::kVersionOffset);
  if (s.version_ != f::kVersion) {
    return Status::NotSupported("intel file format version " +
                                std::to_string(s.version_) +
                                "; this picket reads version 1");
  }
  if (f::LoadU32(p + f::kHeaderSizeOffset) != f::kHeaderSize) {
    return Corrupt("header size is not 64");
  }
  s.size_ = f::LoadU64(p + f::kFileSizeOffset);
  if (s.size_ > have) {
    return Corrupt("truncated: header says " + std::to_string(s.size_) +
                   " bytes, have " + std::to_string(have));
  }
  if (s.size_ < have) {
    return Corrupt("trailing bytes: header says " + std::to_string(s.size_) +
                   " bytes, have " + std::to_string(have));
  }
  for (size_t i = 0; i < f::kReservedSize; ++i) {
    if (p[f::kReservedOffset + i] != 0)
      return Corrupt("reserved header bytes not zero");
  }
  s.checksum_ = f::LoadU64(p + f::kChecksumOffset);
  uint64_t actual =
      Xxh64(p + f::kChecksummedFrom, have - f::kChecksummedFrom, 0);
  if (actual != s.checksum_) {
    return Corrupt("checksum mismatch (the file is corrupt or partly written)");
  }
  s.created_ = f::LoadU64(p + f::kCreatedOffset);

  uint32_t count = f::LoadU32(p + f::kSectionCountOffset);
  uint32_t table = f::LoadU32(p + f::kSectionTableOffsetOffset);
  if (table != f::kHeaderSize || count > 1024 ||
      table + uint64_t{count} * f::kSectionEntrySize > have) {
    return Corrupt("section table out of bounds");
  }
  struct Found {
    bool seen = false;
    Array array;
  };
  Found found[128];  // by section type (all known types are < 128)
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* e = p + table + i * f::kSectionEntrySize;
    uint32_t type = f::LoadU32(e + f::kEntryTypeOffset);
    const f::SectionSpec* spec = FindSpec(type);
    if (!spec) continue;  // a later minor addition: ignore
    uint64_t off = f::LoadU64(e + f::kEntryOffsetOffset);
    uint64_t size = f::LoadU64(e + f::kEntrySizeOffset);
    uint64_t n = f::LoadU64(e + f::kEntryCountOffset);
    std::string name = spec->name;
    if (found[type].seen) return Corrupt("section " + name + " appears twice");
    if (off % f::kSectionAlignment != 0 || off > have || size > have - off) {
      return Corrupt("section " + name + " out of bounds");
    }
    if (n > size / spec->element_size || n * spec->element_size != size) {
      return Corrupt("section " + name + ": size does not match count");
    }
    if (n > 0xFFFFFFFEu && spec->element_size > 1) {
      return Corrupt("section " + name + ": too many elements");
    }
    found[type] = {true, {p + off, n, f::LoadU32(e + f::kEntryParamOffset)}};
    if (s.section_count_ < s.sections_.size()) {
      s.sections_[s.section_count_++] = {
          type, spec->name, f::LoadU32(e + f::kEntryParamOffset), off, size, n};
    }
  }
  for (const f::SectionSpec& spec : f::kSections) {
    if (!found[spec.type].seen) {
      return Corrupt(std::string("section ") + spec.name + " missing");
    }
  }
  auto get = [&](uint32_t type) { return found[type].array; };
  s.strings_ = get(f::kStrings);
  Array feeds = get(f::kFeeds), set_starts = get(f::kSourceSets),
        entries = get(f::kSourceEntries);
  s.v4_ = get(f::kIpv4Addrs);
  s.v4_sets_ = get(f::kIpv4AddrSets);
  s.v4_index_ = get(f::kIpv4AddrIndex);
  s.v4_nets_ = get(f::kIpv4Nets);
  s.v4_ranges_ = get(f::kIpv4Ranges);
  s.v4_range_index_ = get(f::kIpv4RangeIndex);
  s.v6_ = get(f::kIpv6Addrs);
  s.v6_sets_ = get(f::kIpv6AddrSets);
  s.v6_nets_ = get(f::kIpv6Nets);
  s.v6_ranges_ = get(f::kIpv6Ranges);
  s.v6_range_nets_ = get(f::kIpv6RangeNets);
  s.domains_ = get(f::kDomains);
  s.domain_sets_ = get(f::kDomainSets);
  s.sha_ = get(f::kSha256);
  s.sha_sets_ = get(f::kSha256Sets);

  // Feeds.
  s.feed_count_ = feeds.count;
  if (feeds.count > 0xFFFF) return Corrupt("too many feeds");
  for (uint64_t i = 0; i < feeds.count; ++i) {
    const uint8_t* r = feeds.data + i * f::kFeedRecordSize;
    uint64_t off = f::LoadU32(r + f::kFeedNameOffset);
    uint64_t len = f::LoadU32(r + f::kFeedNameLength);
    if (off > s.strings_.count || len > s.strings_.count - off) {
      return Corrupt("feed " + std::to_string(i) + ": name out of bounds");
    }
    if (r[f::kFeedCategory] >= kIntelCategoryCount ||
        r[f::kFeedFormat] >= kFeedFormatCount) {
      return Corrupt("feed " + std::to_string(i) +
                     ": unknown category or format");
    }
  }
  // Source sets.
  if (set_starts.count < 1 || f::LoadU32(set_starts.data) != 0 ||
      f::LoadU32(set_starts.data + 4 * (set_starts.count - 1)) !=
          entries.count) {
    return Corrupt("source sets do not cover the source entries");
  }
  for (uint64_t i = 0; i + 1 < set_starts.count; ++i) {
    if (f::LoadU32(set_starts.data + 4 * i) >=
        f::LoadU32(set_starts.data + 4 * (i + 1))) {
      return Corrupt("source set " + std::to_string(i) +
                     " is empty or out of order");
    }
  }
  s.set_count_ = set_starts.count - 1;
  if (s.set_count_ > f::kMaxSourceSets) return Corrupt("too many source sets");
  for (uint64_t i = 0; i < entries.count; ++i) {
    uint32_t e = f::LoadU32(entries.data + 4 * i);
    if ((e & 0xFFFF) >= feeds.count ||
        ((e >> 16) & 0xFF) >= kIntelCategoryCount || (e >> 24) != 0) {
      return Corrupt("source entry " + std::to_string(i) + " invalid");
    }
  }
  s.tables_ = {set_starts.data, entries.data, feeds.data, s.strings_.data};

  // Parallel arrays and set ids.
  auto pair_ok = [&](const Array& keys, const Array& sets, const char* what) {
    if (keys.count != sets.count) {
      return Corrupt(std::string(what) + ": key and set counts differ");
    }
    if (!U16sBelow(sets.data, sets.count, uint32_t(s.set_count_))) {
      return Corrupt(std::string(what) + ": set id out of range");
    }
    return Status::Ok();
  };
  PICKET_RETURN_IF_ERROR(pair_ok(s.v4_, s.v4_sets_, "IPV4_ADDRS"));
  PICKET_RETURN_IF_ERROR(pair_ok(s.v6_, s.v6_sets_, "IPV6_ADDRS"));
  PICKET_RETURN_IF_ERROR(pair_ok(s.domains_, s.domain_sets_, "DOMAINS"));
  PICKET_RETURN_IF_ERROR(pair_ok(s.sha_, s.sha_sets_, "SHA256"));

  // CIDR records and ranges.
  // `values`: the CIDR index of each range, `value_stride` bytes apart.
  auto nets_ok = [&](const Array& nets, size_t rec, size_t len_at, int max_len,
                     const Array& ranges, const uint8_t* values,
                     uint64_t value_count, size_t value_stride, size_t key_size,
                     const char* what) {
    for (uint64_t i = 0; i < nets.count; ++i) {
      const uint8_t* r = nets.data + i * rec;
      if (r[len_at] > max_len || f::LoadU16(r + len_at + 2) >= s.set_count_) {
        return Corrupt(std::string(what) + ": record " + std::to_string(i) +
                       " invalid");
      }
    }
    if (ranges.count != value_count) {
      return Corrupt(std::string(what) + ": range counts differ");
    }
    if (nets.count > 0 && ranges.count == 0) {
      return Corrupt(std::string(what) + ": no ranges");
    }
    if (ranges.count > 0) {
      for (size_t b = 0; b < key_size; ++b) {
        if (ranges.data[b] != 0) {
          return Corrupt(std::string(what) + ": ranges do not start at 0");
        }
      }
    }
    for (uint64_t i = 0; i < value_count; ++i) {
      uint32_t v = f::LoadU32(values + value_stride * i);
      if (v != f::kNoNet && v >= nets.count) {
        return Corrupt(std::string(what) + ": range " + std::to_string(i) +
                       " names a missing CIDR");
      }
    }
    return Status::Ok();
  };
  PICKET_RETURN_IF_ERROR(nets_ok(s.v4_nets_, f::kIpv4NetRecordSize, 4, 32,
                                 s.v4_ranges_, s.v4_ranges_.data + 4,
                                 s.v4_ranges_.count, 8, 4, "IPV4_NETS"));
  PICKET_RETURN_IF_ERROR(nets_ok(s.v6_nets_, f::kIpv6NetRecordSize, 16, 128,
                                 s.v6_ranges_, s.v6_range_nets_.data,
                                 s.v6_range_nets_.count, 4, 16, "IPV6_NETS"));

  // Bucket indexes.
  auto index_ok = [&](const Array& index, const Array& keys, const char* what) {
    if (index.param > f::kMaxIndexBits ||
        index.count != (uint64_t{1} << index.param) + 1) {
      return Corrupt(std::string(what) + ": bad index size");
    }
    uint32_t prev = 0;
    for (uint64_t i = 0; i < index.count; ++i) {
      uint32_t v = f::LoadU32(index.data + 4 * i);
      if (v < prev || (i == 0 && v != 0)) {
        return Corrupt(std::string(what) + ": index out of order");
      }
      prev = v;
    }
    if (prev != keys.count) {
      return Corrupt(std::string(what) + ": index does not end at the count");
    }
    return Status::Ok();
  };
  PICKET_RETURN_IF_ERROR(index_ok(s.v4_index_, s.v4_, "IPV4_ADDR_INDEX"));
  PICKET_RETURN_IF_ERROR(
      index_ok(s.v4_range_index_, s.v4_ranges_, "IPV4_RANGE_INDEX"));
  return s;
}

uint64_t IntelStore::count(IndicatorKind kind) const {
  switch (kind) {
    case IndicatorKind::kIpv4:
      return v4_.count;
    case IndicatorKind::kIpv4Net:
      return v4_nets_.count;
    case IndicatorKind::kIpv6:
      return v6_.count;
    case IndicatorKind::kIpv6Net:
      return v6_nets_.count;
    case IndicatorKind::kDomain:
      return domains_.count;
    case IndicatorKind::kSha256:
      return sha_.count;
  }
  return 0;
}

IntelFeedInfo IntelStore::feed(size_t i) const {
  IntelFeedInfo info;
  if (i >= feed_count_) return info;
  const uint8_t* r = tables_.feeds + i * f::kFeedRecordSize;
  info.name = std::string_view(reinterpret_cast<const char*>(strings_.data) +
                                   f::LoadU32(r + f::kFeedNameOffset),
                               f::LoadU32(r + f::kFeedNameLength));
  info.category = static_cast<IntelCategory>(r[f::kFeedCategory]);
  info.format = static_cast<FeedFormat>(r[f::kFeedFormat]);
  const size_t kCountAt[kIndicatorKindCount] = {
      f::kFeedIpv4,     f::kFeedIpv4Nets, f::kFeedIpv6,
      f::kFeedIpv6Nets, f::kFeedDomains,  f::kFeedSha256};
  for (int k = 0; k < kIndicatorKindCount; ++k) {
    info.counts[k] = f::LoadU32(r + kCountAt[k]);
  }
  info.rejected = f::LoadU32(r + f::kFeedRejected);
  return info;
}

IntelMatch IntelStore::NewMatch(IndicatorKind kind,
                                const uint8_t* set_id) const {
  IntelMatch m;
  m.tables_ = tables_;
  m.kind_ = kind;
  m.set_id_ = set_id;
  return m;
}

IntelStore::Bucket IntelStore::FindBucket(const Array& index, uint32_t key) {
  uint32_t bits = index.param;
  size_t bucket = bits == 0 ? 0 : key >> (32 - bits);
  return {f::LoadU32(index.data + 4 * bucket),
          f::LoadU32(index.data + 4 * (bucket + 1))};
}

template <size_t kStride>
int64_t IntelStore::LastAtMost(const Array& keys, Bucket b, uint32_t key) {
  // Branch-free search: the trip count depends only on the bucket size.
  size_t n = b.hi - b.lo;
  if (n == 0) return int64_t{b.lo} - 1;
  const uint8_t* base = keys.data + kStride * size_t{b.lo};
  while (n > 1) {
    size_t half = n / 2;
    base =
        f::LoadU32(base + kStride * half) <= key ? base + kStride * half : base;
    n -= half;
  }
  // `base` is the last key <= key, or the bucket's first key if none is.
  int64_t at = (base - keys.data) / int64_t{kStride};
  return f::LoadU32(base) <= key ? at : at - 1;
}

int64_t IntelStore::LastAtMost16(const Array& keys, const uint8_t* key) {
  size_t lo = 0, n = keys.count;
  while (n > 0) {
    size_t half = n / 2;
    if (std::memcmp(keys.data + 16 * (lo + half), key, 16) <= 0) {
      lo += half + 1;
      n -= half + 1;
    } else {
      n = half;
    }
  }
  return int64_t(lo) - 1;
}

std::optional<IntelMatch> IntelStore::LookupIpv4(uint32_t ip) const {
  if (v4_index_.data == nullptr) return std::nullopt;  // never opened
  // Find both buckets and touch both key runs before searching either, so
  // that their cache misses overlap instead of queueing.
  Bucket exact = FindBucket(v4_index_, ip);
  Bucket range = FindBucket(v4_range_index_, ip);
  if (exact.hi > exact.lo) __builtin_prefetch(v4_.data + 4 * size_t{exact.lo});
  if (range.hi > range.lo) {
    __builtin_prefetch(v4_ranges_.data + 8 * size_t{range.lo});
  }
  int64_t i = LastAtMost<4>(v4_, exact, ip);
  if (i >= 0 && f::LoadU32(v4_.data + 4 * i) == ip) {
    IntelMatch m = NewMatch(IndicatorKind::kIpv4, v4_sets_.data + 2 * i);
    m.key_[0] = uint8_t(ip >> 24), m.key_[1] = uint8_t(ip >> 16);
    m.key_[2] = uint8_t(ip >> 8), m.key_[3] = uint8_t(ip);
    return m;
  }
  int64_t r = LastAtMost<8>(v4_ranges_, range, ip);
  if (r < 0) return std::nullopt;
  uint32_t net = f::LoadU32(v4_ranges_.data + 8 * r + 4);
  if (net == f::kNoNet) return std::nullopt;
  const uint8_t* rec = v4_nets_.data + f::kIpv4NetRecordSize * size_t{net};
  IntelMatch m = NewMatch(IndicatorKind::kIpv4Net, rec + 6);
  m.net_record_ = rec;
  return m;
}

std::optional<IntelMatch> IntelStore::LookupIpv6(
    const std::array<uint8_t, 16>& a) const {
  if (v6_.count > 0) {
    int64_t i = LastAtMost16(v6_, a.data());
    if (i >= 0 && std::memcmp(v6_.data + 16 * i, a.data(), 16) == 0) {
      IntelMatch m = NewMatch(IndicatorKind::kIpv6, v6_sets_.data + 2 * i);
      std::copy(a.begin(), a.end(), m.key_.begin());
      return m;
    }
  }
  if (v6_ranges_.count == 0) return std::nullopt;
  int64_t r = LastAtMost16(v6_ranges_, a.data());
  if (r < 0) return std::nullopt;
  uint32_t net = f::LoadU32(v6_range_nets_.data + 4 * r);
  if (net == f::kNoNet) return std::nullopt;
  const uint8_t* rec = v6_nets_.data + f::kIpv6NetRecordSize * size_t{net};
  IntelMatch m = NewMatch(IndicatorKind::kIpv6Net, rec + 18);
  m.net_record_ = rec;
  return m;
}

std::optional<IntelMatch> IntelStore::LookupIp(const IpAddress& a) const {
  if (a.is_v4()) return LookupIpv4(a.v4());
  if (!a.is_v6()) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0,    0,
                                          0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(a.bytes.data(), kMapped, 12) == 0) {
    return LookupIpv4(uint32_t(a.bytes[12]) << 24 |
                      uint32_t(a.bytes[13]) << 16 | uint32_t(a.bytes[14]) << 8 |
                      a.bytes[15]);
  }
  return LookupIpv6(a.bytes);
}

std::optional<IntelMatch> IntelStore::LookupDomain(
    std::string_view name) const {
  if (domains_.count == 0) return std::nullopt;
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return std::nullopt;
  char buf[253];
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  }
  std::string_view norm(buf, name.size());
  // The whole name, then each parent that still has a dot.
  size_t start = 0;
  while (true) {
    std::string_view suffix = norm.substr(start);
    if (suffix.find('.') == std::string_view::npos) return std::nullopt;
    uint64_t h = Xxh64(suffix.data(), suffix.size(), f::kDomainHashSeed);
    size_t lo = 0, n = domains_.count;
    while (n > 0) {
      size_t half = n / 2;
      if (f::LoadU64(domains_.data + 8 * (lo + half)) < h) {
        lo += half + 1;
        n -= half + 1;
      } else {
        n = half;
      }
    }
    if (lo < domains_.count && f::LoadU64(domains_.data + 8 * lo) == h) {
      IntelMatch m =
          NewMatch(IndicatorKind::kDomain, domain_sets_.data + 2 * lo);
      m.domain_ = std::string(suffix);
      return m;
    }
    start = norm.find('.', start) + 1;
  }
}

std::optional<IntelMatch> IntelStore::LookupSha256(
    const std::array<uint8_t, 32>& digest) const {
  size_t lo = 0, n = sha_.count;
  while (n > 0) {
    size_t half = n / 2;
    if (std::memcmp(sha_.data + 32 * (lo + half), digest.data(), 32) < 0) {
      lo += half + 1;
      n -= half + 1;
    } else {
      n = half;
    }
  }
  if (lo >= sha_.count || std::memcmp(sha_.data + 32 * lo, digest.data(), 32)) {
    return std::nullopt;
  }
  IntelMatch m = NewMatch(IndicatorKind::kSha256, sha_sets_.data + 2 * lo);
  m.key_ = digest;
  return m;
}

std::optional<IntelMatch> IntelStore::LookupSha256(std::string_view hex) const {
  std::array<uint8_t, 32> digest;
  if (!ParseSha256Hex(hex, &digest)) return std::nullopt;
  return LookupSha256(digest);
}

}  // namespace picket

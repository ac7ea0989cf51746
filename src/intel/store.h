// IntelStore: read-only lookups over a compiled intel file image.
//
// The store is a view: it holds pointers into the bytes it was opened on
// and copies nothing, so opening a 12 MB file costs one checksum pass. The
// caller keeps the bytes alive (and unchanged) for as long as the store and
// any IntelMatch from it are used; on Linux, IntelFile (linux/intel_file.h)
// owns an mmap for that. Open validates the header, version, checksum and
// every bound a lookup relies on (docs/intel-format.md, "What a reader
// checks"), so no lookup can read outside the bytes, whatever they hold.
//
// All lookups are const, allocation-free on a miss, and safe to call from
// any number of threads at once.
#ifndef PICKET_INTEL_STORE_H_
#define PICKET_INTEL_STORE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "intel/feed.h"
#include "intel/indicator.h"
#include "picket/status.h"

namespace picket {

// One feed that listed a matched indicator, and the category it gave it.
struct IntelSource {
  std::string_view feed;  // points into the store's bytes
  IntelCategory category = IntelCategory::kUnknown;
};

// What a lookup found. Valid while the store's bytes are.
class IntelMatch {
 public:
  IndicatorKind kind() const { return kind_; }
  // The indicator that matched, canonical: "192.0.2.1", "192.0.2.0/24",
  // "2001:db8::/32", "pool.example" (the listed suffix of the query), or 64
  // lower-case hex digits.
  std::string indicator() const;
  // Every (feed, category) that listed it, in feed order; at least one.
  size_t source_count() const;
  IntelSource source(size_t i) const;
  // Shorthands for source(0).
  std::string_view feed() const { return source(0).feed; }
  IntelCategory category() const { return source(0).category; }

 private:
  friend class IntelStore;
  struct Tables {
    const uint8_t* set_starts = nullptr;
    const uint8_t* entries = nullptr;
    const uint8_t* feeds = nullptr;
    const uint8_t* strings = nullptr;
  };
  // Everything past the kind is read from the file when asked for, so a
  // lookup that hits costs no more memory traffic than one that misses.
  Tables tables_;
  IndicatorKind kind_ = IndicatorKind::kIpv4;
  const uint8_t* set_id_ = nullptr;      // the indicator's u16 set id
  const uint8_t* net_record_ = nullptr;  // for *_Net: its NETS record
  std::array<uint8_t, 32> key_{};        // address bytes or digest
  std::string domain_;
};

// Per-feed figures recorded by the compiler.
struct IntelFeedInfo {
  std::string_view name;
  FeedFormat format = FeedFormat::kPlain;
  IntelCategory category = IntelCategory::kUnknown;
  std::array<uint32_t, kIndicatorKindCount> counts{};  // by IndicatorKind
  uint32_t rejected = 0;
};

struct IntelSectionInfo {
  uint32_t type = 0;
  std::string_view name;
  uint32_t param = 0;
  uint64_t offset = 0, size = 0, count = 0;
};

class IntelStore {
 public:
  // An empty store: every lookup misses.
  IntelStore() = default;

  // Validates `bytes` as a compiled intel file and returns a view over it.
  // Corruption (with what is wrong: "truncated: header says 1234 bytes, have
  // 1000", "checksum mismatch", "section IPV4_ADDRS out of bounds", ...) or
  // NotSupported for another format version.
  static Result<IntelStore> Open(std::span<const uint8_t> bytes);

  // Exact address first, else the longest CIDR containing it. An
  // IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up as IPv4.
  std::optional<IntelMatch> LookupIp(const IpAddress& address) const;
  std::optional<IntelMatch> LookupIpv4(uint32_t address) const;
  // Normalises `name` (lower case, trailing dot) and returns the most
  // specific listed name that equals it or is a parent of it.
  std::optional<IntelMatch> LookupDomain(std::string_view name) const;
  // 64 hex digits, either case; nullopt for anything else.
  std::optional<IntelMatch> LookupSha256(std::string_view hex) const;
  std::optional<IntelMatch> LookupSha256(
      const std::array<uint8_t, 32>& digest) const;

  // Header and contents.
  uint32_t version() const { return version_; }
  uint64_t created_unix() const { return created_; }
  uint64_t file_size() const { return size_; }
  uint64_t checksum() const { return checksum_; }
  // Unique indicators of a kind.
  uint64_t count(IndicatorKind kind) const;
  size_t source_set_count() const { return set_count_; }
  size_t feed_count() const { return feed_count_; }
  IntelFeedInfo feed(size_t i) const;
  std::span<const IntelSectionInfo> sections() const {
    return {sections_.data(), section_count_};
  }

 private:
  struct Array {
    const uint8_t* data = nullptr;
    uint64_t count = 0;
    uint32_t param = 0;
  };
  // Keys [lo, hi) of a u32 array share the top bits of `key`.
  struct Bucket {
    uint32_t lo, hi;
  };
  static Bucket FindBucket(const Array& index, uint32_t key);
  // Index of the last key <= `key`, searching bucket `b` (-1: none at all;
  // lo - 1 when the answer lies before the bucket).
  // kStride: bytes from one key to the next (the key is the first u32).
  template <size_t kStride>
  static int64_t LastAtMost(const Array& keys, Bucket b, uint32_t key);
  // Same over 16-byte keys, plain binary search.
  static int64_t LastAtMost16(const Array& keys, const uint8_t* key);
  IntelMatch NewMatch(IndicatorKind kind, const uint8_t* set_id) const;
  std::optional<IntelMatch> LookupIpv6(const std::array<uint8_t, 16>& a) const;

  uint32_t version_ = 0;
  uint64_t created_ = 0, size_ = 0, checksum_ = 0;
  size_t feed_count_ = 0, set_count_ = 0;
  IntelMatch::Tables tables_;
  Array strings_, v4_, v4_sets_, v4_index_, v4_nets_, v4_ranges_,
      v4_range_index_, v6_, v6_sets_, v6_nets_, v6_ranges_, v6_range_nets_,
      domains_, domain_sets_, sha_, sha_sets_;
  std::array<IntelSectionInfo, 32> sections_{};
  size_t section_count_ = 0;
};

}  // namespace picket

#endif  // PICKET_INTEL_STORE_H_

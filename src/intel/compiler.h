// IntelCompiler: indicators from any number of feeds -> one compiled intel
// file image (docs/intel-format.md).
//
// Register each feed with AddFeed, hand its parser the sink from Sink(feed)
// (or call Add directly), then Build. Indicators listed several times, by
// one feed or many, are stored once with the set of (feed, category) pairs
// that listed them. The compiler holds every indicator in memory until Build
// (about 12 bytes per IPv4 address); it is single-threaded and not reused
// after Build.
#ifndef PICKET_INTEL_COMPILER_H_
#define PICKET_INTEL_COMPILER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "intel/feed.h"
#include "intel/indicator.h"
#include "picket/status.h"

namespace picket {

class IntelCompiler {
 public:
  IntelCompiler();
  ~IntelCompiler();
  IntelCompiler(const IntelCompiler&) = delete;
  IntelCompiler& operator=(const IntelCompiler&) = delete;

  // Registers a feed and returns its index (0, 1, ...). A name seen before
  // returns the earlier index: files with the same feed name are one feed
  // (its format and category are the first file's). Fails with
  // InvalidArgument on an empty or over-long (> 255 bytes) name, and
  // ResourceExhausted beyond 65,535 feeds.
  Result<uint16_t> AddFeed(std::string_view name, FeedFormat format,
                           IntelCategory default_category);
  // Adds to the count of malformed lines the feed had (`intel info`).
  void SetRejected(uint16_t feed, size_t rejected);

  // Adds one indicator listed by `feed` (an index from AddFeed).
  void Add(uint16_t feed, const Indicator& indicator);

  // A sink that Adds to `feed`; owned by the compiler, valid until it dies.
  IndicatorSink* Sink(uint16_t feed);

  // Unique indicators added so far (before merging across feeds: an exact
  // count needs Build).
  size_t added() const { return added_; }

  // Builds the file image. `created_unix` goes into the header. Fails with
  // ResourceExhausted when more than 65,535 distinct (feed, category)
  // combinations, or more than 2^32 - 2 indicators of one kind, would be
  // needed.
  Result<std::vector<uint8_t>> Build(uint64_t created_unix);

 private:
  class FeedSink;
  struct Feed {
    std::string name;
    FeedFormat format;
    IntelCategory category;
    uint32_t rejected = 0;
    std::array<uint32_t, kIndicatorKindCount> counts{};
  };
  // Source = feed << 8 | category: sorts by feed first.
  struct V4 {
    uint32_t ip;
    uint32_t source;
  };
  struct V4Net {
    uint32_t net;
    uint8_t len;
    uint32_t source;
  };
  struct V6 {
    std::array<uint8_t, 16> ip;
    uint8_t len;  // 128 for addresses
    uint32_t source;
  };
  struct Hash64 {
    uint64_t hash;
    uint32_t source;
  };
  struct Sha {
    std::array<uint8_t, 32> digest;
    uint32_t source;
  };

  std::vector<Feed> feeds_;
  std::vector<std::unique_ptr<FeedSink>> sinks_;
  std::vector<V4> v4_;
  std::vector<V4Net> v4_nets_;
  std::vector<V6> v6_;
  std::vector<V6> v6_nets_;
  std::vector<Hash64> domains_;
  std::vector<Sha> sha_;
  size_t added_ = 0;
};

// Convenience for tests, benchmarks and the fuzzer: parses each (text,
// format, name, category) feed and builds the image.
struct FeedInput {
  std::string_view text;
  FeedFormat format = FeedFormat::kPlain;
  std::string name;
  IntelCategory category = IntelCategory::kUnknown;
  bool keep_special = false;  // FeedReport::keep_special
};
Result<std::vector<uint8_t>> CompileFeeds(const std::vector<FeedInput>& feeds,
                                          uint64_t created_unix,
                                          std::vector<FeedReport>* reports);

}  // namespace picket

#endif  // PICKET_INTEL_COMPILER_H_

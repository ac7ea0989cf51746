// libFuzzer target for the feed parsers. The first byte picks the format
// (byte % 11: the ten formats, or 10 = detect from the content); the rest is
// the feed text. Beyond not crashing, the parsers must keep their report
// consistent, and every indicator they emit must compile into a file that
// opens and finds it again. Build with
//   clang++ -std=c++20 -fsanitize=fuzzer,address,undefined -Isrc -Iinclude
//     src/intel/feed_fuzz.cc src/core/ip_address.cc src/core/status.cc
//     $(ls src/intel/*.cc | grep -v -E '_(test|fuzz)\.cc$')
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "intel/compiler.h"
#include "intel/feed.h"
#include "intel/store.h"

namespace {

class Collect : public picket::IndicatorSink {
 public:
  void Add(const picket::Indicator& i) override { all.push_back(i); }
  std::vector<picket::Indicator> all;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picket;  // NOLINT: a fuzz target's one function
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  FeedFormat format = FeedFormat(data[0] % (kFeedFormatCount + 1));
  if (data[0] % (kFeedFormatCount + 1) == kFeedFormatCount) {
    std::string why;
    if (!DetectFeedFormat(text, &format, &why)) {
      if (why.empty()) __builtin_trap();
      return 0;
    }
  }
  Collect sink;
  FeedReport report;
  report.source = "f";
  ParseFeed(text, format, IntelCategory::kUnknown, &sink, &report);
  if (report.accepted_total() != sink.all.size()) __builtin_trap();
  if (report.errors.size() > kMaxReportedErrors) __builtin_trap();
  if (report.errors.size() > report.rejected) __builtin_trap();
  if (report.skipped_by_reason.size() > kMaxSkipReasons + 1) __builtin_trap();
  for (const FeedLineError& e : report.errors) {
    if (e.excerpt.size() > 80 || e.reason.empty()) __builtin_trap();
    if (report.Format(e).find('\n') != std::string::npos) __builtin_trap();
  }

  IntelCompiler compiler;
  if (!compiler.AddFeed("f", format, IntelCategory::kUnknown).ok()) {
    __builtin_trap();
  }
  for (const Indicator& i : sink.all) compiler.Add(0, i);
  Result<std::vector<uint8_t>> image = compiler.Build(0);
  if (!image.ok()) __builtin_trap();
  Result<IntelStore> store = IntelStore::Open(*image);
  if (!store.ok()) __builtin_trap();
  for (const Indicator& i : sink.all) {
    std::optional<IntelMatch> m;
    switch (i.kind) {
      case IndicatorKind::kIpv4:
      case IndicatorKind::kIpv4Net:
        m = store->LookupIpv4(i.ipv4);
        break;
      case IndicatorKind::kIpv6:
      case IndicatorKind::kIpv6Net:
        m = store->LookupIp(IpAddress::V6(i.ipv6));
        break;
      case IndicatorKind::kDomain:
        m = store->LookupDomain(i.domain);
        break;
      case IndicatorKind::kSha256:
        m = store->LookupSha256(i.sha256);
        break;
    }
    if (!m || m->source_count() == 0 || m->feed() != "f") __builtin_trap();
  }
  return 0;
}

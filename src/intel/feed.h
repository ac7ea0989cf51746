// Threat-intelligence feed parsers.
//
// ParseFeed turns the text of one feed file, in one of the formats below,
// into Indicators handed to an IndicatorSink, and fills a FeedReport: how
// many indicators of each kind were accepted, how many entries were skipped
// because they are not something picket stores (URL paths, ASNs, MD5
// hashes...), and how many lines were malformed, with the first few as
// "file:line: reason". A malformed line never stops parsing. The parsers are
// pure functions over the text (no file system, no clock), so they are
// fuzzable and tested on the real feed files in ../shared/data/intel. The
// exact rules per format are in docs/intel.md.
#ifndef PICKET_INTEL_FEED_H_
#define PICKET_INTEL_FEED_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "intel/indicator.h"

namespace picket {

// The numbers are stored in compiled files (FEEDS record) and never change.
enum class FeedFormat : uint8_t {
  kPlain = 0,      // IP / CIDR / domain / hash lists: FireHOL, Spamhaus, ...
  kHosts = 1,      // "0.0.0.0 domain"
  kAdblock = 2,    // "||domain^"
  kMaltrail = 3,   // maltrail trails: domains, ip:port, CIDR, URL paths
  kCsv = 4,        // abuse.ch CSV exports (columns chosen by header name)
  kJson = 5,       // abuse.ch JSON (Feodo Tracker, ThreatFox, URLhaus)
  kStix = 6,       // STIX 2.x bundle, indicator patterns
  kMisp = 7,       // MISP event JSON, attributes
  kSuricata = 8,   // Suricata/Snort rules with literal IP lists (ET Open)
  kDataplane = 9,  // DataPlane.org "ASN | name | ip | time | category"
};
inline constexpr int kFeedFormatCount = 10;

// "plain", "hosts", "adblock", "maltrail", "csv", "json", "stix", "misp",
// "suricata", "dataplane".
std::string_view FeedFormatName(FeedFormat format);
bool ParseFeedFormat(std::string_view name, FeedFormat* out);

// Recognises the format from the content. Returns false, with a reason in
// *why, for content that is none of the formats (binary data, JSON that is
// neither STIX, MISP nor abuse.ch, newline-delimited JSON).
bool DetectFeedFormat(std::string_view text, FeedFormat* out, std::string* why);

// Receives every accepted indicator, in file order. Duplicates are passed
// on; the compiler merges them.
class IndicatorSink {
 public:
  virtual ~IndicatorSink() = default;
  virtual void Add(const Indicator& indicator) = 0;
};

struct FeedLineError {
  size_t line = 0;      // 1-based line in the feed file
  std::string reason;   // "invalid IPv4 address"
  std::string excerpt;  // the offending text, at most 80 bytes
};

inline constexpr size_t kMaxReportedErrors = 20;
inline constexpr size_t kMaxSkipReasons = 32;

struct FeedReport {
  std::string source;  // name used in messages (the file path)
  // Input: keep special-purpose CIDRs and sink addresses (intel/special.h)
  // instead of dropping them (`picket intel compile --keep-special`).
  bool keep_special = false;
  FeedFormat format = FeedFormat::kPlain;
  size_t lines = 0;  // lines in the file
  size_t accepted[kIndicatorKindCount] = {};
  size_t skipped = 0;
  std::map<std::string, size_t> skipped_by_reason;
  size_t rejected = 0;
  // Valid indicators left out by intel hygiene (intel/special.h): CIDRs in
  // or over special-purpose ranges, and sink or broadcast addresses.
  size_t dropped_special = 0;
  size_t dropped_sink = 0;
  std::vector<FeedLineError> errors;  // the first kMaxReportedErrors

  size_t accepted_total() const;
  size_t accepted_of(IndicatorKind kind) const {
    return accepted[static_cast<int>(kind)];
  }
  // Counts a malformed entry; keeps its detail while fewer than
  // kMaxReportedErrors are kept.
  void Reject(size_t line, std::string_view reason, std::string_view text);
  // Counts an entry that is valid but not an indicator picket stores.
  void Skip(std::string_view reason);
  // "source:line: reason: excerpt".
  std::string Format(const FeedLineError& error) const;
};

// Parses `text` as `format`. Each indicator gets the category the feed
// entry names where the format has one (STIX "compromised", abuse.ch
// "threat_type"), else `default_category`; a SHA-256 in an uncategorised
// feed becomes kMalware. report->source is used in messages and not
// changed; the counters are added to.
void ParseFeed(std::string_view text, FeedFormat format,
               IntelCategory default_category, IndicatorSink* sink,
               FeedReport* report);

// Internal per-format entry points, exposed for the tests.
namespace feed_internal {

// Calls `sink->Add` with `category` filled in and counts the kind; unless
// report->keep_special, drops and counts what intel hygiene leaves out.
void Emit(Indicator* indicator, IntelCategory category, IndicatorSink* sink,
          FeedReport* report);
// Classifies `token` and emits, skips or rejects it at `line`.
void HandleToken(std::string_view token, size_t line, IntelCategory category,
                 IndicatorSink* sink, FeedReport* report);
void ParseJsonFeed(std::string_view text, FeedFormat format,
                   IntelCategory category, IndicatorSink* sink,
                   FeedReport* report);

}  // namespace feed_internal

}  // namespace picket

#endif  // PICKET_INTEL_FEED_H_

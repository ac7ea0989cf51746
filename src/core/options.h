// Options: how a part declares its configuration, once, next to its code.
//
// Every configuration struct (a collector's, a detector's, a sink's, the
// engine's) lists its options in one member template:
//
//   struct FooDetectorConfig {
//     bool enabled = true;
//     uint32_t threshold = 10;
//     template <typename V>
//     void Options(V& v) {
//       v.Bool("enabled", &enabled, "run the detector");
//       v.Int("threshold", &threshold, {2, 1000}, "events that alert");
//     }
//   };
//
// The default is the member's initialiser; the key, the kind, the range
// (with a tighter bound for remote configuration where a value costs
// memory) and a one-line description are the call. Everything that needs
// to know the options walks these declarations with a visitor: the YAML
// reader (core/config.cc, which gives every error its file, line and key),
// remote configuration, `picket check-config`, DescribeConfig and
// ListOptions (core/config.h), which the tests use to check that the
// shipped config/picket.yaml and docs/configuration.md name every key with
// its default. A nested mapping is v.Section("batch", &batch, "doc").
//
// A visitor is any type with these members (T is the field's type):
//   Bool(key, bool*, doc)
//   Int(key, T*, IntRange, doc)           T: an integer type
//   Duration(key, int64_t*, DurationRange, doc)   milliseconds
//   Size(key, uint64_t*, SizeRange, doc)  bytes
//   String(key, std::string*, StringKind, doc)
//   Enum(key, std::string*, Choices, doc)
//   StringList(key, std::vector<std::string>*, StringKind, doc)
//   Section(key, S*, doc)                 S has Options()
//
// Portable: only the standard library.
#ifndef PICKET_CORE_OPTIONS_H_
#define PICKET_CORE_OPTIONS_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace picket {

inline constexpr int64_t kMsPerSecond = 1000;
inline constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
inline constexpr int64_t kMsPerDay = 86400 * kMsPerSecond;

// Every duration is bounded: beyond a month an interval means "never", and
// deadlines computed as now + interval must not overflow.
inline constexpr int64_t kMaxDurationMs = 30 * kMsPerDay;

// An integer's bounds. `remote_max` (0: the same as `max`) is the tighter
// upper bound a remote configuration is held to.
struct IntRange {
  int64_t min;
  int64_t max;
  int64_t remote_max = 0;
};

struct DurationRange {
  int64_t min_ms = 0;
  bool zero_disables = false;  // 0 is accepted below min_ms and means "off"
  int64_t max_ms = kMaxDurationMs;
};

// A size's bounds; `remote_max` as for IntRange.
struct SizeRange {
  uint64_t min;
  uint64_t max;
  uint64_t remote_max = 0;
};

// kOptional*: "" is accepted and means "not set". kAddressOrDomain: an IP
// address, a CIDR or a domain name (intel/allow_list.h).
enum class StringKind {
  kNonEmpty,
  kAbsolutePath,
  kOptional,
  kOptionalPath,
  kAddressOrDomain,
};

using Choices = std::initializer_list<std::string_view>;

}  // namespace picket

#endif  // PICKET_CORE_OPTIONS_H_

// The YAML form of a baseline (docs/baselines.md): strict reading, with
// every error as "<file>:<line>: <key.path>: <what is wrong>", and writing
// (learned and merged baselines, with comments for the reviewer). Host
// only (yaml-cpp).
#ifndef PICKET_DETECTORS_BASELINE_BASELINE_YAML_H_
#define PICKET_DETECTORS_BASELINE_BASELINE_YAML_H_

#include <string>
#include <string_view>
#include <vector>

#include "detectors/baseline/baseline.h"
#include "picket/status.h"

namespace picket::baseline {

inline constexpr size_t kMaxBaselineFileBytes = 8 << 20;

// Parses one baseline document. On failure: InvalidArgument listing every
// error, one per line.
Result<Baseline> ParseBaseline(std::string_view yaml_text,
                               std::string_view file_name);

// The document for `b`, which ParseBaseline reads back as `b`.
std::string WriteBaseline(const Baseline& b, const WriteNotes& notes = {});

}  // namespace picket::baseline

#endif  // PICKET_DETECTORS_BASELINE_BASELINE_YAML_H_

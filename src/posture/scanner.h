// Scanner: runs a policy's checks against a Host and scores the result.
//
// RunScan evaluates every check in policy order (one ScanContext shares the
// facts between them), so a check that cannot be evaluated yields an error
// result and the scan goes on. It blocks for as long as the scan takes
// (typically well under a second; a file-system walk dominates): the CLI
// calls it directly, the agent on a worker thread with pacing. The report
// points into the Policy, which must outlive it.
#ifndef PICKET_POSTURE_SCANNER_H_
#define PICKET_POSTURE_SCANNER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "posture/host.h"
#include "posture/policy.h"

namespace picket {

struct CheckResult {
  const Check* check = nullptr;
  Verdict verdict = Verdict::kPass;
  std::vector<std::string> evidence;
  std::string reason;  // kError only
};

struct ScanCounts {
  uint32_t passed = 0;
  uint32_t failed = 0;
  uint32_t not_applicable = 0;
  uint32_t errors = 0;
};

struct ScanReport {
  const Policy* policy = nullptr;
  std::string root;
  std::string os_id;       // from os-release ("linux" when absent)
  std::string os_version;  // VERSION_ID
  std::string os_name;     // PRETTY_NAME
  // False when the policy's applies_to excludes this OS: every check is
  // then not applicable, and `not_applicable_reason` says why.
  bool applicable = true;
  std::string not_applicable_reason;
  std::vector<CheckResult> results;  // policy order
  ScanCounts counts;
  uint32_t score = 100;  // see ComputeScore
  int64_t started_ns = 0;
  int64_t duration_ms = 0;
  bool cancelled = false;
};

struct ScanOptions {
  // Sleep between two checks, and 1 ms per ~1000 files walked or per
  // password hash tried: spreads a scan's CPU use thin (agent). 0: full
  // speed (CLI).
  int64_t pause_ms = 0;
  // When set and true, the scan stops early; unevaluated checks are errors
  // and `cancelled` is set.
  const std::atomic<bool>* cancel = nullptr;
  // Check ids to run; empty: every check.
  std::vector<std::string> only;
};

ScanReport RunScan(const Policy& policy, const Host& host,
                   const ScanOptions& options);

// Weight of a check in the score: critical 10, high 5, medium 3, low 1,
// info 0.
uint32_t SeverityWeight(Severity severity);

// 100 * (weight of passed checks) / (weight of passed + failed + error
// checks), rounded down; not applicable checks do not count. 100 when
// nothing counts.
uint32_t ComputeScore(const std::vector<CheckResult>& results);

ScanCounts CountResults(const std::vector<CheckResult>& results);

}  // namespace picket

#endif  // PICKET_POSTURE_SCANNER_H_

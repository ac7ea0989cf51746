// Rule evaluation: turns a check's condition into a verdict with evidence.
//
// One evaluator per rule kind of the policy (file, sysctl, accounts,
// listening, ...), combined by the all/any/not tree of a condition. The
// evaluators reach the system only through the scan's ScanContext
// (posture/scan_context.h): facts that several rules share come from its
// cache, and what one rule alone needs (a file's mode or content, a sysctl,
// a command's output) is read through its Host. They keep no state and run
// on the thread that owns the context.
#ifndef PICKET_POSTURE_RULES_H_
#define PICKET_POSTURE_RULES_H_

#include <cstddef>
#include <string>
#include <vector>

#include "posture/policy.h"
#include "posture/scan_context.h"

namespace picket {

// At most this many evidence lines per check; the rest is summarised.
inline constexpr size_t kMaxEvidenceLines = 20;

// What decided a rule, a condition or a check.
struct Outcome {
  Verdict verdict = Verdict::kPass;
  std::vector<std::string> evidence;
  std::string reason;  // kError: why it could not be evaluated
};

// Evaluates a condition tree:
//  all: fail if any child fails, else error if any errs, else not
//       applicable if every child is, else pass;
//  any: pass if any child passes, else error if any errs, else fail if any
//       fails, else not applicable;
//  not: swaps pass and fail; error and not applicable stay.
Outcome Evaluate(const Condition& condition, ScanContext& ctx);

// Evaluates a check: its applies_if (a false one makes the check not
// applicable), then its condition. Evidence is capped at kMaxEvidenceLines.
Outcome EvaluateCheck(const Check& check, ScanContext& ctx);

}  // namespace picket

#endif  // PICKET_POSTURE_RULES_H_

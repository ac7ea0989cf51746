// Report formatters for a ScanReport: a table for a terminal, JSON for
// scripts, and SARIF 2.1.0 for code-scanning dashboards. Pure functions
// returning the whole text (a report is a few tens of KiB).
#ifndef PICKET_POSTURE_REPORT_H_
#define PICKET_POSTURE_REPORT_H_

#include <string>

#include "posture/scanner.h"

namespace picket {

struct TableOptions {
  bool color = false;  // ANSI colours (for a terminal)
  size_t width = 80;   // wrap remediation text at this column
};

// Grouped by severity, critical first; within a group failed checks first
// (with evidence and remediation), then errors (with the reason), then
// passed and not applicable checks, one line each.
std::string FormatTable(const ScanReport& report, const TableOptions& options);

// One JSON object: policy, target, score, counts and every result with its
// text, evidence and references. Schema in docs/posture.md.
std::string FormatJson(const ScanReport& report);

// A SARIF 2.1.0 log with one run: each check is a reportingDescriptor
// (rule) and each result carries kind pass/fail/notApplicable/open (open:
// an error, the check could not decide) and, for failures, a level from
// the severity.
std::string FormatSarif(const ScanReport& report);

}  // namespace picket

#endif  // PICKET_POSTURE_REPORT_H_

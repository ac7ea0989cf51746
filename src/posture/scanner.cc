#include "posture/scanner.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "posture/rules.h"

namespace picket {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    if (!out.empty()) out += ", ";
    out += id;
  }
  return out;
}

}  // namespace

uint32_t SeverityWeight(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return 10;
    case Severity::kHigh:
      return 5;
    case Severity::kMedium:
      return 3;
    case Severity::kLow:
      return 1;
    case Severity::kInfo:
      return 0;
  }
  return 0;
}

uint32_t ComputeScore(const std::vector<CheckResult>& results) {
  uint64_t passed = 0, total = 0;
  for (const CheckResult& r : results) {
    if (r.verdict == Verdict::kNotApplicable) continue;
    uint32_t w = SeverityWeight(r.check->severity);
    total += w;
    if (r.verdict == Verdict::kPass) passed += w;
  }
  if (total == 0) return 100;
  return static_cast<uint32_t>(passed * 100 / total);
}

ScanCounts CountResults(const std::vector<CheckResult>& results) {
  ScanCounts c;
  for (const CheckResult& r : results) {
    switch (r.verdict) {
      case Verdict::kPass:
        ++c.passed;
        break;
      case Verdict::kFail:
        ++c.failed;
        break;
      case Verdict::kNotApplicable:
        ++c.not_applicable;
        break;
      case Verdict::kError:
        ++c.errors;
        break;
    }
  }
  return c;
}

ScanReport RunScan(const Policy& policy, const Host& host,
                   const ScanOptions& options) {
  ScanReport report;
  report.policy = &policy;
  report.root = host.root();
  report.started_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  int64_t start_ms = NowMs();
  auto cancelled = [&] {
    return options.cancel != nullptr && options.cancel->load();
  };
  ScanContext ctx(host, [&] {
    if (cancelled()) return false;
    if (options.pause_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  });

  const auto& os = ctx.Os();
  if (os.ok()) {
    report.os_id = os->id;
    report.os_version = os->version_id;
    report.os_name = os->pretty_name;
    if (!policy.os_ids.empty()) {
      bool id_ok = std::find(policy.os_ids.begin(), policy.os_ids.end(),
                             os->id) != policy.os_ids.end();
      for (const std::string& like : os->id_like) {
        if (std::find(policy.os_ids.begin(), policy.os_ids.end(), like) !=
            policy.os_ids.end()) {
          id_ok = true;
        }
      }
      if (!id_ok) {
        report.applicable = false;
        report.not_applicable_reason = "policy applies to " +
                                       JoinIds(policy.os_ids) + "; this is " +
                                       os->id;
      }
    }
    if (report.applicable && !policy.versions.empty() &&
        std::none_of(policy.versions.begin(), policy.versions.end(),
                     [&](const std::string& v) {
                       return os->version_id.starts_with(v);
                     })) {
      report.applicable = false;
      report.not_applicable_reason = "policy applies to versions " +
                                     JoinIds(policy.versions) + "; this is " +
                                     os->id + " " + os->version_id;
    }
  }

  bool first = true;
  for (const Check& check : policy.checks) {
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), check.id) ==
            options.only.end()) {
      continue;
    }
    CheckResult result;
    result.check = &check;
    if (!report.applicable) {
      result.verdict = Verdict::kNotApplicable;
      result.evidence.push_back(report.not_applicable_reason);
    } else if (cancelled()) {
      result.verdict = Verdict::kError;
      result.reason = "scan cancelled";
      report.cancelled = true;
    } else {
      if (!first && options.pause_ms > 0) {
        std::this_thread::sleep_for(
            std::chrono::milliseconds(options.pause_ms));
      }
      first = false;
      Outcome out = EvaluateCheck(check, ctx);
      result.verdict = out.verdict;
      result.evidence = std::move(out.evidence);
      result.reason = std::move(out.reason);
    }
    report.results.push_back(std::move(result));
  }
  report.counts = CountResults(report.results);
  report.score = ComputeScore(report.results);
  report.duration_ms = NowMs() - start_ms;
  return report;
}

}  // namespace picket

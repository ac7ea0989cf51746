#include "posture/posture_collector.h"

#include <cstdio>
#include <sstream>
#include <utility>

#include "platform/linux/files.h"
#include "posture/host.h"

namespace picket {

// What a worker job hands back to the loop thread. The policy is held so
// the report's check pointers stay valid whatever happens to the collector.
struct PostureCollector::Job {
  std::shared_ptr<const Policy> policy;
  std::shared_ptr<std::atomic<bool>> cancel;
  Status status;  // the host could not be opened
  ScanReport report;
};

namespace {

Priority PriorityOf(const Check& check, Verdict verdict) {
  if (verdict != Verdict::kFail) return Priority::kLow;
  return check.severity >= Severity::kHigh ? Priority::kHigh
                                           : Priority::kMedium;
}

}  // namespace

PostureCollector::PostureCollector(PostureConfig config, std::string root,
                                   const Clock* clock, std::string state_file)
    : config_(std::move(config)),
      root_(std::move(root)),
      clock_(clock),
      state_file_(std::move(state_file)),
      rng_(std::random_device{}()) {}

// The file: a first line "picket-posture 1 <policy id>", then one
// "<check id> <verdict>" line per check. Anything else (another policy, a
// damaged file) is ignored: the next scan is then a full report again.
void PostureCollector::LoadVerdicts(const std::string& policy_id) {
  if (state_file_.empty()) return;
  std::string dir_path, name;
  SplitPath(state_file_, &dir_path, &name);
  Result<StateDir> dir = StateDir::Open(dir_path);
  if (!dir.ok()) return;
  Result<std::string> text = dir->ReadFile(name, 4 << 20);
  if (!text.ok()) return;
  std::istringstream in(*text);
  std::string header;
  if (!in || !std::getline(in, header) ||
      header != "picket-posture 1 " + policy_id) {
    return;
  }
  std::map<std::string, std::string> verdicts;
  std::string line;
  while (std::getline(in, line)) {
    size_t space = line.find(' ');
    if (space == std::string::npos || space == 0) return;
    std::string verdict = line.substr(space + 1);
    if (verdict != "pass" && verdict != "fail" && verdict != "not_applicable" &&
        verdict != "error") {
      return;
    }
    verdicts[line.substr(0, space)] = verdict;
  }
  if (verdicts.empty()) return;
  last_ = std::move(verdicts);
  reported_ = true;
}

void PostureCollector::SaveVerdicts(const std::string& policy_id) {
  if (state_file_.empty()) return;
  std::string text = "picket-posture 1 " + policy_id + "\n";
  for (const auto& [id, verdict] : last_) text += id + " " + verdict + "\n";
  std::string dir_path, name;
  SplitPath(state_file_, &dir_path, &name);
  Result<StateDir> dir = StateDir::Open(dir_path);
  // Not durable: losing the last results only repeats one full report.
  Status st = dir.ok() ? dir->WriteFileAtomically(name, text, 0600, false)
                       : dir.status();
  if (!st.ok())
    EmitStatus("error", "cannot save posture results: " + st.message());
}

PostureCollector::~PostureCollector() { Stop(); }

Status PostureCollector::Start(EventLoop& loop, EventSubmitter& out) {
  loop_ = &loop;
  out_ = &out;
  auto policy = LoadPolicyFile(config_.policy);
  if (!policy.ok()) {
    // The posture scan is one part of the agent; a bad policy file must not
    // take process and login monitoring down with it.
    ++scan_failures_;
    EmitStatus("error", "posture scans disabled: " + policy.status().message());
    return Status::Ok();
  }
  policy_ = std::make_shared<const Policy>(std::move(policy.value()));
  LoadVerdicts(policy_->id);
  ReleaseFreeMemory();
  auto worker = Worker::Create(loop, 1);
  if (!worker.ok()) return worker.status().WithContext("posture worker");
  worker_ = std::move(worker.value());
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  EmitStatus("mode",
             "posture scan with policy " + policy_->id + " (" +
                 std::to_string(policy_->checks.size()) + " checks) every " +
                 std::to_string(config_.interval_ms / 1000) + " s plus up to " +
                 std::to_string(config_.jitter_ms / 1000) + " s jitter");
  Schedule(config_.first_delay_ms);
  return Status::Ok();
}

void PostureCollector::Stop() {
  if (loop_ == nullptr) return;
  if (cancel_) cancel_->store(true);
  if (timer_armed_) loop_->CancelTimer(timer_);
  timer_armed_ = false;
  worker_.reset();  // waits for a running scan, which sees the cancel
  scanning_ = false;
  loop_ = nullptr;
}

void PostureCollector::Schedule(int64_t delay_ms) {
  int64_t jitter = 0;
  if (config_.jitter_ms > 0) {
    jitter = std::uniform_int_distribution<int64_t>(0, config_.jitter_ms)(rng_);
  }
  timer_ = loop_->AddTimer(delay_ms + jitter, 0, [this] {
    timer_armed_ = false;
    StartScan();
  });
  timer_armed_ = true;
}

void PostureCollector::StartScan() {
  if (scanning_ || !worker_) return;
  auto job = std::make_shared<Job>();
  job->policy = policy_;
  job->cancel = cancel_;
  std::string root = root_;
  int64_t pacing = config_.pacing_ms;
  bool posted = worker_->Post(
      [job, root, pacing] {
        auto host = NewLocalHost(root);
        if (!host.ok()) {
          job->status = host.status();
          return;
        }
        ScanOptions options;
        options.pause_ms = pacing;
        options.cancel = job->cancel.get();
        job->report = RunScan(*job->policy, **host, options);
        host->reset();
        ReleaseFreeMemory();  // the walk's and parsers' garbage
      },
      [this, job] { OnScanDone(job); });
  if (!posted) {
    ++scan_failures_;
    Schedule(config_.interval_ms);
    return;
  }
  scanning_ = true;
}

void PostureCollector::OnScanDone(const std::shared_ptr<Job>& job) {
  scanning_ = false;
  if (loop_ == nullptr || job->cancel->load()) return;
  Schedule(config_.interval_ms);
  if (!job->status.ok()) {
    ++scan_failures_;
    EmitStatus("error", "posture scan failed: " + job->status.message());
    return;
  }
  const ScanReport& report = job->report;
  ++scans_;
  last_duration_ms_ = static_cast<uint64_t>(report.duration_ms);
  last_score_ = report.score;
  int64_t now = clock_->RealtimeNs();
  for (const CheckResult& r : report.results) {
    std::string verdict(VerdictName(r.verdict));
    auto it = last_.find(r.check->id);
    std::string previous = it == last_.end() ? "" : it->second;
    if (reported_ && previous == verdict) continue;
    if (reported_) ++changes_;
    Submit(ResultEvent(*job->policy, r, previous, now));
    last_[r.check->id] = verdict;
  }
  reported_ = true;
  SaveVerdicts(job->policy->id);
  Event summary;
  summary.time_ns = now;
  summary.type = EventType::kPostureSummary;
  summary.priority = Priority::kLow;
  PostureSummary s;
  s.policy = job->policy->id;
  s.score = report.score;
  s.passed = report.counts.passed;
  s.failed = report.counts.failed;
  s.not_applicable = report.counts.not_applicable;
  s.errors = report.counts.errors;
  s.duration_ms = report.duration_ms;
  summary.payload = std::move(s);
  Submit(std::move(summary));
}

Event PostureCollector::ResultEvent(const Policy& policy,
                                    const CheckResult& result,
                                    const std::string& previous,
                                    int64_t time_ns) {
  const Check& c = *result.check;
  Event event;
  event.time_ns = time_ns;
  event.type = EventType::kPostureResult;
  event.priority = PriorityOf(c, result.verdict);
  PostureResult p;
  p.policy = policy.id;
  p.check_id = c.id;
  p.title = c.title;
  p.result = std::string(VerdictName(result.verdict));
  p.previous = previous;
  p.severity = c.severity;
  p.description = c.description;
  p.rationale = c.rationale;
  p.remediation = c.remediation;
  p.references = c.references;
  p.evidence = result.evidence;
  p.reason = result.reason;
  event.payload = std::move(p);
  return event;
}

void PostureCollector::Submit(Event event) {
  if (out_->Submit(std::move(event))) {
    ++events_;
  } else {
    ++dropped_;
  }
}

void PostureCollector::EmitStatus(const std::string& state,
                                  const std::string& detail) {
  Event event =
      MakeStatusEvent(clock_->RealtimeNs(), name(), state, detail,
                      state == "error" ? Priority::kHigh : Priority::kMedium);
  Submit(std::move(event));
}

ComponentStats PostureCollector::Stats() const {
  return {name(),
          {{"events", events_},
           {"dropped", dropped_},
           {"scans", scans_},
           {"changes", changes_},
           {"scan_failures", scan_failures_},
           {"last_scan_ms", last_duration_ms_},
           {"last_score", last_score_}}};
}

}  // namespace picket

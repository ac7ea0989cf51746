// BruteForceDetector: password guessing against the device's logins (ssh,
// dropbear, telnet/login, su, ...), from login.failure and login.success
// events.
//
// Four findings, each from leaky buckets (a bucket gains one unit per
// failure and loses one unit per leak interval; it alerts when full, so a
// burst alerts at once and a slow attack alerts once its rate exceeds the
// leak):
//  - login.brute_force: failures from one source address;
//  - login.user_enumeration: distinct user names tried from one source;
//  - login.distributed_guessing: failures against one user from many
//    sources (the bucket of the user, with at least target_min_sources);
//  - login.brute_force_success: a login that succeeds from a source that
//    failed at least success_min_failures times just before (high).
// An ongoing attack is reported when it starts, reminded at most once per
// realert_interval with the updated count, and summarised once it has been
// quiet for attack_end (the summary waits for the next event the detector
// sees; the agent's periodic statistics event guarantees one). Each of these
// alerts has its own dedup key ("<key>@<start>", "...#<n>", "...#end"), so
// the pipeline's dedup window never hides them; the detector is what limits
// repeats. Alerts carry details: source, users, attempts, window_s, phase.
// Time is the log's own time when the event has a plausible one (so a
// backlog read after a restart is judged at its real pace), else the
// event's. Memory is bounded by max_tracked sources and users.
#ifndef PICKET_DETECTORS_BRUTE_FORCE_H_
#define PICKET_DETECTORS_BRUTE_FORCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/config.h"
#include "detectors/event_clock.h"
#include "picket/detector.h"

namespace picket {

inline constexpr char kAlertBruteForce[] = "login.brute_force";
inline constexpr char kAlertUserEnumeration[] = "login.user_enumeration";
inline constexpr char kAlertDistributedGuessing[] =
    "login.distributed_guessing";
inline constexpr char kAlertBruteForceSuccess[] = "login.brute_force_success";

// A leaky bucket that leaks whole units: one per `interval_ms` since the
// level last changed from empty. Plain value; not thread-safe.
class LeakyBucket {
 public:
  // Leaks up to `now_ms`, then adds one unit; returns the new level.
  uint32_t Add(int64_t now_ms, int64_t interval_ms);
  // Leaks up to `now_ms` and returns the level.
  uint32_t Level(int64_t now_ms, int64_t interval_ms);

 private:
  void Leak(int64_t now_ms, int64_t interval_ms);

  uint32_t level_ = 0;
  int64_t last_ms_ = 0;  // time the last leaked unit was accounted to
};

class BruteForceDetector final : public Detector {
 public:
  explicit BruteForceDetector(BruteForceDetectorConfig config);

  std::string name() const override { return "detector.brute_force"; }
  void OnEvent(const Event& event, AlertEmitter& out) override;
  ComponentStats Stats() const override;

 private:
  // One attack, reported at start, reminded, and summarised at its end.
  struct Attack {
    bool active = false;
    int64_t start_ms = 0;
    int64_t last_ms = 0;
    int64_t last_alert_ms = 0;
    uint64_t attempts = 0;
    uint32_t reminders = 0;
    std::vector<std::string_view> names;  // users (or sources), interned
    uint64_t names_total = 0;
    std::string services;
    std::shared_ptr<const Event> last_event;
  };

  // Failures since a bucket was last empty: where an attack starts.
  struct Run {
    int64_t start_ms = 0;
    uint64_t failures = 0;
  };

  struct Source {
    LeakyBucket failures;
    LeakyBucket new_users;
    Run failures_run;
    Run users_run;
    std::vector<std::string_view> recent_users;  // distinct, interned
    uint32_t recent_failures = 0;  // failures with gaps < success_window
    int64_t streak_start_ms = 0;   // first of those
    int64_t last_failure_ms = 0;
    int64_t last_seen_ms = 0;
    Attack brute_force;
    Attack enumeration;
  };

  struct Target {
    LeakyBucket failures;
    Run run;
    std::vector<std::string_view> recent_sources;  // interned
    int64_t last_seen_ms = 0;
    Attack attack;
  };

  enum class Kind { kBruteForce, kEnumeration, kDistributed };

  void OnFailure(const Event& event, const LoginEvent& login, int64_t now,
                 AlertEmitter& out);
  void OnSuccess(const Event& event, const LoginEvent& login, int64_t now,
                 AlertEmitter& out);
  // Counts one failure into `a`; starts or reminds when `full`.
  // `run` and `names` describe the attack so far, for its start. `*shared`
  // is the evidence copy of `event`, made on first need and shared by every
  // attack the failure feeds.
  void Track(Kind kind, const std::string& key, Attack* a, bool full,
             const Run& run, const std::vector<std::string_view>& names,
             const Event& event, std::shared_ptr<const Event>* shared,
             const LoginEvent& login, const std::string& name, int64_t now,
             AlertEmitter& out);
  void Report(Kind kind, const std::string& key, const Attack& a,
              const char* phase, const Event& evidence, AlertEmitter& out);
  void EndQuietAttacks(int64_t now, AlertEmitter& out);
  // Adds `name` to `names` (interned) unless there or full; true when it
  // was not there.
  bool AddName(std::vector<std::string_view>* names, std::string_view name);
  // The pool's copy of `name`. User names and addresses repeat across
  // thousands of tracked sources (root, admin, ...): each list holds views
  // into one copy.
  std::string_view Intern(std::string_view name);
  // Drops pool entries no list refers to any more.
  void CompactNames();
  Source* FindSource(const std::string& address, int64_t now);
  Target* FindTarget(const std::string& user, int64_t now);

  BruteForceDetectorConfig config_;
  std::unordered_map<std::string, Source> sources_;
  std::unordered_map<std::string, Target> targets_;
  // Looked up by string_view without a temporary string.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s);
    }
  };
  using NamePool = std::unordered_set<std::string, NameHash, std::equal_to<>>;
  NamePool names_;  // the interned names
  size_t compact_names_at_ = 0;
  size_t tracked_at_compaction_ = 0;
  int64_t last_sweep_ms_ = 0;
  EventClock clock_;  // the log's time (docs/login-monitoring.md)
  uint64_t failures_ = 0;
  uint64_t successes_ = 0;
  uint64_t alerts_ = 0;
  uint64_t evicted_ = 0;
};

}  // namespace picket

#endif  // PICKET_DETECTORS_BRUTE_FORCE_H_

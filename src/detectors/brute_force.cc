#include "detectors/brute_force.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace picket {

namespace {

constexpr size_t kMaxNames = 64;    // distinct users/sources remembered
constexpr size_t kShownNames = 10;  // ... of which alerts list
constexpr int64_t kSweepEveryMs = 1000;

constexpr int64_t kMaxRealertMs = 86400000;  // reminders at least daily

std::string Join(const std::vector<std::string_view>& names, size_t total) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kShownNames; ++i) {
    if (!out.empty()) out += ",";
    if (names[i].empty()) {
      out += "(empty)";
    } else {
      out += names[i];
    }
  }
  if (total > kShownNames) out += ",...";
  return out;
}

std::string Seconds(int64_t ms) {
  return std::to_string(std::max<int64_t>(1, (ms + 999) / 1000));
}

}  // namespace

bool BruteForceDetector::AddName(std::vector<std::string_view>* names,
                                 std::string_view name) {
  if (std::find(names->begin(), names->end(), name) != names->end()) {
    return false;
  }
  if (names->size() < kMaxNames) names->push_back(Intern(name));
  return true;
}

std::string_view BruteForceDetector::Intern(std::string_view name) {
  auto it = names_.find(name);
  if (it == names_.end()) it = names_.emplace(name).first;
  return *it;
}

void BruteForceDetector::CompactNames() {
  NamePool kept;
  auto move = [&kept](std::vector<std::string_view>* names) {
    for (std::string_view& n : *names) n = *kept.emplace(n).first;
  };
  for (auto& [key, s] : sources_) {
    move(&s.recent_users);
    move(&s.brute_force.names);
    move(&s.enumeration.names);
  }
  for (auto& [key, t] : targets_) {
    move(&t.recent_sources);
    move(&t.attack.names);
  }
  names_.swap(kept);
}

void LeakyBucket::Leak(int64_t now_ms, int64_t interval_ms) {
  if (interval_ms <= 0) interval_ms = 1;
  if (level_ == 0 || now_ms <= last_ms_) {
    if (level_ == 0) last_ms_ = now_ms;
    return;
  }
  int64_t units = (now_ms - last_ms_) / interval_ms;
  if (units <= 0) return;
  if (units >= level_) {
    level_ = 0;
    last_ms_ = now_ms;
  } else {
    level_ -= static_cast<uint32_t>(units);
    last_ms_ += units * interval_ms;
  }
}

uint32_t LeakyBucket::Add(int64_t now_ms, int64_t interval_ms) {
  Leak(now_ms, interval_ms);
  if (level_ == 0) last_ms_ = now_ms;
  if (level_ < UINT32_MAX) ++level_;
  return level_;
}

uint32_t LeakyBucket::Level(int64_t now_ms, int64_t interval_ms) {
  Leak(now_ms, interval_ms);
  return level_;
}

BruteForceDetector::BruteForceDetector(BruteForceDetectorConfig config)
    : config_(std::move(config)) {}

BruteForceDetector::Source* BruteForceDetector::FindSource(
    const std::string& address, int64_t now) {
  auto it = sources_.find(address);
  if (it != sources_.end()) return &it->second;
  if (sources_.size() >= config_.max_tracked) {
    // Forget the longest-quiet source, preferring one not under attack.
    auto victim = sources_.end();
    for (auto s = sources_.begin(); s != sources_.end(); ++s) {
      bool busy = s->second.brute_force.active || s->second.enumeration.active;
      if (victim == sources_.end()) {
        victim = s;
        continue;
      }
      bool victim_busy = victim->second.brute_force.active ||
                         victim->second.enumeration.active;
      if ((victim_busy && !busy) ||
          (victim_busy == busy &&
           s->second.last_seen_ms < victim->second.last_seen_ms)) {
        victim = s;
      }
    }
    sources_.erase(victim);
    ++evicted_;
  }
  Source& s = sources_[address];
  s.last_seen_ms = now;
  return &s;
}

BruteForceDetector::Target* BruteForceDetector::FindTarget(
    const std::string& user, int64_t now) {
  auto it = targets_.find(user);
  if (it != targets_.end()) return &it->second;
  if (targets_.size() >= config_.max_tracked) {
    auto victim = targets_.begin();
    for (auto t = targets_.begin(); t != targets_.end(); ++t) {
      if ((victim->second.attack.active && !t->second.attack.active) ||
          (victim->second.attack.active == t->second.attack.active &&
           t->second.last_seen_ms < victim->second.last_seen_ms)) {
        victim = t;
      }
    }
    targets_.erase(victim);
    ++evicted_;
  }
  Target& t = targets_[user];
  t.last_seen_ms = now;
  return &t;
}

void BruteForceDetector::OnEvent(const Event& event, AlertEmitter& out) {
  const auto* login = std::get_if<LoginEvent>(&event.payload);
  bool is_login = login != nullptr && (event.type == EventType::kLoginFailure ||
                                       event.type == EventType::kLoginSuccess);
  // Until a login sets the log's clock, other events have nothing to end
  // and must not move time (detectors/event_clock.h).
  if (!is_login && !clock_.has_log_clock()) return;
  int64_t now = clock_.Ms(event, is_login ? login : nullptr);
  if (now - last_sweep_ms_ >= kSweepEveryMs) {
    last_sweep_ms_ = now;
    EndQuietAttacks(now, out);
  }
  if (!is_login) return;
  if (event.type == EventType::kLoginFailure) {
    ++failures_;
    OnFailure(event, *login, now, out);
  } else {
    ++successes_;
    OnSuccess(event, *login, now, out);
  }
}

void BruteForceDetector::OnFailure(const Event& event, const LoginEvent& login,
                                   int64_t now, AlertEmitter& out) {
  // Local failures (su, a console login) are one "source" of their own.
  const std::string key =
      login.source_address.empty() ? "local" : login.source_address;
  Source* s = FindSource(key, now);
  s->last_seen_ms = now;
  if (s->recent_failures == 0 ||
      now - s->last_failure_ms > config_.success_window_ms) {
    s->recent_failures = 0;
    s->streak_start_ms = now;
  }
  ++s->recent_failures;
  s->last_failure_ms = now;

  auto count = [now](uint32_t level_before, Run* run) {
    if (level_before == 0) *run = Run{now, 0};
    ++run->failures;
  };
  // The evidence kept by every attack this failure feeds: one copy, made
  // only when an attack keeps it.
  std::shared_ptr<const Event> shared;
  uint32_t before = s->failures.Level(now, config_.leak_interval_ms);
  uint32_t users_before =
      s->new_users.Level(now, config_.user_leak_interval_ms);
  if (before == 0 && users_before == 0) s->recent_users.clear();
  count(before, &s->failures_run);
  uint32_t level = s->failures.Add(now, config_.leak_interval_ms);
  bool new_user = AddName(&s->recent_users, login.user);
  Track(Kind::kBruteForce, key, &s->brute_force, level >= config_.capacity,
        s->failures_run, s->recent_users, event, &shared, login, login.user,
        now, out);

  if (users_before == 0) s->users_run = Run{now, 0};
  ++s->users_run.failures;
  uint32_t user_level =
      new_user ? s->new_users.Add(now, config_.user_leak_interval_ms)
               : users_before;
  Track(Kind::kEnumeration, key, &s->enumeration,
        new_user && user_level >= config_.user_capacity, s->users_run,
        s->recent_users, event, &shared, login, login.user, now, out);

  // A source already reported as brute-forcing is not also evidence of a
  // distributed campaign: its failures are in its own alert.
  if (login.user.empty() || s->brute_force.active) return;
  Target* t = FindTarget(login.user, now);
  t->last_seen_ms = now;
  uint32_t target_before =
      t->failures.Level(now, config_.target_leak_interval_ms);
  if (target_before == 0) t->recent_sources.clear();
  count(target_before, &t->run);
  AddName(&t->recent_sources, key);
  uint32_t target_level = t->failures.Add(now, config_.target_leak_interval_ms);
  bool full = target_level >= config_.target_capacity &&
              t->recent_sources.size() >= config_.target_min_sources;
  Track(Kind::kDistributed, login.user, &t->attack, full, t->run,
        t->recent_sources, event, &shared, login, key, now, out);
}

void BruteForceDetector::Track(Kind kind, const std::string& key, Attack* a,
                               bool full, const Run& run,
                               const std::vector<std::string_view>& names,
                               const Event& event,
                               std::shared_ptr<const Event>* shared,
                               const LoginEvent& login, const std::string& name,
                               int64_t now, AlertEmitter& out) {
  if (!a->active && !full) return;
  if (*shared == nullptr) *shared = std::make_shared<const Event>(event);
  if (!a->active) {
    *a = Attack();
    a->active = true;
    a->start_ms = std::min(run.start_ms, now);
    a->attempts = std::max<uint64_t>(run.failures, 1);
    a->names = names;
    a->names_total = names.size();
    a->services = login.service;
    a->last_ms = now;
    a->last_alert_ms = now;
    a->last_event = *shared;
    Report(kind, key, *a, "start", event, out);
    return;
  }
  ++a->attempts;
  a->last_ms = now;
  if (AddName(&a->names, name)) ++a->names_total;
  if (!login.service.empty() &&
      ("," + a->services + ",").find("," + login.service + ",") ==
          std::string::npos) {
    a->services += a->services.empty() ? login.service : "," + login.service;
  }
  a->last_event = *shared;
  // Reminders back off (10 min, 20, 40, ...) to at most one a day: a
  // campaign that runs for days is a handful of alerts, not hundreds.
  const int64_t interval = std::min<int64_t>(
      config_.realert_interval_ms << std::min<uint32_t>(a->reminders, 8),
      std::max<int64_t>(kMaxRealertMs, config_.realert_interval_ms));
  if (now - a->last_alert_ms >= interval) {
    ++a->reminders;
    a->last_alert_ms = now;
    Report(kind, key, *a, "ongoing", event, out);
  }
}

void BruteForceDetector::Report(Kind kind, const std::string& key,
                                const Attack& a, const char* phase,
                                const Event& evidence, AlertEmitter& out) {
  std::string p = phase;
  std::string attempts = std::to_string(a.attempts);
  std::string window = Seconds(a.last_ms - a.start_ms);
  std::string names = Join(a.names, a.names_total);
  std::string count = std::to_string(a.names_total);
  std::string services = a.services.empty() ? "login" : a.services;
  std::string dedup = key + "@" + std::to_string(a.start_ms);
  if (p == "end") {
    dedup += "#end";
  } else if (p == "ongoing") {
    dedup += "#" + std::to_string(a.reminders);
  }
  const char* type = kAlertBruteForce;
  std::string title;
  std::string description;
  std::string remediation =
      "Block the source address at the firewall; use key-only SSH "
      "(PasswordAuthentication no), disable telnet, and make sure no "
      "account has a default or weak password.";
  std::vector<std::pair<std::string, std::string>> details;
  switch (kind) {
    case Kind::kBruteForce:
      type = kAlertBruteForce;
      if (p == "start") {
        title = "Brute force against " + services + " from " + key + ": " +
                attempts + " failed logins in " + window + " s";
      } else if (p == "ongoing") {
        title = "Brute force from " + key + " continues: " + attempts +
                " failed logins in " + window + " s";
      } else {
        title = "Brute force from " + key + " ended: " + attempts +
                " failed logins over " + window + " s";
      }
      description = key + " made " + attempts + " failed login attempts (" +
                    services + ") against " + count + " user(s): " + names +
                    ", faster than one per " +
                    std::to_string(config_.leak_interval_ms / 1000) +
                    " s sustained (bucket of " +
                    std::to_string(config_.capacity) + " overflowed).";
      details = {{"source", key},       {"users", names},
                 {"user_count", count}, {"attempts", attempts},
                 {"window_s", window},  {"services", services},
                 {"phase", p}};
      break;
    case Kind::kEnumeration:
      type = kAlertUserEnumeration;
      if (p == "start") {
        title = "User enumeration from " + key + ": " + count +
                " user names tried in " + window + " s";
      } else if (p == "ongoing") {
        title = "User enumeration from " + key + " continues: " + count +
                " user names";
      } else {
        title = "User enumeration from " + key + " ended: " + count +
                " user names, " + attempts + " attempts";
      }
      description = key + " tried " + count + " different user names (" +
                    names + ") with " + attempts +
                    " failed attempts: it is probing which accounts exist.";
      details = {{"source", key},       {"users", names},
                 {"user_count", count}, {"attempts", attempts},
                 {"window_s", window},  {"services", services},
                 {"phase", p}};
      break;
    case Kind::kDistributed:
      type = kAlertDistributedGuessing;
      if (p == "start") {
        title = "Distributed password guessing on user " + key + ": " +
                attempts + " failures from " + count + " sources";
      } else if (p == "ongoing") {
        title = "Distributed password guessing on user " + key +
                " continues: " + attempts + " failures from " + count +
                " sources";
      } else {
        title = "Distributed password guessing on user " + key +
                " ended: " + attempts + " failures from " + count + " sources";
      }
      description = "Account " + key + " failed to log in " + attempts +
                    " times from " + count + " different addresses (" + names +
                    "): a botnet spreads its guesses so that no single "
                    "source looks like a brute force.";
      remediation =
          "Disable password logins for " + key +
          " (keys only) or rename/lock the account if it is not needed; "
          "rate-limit new connections (MaxStartups, PerSourcePenalties).";
      details = {{"user", key},
                 {"sources", names},
                 {"source_count", count},
                 {"attempts", attempts},
                 {"window_s", window},
                 {"services", services},
                 {"phase", p}};
      break;
  }
  const Event& ev = a.last_event ? *a.last_event : evidence;
  Alert alert = MakeAlert(ev, type, Severity::kMedium, std::move(title),
                          std::move(description), std::move(remediation),
                          std::move(dedup));
  alert.details = std::move(details);
  // The dedup key holds the attack's start time, which a re-read after a
  // restart judges afresh; the phase is what tells this alert from others
  // raised from the same failure.
  alert.occurrence =
      p == "ongoing" ? "ongoing#" + std::to_string(a.reminders) : p;
  ++alerts_;
  out.Emit(std::move(alert));
}

void BruteForceDetector::OnSuccess(const Event& event, const LoginEvent& login,
                                   int64_t now, AlertEmitter& out) {
  const std::string key =
      login.source_address.empty() ? "local" : login.source_address;
  auto it = sources_.find(key);
  if (it == sources_.end()) return;
  Source& s = it->second;
  s.last_seen_ms = now;
  if (now - s.last_failure_ms > config_.success_window_ms ||
      s.recent_failures < config_.success_min_failures) {
    return;
  }
  std::string attempts = std::to_string(s.recent_failures);
  std::string users = Join(s.recent_users, s.recent_users.size());
  std::string user = login.user.empty() ? "(unknown)" : login.user;
  std::string service = login.service.empty() ? "login" : login.service;
  Alert alert = MakeAlert(
      event, kAlertBruteForceSuccess, Severity::kHigh,
      "Login to " + user + " from " + key + " succeeded after " + attempts +
          " failed attempts",
      key + " logged in to " + user + " over " + service + " right after " +
          attempts + " failed attempts (users tried: " + users +
          "): a guessed password is the likeliest explanation, and the "
          "account must be considered compromised.",
      "Terminate the session, change the password of " + user +
          " (and every account sharing it), review what the session did, "
          "and block " +
          key + ".",
      key + "@" + user + "@" + std::to_string(s.streak_start_ms));
  alert.details = {{"source", key},
                   {"user", login.user},
                   {"users", users},
                   {"attempts", attempts},
                   {"window_s", Seconds(now - s.streak_start_ms)},
                   {"service", service},
                   {"method", login.method}};
  alert.occurrence = "success";  // one per successful login at most
  s.recent_failures = 0;
  ++alerts_;
  out.Emit(std::move(alert));
}

void BruteForceDetector::EndQuietAttacks(int64_t now, AlertEmitter& out) {
  int64_t forget_after =
      std::max({config_.success_window_ms, config_.attack_end_ms,
                config_.leak_interval_ms * config_.capacity,
                config_.user_leak_interval_ms * config_.user_capacity});
  for (auto it = sources_.begin(); it != sources_.end();) {
    Source& s = it->second;
    for (auto [kind, attack] :
         {std::pair{Kind::kBruteForce, &s.brute_force},
          std::pair{Kind::kEnumeration, &s.enumeration}}) {
      if (attack->active && now - attack->last_ms >= config_.attack_end_ms) {
        Report(kind, it->first, *attack, "end", *attack->last_event, out);
        *attack = Attack();
      }
    }
    bool idle = !s.brute_force.active && !s.enumeration.active &&
                now - s.last_seen_ms > forget_after;
    it = idle ? sources_.erase(it) : std::next(it);
  }
  int64_t forget_target =
      std::max(config_.attack_end_ms,
               config_.target_leak_interval_ms * config_.target_capacity);
  for (auto it = targets_.begin(); it != targets_.end();) {
    Target& t = it->second;
    if (t.attack.active && now - t.attack.last_ms >= config_.attack_end_ms) {
      Report(Kind::kDistributed, it->first, t.attack, "end",
             *t.attack.last_event, out);
      t.attack = Attack();
    }
    bool idle = !t.attack.active && now - t.last_seen_ms > forget_target;
    it = idle ? targets_.erase(it) : std::next(it);
  }
  // A name stays in the pool until the next compaction, which runs when the
  // pool has doubled since the last one, or the tracked sources and users
  // have halved.
  const size_t tracked = sources_.size() + targets_.size();
  if (names_.size() > compact_names_at_ ||
      tracked * 2 < tracked_at_compaction_) {
    CompactNames();
    compact_names_at_ = std::max<size_t>(1024, 2 * names_.size());
    tracked_at_compaction_ = tracked;
  }
}

ComponentStats BruteForceDetector::Stats() const {
  return {name(),
          {{"failures", failures_},
           {"successes", successes_},
           {"alerts", alerts_},
           {"tracked_sources", sources_.size()},
           {"tracked_users", targets_.size()},
           {"interned_names", names_.size()},
           {"evicted", evicted_},
           {"out_of_order", clock_.out_of_order()}}};
}

}  // namespace picket

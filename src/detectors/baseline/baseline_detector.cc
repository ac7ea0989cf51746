#include "detectors/baseline/baseline_detector.h"

#include <algorithm>
#include <utility>
#include <variant>

#include "core/event_id.h"
#include "core/glob.h"
#include "core/ip_address.h"

namespace picket {
namespace {

using baseline::Counter;
using baseline::Item;
using baseline::Kind;
using baseline::Observation;
using baseline::Rule;

constexpr size_t kShownItems = 10;        // of a set, in an alert
constexpr size_t kMaxDistinct = 1 << 16;  // per range window

std::string KindNoun(Kind kind) {
  switch (kind) {
    case Kind::kPrograms:
      return "program";
    case Kind::kParentChild:
      return "program started by";
    case Kind::kListeners:
      return "listening socket";
    case Kind::kPeers:
      return "outbound connection";
    case Kind::kSources:
      return "inbound connection";
    case Kind::kLogins:
      return "login";
    case Kind::kRange:
      break;
  }
  return "event";
}

bool HasWildcardChar(std::string_view s) {
  return s.find_first_of("*?[\\") != std::string_view::npos;
}

}  // namespace

BaselineDetector::BaselineDetector(
    BaselineDetectorConfig config,
    std::shared_ptr<const baseline::Baseline> baseline)
    : config_(std::move(config)), baseline_(std::move(baseline)) {
  if (baseline_ == nullptr) return;
  for (const Rule& rule : baseline_->rules) {
    if (rule.kind == Kind::kRange) {
      RangeRule range;
      range.rule = &rule;
      ranges_.push_back(std::move(range));
      continue;
    }
    SetRule set;
    set.rule = &rule;
    for (const Item& item : rule.items) {
      if (rule.kind == Kind::kPrograms && item.sha256.empty() &&
          !HasWildcardChar(item.program)) {
        set.exact.insert(item.program);
        continue;
      }
      CompiledItem c;
      c.item = &item;
      if (!item.address.empty()) {
        if (rule.kind == Kind::kLogins && item.address == "local") {
          c.local = true;
        } else {
          std::string error;
          (void)c.address.Add(item.address, &error);  // checked when read
        }
      }
      set.items.push_back(std::move(c));
    }
    for (size_t i = 0; i < rule.items.size() && i < kShownItems; ++i) {
      if (i > 0) set.allowed_text += ", ";
      set.allowed_text += baseline::ItemText(rule.kind, rule.items[i]);
    }
    if (rule.items.size() > kShownItems) {
      set.allowed_text += ", ... (" + std::to_string(rule.items.size()) + ")";
    }
    if (rule.items.empty()) set.allowed_text = "(none)";
    sets_.push_back(std::move(set));
  }
}

void BaselineDetector::OnEvent(const Event& event, AlertEmitter& out) {
  ++events_;
  if (event.type == EventType::kAlert) {
    // Counted only: another detector's finding moves no window (and this
    // detector's own are not counted).
    const auto* a = std::get_if<Alert>(&event.payload);
    if (a != nullptr && a->detector != name()) {
      for (RangeRule& r : ranges_) {
        if (r.rule->counter == Counter::kAlerts && r.window_start_ms >= 0) {
          ++r.value;
        }
      }
    }
    return;
  }
  const int64_t now = clock_.Ms(event);
  CloseWindows(now, event, out);
  Count(event);
  if (!sets_.empty()) {
    seen_.clear();
    baseline::Observe(event, programs_, &seen_);
    for (const Observation& o : seen_) CheckSets(o, event, now, out);
  }
  programs_.OnEvent(event);
}

bool BaselineDetector::Matches(const CompiledItem& c,
                               const Observation& seen) const {
  const Item& want = *c.item;
  const Item& got = seen.item;
  if (!want.program.empty() &&
      (got.program.empty() || !GlobMatch(want.program, got.program))) {
    return false;
  }
  if (!want.parent.empty() && !GlobMatch(want.parent, got.parent)) {
    return false;
  }
  if (!want.sha256.empty() && !got.sha256.empty() &&
      want.sha256 != got.sha256) {
    return false;
  }
  if (!want.protocol.empty() && want.protocol != got.protocol) return false;
  if (got.port_min < want.port_min || got.port_min > want.port_max) {
    return false;
  }
  if (!want.user.empty() && !GlobMatch(want.user, got.user)) return false;
  if (!want.service.empty() && want.service != got.service) return false;
  if (c.local) return got.address == "local";
  if (!want.address.empty()) {
    IpAddress ip;
    bool hit =
        IpAddress::Parse(got.address, &ip) && c.address.AllowsAddress(ip);
    if (!hit && !seen.domain.empty()) hit = c.address.AllowsDomain(seen.domain);
    if (!hit) return false;
  }
  return true;
}

void BaselineDetector::CheckSets(const Observation& seen, const Event& event,
                                 int64_t now, AlertEmitter& out) {
  for (const SetRule& set : sets_) {
    if (set.rule->kind != seen.kind) continue;
    bool hit = set.exact.count(seen.item.program) > 0;
    for (size_t i = 0; !hit && i < set.items.size(); ++i) {
      hit = Matches(set.items[i], seen);
      if (hit && !set.items[i].item->sha256.empty() &&
          seen.item.sha256.empty()) {
        ++hash_unknown_;  // the path matched; the hash could not be checked
      }
    }
    if (hit == set.rule->deny) Deviate(set, seen, event, now, out);
  }
}

void BaselineDetector::Deviate(const SetRule& set, const Observation& seen,
                               const Event& event, int64_t now,
                               AlertEmitter& out) {
  const Rule& rule = *set.rule;
  const std::string item = baseline::ItemText(rule.kind, seen.item);
  const std::string key = rule.id + "\n" + item;
  auto it = deviations_.find(key);
  if (it != deviations_.end()) {
    Deviation& d = it->second;
    d.last_seen_ms = now;
    ++d.total;
    if (now - d.last_alert_ms < config_.repeat_interval_ms) {
      ++d.since_alert;
      ++repeats_;
      return;
    }
  } else {
    if (deviations_.size() >= config_.max_tracked) {
      auto oldest = std::min_element(deviations_.begin(), deviations_.end(),
                                     [](const auto& a, const auto& b) {
                                       return a.second.last_seen_ms <
                                              b.second.last_seen_ms;
                                     });
      deviations_.erase(oldest);
      ++evicted_;
    }
    it = deviations_.emplace(key, Deviation{0, now, 0, 1}).first;
  }
  Deviation& d = it->second;
  const uint64_t repeated = d.since_alert;
  d.last_alert_ms = now;
  d.since_alert = 0;

  const std::string noun = KindNoun(rule.kind);
  std::string title;
  if (rule.deny) {
    title = "Denied " + noun + " " + item + " (baseline rule " + rule.id + ")";
  } else {
    title = "Unexpected " + noun + " " + item + " (not in baseline rule " +
            rule.id + ")";
  }
  std::string description =
      (rule.title.empty() ? rule.id : rule.title) + ": " + item +
      (rule.deny ? " is in the denied set" : " is outside the allowed set") +
      " of security group " + baseline_->group + " (baseline version " +
      baseline_->version + ").";
  if (repeated > 0) {
    description += " Seen " + std::to_string(repeated) +
                   " more times since it was last reported.";
  }
  std::string remediation =
      !rule.remediation.empty()
          ? rule.remediation
          : (rule.deny ? "Find what made the device do this and stop it."
                       : "If this is expected, add it to rule " + rule.id +
                             " of the group's baseline; otherwise find what "
                             "made the device do it.");
  Alert a = MakeAlert(
      event, rule.deny ? kAlertBaselineDenied : kAlertBaselineNotAllowed,
      rule.severity, std::move(title), std::move(description),
      std::move(remediation),
      rule.id + ":" + item + "#" + std::to_string(d.total));
  a.occurrence = rule.id + ":" + item + "#" + std::to_string(d.total);
  a.details = {{"rule", rule.id},
               {"kind", baseline::KindName(rule.kind, rule.deny)},
               {"item", item},
               {rule.deny ? "denied" : "allowed", set.allowed_text},
               {"group", baseline_->group},
               {"baseline_version", baseline_->version},
               {"occurrences", std::to_string(d.total)},
               {"repeated", std::to_string(repeated)}};
  ++alerts_;
  out.Emit(std::move(a));
}

void BaselineDetector::Count(const Event& event) {
  if (ranges_.empty()) return;
  baseline::CounterDelta delta;
  if (!baseline::CounterDeltas(event, &delta)) return;
  for (RangeRule& r : ranges_) {
    const Counter c = r.rule->counter;
    if (const std::string* key = delta.Key(c)) {
      if (key->empty()) continue;
      // Beyond the bound the count saturates (far above any sane max).
      if (r.distinct.size() < kMaxDistinct) r.distinct.insert(Fnv1a64(*key));
      r.value = r.distinct.size();
    } else {
      r.value += delta.add[static_cast<size_t>(c)];
    }
  }
}

void BaselineDetector::CloseWindows(int64_t now, const Event& event,
                                    AlertEmitter& out) {
  for (RangeRule& r : ranges_) {
    const int64_t w = r.rule->window_ms;
    const int64_t start = now - now % w;
    if (r.window_start_ms < 0) {
      r.window_start_ms = start;
      continue;
    }
    if (now < r.window_start_ms + w) continue;
    ++windows_;
    Judge(r, r.value, r.window_start_ms, 1, event, out);
    r.first_window = false;
    // Windows that passed without an event: each counted zero, judged once.
    const int64_t empty = (start - r.window_start_ms) / w - 1;
    if (empty > 0) {
      windows_ += static_cast<uint64_t>(empty);
      Judge(r, 0, r.window_start_ms + w, static_cast<uint64_t>(empty), event,
            out);
    }
    r.window_start_ms = start;
    r.value = 0;
    r.distinct.clear();
  }
}

void BaselineDetector::Judge(RangeRule& r, uint64_t value, int64_t start_ms,
                             uint64_t windows, const Event& event,
                             AlertEmitter& out) {
  const Rule& rule = *r.rule;
  // The window the agent started in is partial: only too much counts.
  const bool low = rule.has_min && value < rule.min && !r.first_window;
  const bool high = rule.has_max && value > rule.max;
  if (!low && !high) return;
  const std::string counter(baseline::CounterName(rule.counter));
  const std::string window_s = std::to_string(rule.window_ms / 1000);
  std::string range = "[" + (rule.has_min ? std::to_string(rule.min) : "") +
                      ", " + (rule.has_max ? std::to_string(rule.max) : "") +
                      "]";
  std::string title = counter + " " + std::to_string(value) + " in " +
                      window_s + " s, " + (high ? "above" : "below") +
                      " the range " + range + " of baseline rule " + rule.id;
  std::string description =
      (rule.title.empty() ? rule.id : rule.title) + ": " + counter + " was " +
      std::to_string(value) + " per " + window_s + " s window" +
      (windows > 1 ? " in each of " + std::to_string(windows) + " windows"
                   : "") +
      ", outside " + range + " (security group " + baseline_->group +
      ", baseline version " + baseline_->version + ").";
  std::string remediation =
      !rule.remediation.empty()
          ? rule.remediation
          : "Find what changed the device's activity; if the new level is "
            "expected, widen rule " +
                rule.id + " of the group's baseline.";
  const std::string key = rule.id + "@" + std::to_string(start_ms);
  Alert a = MakeAlert(event, kAlertBaselineOutOfRange, rule.severity,
                      std::move(title), std::move(description),
                      std::move(remediation), key);
  a.occurrence = key;
  a.details = {{"rule", rule.id},
               {"counter", counter},
               {"observed", std::to_string(value)},
               {"min", rule.has_min ? std::to_string(rule.min) : ""},
               {"max", rule.has_max ? std::to_string(rule.max) : ""},
               {"window_s", window_s},
               {"window_start_ms", std::to_string(start_ms)},
               {"windows", std::to_string(windows)},
               {"group", baseline_->group},
               {"baseline_version", baseline_->version}};
  ++alerts_;
  out.Emit(std::move(a));
}

ComponentStats BaselineDetector::Stats() const {
  return {name(),
          {{"events", events_},
           {"alerts", alerts_},
           {"rules", baseline_ ? baseline_->rules.size() : 0},
           {"repeats", repeats_},
           {"tracked", deviations_.size()},
           {"evicted", evicted_},
           {"hash_unknown", hash_unknown_},
           {"windows", windows_},
           {"out_of_order", clock_.out_of_order()}}};
}

}  // namespace picket

#include "detectors/baseline/learner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace picket::baseline {
namespace {

struct SetPlan {
  Kind kind;
  const char* id;
  const char* title;
  Severity severity;
};

constexpr SetPlan kSetPlans[] = {
    {Kind::kPrograms, "programs", "Programs the group runs", Severity::kHigh},
    {Kind::kParentChild, "parent-child", "Programs and what starts them",
     Severity::kMedium},
    {Kind::kListeners, "listeners", "Sockets the group listens on",
     Severity::kHigh},
    {Kind::kPeers, "peers", "Where the group connects to", Severity::kMedium},
    {Kind::kSources, "sources", "Who connects to the group", Severity::kMedium},
    {Kind::kLogins, "logins", "Who logs in, how and from where",
     Severity::kHigh},
};

// The learned item for an observation: what is worth allowing (a peer by
// its DNS name when it has one, a listener with its program, a peer
// without: addresses change under a name, programs are upgraded).
Item Generalise(const Observation& o) {
  Item item = o.item;
  switch (o.kind) {
    case Kind::kPrograms:
      item.sha256.clear();  // changes on every upgrade; add by hand
      break;
    case Kind::kPeers:
      if (!o.domain.empty()) item.address = o.domain;
      item.program.clear();
      if (item.protocol == "icmp" || item.protocol == "icmpv6") {
        item.port_min = 0;
        item.port_max = 65535;
      }
      break;
    case Kind::kSources:
      item.program.clear();
      if (item.protocol == "icmp" || item.protocol == "icmpv6") {
        item.port_min = 0;
        item.port_max = 65535;
      }
      break;
    default:
      break;
  }
  return item;
}

}  // namespace

uint64_t LearnFloor(Counter counter) {
  switch (counter) {
    case Counter::kBytesOut:
    case Counter::kBytesIn:
      return 1 << 20;
    case Counter::kConnectionsOut:
    case Counter::kConnectionsIn:
    case Counter::kDnsQueries:
    case Counter::kProcessStarts:
      return 20;
    case Counter::kDistinctPrograms:
      return 10;
    case Counter::kDistinctPeers:
    case Counter::kLoginFailures:
    case Counter::kLoginSuccesses:
    case Counter::kListeningPorts:
      return 5;
    case Counter::kAlerts:
      return 0;
  }
  return 0;
}

BaselineLearner::BaselineLearner(LearnOptions options)
    : options_(std::move(options)) {}

void BaselineLearner::OnEvent(const Event& event) {
  if (event.type == EventType::kAlert ||
      event.type == EventType::kAgentStatus ||
      event.type == EventType::kStatistics) {
    return;
  }
  ++events_;
  const int64_t now = clock_.Ms(event);
  if (first_ms_ == 0) first_ms_ = now;
  last_ms_ = now;
  seen_.clear();
  Observe(event, programs_, &seen_);
  for (const Observation& o : seen_) Learn(o);
  programs_.OnEvent(event);
  Count(event, now);
}

void BaselineLearner::Learn(const Observation& o) {
  LearnedSet& set = sets_[o.kind];
  ++set.events;
  if (set.overflow) return;
  Item item = Generalise(o);
  std::string text = ItemText(o.kind, item);
  if (set.seen.count(text) > 0) return;
  if (set.seen.size() >= options_.max_items) {
    set.overflow = true;
    set.seen.clear();
    set.items.clear();
    return;
  }
  set.seen.insert(std::move(text));
  set.items.push_back(std::move(item));
}

void BaselineLearner::Count(const Event& event, int64_t now) {
  CounterDelta delta;
  const bool counts = CounterDeltas(event, &delta);
  const int64_t w = options_.window_ms;
  const int64_t start = now - now % w;
  for (Counter c : AllCounters()) {
    if (c == Counter::kAlerts) continue;
    Window& win = ranges_[c];
    if (win.start_ms < 0) win.start_ms = start;
    if (now >= win.start_ms + w) {
      win.max = std::max(win.max, win.value);
      win.windows += static_cast<uint64_t>((start - win.start_ms) / w);
      win.start_ms = start;
      win.value = 0;
      win.distinct.clear();
    }
    if (!counts) continue;
    if (const std::string* key = delta.Key(c)) {
      if (!key->empty() && win.distinct.size() < (1u << 16)) {
        win.distinct.insert(*key);
      }
      win.value = win.distinct.size();
    } else {
      win.value += delta.add[static_cast<size_t>(c)];
    }
  }
}

Baseline BaselineLearner::Propose(WriteNotes* notes) const {
  Baseline b;
  b.group = options_.group;
  b.version = "learned-" + std::to_string(last_ms_ / 1000);
  const double hours = static_cast<double>(last_ms_ - first_ms_) / 3.6e6;
  char span[64];
  std::snprintf(span, sizeof span, "%.1f hours", hours);
  notes->header = {
      "Baseline for security group " + b.group +
          ", proposed by picket "
          "baseline learn from " +
          std::to_string(events_) + " events over " + span + ".",
      "Review it before enforcing: every item is something the devices did "
      "while learning, so an intruder active then is allowed too.",
      "Sets list what was seen (at most " + std::to_string(options_.max_items) +
          " items each); ranges allow up to " +
          std::to_string(options_.margin).substr(0, 4) +
          " times the busiest window, at least a floor per counter; no "
          "minimum is learned."};
  for (const SetPlan& plan : kSetPlans) {
    auto it = sets_.find(plan.kind);
    if (it == sets_.end()) continue;
    const LearnedSet& set = it->second;
    if (set.overflow) {
      notes->header.push_back(
          std::string(plan.id) + ": more than " +
          std::to_string(options_.max_items) +
          " distinct items were seen, so no rule is proposed; write one "
          "with globs or CIDRs by hand.");
      continue;
    }
    Rule r;
    r.id = plan.id;
    r.title = plan.title;
    r.kind = plan.kind;
    r.severity = plan.severity;
    r.items = set.items;
    std::sort(r.items.begin(), r.items.end(),
              [kind = plan.kind](const Item& a, const Item& b) {
                return ItemText(kind, a) < ItemText(kind, b);
              });
    notes->rules[r.id] = {std::to_string(r.items.size()) +
                          " distinct items in " + std::to_string(set.events) +
                          " events"};
    b.rules.push_back(std::move(r));
  }
  for (const auto& [counter, win] : ranges_) {
    const uint64_t observed = std::max(win.max, win.value);
    Rule r;
    r.id = "range-" + std::string(CounterName(counter));
    std::replace(r.id.begin(), r.id.end(), '_', '-');
    r.title = std::string(CounterName(counter)) + " per " +
              std::to_string(options_.window_ms / 60000) + " minutes";
    r.kind = Kind::kRange;
    r.counter = counter;
    r.window_ms = options_.window_ms;
    r.has_max = true;
    r.max = std::max<uint64_t>(
        static_cast<uint64_t>(
            std::ceil(static_cast<double>(observed) * options_.margin)),
        LearnFloor(counter));
    notes->rules[r.id] = {"busiest window: " + std::to_string(observed) +
                          " (of " + std::to_string(win.windows + 1) +
                          " windows); floor " +
                          std::to_string(LearnFloor(counter))};
    b.rules.push_back(std::move(r));
  }
  return b;
}

bool MergeBaselines(const std::vector<Baseline>& in, std::string group,
                    Baseline* out, std::string* error) {
  *out = Baseline();
  if (in.empty()) {
    *error = "no baselines to merge";
    return false;
  }
  if (group.empty()) group = in[0].group;
  out->group = group;
  std::map<std::string, size_t> index;  // rule id -> position in out
  std::vector<std::set<std::string>> texts;
  std::string versions;
  for (const Baseline& b : in) {
    if (b.group != group) {
      *error = b.file + ": baseline for group \"" + b.group + "\", not \"" +
               group + "\"";
      return false;
    }
    if (!versions.empty()) versions += "+";
    versions += b.version;
    for (const Rule& r : b.rules) {
      auto it = index.find(r.id);
      if (it == index.end()) {
        index.emplace(r.id, out->rules.size());
        out->rules.push_back(r);
        std::set<std::string> t;
        for (const Item& item : r.items) t.insert(ItemText(r.kind, item));
        texts.push_back(std::move(t));
        continue;
      }
      Rule& m = out->rules[it->second];
      if (m.kind != r.kind || m.deny != r.deny ||
          (r.kind == Kind::kRange &&
           (m.counter != r.counter || m.window_ms != r.window_ms))) {
        *error = b.file + ":" + std::to_string(r.line) + ": rule " + r.id +
                 " is a " + KindName(r.kind, r.deny) +
                 (r.kind == Kind::kRange
                      ? " of " + std::string(CounterName(r.counter))
                      : "") +
                 " here and a different rule in an earlier baseline";
        return false;
      }
      m.severity = std::max(m.severity, r.severity);
      if (r.kind == Kind::kRange) {
        m.has_min = m.has_min && r.has_min;
        m.min = std::min(m.min, r.min);
        m.has_max = m.has_max && r.has_max;
        m.max = std::max(m.max, r.max);
        continue;
      }
      for (const Item& item : r.items) {
        if (texts[it->second].insert(ItemText(r.kind, item)).second) {
          m.items.push_back(item);
        }
      }
      if (m.items.size() > kMaxItemsPerRule) {
        *error = "rule " + r.id + ": more than " +
                 std::to_string(kMaxItemsPerRule) + " items merged";
        return false;
      }
    }
  }
  out->version = "merged-" + versions;
  if (out->version.size() > 200) {
    out->version = "merged-" + std::to_string(in.size()) + "-baselines";
  }
  return true;
}

}  // namespace picket::baseline

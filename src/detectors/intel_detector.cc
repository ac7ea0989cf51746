#include "detectors/intel_detector.h"

#include <algorithm>
#include <utility>

#include "core/event_json.h"

namespace picket {

namespace {

bool IsSevereCategory(IntelCategory c) {
  return c == IntelCategory::kBotnetC2 || c == IntelCategory::kMalware ||
         c == IntelCategory::kMinerPool;
}

bool IsNoiseCategory(IntelCategory c) {
  return c == IntelCategory::kScanner || c == IntelCategory::kBruteforce ||
         c == IntelCategory::kSpam || c == IntelCategory::kTorExit ||
         c == IntelCategory::kDrop;
}

constexpr int64_t kNsPerMs = 1000000;
constexpr int64_t kSweepEveryMs = 1000;
constexpr size_t kSampleSize = 10;         // addresses or names in alerts
constexpr size_t kMaxProcessesPerKey = 8;  // campaigns of one indicator

using Details = std::vector<std::pair<std::string, std::string>>;

// Facts every intel alert carries: the indicator and who listed it.
void AddMatchDetails(const IntelMatch& m, Details* details) {
  details->emplace_back("indicator", m.indicator());
  details->emplace_back("indicator_kind",
                        std::string(IndicatorKindName(m.kind())));
  details->emplace_back("feed", std::string(m.feed()));
  details->emplace_back("category",
                        std::string(IntelCategoryName(m.category())));
  if (m.source_count() > 1) {
    std::string feeds;
    for (size_t i = 0; i < m.source_count(); ++i) {
      IntelSource s = m.source(i);
      if (!feeds.empty()) feeds += ",";
      feeds += std::string(s.feed) + ":" +
               std::string(IntelCategoryName(s.category));
    }
    details->emplace_back("all_feeds", std::move(feeds));
  }
}

// Whole seconds, rounded up, from nanoseconds.
std::string Seconds(int64_t ns) {
  return std::to_string((std::max<int64_t>(ns, 0) + 999999999) / 1000000000);
}

// "1 connection", "2 connections".
std::string Counted(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Listed(const IntelMatch& m) {
  return std::string(m.indicator()) + " (listed by " + std::string(m.feed()) +
         " as " + std::string(IntelCategoryName(m.category())) + ")";
}

}  // namespace

IntelDetector::IntelDetector(IntelDetectorConfig config,
                             const IntelProvider* provider,
                             IntelAllowList allow)
    : config_(std::move(config)),
      provider_(provider),
      allow_(std::move(allow)) {}

void IntelDetector::OnEvent(const Event& event, AlertEmitter& out) {
  const int64_t now_ms = event.time_ns / kNsPerMs;
  if (now_ms - last_sweep_ms_ >= kSweepEveryMs) {
    last_sweep_ms_ = now_ms;
    EndQuietCampaigns(now_ms, out);
  }
  const bool connection = event.type == EventType::kNetworkConnection;
  const bool dns = event.type == EventType::kNetworkDns;
  const bool exec = event.type == EventType::kProcessExec ||
                    event.type == EventType::kProcessSnapshot;
  if (!(connection && config_.connections) && !(dns && config_.dns) &&
      !(exec && config_.hashes)) {
    return;
  }
  std::shared_ptr<const IntelStore> store =
      provider_ != nullptr ? provider_->Current() : nullptr;
  if (!store) {
    ++no_store_;
    return;
  }
  if (connection) {
    OnConnection(event, std::get<NetworkEvent>(event.payload), *store, out);
  } else if (dns) {
    OnDns(event, std::get<DnsEvent>(event.payload), *store, out);
  } else {
    OnExec(event, std::get<ProcessEvent>(event.payload).process, *store, out);
  }
}

void IntelDetector::OnConnection(const Event& event, const NetworkEvent& n,
                                 const IntelStore& store, AlertEmitter& out) {
  IpAddress remote;
  if (!ParseIpAddress(n.remote_address, &remote)) return;
  ++lookups_;
  std::optional<IntelMatch> m = store.LookupIp(remote);
  if (!m) return;
  if (allow_.AllowsAddress(remote)) {
    ++allowed_;
    return;
  }
  ++matches_;
  const std::string key = m->indicator() + "|" + std::string(m->feed()) + ":" +
                          std::string(IntelCategoryName(m->category())) + "|" +
                          n.direction;
  const uint64_t count = n.count;
  // When the flow was active: a periodic or final report comes later.
  const int64_t seen_ns = n.last_seen_ns != 0 ? n.last_seen_ns : event.time_ns;
  if (Campaign* c = Find(key, n.exe, n.pid)) {
    Count(c, event, seen_ns, n.remote_address, count, n.protocol);
    MaybeRemind(c, event.time_ns / kNsPerMs, out);
    return;
  }
  if (IsLate(key, seen_ns)) return;
  const bool outbound = n.direction == "outbound";
  Severity severity = Severity::kMedium;
  if (outbound) {
    severity =
        IsSevereCategory(m->category()) ? Severity::kCritical : Severity::kHigh;
  } else if (IsNoiseCategory(m->category())) {
    severity = Severity::kLow;
  } else if (IsSevereCategory(m->category())) {
    severity = Severity::kHigh;
  }
  Campaign* c = Start(key);
  c->kind = Kind::kConnection;
  c->exe = n.exe;
  c->pid = n.pid;
  c->severity = severity;
  c->indicator = m->indicator();
  c->network = m->kind() == IndicatorKind::kIpv4Net ||
               m->kind() == IndicatorKind::kIpv6Net;
  c->listed = Listed(*m);
  c->category = std::string(IntelCategoryName(m->category()));
  AddMatchDetails(*m, &c->match);
  c->direction = n.direction;
  c->first_ns =
      n.first_seen_ns != 0 ? std::min(n.first_seen_ns, seen_ns) : seen_ns;
  Count(c, event, seen_ns, n.remote_address, std::max<uint64_t>(count, 1),
        n.protocol);
  c->last_alert_ms = event.time_ns / kNsPerMs;
  Report(*c, "start", event, out);
}

void IntelDetector::OnDns(const Event& event, const DnsEvent& d,
                          const IntelStore& store, AlertEmitter& out) {
  std::vector<const std::string*> names = {&d.query};
  for (const std::string& c : d.cnames) names.push_back(&c);
  for (const std::string* name : names) {
    ++lookups_;
    std::optional<IntelMatch> m = store.LookupDomain(*name);
    if (!m) continue;
    if (allow_.AllowsDomain(*name)) {
      ++allowed_;
      continue;
    }
    ++matches_;
    const std::string key = m->indicator() + "|" + std::string(m->feed()) +
                            ":" + std::string(IntelCategoryName(m->category()));
    if (Campaign* c = Find(key, std::string(), 0)) {
      Count(c, event, event.time_ns, *name, 1, std::string());
      MaybeRemind(c, event.time_ns / kNsPerMs, out);
      return;
    }
    Campaign* c = Start(key);
    c->kind = Kind::kDns;
    c->severity =
        IsSevereCategory(m->category()) ? Severity::kCritical : Severity::kHigh;
    c->indicator = m->indicator();
    c->listed = Listed(*m);
    c->category = std::string(IntelCategoryName(m->category()));
    AddMatchDetails(*m, &c->match);
    c->first_ns = event.time_ns;
    Count(c, event, event.time_ns, *name, 1, std::string());
    c->last_alert_ms = event.time_ns / kNsPerMs;
    Report(*c, "start", event, out);
    return;  // one alert per answer is enough
  }
}

IntelDetector::Campaign* IntelDetector::Find(const std::string& key,
                                             const std::string& exe,
                                             uint32_t pid) {
  auto it = campaigns_.find(key);
  if (it == campaigns_.end() || it->second.empty()) return nullptr;
  std::vector<Campaign>& list = it->second;
  Campaign* latest = &list.front();
  for (Campaign& c : list) {
    if (c.exe == exe) {
      if (pid != 0) c.pid = pid;
      return &c;
    }
    if (c.last_ns > latest->last_ns) latest = &c;
  }
  // A flow seen before its socket's owner was known: most likely the
  // process already in the campaign.
  if (exe.empty()) return latest;
  for (Campaign& c : list) {
    if (c.exe.empty()) {
      c.exe = exe;
      c.pid = pid;
      return &c;
    }
  }
  // Past this many processes on one indicator, more are counted in.
  if (list.size() >= kMaxProcessesPerKey) return latest;
  return nullptr;
}

IntelDetector::Campaign* IntelDetector::Start(const std::string& key) {
  if (tracked_ >= config_.max_tracked) {
    // Forget the longest-quiet campaign: its summary is lost, but memory
    // stays bounded whatever the traffic.
    std::string victim_key;
    size_t victim_index = 0;
    int64_t victim_last = 0;
    bool found = false;
    for (const auto& [k, list] : campaigns_) {
      for (size_t i = 0; i < list.size(); ++i) {
        if (!found || list[i].last_ns < victim_last) {
          found = true;
          victim_key = k;
          victim_index = i;
          victim_last = list[i].last_ns;
        }
      }
    }
    if (found) {
      auto it = campaigns_.find(victim_key);
      it->second.erase(it->second.begin() +
                       static_cast<std::ptrdiff_t>(victim_index));
      if (it->second.empty()) campaigns_.erase(it);
      --tracked_;
      ++evicted_;
    }
  }
  std::vector<Campaign>& list = campaigns_[key];
  list.emplace_back();
  ++tracked_;
  ++started_;
  Campaign* c = &list.back();
  c->key = key;
  return c;
}

bool IntelDetector::IsLate(const std::string& key, int64_t seen_ns) {
  auto it = ended_.find(key);
  if (it == ended_.end() || seen_ns > it->second) return false;
  ++late_;
  return true;
}

void IntelDetector::Count(Campaign* c, const Event& event, int64_t seen_ns,
                          const std::string& item, uint64_t matches,
                          const std::string& protocol) {
  c->matches += matches;
  c->last_ns = std::max(c->last_ns, seen_ns);
  if (c->distinct.Add(item) && c->sample.size() < kSampleSize) {
    c->sample.push_back(item);
  }
  if (!protocol.empty() && std::find(c->protocols.begin(), c->protocols.end(),
                                     protocol) == c->protocols.end()) {
    c->protocols.push_back(protocol);
  }
  c->last_event = event;
}

void IntelDetector::MaybeRemind(Campaign* c, int64_t now_ms,
                                AlertEmitter& out) {
  if (now_ms - c->last_alert_ms < config_.realert_interval_ms) return;
  ++c->reminders;
  c->last_alert_ms = now_ms;
  Report(*c, "ongoing", c->last_event, out);
}

void IntelDetector::Report(const Campaign& c, const char* phase,
                           const Event& evidence, AlertEmitter& out) {
  const std::string p = phase;
  const bool start = p == "start";
  const std::string matches = std::to_string(c.matches);
  // Each address or name stood for at least one match; an estimate a few
  // per cent high must not say otherwise.
  const uint64_t distinct_count = std::min(c.distinct.Count(), c.matches);
  const std::string distinct = std::to_string(distinct_count);
  std::string sample;
  for (const std::string& s : c.sample) {
    if (!sample.empty()) sample += ",";
    sample += s;
  }
  const std::string span = Seconds(c.last_ns - c.first_ns);
  std::string dedup = c.key + (c.exe.empty() ? "" : "|" + c.exe) + "@" +
                      std::to_string(c.first_ns / kNsPerMs);
  if (p == "end") {
    dedup += "#end";
  } else if (p == "ongoing") {
    dedup += "#" + std::to_string(c.reminders);
  }
  const std::string follow =
      " Further matches of " + c.indicator +
      " are counted into this alert: reported again at most every " +
      Seconds(config_.realert_interval_ms * kNsPerMs) +
      " s, and summarised once quiet for " +
      Seconds(config_.campaign_end_ms * kNsPerMs) + " s.";
  std::string title;
  std::string description;
  std::string remediation;
  std::vector<std::pair<std::string, std::string>> details = c.match;
  if (c.kind == Kind::kConnection) {
    const auto& n = std::get<NetworkEvent>(evidence.payload);
    const bool outbound = c.direction == "outbound";
    const std::string who =
        c.exe.empty() ? std::string("an unknown process")
                      : c.exe + " (pid " + std::to_string(c.pid) + ")";
    const std::string what = std::string(c.network ? "network " : "address ") +
                             c.indicator + " (" + c.category + ")";
    const std::string counts = Counted(c.matches, "connection", "connections") +
                               (outbound ? " to " : " from ") +
                               Counted(distinct_count, "address", "addresses");
    if (start) {
      std::string peer = n.remote_address;
      if (n.remote_port != 0) peer += " port " + std::to_string(n.remote_port);
      if (!n.remote_name.empty()) peer += " (" + n.remote_name + ")";
      title = std::string(outbound ? "Connection to " : "Connection from ") +
              "a threat-intelligence address: " + n.remote_address + " (" +
              c.category + ")";
      description = (outbound ? "This device opened a " + n.protocol +
                                    " flow to " + peer + " from " + who + "."
                              : "This device received a " + n.protocol +
                                    " flow from " + peer + ".") +
                    " The address matches " + c.listed + "." + follow;
    } else {
      title = std::string(outbound ? "Connections to " : "Connections from ") +
              "threat-intelligence " + what +
              (p == "end" ? " ended: " : " continue: ") + counts + " in " +
              span + " s";
      std::string protocols;
      for (const std::string& proto : c.protocols) {
        protocols += (protocols.empty() ? "" : ",") + proto;
      }
      std::string actor = c.exe.empty()
                              ? std::string("An unknown process")
                              : c.exe + " (pid " + std::to_string(c.pid) + ")";
      description =
          (outbound ? actor + " made " : std::string("This device received ")) +
          counts + " (" + protocols + ") matching " + c.listed + " over " +
          span + " s, among them " + sample + "." +
          (p == "end" ? " Nothing more has matched for " +
                            Seconds(config_.campaign_end_ms * kNsPerMs) + " s."
                      : "");
    }
    remediation =
        outbound ? "Find the process that made the connections and how it got "
                   "there; block the address at the firewall; if it is a "
                   "command-and-control or mining address, or the device "
                   "is scanning, treat the device as compromised and "
                   "reflash it."
                 : "Make sure the service receiving it is meant to be "
                   "exposed; block the address or restrict the service to "
                   "trusted networks.";
    details.emplace_back("remote_address", n.remote_address);
    details.emplace_back("direction", c.direction);
    details.emplace_back("protocol", n.protocol);
    if (!c.exe.empty()) {
      details.emplace_back("exe", c.exe);
      details.emplace_back("pid", std::to_string(c.pid));
    }
    details.emplace_back("phase", p);
    details.emplace_back("connections", matches);
    details.emplace_back("addresses", distinct);
  } else {
    const auto& d = std::get<DnsEvent>(evidence.payload);
    const std::string counts = Counted(c.matches, "answer", "answers") +
                               " for " +
                               Counted(distinct_count, "name", "names");
    if (start) {
      const std::string& name = c.sample.front();
      title = "DNS resolution of a threat-intelligence domain: " + name;
      description =
          "A DNS answer for " + d.query +
          (name != d.query ? " (via " + name + ")" : std::string()) +
          " was seen; the name matches " + c.listed +
          ". Something on or behind this device is about to contact it." +
          follow;
    } else {
      title = "DNS resolutions of threat-intelligence domain " + c.indicator +
              (p == "end" ? " ended: " : " continue: ") + counts + " in " +
              span + " s";
      description =
          counts + " under " + c.listed + " were seen over " + span +
          " s: " + sample + "." +
          (p == "end" ? " None has been seen for " +
                            Seconds(config_.campaign_end_ms * kNsPerMs) + " s."
                      : "");
    }
    remediation =
        "Find which process resolved the name (a connection to the answer "
        "usually follows); block the domain at the resolver; treat the "
        "device as compromised if the category is botnet or malware.";
    details.emplace_back("query", d.query);
    if (!d.addresses.empty()) {
      std::string answers;
      for (const std::string& a : d.addresses) {
        if (!answers.empty()) answers += ",";
        answers += a;
      }
      details.emplace_back("answers", std::move(answers));
    }
    details.emplace_back("phase", p);
    details.emplace_back("lookups", matches);
    details.emplace_back("names", distinct);
  }
  details.emplace_back("sample", sample);
  details.emplace_back("first_seen", FormatEventTime(c.first_ns));
  details.emplace_back("last_seen", FormatEventTime(c.last_ns));
  Alert alert = MakeAlert(
      evidence,
      c.kind == Kind::kConnection ? kAlertIntelConnection : kAlertIntelDns,
      c.severity, std::move(title), std::move(description),
      std::move(remediation), std::move(dedup));
  alert.details = std::move(details);
  ++alerts_;
  out.Emit(std::move(alert));
}

void IntelDetector::RememberEnd(const std::string& key, int64_t last_ns) {
  auto it = ended_.find(key);
  if (it != ended_.end()) {
    it->second = std::max(it->second, last_ns);
    return;
  }
  if (ended_.size() >= config_.max_tracked) {
    auto oldest = ended_.begin();
    for (auto e = ended_.begin(); e != ended_.end(); ++e) {
      if (e->second < oldest->second) oldest = e;
    }
    ended_.erase(oldest);
  }
  ended_.emplace(key, last_ns);
}

void IntelDetector::EndQuietCampaigns(int64_t now_ms, AlertEmitter& out) {
  for (auto it = campaigns_.begin(); it != campaigns_.end();) {
    std::vector<Campaign>& list = it->second;
    for (auto c = list.begin(); c != list.end();) {
      if (now_ms - c->last_ns / kNsPerMs >= config_.campaign_end_ms) {
        Report(*c, "end", c->last_event, out);
        RememberEnd(c->key, c->last_ns);
        ++campaigns_ended_;
        --tracked_;
        c = list.erase(c);
      } else {
        ++c;
      }
    }
    it = list.empty() ? campaigns_.erase(it) : std::next(it);
  }
}

void IntelDetector::OnExec(const Event& event, const ProcessInfo& p,
                           const IntelStore& store, AlertEmitter& out) {
  if (p.sha256.size() != 64) return;
  ++lookups_;
  std::optional<IntelMatch> m = store.LookupSha256(p.sha256);
  if (!m) return;
  ++alerts_;
  Alert alert = MakeAlert(
      event, kAlertIntelFileHash, Severity::kCritical,
      "Known malicious program executed: " + p.exe,
      "Process " + std::to_string(p.pid) + " runs " + p.exe +
          ", whose SHA-256 " + p.sha256 + " matches " + Listed(*m) + ".",
      "Kill the process, keep a copy of the binary for analysis, find how "
      "it arrived (parent process, downloads), and reflash the device if "
      "it ran as root.",
      p.sha256);
  AddMatchDetails(*m, &alert.details);
  alert.details.emplace_back("exe", p.exe);
  out.Emit(std::move(alert));
}

ComponentStats IntelDetector::Stats() const {
  return {name(),
          {{"lookups", lookups_},
           {"matches", matches_},
           {"allowed", allowed_},
           {"alerts", alerts_},
           {"no_store", no_store_},
           {"campaigns_started", started_},
           {"campaigns_ended", campaigns_ended_},
           {"tracked", tracked_},
           {"evicted", evicted_},
           {"late", late_}}};
}

}  // namespace picket

#include "detectors/intel_detector.h"

#include <utility>

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

// Facts every intel alert carries: the indicator and who listed it.
void AddMatchDetails(const IntelMatch& m, Alert* alert) {
  alert->details.emplace_back("indicator", m.indicator());
  alert->details.emplace_back("indicator_kind",
                              std::string(IndicatorKindName(m.kind())));
  alert->details.emplace_back("feed", std::string(m.feed()));
  alert->details.emplace_back("category",
                              std::string(IntelCategoryName(m.category())));
  if (m.source_count() > 1) {
    std::string feeds;
    for (size_t i = 0; i < m.source_count(); ++i) {
      IntelSource s = m.source(i);
      if (!feeds.empty()) feeds += ",";
      feeds += std::string(s.feed) + ":" +
               std::string(IntelCategoryName(s.category));
    }
    alert->details.emplace_back("all_feeds", std::move(feeds));
  }
}

std::string Listed(const IntelMatch& m) {
  return std::string(m.indicator()) + " (listed by " + std::string(m.feed()) +
         " as " + std::string(IntelCategoryName(m.category())) + ")";
}

}  // namespace

IntelDetector::IntelDetector(IntelDetectorConfig config,
                             const IntelProvider* provider)
    : config_(std::move(config)), provider_(provider) {}

void IntelDetector::OnEvent(const Event& event, AlertEmitter& out) {
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
  ++alerts_;
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
  std::string peer = n.remote_address;
  if (n.remote_port != 0) peer += " port " + std::to_string(n.remote_port);
  if (!n.remote_name.empty()) peer += " (" + n.remote_name + ")";
  std::string who = n.exe.empty()
                        ? std::string("an unknown process")
                        : n.exe + " (pid " + std::to_string(n.pid) + ")";
  std::string desc =
      outbound
          ? "This device opened a " + n.protocol + " flow to " + peer +
                " from " + who + ". The address matches " + Listed(*m) + "."
          : "This device received a " + n.protocol + " flow from " + peer +
                ". The address matches " + Listed(*m) + ".";
  Alert alert = MakeAlert(
      event, kAlertIntelConnection, severity,
      std::string(outbound ? "Connection to " : "Connection from ") +
          "a threat-intelligence address: " + n.remote_address + " (" +
          std::string(IntelCategoryName(m->category())) + ")",
      std::move(desc),
      outbound ? "Find the process that made the connection and how it got "
                 "there; block the address at the firewall; if it is a "
                 "command-and-control or mining address, treat the device "
                 "as compromised and reflash it."
               : "Make sure the service receiving it is meant to be "
                 "exposed; block the address or restrict the service to "
                 "trusted networks.",
      m->indicator() + "|" + n.remote_address + "|" + n.direction);
  AddMatchDetails(*m, &alert);
  alert.details.emplace_back("remote_address", n.remote_address);
  alert.details.emplace_back("direction", n.direction);
  alert.details.emplace_back("protocol", n.protocol);
  out.Emit(std::move(alert));
}

void IntelDetector::OnDns(const Event& event, const DnsEvent& d,
                          const IntelStore& store, AlertEmitter& out) {
  std::vector<const std::string*> names = {&d.query};
  for (const std::string& c : d.cnames) names.push_back(&c);
  for (const std::string* name : names) {
    ++lookups_;
    std::optional<IntelMatch> m = store.LookupDomain(*name);
    if (!m) continue;
    ++alerts_;
    Alert alert = MakeAlert(
        event, kAlertIntelDns,
        IsSevereCategory(m->category()) ? Severity::kCritical : Severity::kHigh,
        "DNS resolution of a threat-intelligence domain: " + *name,
        "A DNS answer for " + d.query +
            (*name != d.query ? " (via " + *name + ")" : std::string()) +
            " was seen; the name matches " + Listed(*m) +
            ". Something on or behind this device is about to contact it.",
        "Find which process resolved the name (a connection to the answer "
        "usually follows); block the domain at the resolver; treat the "
        "device as compromised if the category is botnet or malware.",
        m->indicator() + "|" + *name);
    AddMatchDetails(*m, &alert);
    alert.details.emplace_back("query", d.query);
    if (!d.addresses.empty()) {
      std::string answers;
      for (const std::string& a : d.addresses) {
        if (!answers.empty()) answers += ",";
        answers += a;
      }
      alert.details.emplace_back("answers", std::move(answers));
    }
    out.Emit(std::move(alert));
    return;  // one alert per answer is enough
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
  AddMatchDetails(*m, &alert);
  alert.details.emplace_back("exe", p.exe);
  out.Emit(std::move(alert));
}

ComponentStats IntelDetector::Stats() const {
  return {
      name(),
      {{"lookups", lookups_}, {"alerts", alerts_}, {"no_store", no_store_}}};
}

}  // namespace picket

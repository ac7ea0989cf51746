// IntelDetector: matches events against the threat-intelligence store.
//
//  - network.connection: the remote address (either direction, TCP, UDP,
//    ICMP, IPv4 and IPv6; exact address or longest listed CIDR) ->
//    `intel.connection`;
//  - network.dns: the queried name and each CNAME (exact or a listed parent
//    domain) -> `intel.dns`;
//  - process.exec / process.snapshot: the executable's SHA-256 ->
//    `intel.file_hash`.
// Alerts name the indicator, its feed(s) and category in `details`.
// Severity follows the category and direction: the device reaching out to a
// C2, malware or miner address is what matters most; inbound traffic from
// scanners and brute-forcers is the internet's background noise.
//
// Connections and DNS answers are summarised into campaigns, so a scan of
// 50,000 addresses in one listed /8 is one alert, not 50,000. A campaign is
// keyed by what matched: the indicator (address, CIDR or domain) with its
// feed and category, the direction, and the local process when known (a
// flow whose process is unknown joins the indicator's latest campaign; the
// first known process adopts a campaign started without one). Its first
// match alerts at once ("start"); later matches are counted (connections
// or answers, distinct addresses or names, a sample of the first ten) and
// reported at most once per realert_interval ("ongoing"); once quiet for
// campaign_end it is summarised ("end"; the summary waits for the next
// event the detector sees: the periodic statistics event guarantees one).
// Dedup keys are "<key>@<start>", "...#<n>", "...#end", so the pipeline's
// dedup window never hides them. At most max_tracked campaigns are kept;
// beyond that the longest-quiet one is forgotten, counted as evicted.
// File hashes alert per executable, deduplicated by the pipeline.
// Addresses, CIDRs and domains on the allow list (intel.allow and the
// device's own infrastructure) never alert: their matches are counted as
// `allowed`.
// The store comes from an IntelProvider, so the agent can swap a replaced
// file underneath without the detector noticing. Portable.
#ifndef PICKET_DETECTORS_INTEL_DETECTOR_H_
#define PICKET_DETECTORS_INTEL_DETECTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/config.h"
#include "detectors/distinct_counter.h"
#include "intel/allow_list.h"
#include "intel/provider.h"
#include "intel/store.h"
#include "picket/detector.h"

namespace picket {

inline constexpr char kAlertIntelConnection[] = "intel.connection";
inline constexpr char kAlertIntelDns[] = "intel.dns";
inline constexpr char kAlertIntelFileHash[] = "intel.file_hash";

class IntelDetector final : public Detector {
 public:
  // `provider` must outlive the detector; null means no intel. Matches of
  // what `allow` allows are counted, never alerted.
  IntelDetector(IntelDetectorConfig config, const IntelProvider* provider,
                IntelAllowList allow = {});

  std::string name() const override { return "detector.intel"; }
  void OnEvent(const Event& event, AlertEmitter& out) override;
  ComponentStats Stats() const override;

 private:
  enum class Kind { kConnection, kDns };

  // Matches of one indicator, reported at start, reminded, summarised.
  struct Campaign {
    Kind kind = Kind::kConnection;
    std::string key;  // indicator|feed:category|direction (dedup key root)
    std::string exe;  // the local process; empty when unknown
    uint32_t pid = 0;
    Severity severity = Severity::kMedium;
    std::string indicator;
    bool network = false;  // a CIDR, not a single address
    std::string listed;    // "X (listed by F as C)"
    std::string category;
    std::vector<std::pair<std::string, std::string>> match;  // details
    std::string direction;
    int64_t first_ns = 0;
    int64_t last_ns = 0;
    int64_t last_alert_ms = 0;
    uint64_t matches = 0;      // connections (flow counts) or DNS answers
    DistinctCounter distinct;  // remote addresses or names
    std::vector<std::string> sample;  // the first distinct ones
    std::vector<std::string> protocols;
    uint32_t reminders = 0;
    Event last_event;  // evidence of reminders and the summary
  };

  void OnConnection(const Event& event, const NetworkEvent& n,
                    const IntelStore& store, AlertEmitter& out);
  void OnDns(const Event& event, const DnsEvent& d, const IntelStore& store,
             AlertEmitter& out);
  void OnExec(const Event& event, const ProcessInfo& p, const IntelStore& store,
              AlertEmitter& out);
  // The campaign of `key` that a match by `exe` belongs to, or nullptr.
  Campaign* Find(const std::string& key, const std::string& exe, uint32_t pid);
  // A new campaign for `key` (forgetting the longest-quiet one when full).
  Campaign* Start(const std::string& key);
  // True when a report of activity at `seen_ns` comes after the campaign
  // of `key` that covered it was summarised (a flow's periodic or final
  // report): it is counted as late and raises nothing.
  bool IsLate(const std::string& key, int64_t seen_ns);
  // Remembers that the campaign of `key` ended, active until `last_ns`.
  void RememberEnd(const std::string& key, int64_t last_ns);
  // Counts one match, active at `seen_ns`, into `c`: `item` is the address
  // or name.
  void Count(Campaign* c, const Event& event, int64_t seen_ns,
             const std::string& item, uint64_t matches,
             const std::string& protocol);
  // Reminds when the realert interval has passed since the last alert.
  void MaybeRemind(Campaign* c, int64_t now_ms, AlertEmitter& out);
  void Report(const Campaign& c, const char* phase, const Event& evidence,
              AlertEmitter& out);
  void EndQuietCampaigns(int64_t now_ms, AlertEmitter& out);

  IntelDetectorConfig config_;
  const IntelProvider* provider_;
  IntelAllowList allow_;
  // Campaigns by key; the processes of one key, in start order.
  std::unordered_map<std::string, std::vector<Campaign>> campaigns_;
  size_t tracked_ = 0;
  int64_t last_sweep_ms_ = 0;
  uint64_t lookups_ = 0;
  uint64_t no_store_ = 0;
  uint64_t matches_ = 0;
  uint64_t allowed_ = 0;  // matches of allowed values, not alerted
  uint64_t alerts_ = 0;
  uint64_t started_ = 0;
  uint64_t campaigns_ended_ = 0;
  uint64_t late_ = 0;
  // Last activity of recently ended campaigns, by key (at most
  // max_tracked; the oldest is forgotten first).
  std::unordered_map<std::string, int64_t> ended_;
  uint64_t evicted_ = 0;
};

}  // namespace picket

#endif  // PICKET_DETECTORS_INTEL_DETECTOR_H_

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
// The store comes from an IntelProvider, so the agent can swap a replaced
// file underneath without the detector noticing. Portable.
#ifndef PICKET_DETECTORS_INTEL_DETECTOR_H_
#define PICKET_DETECTORS_INTEL_DETECTOR_H_

#include <memory>
#include <string>

#include "core/config.h"
#include "intel/provider.h"
#include "intel/store.h"
#include "picket/detector.h"

namespace picket {

inline constexpr char kAlertIntelConnection[] = "intel.connection";
inline constexpr char kAlertIntelDns[] = "intel.dns";
inline constexpr char kAlertIntelFileHash[] = "intel.file_hash";

class IntelDetector final : public Detector {
 public:
  // `provider` must outlive the detector; null means no intel.
  IntelDetector(IntelDetectorConfig config, const IntelProvider* provider);

  std::string name() const override { return "detector.intel"; }
  void OnEvent(const Event& event, AlertEmitter& out) override;
  ComponentStats Stats() const override;

 private:
  void OnConnection(const Event& event, const NetworkEvent& n,
                    const IntelStore& store, AlertEmitter& out);
  void OnDns(const Event& event, const DnsEvent& d, const IntelStore& store,
             AlertEmitter& out);
  void OnExec(const Event& event, const ProcessInfo& p, const IntelStore& store,
              AlertEmitter& out);

  IntelDetectorConfig config_;
  const IntelProvider* provider_;
  uint64_t lookups_ = 0;
  uint64_t no_store_ = 0;
  uint64_t alerts_ = 0;
};

}  // namespace picket

#endif  // PICKET_DETECTORS_INTEL_DETECTOR_H_

// Remote configuration: a JSON document from the fleet, laid over the local
// YAML file.
//
// The document has the same schema as the YAML file, restricted to what may
// be changed remotely (kRemoteSections: collector switches and intervals,
// detector thresholds, intel location, posture schedule), plus a required
// "version" (string or integer) that the agent reports back. It is validated
// as a whole against the local file: either every field is valid and the
// merged configuration is returned, or the result lists every invalid field
// and why, and nothing changes. docs/mqtt.md describes the protocol around it.
//
// Portable (yaml-cpp and RapidJSON only); thread-safe.
#ifndef PICKET_CORE_REMOTE_CONFIG_H_
#define PICKET_CORE_REMOTE_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace picket {

// Top-level sections a remote document may contain besides "version".
inline constexpr std::string_view kRemoteSections[] = {
    "collectors", "detectors", "intel", "posture", "log_level"};

// Remote documents are small; anything larger is refused unread.
inline constexpr size_t kMaxRemoteConfigBytes = 256 * 1024;

struct RemoteConfigError {
  std::string field;  // dotted key path ("detectors.brute_force.capacity");
                      // "" for the document as a whole
  std::string error;  // what is wrong
};

struct RemoteConfigResult {
  bool ok = false;
  std::string version;  // the document's version ("" when unreadable)
  std::vector<RemoteConfigError> errors;
  Config config;  // the merged configuration, when ok
};

// Lays `json` over the local configuration text `base_yaml` (already known
// to be valid; `base_name` names it in messages) and validates the result.
RemoteConfigResult ApplyRemoteConfig(std::string_view base_yaml,
                                     std::string_view base_name,
                                     std::string_view json);

// The report the agent publishes: {"version":..,"status":"applied"} or
// {"version":..,"status":"rejected","errors":[{"field":..,"error":..}]}.
std::string RemoteConfigReportJson(const RemoteConfigResult& result,
                                   std::string_view device_id);

}  // namespace picket

#endif  // PICKET_CORE_REMOTE_CONFIG_H_

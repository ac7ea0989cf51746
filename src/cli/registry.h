// The registry: an explicit table of the collectors, detectors and sinks
// built into this binary (each under its compile-time switch, PICKET_PARTS
// in CMakeLists.txt), and the factories that build the enabled ones from a
// Config. No static initialisers: what is listed here is what exists. A
// part's options are its own (its *_config.h, core/options.h).
#ifndef PICKET_CLI_REGISTRY_H_
#define PICKET_CLI_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "intel/allow_list.h"
#include "intel/provider.h"
#include "picket/collector.h"
#include "picket/detector.h"
#include "picket/sink.h"

namespace picket {

struct BuildContext {
  std::string root = "/";  // prefix for /proc, /etc, ... (tests)
  const Clock* clock = nullptr;
};

std::vector<std::unique_ptr<Collector>> BuildCollectors(
    const Config& config, const BuildContext& ctx);
// What detectors may use besides their configuration.
struct DetectorContext {
  const IntelProvider* intel = nullptr;  // never null for the intel detector
  // What the intel detector never alerts on; null: nothing. Copied.
  const IntelAllowList* intel_allow = nullptr;
};

std::vector<std::unique_ptr<Detector>> BuildDetectors(
    const Config& config, const DetectorContext& ctx);
std::vector<std::unique_ptr<Sink>> BuildSinks(const Config& config);

// Names of every part compiled in, for `picket version`.
std::vector<std::string> BuiltInParts();

}  // namespace picket

#endif  // PICKET_CLI_REGISTRY_H_

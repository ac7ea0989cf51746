#include "cli/registry.h"

#include "cli/cli_util.h"
#include "picket/build_config.h"

// One include and one row per part, each under its switch (PICKET_PARTS in
// CMakeLists.txt).
#if PICKET_COLLECTOR_PROCESS
#include "collectors/linux/process_collector.h"
#endif
#if PICKET_COLLECTOR_NETWORK
#include "collectors/net/linux/network_collector.h"
#endif
#if PICKET_COLLECTOR_LOGIN
#include "collectors/login/linux/login_collector.h"
#endif
#if PICKET_COLLECTOR_POSTURE
#include "posture/posture_collector.h"
#endif
#if PICKET_DETECTOR_INTEL
#include "detectors/intel_detector.h"
#endif
#if PICKET_DETECTOR_BRUTE_FORCE
#include "detectors/brute_force.h"
#endif
#if PICKET_DETECTOR_DELETED_EXECUTABLE
#include "detectors/deleted_executable.h"
#endif
#if PICKET_DETECTOR_EXEC_LOCATION
#include "detectors/exec_location.h"
#endif
#if PICKET_DETECTOR_LOGIN_ALERTS
#include "detectors/login_alerts.h"
#endif
#if PICKET_SINK_JSONL
#include "sinks/jsonl_sink.h"
#endif
#if PICKET_SINK_STDOUT
#include "sinks/stdout_sink.h"
#endif

namespace picket {

namespace {

struct CollectorEntry {
  const char* name;
  bool (*enabled)(const Config&);
  std::unique_ptr<Collector> (*create)(const Config&, const BuildContext&);
};

struct DetectorEntry {
  const char* name;
  bool (*enabled)(const Config&);
  std::unique_ptr<Detector> (*create)(const Config&, const DetectorContext&);
};

struct SinkEntry {
  const char* name;
  bool (*enabled)(const Config&);
  std::unique_ptr<Sink> (*create)(const Config&);
};

constexpr CollectorEntry kCollectors[] = {
#if PICKET_COLLECTOR_PROCESS
    {"collector.process",
     [](const Config& c) { return c.collectors.process.enabled; },
     [](const Config& c,
        const BuildContext& ctx) -> std::unique_ptr<Collector> {
       return std::make_unique<ProcessCollector>(c.collectors.process, ctx.root,
                                                 ctx.clock);
     }},
#endif
#if PICKET_COLLECTOR_NETWORK
    {"collector.network",
     [](const Config& c) { return c.collectors.network.enabled; },
     [](const Config& c,
        const BuildContext& ctx) -> std::unique_ptr<Collector> {
       return std::make_unique<NetworkCollector>(c.collectors.network, ctx.root,
                                                 ctx.clock);
     }},
#endif
#if PICKET_COLLECTOR_LOGIN
    {"collector.login",
     [](const Config& c) { return c.collectors.login.enabled; },
     [](const Config& c,
        const BuildContext& ctx) -> std::unique_ptr<Collector> {
       return std::make_unique<LoginCollector>(c.collectors.login, ctx.root,
                                               c.state_dir, ctx.clock);
     }},
#endif
#if PICKET_COLLECTOR_POSTURE
    {"collector.posture", [](const Config& c) { return c.posture.enabled; },
     [](const Config& c,
        const BuildContext& ctx) -> std::unique_ptr<Collector> {
       PostureConfig posture = c.posture;
       posture.policy = ResolvePolicyPath(posture.policy);
       return std::make_unique<PostureCollector>(
           posture, ctx.root, ctx.clock, c.state_dir + "/posture-results");
     }},
#endif
    {nullptr, nullptr, nullptr},
};

constexpr DetectorEntry kDetectors[] = {
#if PICKET_DETECTOR_INTEL
    {"detector.intel",
     [](const Config& c) { return c.detectors.intel.enabled; },
     [](const Config& c,
        const DetectorContext& ctx) -> std::unique_ptr<Detector> {
       return std::make_unique<IntelDetector>(
           c.detectors.intel, ctx.intel,
           ctx.intel_allow ? *ctx.intel_allow : IntelAllowList());
     }},
#endif
#if PICKET_DETECTOR_BRUTE_FORCE
    {"detector.brute_force",
     [](const Config& c) { return c.detectors.brute_force.enabled; },
     [](const Config& c, const DetectorContext&) -> std::unique_ptr<Detector> {
       return std::make_unique<BruteForceDetector>(c.detectors.brute_force);
     }},
#endif
#if PICKET_DETECTOR_LOGIN_ALERTS
    {"detector.login_alerts",
     [](const Config& c) { return c.detectors.login_alerts.enabled; },
     [](const Config& c, const DetectorContext&) -> std::unique_ptr<Detector> {
       return std::make_unique<LoginAlertsDetector>(c.detectors.login_alerts);
     }},
#endif
#if PICKET_DETECTOR_EXEC_LOCATION
    {"detector.exec_location",
     [](const Config& c) { return c.detectors.exec_location.enabled; },
     [](const Config& c, const DetectorContext&) -> std::unique_ptr<Detector> {
       return std::make_unique<ExecLocationDetector>(c.detectors.exec_location);
     }},
#endif
#if PICKET_DETECTOR_DELETED_EXECUTABLE
    {"detector.deleted_executable",
     [](const Config& c) { return c.detectors.deleted_executable.enabled; },
     [](const Config& c, const DetectorContext&) -> std::unique_ptr<Detector> {
       return std::make_unique<DeletedExecutableDetector>(
           c.detectors.deleted_executable);
     }},
#endif
    {nullptr, nullptr, nullptr},
};

constexpr SinkEntry kSinks[] = {
#if PICKET_SINK_JSONL
    {"sink.jsonl", [](const Config& c) { return c.sinks.jsonl.enabled; },
     [](const Config& c) -> std::unique_ptr<Sink> {
       return std::make_unique<JsonlSink>(c.sinks.jsonl);
     }},
#endif
#if PICKET_SINK_STDOUT
    {"sink.stdout", [](const Config& c) { return c.sinks.stdout_sink.enabled; },
     [](const Config& c) -> std::unique_ptr<Sink> {
       return std::make_unique<StdoutSink>(c.sinks.stdout_sink);
     }},
#endif
#if PICKET_SINK_MQTT
    // Built by the agent, which gives it the event loop and outlives
    // reloads with it (cli/agent.cc).
    {"sink.mqtt", [](const Config& c) { return c.sinks.mqtt.enabled; },
     nullptr},
#endif
    {nullptr, nullptr, nullptr},
};

}  // namespace

std::vector<std::unique_ptr<Collector>> BuildCollectors(
    const Config& config, const BuildContext& ctx) {
  std::vector<std::unique_ptr<Collector>> out;
  for (const CollectorEntry& e : kCollectors) {
    if (e.name != nullptr && e.enabled(config)) {
      out.push_back(e.create(config, ctx));
    }
  }
  return out;
}

std::vector<std::unique_ptr<Detector>> BuildDetectors(
    const Config& config, const DetectorContext& ctx) {
  std::vector<std::unique_ptr<Detector>> out;
  for (const DetectorEntry& e : kDetectors) {
    if (e.name == nullptr || e.create == nullptr) continue;
    if (!e.enabled(config)) continue;
    auto d = e.create(config, ctx);
    if (d) out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::unique_ptr<Sink>> BuildSinks(const Config& config) {
  std::vector<std::unique_ptr<Sink>> out;
  for (const SinkEntry& e : kSinks) {
    if (e.create != nullptr && e.enabled(config)) {
      out.push_back(e.create(config));
    }
  }
  return out;
}

std::vector<std::string> BuiltInParts() {
  std::vector<std::string> out;
  for (const CollectorEntry& e : kCollectors) {
    if (e.name != nullptr) out.push_back(e.name);
  }
  for (const DetectorEntry& e : kDetectors) {
    if (e.name != nullptr) out.push_back(e.name);
  }
  for (const SinkEntry& e : kSinks) {
    if (e.name != nullptr) out.push_back(e.name);
  }
  return out;
}

}  // namespace picket

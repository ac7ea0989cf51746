#include "cli/registry.h"

#include "cli/cli_util.h"
#include "detectors/brute_force.h"
#include "detectors/deleted_executable.h"
#include "detectors/exec_location.h"
#include "detectors/login_alerts.h"
#include "picket/build_config.h"
#include "posture/posture_collector.h"
#include "sinks/jsonl_sink.h"
#include "sinks/stdout_sink.h"

#if PICKET_COLLECTOR_PROCESS
#include "collectors/linux/process_collector.h"
#endif
#include "collectors/login/linux/login_collector.h"
#if PICKET_COLLECTOR_NETWORK
#include "collectors/net/linux/network_collector.h"
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
    {"collector.login",
     [](const Config& c) { return c.collectors.login.enabled; },
     [](const Config& c,
        const BuildContext& ctx) -> std::unique_ptr<Collector> {
       return std::make_unique<LoginCollector>(c.collectors.login, ctx.root,
                                               c.state_dir, ctx.clock);
     }},
    {"collector.posture", [](const Config& c) { return c.posture.enabled; },
     [](const Config& c,
        const BuildContext& ctx) -> std::unique_ptr<Collector> {
       PostureConfig posture = c.posture;
       posture.policy = ResolvePolicyPath(posture.policy);
       return std::make_unique<PostureCollector>(
           posture, ctx.root, ctx.clock, c.state_dir + "/posture-results");
     }},
    {nullptr, nullptr, nullptr},
};

constexpr DetectorEntry kDetectors[] = {
    {"detector.intel",
     [](const Config& c) { return c.detectors.intel.enabled; },
     [](const Config& c,
        const DetectorContext& ctx) -> std::unique_ptr<Detector> {
       return std::make_unique<IntelDetector>(c.detectors.intel, ctx.intel);
     }},
    {"detector.brute_force",
     [](const Config& c) { return c.detectors.brute_force.enabled; },
     [](const Config& c, const DetectorContext&) -> std::unique_ptr<Detector> {
       return std::make_unique<BruteForceDetector>(c.detectors.brute_force);
     }},
    {"detector.login_alerts",
     [](const Config& c) { return c.detectors.login_alerts.enabled; },
     [](const Config& c, const DetectorContext&) -> std::unique_ptr<Detector> {
       return std::make_unique<LoginAlertsDetector>(c.detectors.login_alerts);
     }},
    {"detector.exec_location",
     [](const Config& c) { return c.detectors.exec_location.enabled; },
     [](const Config& c, const DetectorContext&) -> std::unique_ptr<Detector> {
       return std::make_unique<ExecLocationDetector>(c.detectors.exec_location);
     }},
    {"detector.deleted_executable",
     [](const Config& c) { return c.detectors.deleted_executable.enabled; },
     [](const Config& c, const DetectorContext&) -> std::unique_ptr<Detector> {
       return std::make_unique<DeletedExecutableDetector>(
           c.detectors.deleted_executable);
     }},
};

constexpr SinkEntry kSinks[] = {
    {"sink.jsonl", [](const Config& c) { return c.sinks.jsonl.enabled; },
     [](const Config& c) -> std::unique_ptr<Sink> {
       return std::make_unique<JsonlSink>(c.sinks.jsonl);
     }},
    {"sink.stdout", [](const Config& c) { return c.sinks.stdout_sink.enabled; },
     [](const Config& c) -> std::unique_ptr<Sink> {
       return std::make_unique<StdoutSink>(c.sinks.stdout_sink);
     }},
#if PICKET_SINK_MQTT
    // Built by the agent, which gives it the event loop and outlives
    // reloads with it (cli/agent.cc).
    {"sink.mqtt", [](const Config& c) { return c.sinks.mqtt.enabled; },
     nullptr},
#endif
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
    if (!e.enabled(config)) continue;
    if (e.create == nullptr) continue;
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
  for (const DetectorEntry& e : kDetectors) out.push_back(e.name);
  for (const SinkEntry& e : kSinks) out.push_back(e.name);
  return out;
}

}  // namespace picket

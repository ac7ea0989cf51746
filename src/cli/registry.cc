#include "cli/registry.h"

#include "detectors/deleted_executable.h"
#include "detectors/exec_location.h"
#include "picket/build_config.h"
#include "sinks/jsonl_sink.h"
#include "sinks/stdout_sink.h"

#if PICKET_COLLECTOR_PROCESS
#include "collectors/linux/process_collector.h"
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
  std::unique_ptr<Detector> (*create)(const Config&);
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
    {nullptr, nullptr, nullptr},
};

constexpr DetectorEntry kDetectors[] = {
    {"detector.exec_location",
     [](const Config& c) { return c.detectors.exec_location.enabled; },
     [](const Config& c) -> std::unique_ptr<Detector> {
       return std::make_unique<ExecLocationDetector>(c.detectors.exec_location);
     }},
    {"detector.deleted_executable",
     [](const Config& c) { return c.detectors.deleted_executable.enabled; },
     [](const Config& c) -> std::unique_ptr<Detector> {
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

std::vector<std::unique_ptr<Detector>> BuildDetectors(const Config& config) {
  std::vector<std::unique_ptr<Detector>> out;
  for (const DetectorEntry& e : kDetectors) {
    if (e.enabled(config)) out.push_back(e.create(config));
  }
  return out;
}

std::vector<std::unique_ptr<Sink>> BuildSinks(const Config& config) {
  std::vector<std::unique_ptr<Sink>> out;
  for (const SinkEntry& e : kSinks) {
    if (e.enabled(config)) out.push_back(e.create(config));
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

// `picket replay`: a capture file through the same network code and
// detectors as the live agent, writing the same JSON lines.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/registry.h"
#include "collectors/net/linux/capture.h"
#include "collectors/net/network_engine.h"
#include "core/clock.h"
#include "core/event_json.h"
#include "engine/pipeline.h"
#include "intel/linux/intel_provider.h"
#include "sinks/jsonl_sink.h"

namespace picket {

namespace {

// Writes each event as one JSON line to a descriptor (stdout).
class FdJsonLinesSink final : public Sink {
 public:
  explicit FdJsonLinesSink(int fd) : fd_(fd) {}
  std::string name() const override { return "sink.replay"; }
  Status Open() override { return Status::Ok(); }
  void Write(const Event& event) override {
    buffer_ += EventToJson(event);
    buffer_ += '\n';
    ++written_;
    if (buffer_.size() > (64 << 10)) Flush();
  }
  void Flush() override {
    size_t off = 0;
    while (off < buffer_.size()) {
      ssize_t n = write(fd_, buffer_.data() + off, buffer_.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    buffer_.clear();
  }
  ComponentStats Stats() const override {
    return {name(), {{"written", written_}}};
  }

 private:
  int fd_;
  std::string buffer_;
  uint64_t written_ = 0;
};

}  // namespace

int ReplayCommand(int argc, char** argv) {
  CLI::App app{
      "Replay a capture file (pcap or pcapng) through the network collector "
      "and the detectors, writing events and alerts as JSON lines. Times "
      "are the capture's. Exit 0 when the whole file was read, 1 when it "
      "could not be read or was cut short (events up to that point are "
      "written), 2 on a usage or configuration error.",
      "picket replay"};
  std::string pcap_path;
  std::string config_path;
  std::string output = "-";
  app.add_option("--pcap", pcap_path, "capture file to replay")->required();
  app.add_option("-c,--config", config_path,
                 "configuration (detector settings, report interval); "
                 "default: built-in defaults");
  app.add_option("-o,--output", output,
                 "JSON-lines output file, '-' for stdout (default)");
  std::string intel_path;
  app.add_option("--intel", intel_path,
                 "compiled intel file to match against (default: the "
                 "configuration's intel.path when a --config is given)");
  if (int rc = ParseCli(app, argc, argv); rc >= 0) return rc;

  Config config;
  if (!config_path.empty()) {
    if (int rc = LoadConfigOrExplain(config_path, &config); rc >= 0) {
      return rc;
    }
  }
  auto capture = Capture::OpenFile(pcap_path);
  if (!capture.ok()) {
    std::fprintf(stderr, "picket replay: %s\n",
                 capture.status().message().c_str());
    return kExitFailure;
  }

  ManualClock clock;
  PipelineOptions popts;
  popts.device_id = "replay";
  popts.run_id = "replay";
  popts.queue_capacity = 1 << 20;
  popts.dedup_window_ms = config.engine.alert_dedup_window_ms;
  popts.alert_budget = config.engine.alert_budget;
  Pipeline pipeline(popts, &clock);
  if (intel_path.empty() && !config_path.empty())
    intel_path = config.intel.path;
  std::unique_ptr<IntelHandle> intel;
  if (!intel_path.empty()) {
    intel = std::make_unique<IntelHandle>(intel_path);
    if (Status st = intel->Load(); !st.ok()) {
      std::fprintf(stderr, "picket replay: intel: %s\n", st.message().c_str());
      return kExitFailure;
    }
  }
  HandleIntelProvider provider(intel.get());
  DetectorContext dctx;
  dctx.intel = &provider;
  // Only the configured allow list: the device's own infrastructure is
  // not this machine's.
  IntelAllowList allow;
  for (const std::string& item : config.intel.allow) {
    std::string error;
    (void)allow.Add(item, &error);  // validated with the configuration
  }
  dctx.intel_allow = &allow;
  for (auto& d : BuildDetectors(config, dctx)) {
    pipeline.AddDetector(std::move(d));
  }
  if (output == "-") {
    pipeline.AddSink(std::make_unique<FdJsonLinesSink>(1));
  } else {
    JsonlSinkConfig jc;
    jc.path = output;
    jc.max_bytes = 0;  // one file, no rotation
    auto sink = std::make_unique<JsonlSink>(jc);
    if (Status st = sink->Open(); !st.ok()) {
      std::fprintf(stderr, "picket replay: %s\n", st.message().c_str());
      return kExitFailure;
    }
    pipeline.AddSink(std::move(sink));
  }

  NetworkEngineOptions eopts;
  eopts.report_interval_ms = config.collectors.network.report_interval_ms;
  eopts.max_flows = config.collectors.network.max_flows;
  eopts.source = "replay";
  NetworkEngine engine(eopts, [&](Event e) { pipeline.Submit(std::move(e)); });

  const int link = (*capture)->link_type();
  const int64_t interval_ns = eopts.report_interval_ms * 1000000;
  int64_t next_flush_ns = 0;
  uint64_t packets = 0, malformed = 0, unsupported = 0;
  Status read_status;
  for (;;) {
    auto n = (*capture)->Dispatch(
        1024, [&](const uint8_t* data, size_t caplen, int64_t time_ns) {
          ++packets;
          clock.SetRealtimeNs(time_ns);
          if (next_flush_ns == 0) next_flush_ns = time_ns + interval_ns;
          while (time_ns >= next_flush_ns) {
            engine.Flush(next_flush_ns);
            next_flush_ns += interval_ns;
          }
          DecodedPacket p;
          switch (DecodePacket(link, data, caplen, &p)) {
            case DecodeResult::kOk:
              engine.OnPacket(p, time_ns);
              break;
            case DecodeResult::kMalformed:
              ++malformed;
              break;
            case DecodeResult::kUnsupported:
              ++unsupported;
              break;
          }
        });
    pipeline.Drain();
    if (!n.ok()) {
      read_status = n.status();
      break;
    }
    if (*n == 0) break;
  }
  engine.Flush(clock.RealtimeNs());
  pipeline.Drain();
  std::fprintf(stderr,
               "picket replay: %s: %llu packets (%llu malformed, %llu not "
               "IP/TCP/UDP/ICMP)\n",
               pcap_path.c_str(), static_cast<unsigned long long>(packets),
               static_cast<unsigned long long>(malformed),
               static_cast<unsigned long long>(unsupported));
  if (!read_status.ok()) {
    std::fprintf(stderr, "picket replay: %s: %s\n", pcap_path.c_str(),
                 read_status.message().c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace picket

#include "cli/agent.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <random>

#include "cli/registry.h"
#include "collectors/linux/file_hash.h"
#include "core/log.h"
#include "picket/build_config.h"

namespace picket {

namespace {

std::string RandomRunId() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string ReadSmallFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string ResolveDeviceId(const std::string& configured,
                            const std::string& root) {
  if (configured != "auto") return configured;
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof host, "device");
  }
  std::string prefix = root == "/" ? "" : root;
  std::string machine_id = Trim(ReadSmallFile(prefix + "/etc/machine-id"));
  if (machine_id.empty()) return host;
  std::string salted = "picket-device-id:" + machine_id;
  return std::string(host) + "-" +
         Sha256Hex(salted.data(), salted.size()).substr(0, 8);
}

Agent::Agent(AgentOptions options, Config config)
    : options_(std::move(options)), config_(std::move(config)) {
  ApplyOverrides(&config_);
}

Agent::~Agent() { StopParts(); }

void Agent::ApplyOverrides(Config* config) const {
  if (options_.console) config->sinks.stdout_sink.enabled = true;
}

Status Agent::Run() {
  // Files the agent creates are private; it never needs new privileges.
  umask(077);
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  LogLevel level;
  if (ParseLogLevel(config_.log_level, &level)) SetLogLevel(level);

  auto loop = EventLoop::Create();
  if (!loop.ok()) return loop.status();
  loop_ = std::move(loop.value());

  PipelineOptions popts;
  popts.device_id = ResolveDeviceId(config_.device.id, options_.root);
  popts.run_id = RandomRunId();
  popts.queue_capacity = config_.engine.queue_capacity;
  popts.dedup_window_ms = config_.engine.alert_dedup_window_ms;
  pipeline_ = std::make_unique<Pipeline>(popts, &clock_);
  loop_->AddAfterHook([this] { pipeline_->Drain(); });

  PICKET_RETURN_IF_ERROR(
      loop_->HandleSignals({SIGTERM, SIGINT, SIGHUP}, [this](int signo) {
        if (signo == SIGHUP) {
          Reload();
        } else {
          LogInfo(std::string("stopping on ") + strsignal(signo));
          loop_->Stop();
        }
      }));
  // A closed stdout (console piped into a pager that quit) must not kill us.
  signal(SIGPIPE, SIG_IGN);

  started_ms_ = loop_->NowMs();
  SubmitStatus("started", std::string("picket ") + PICKET_VERSION +
                              ", device " + popts.device_id + ", config " +
                              options_.config_path);
  PICKET_RETURN_IF_ERROR(StartParts());
  LogInfo("running as device " + popts.device_id);

  Status st = loop_->Run();
  SubmitStatus("stopping", "clean shutdown");
  StopParts();
  SubmitStatistics();
  pipeline_->Drain();
  return st;
}

Status Agent::StartParts() {
  for (auto& sink : BuildSinks(config_)) {
    Status st = sink->Open();
    if (!st.ok()) {
      // A sink that cannot open now keeps retrying on flush; say so.
      LogWarning(sink->name() + ": " + st.ToString());
      SubmitStatus("error", sink->name() + ": " + st.ToString());
    }
    pipeline_->AddSink(std::move(sink));
  }
  StartIntel();
  DetectorContext dctx;
  dctx.intel = &intel_provider_;
  for (auto& detector : BuildDetectors(config_, dctx)) {
    pipeline_->AddDetector(std::move(detector));
  }
  BuildContext ctx;
  ctx.root = options_.root;
  ctx.clock = &clock_;
  collectors_ = BuildCollectors(config_, ctx);
  for (auto& collector : collectors_) {
    Status st = collector->Start(*loop_, *pipeline_);
    if (!st.ok()) return st.WithContext(collector->name());
  }
  if (config_.engine.statistics_interval_ms > 0) {
    stats_timer_ = loop_->AddTimer(config_.engine.statistics_interval_ms,
                                   config_.engine.statistics_interval_ms,
                                   [this] { SubmitStatistics(); });
  }
  return Status::Ok();
}

void Agent::StartIntel() {
  if (!config_.detectors.intel.enabled) return;
  intel_ = std::make_unique<IntelHandle>(config_.intel.path);
  intel_provider_ = HandleIntelProvider(intel_.get());
  Status st = intel_->Load();
  if (st.ok()) {
    const IntelStore& store = intel_->Current()->store();
    uint64_t total = 0;
    for (int k = 0; k < kIndicatorKindCount; ++k) {
      total += store.count(static_cast<IndicatorKind>(k));
    }
    SubmitStatus("intel", "loaded " + config_.intel.path + ": " +
                              std::to_string(total) + " indicators from " +
                              std::to_string(store.feed_count()) + " feeds");
  } else {
    LogWarning("intel: " + st.message());
    SubmitStatus("intel", "no intel loaded (" + st.message() +
                              "); indicators are not matched until " +
                              config_.intel.path + " appears");
  }
  intel_timer_ = loop_->AddTimer(config_.intel.reload_check_interval_ms,
                                 config_.intel.reload_check_interval_ms,
                                 [this] { CheckIntel(); });
}

void Agent::CheckIntel() {
  if (!intel_) return;
  if (!intel_->Current()) {
    // Nothing in service yet: try the first load again.
    if (intel_->Load().ok()) {
      SubmitStatus("intel", "loaded " + config_.intel.path);
    }
    return;
  }
  bool reloaded = false;
  Status st = intel_->MaybeReload(&reloaded);
  if (!st.ok()) {
    LogWarning("intel: " + st.message() + "; keeping the previous file");
    SubmitStatus("intel", "replacement refused (" + st.message() +
                              "); the previous intel stays in use");
  } else if (reloaded) {
    SubmitStatus("intel", "reloaded " + config_.intel.path);
  }
}

void Agent::StopParts() {
  if (!loop_) return;
  if (stats_timer_ != 0) loop_->CancelTimer(stats_timer_);
  stats_timer_ = 0;
  if (intel_timer_ != 0) loop_->CancelTimer(intel_timer_);
  intel_timer_ = 0;
  for (auto& collector : collectors_) collector->Stop();
  if (pipeline_) pipeline_->Drain();
}

void Agent::Reload() {
  auto fresh = LoadConfigFile(options_.config_path);
  if (!fresh.ok()) {
    LogError("reload rejected, keeping the running configuration: " +
             fresh.status().message());
    SubmitStatus("reload_rejected", fresh.status().message());
    return;
  }
  Config config = std::move(fresh.value());
  ApplyOverrides(&config);
  StopParts();
  collectors_.clear();
  pipeline_->ClearDetectorsAndSinks();
  intel_provider_ = HandleIntelProvider(nullptr);
  intel_.reset();
  config_ = std::move(config);
  LogLevel level;
  if (ParseLogLevel(config_.log_level, &level)) SetLogLevel(level);
  Status st = StartParts();
  if (!st.ok()) {
    LogError("reload: " + st.ToString());
    SubmitStatus("error", "reload: " + st.ToString());
    return;
  }
  LogInfo("configuration reloaded from " + options_.config_path);
  SubmitStatus("reloaded", options_.config_path);
}

void Agent::SubmitStatistics() {
  Statistics stats;
  stats.uptime_ms = loop_->NowMs() - started_ms_;
  for (const auto& c : collectors_) stats.components.push_back(c->Stats());
  for (auto& c : pipeline_->Stats()) stats.components.push_back(std::move(c));
  Event event;
  event.time_ns = clock_.RealtimeNs();
  event.type = EventType::kStatistics;
  event.priority = Priority::kLow;
  event.payload = std::move(stats);
  pipeline_->Submit(std::move(event));
}

void Agent::SubmitStatus(const std::string& state, const std::string& detail) {
  Event event = MakeStatusEvent(clock_.RealtimeNs(), "agent", state, detail);
  pipeline_->Submit(std::move(event));
}

}  // namespace picket

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
#include "core/remote_config.h"
#include "intel/allow_list.h"
#include "intel/linux/own_infrastructure.h"
#include "picket/build_config.h"
#include "platform/linux/config_file.h"
#include "platform/linux/files.h"

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
  Result<std::string> text = ReadInputFile(path, 4096, "");
  return text.ok() ? std::move(text.value()) : std::string();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// "field: what is wrong" of the first error, for one-line reports.
std::string FirstError(const RemoteConfigResult& remote) {
  if (remote.errors.empty()) return "invalid";
  const RemoteConfigError& e = remote.errors.front();
  return e.field.empty() ? e.error : e.field + ": " + e.error;
}

constexpr char kRemoteConfigName[] = "remote-config.json";

// intel.allow, and with allow_own_infrastructure the device's DNS servers,
// gateways and MQTT broker (files under `root`). Configured items were
// validated when the configuration was read.
IntelAllowList BuildIntelAllowList(const Config& config,
                                   const std::string& root) {
  IntelAllowList allow;
  std::string error;
  for (const std::string& item : config.intel.allow) {
    if (!allow.Add(item, &error)) LogWarning("intel.allow: " + error);
  }
  if (config.intel.allow_own_infrastructure) {
    OwnInfrastructure own = FindOwnInfrastructure(
        root, config.sinks.mqtt.enabled ? config.sinks.mqtt.host : "");
    std::vector<std::string> items = own.dns_servers;
    items.insert(items.end(), own.gateways.begin(), own.gateways.end());
    if (!own.mqtt_broker.empty()) items.push_back(own.mqtt_broker);
    for (const std::string& item : items) {
      if (!allow.Add(item, &error)) LogWarning("intel allow list: " + error);
    }
  }
  if (!allow.empty()) {
    std::string list;
    for (const std::string& e : allow.Entries()) {
      list += (list.empty() ? "" : ", ") + e;
    }
    LogInfo("intel: never alerting on " + list);
  }
  return allow;
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
  std::string digest = Sha256Hex(salted.data(), salted.size());
  // Without libnettle the host name alone (the machine id is never sent).
  if (digest.empty()) return host;
  return std::string(host) + "-" + digest.substr(0, 8);
}

Agent::Agent(AgentOptions options, Config config)
    : options_(std::move(options)), config_(std::move(config)) {
  ApplyOverrides(&config_);
}

Agent::~Agent() {
  StopParts();
  intel_worker_.reset();  // its continuations use the pipeline
  // The sinks use the loop (timers, the MQTT socket): they go first.
  pipeline_.reset();
#if PICKET_SINK_MQTT
  mqtt_.reset();
#endif
}

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

  Result<std::string> base = ReadConfigText(options_.config_path);
  if (base.ok()) base_text_ = std::move(base.value());
  // Refused rather than used: a state directory someone else can write (or
  // a link to one) would let them steer what a root agent writes.
  Result<StateDir> state = StateDir::Open(config_.state_dir);
  if (!state.ok()) return state.status().WithContext("state_dir");

  PipelineOptions popts;
  popts.device_id = ResolveDeviceId(config_.device.id, options_.root);
  device_id_ = popts.device_id;
  popts.run_id = RandomRunId();
  popts.queue_capacity = config_.engine.queue_capacity;
  popts.dedup_window_ms = config_.engine.alert_dedup_window_ms;
  popts.alert_budget = config_.engine.alert_budget;
  pipeline_ = std::make_unique<Pipeline>(popts, &clock_);
  loop_->AddAfterHook([this] {
    pipeline_->Drain();
    for (auto& collector : collectors_) collector->OnDrained();
  });

  PICKET_RETURN_IF_ERROR(
      loop_->HandleSignals({SIGTERM, SIGINT, SIGHUP}, [this](int signo) {
        if (signo == SIGHUP) {
          if (!stopping_) Reload();
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
  LoadStoredRemoteConfig();
  PICKET_RETURN_IF_ERROR(StartParts());
  LogInfo("running as device " + popts.device_id);

  Status st = loop_->Run();
  stopping_ = true;
  SubmitStatus("stopping", "clean shutdown");
  StopParts();
  SubmitStatistics();
  pipeline_->Drain();
  if (st.ok()) FlushMqttOnStop();
  return st;
}

void Agent::FlushMqttOnStop() {
#if PICKET_SINK_MQTT
  if (!mqtt_ || config_.sinks.mqtt.stop_timeout_ms <= 0) return;
  // The loop runs again, for the MQTT connection only (the collectors are
  // stopped), until everything is acknowledged, the timeout, or another
  // SIGTERM.
  bool done = false;
  mqtt_->BeginStop([this, &done] {
    done = true;
    loop_->Stop();
  });
  if (done) return;
  int64_t started = loop_->NowMs();
  EventLoop::TimerId timeout =
      loop_->AddTimer(config_.sinks.mqtt.stop_timeout_ms, 0, [this] {
        LogWarning(
            "mqtt: stop timeout reached; what is not acknowledged "
            "stays in the spool");
        loop_->Stop();
      });
  Status st = loop_->Run();
  if (!st.ok()) LogWarning("stop: " + st.message());
  loop_->CancelTimer(timeout);
  if (done) {
    LogInfo("mqtt: everything sent and acknowledged in " +
            std::to_string(loop_->NowMs() - started) + " ms");
  }
#endif
}

void Agent::StartMqtt() {
#if PICKET_SINK_MQTT
  if (!config_.sinks.mqtt.enabled) {
    mqtt_.reset();
    return;
  }
  if (!mqtt_ || !(mqtt_->config() == config_.sinks.mqtt)) {
    mqtt_.reset();  // the old connection and spool are closed first
    MqttSinkContext ctx;
    ctx.loop = loop_.get();
    ctx.device_id = device_id_;
    ctx.state_dir = config_.state_dir;
    ctx.remote_config = [this](std::string_view doc) {
      return OnRemoteConfig(doc);
    };
    ctx.status = [this](std::string_view state, std::string_view detail) {
      pipeline_->Submit(MakeStatusEvent(clock_.RealtimeNs(), "sink.mqtt",
                                        std::string(state),
                                        std::string(detail)));
    };
    auto sink = std::make_shared<MqttSink>(config_.sinks.mqtt, std::move(ctx));
    Status st = sink->Open();
    if (!st.ok()) {
      LogError("sink.mqtt: " + st.ToString());
      SubmitStatus("error", "sink.mqtt: " + st.ToString());
    }
    mqtt_ = std::move(sink);
  }
  pipeline_->AddSink(mqtt_);
#endif
}

Status Agent::StartParts() {
  StartMqtt();
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
  IntelAllowList allow = BuildIntelAllowList(config_, options_.root);
  dctx.intel_allow = &allow;
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
  if (config_.engine.heartbeat_interval_ms > 0) {
    heartbeat_timer_ = loop_->AddTimer(config_.engine.heartbeat_interval_ms,
                                       config_.engine.heartbeat_interval_ms,
                                       [this] { SubmitHeartbeat(); });
  }
  return Status::Ok();
}

void Agent::StartIntel() {
  if (!config_.detectors.intel.enabled) return;
  intel_ = std::make_unique<IntelHandle>(config_.intel.path,
                                         config_.intel.max_bytes);
  intel_provider_ = HandleIntelProvider(intel_.get());
  intel_missing_reported_ = false;
  // Reading the file happens on a worker: the path may name slow storage,
  // and nothing the configuration names may stall the loop.
  auto worker = Worker::Create(*loop_, 1, WorkerPriority::kNormal);
  if (worker.ok()) {
    intel_worker_ = std::move(worker.value());
  } else {
    LogWarning("intel: no worker thread (" + worker.status().message() +
               "); the file is read on the main thread");
  }
  CheckIntel();
  intel_timer_ = loop_->AddTimer(config_.intel.reload_check_interval_ms,
                                 config_.intel.reload_check_interval_ms,
                                 [this] { CheckIntel(); });
}

void Agent::CheckIntel() {
  if (!intel_ || intel_busy_) return;
  struct Outcome {
    bool first = false;  // nothing in service yet: a first load
    bool reloaded = false;
    Status status;
  };
  auto outcome = std::make_shared<Outcome>();
  outcome->first = intel_->Current() == nullptr;
  IntelHandle* handle = intel_.get();
  auto job = [handle, outcome] {
    outcome->status = outcome->first ? handle->Load()
                                     : handle->MaybeReload(&outcome->reloaded);
  };
  auto done = [this, outcome] {
    intel_busy_ = false;
    ReportIntel(outcome->first, outcome->reloaded, outcome->status);
  };
  if (!intel_worker_) {
    job();
    done();
    return;
  }
  if (intel_worker_->Post(job, done)) intel_busy_ = true;
}

void Agent::ReportIntel(bool first, bool reloaded, const Status& st) {
  if (first) {
    if (st.ok()) {
      const IntelStore& store = intel_->Current()->store();
      uint64_t total = 0;
      for (int k = 0; k < kIndicatorKindCount; ++k) {
        total += store.count(static_cast<IndicatorKind>(k));
      }
      SubmitStatus("intel", "loaded " + config_.intel.path + ": " +
                                std::to_string(total) + " indicators from " +
                                std::to_string(store.feed_count()) + " feeds");
    } else if (!intel_missing_reported_) {
      // Said once; the first load is tried again at every check.
      intel_missing_reported_ = true;
      LogWarning("intel: " + st.message());
      SubmitStatus("intel", "no intel loaded (" + st.message() +
                                "); indicators are not matched until " +
                                config_.intel.path + " appears");
    }
    return;
  }
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
  if (heartbeat_timer_ != 0) loop_->CancelTimer(heartbeat_timer_);
  heartbeat_timer_ = 0;
  if (intel_timer_ != 0) loop_->CancelTimer(intel_timer_);
  intel_timer_ = 0;
  // What the collectors read so far reaches the sinks before they save
  // their positions in Stop().
  if (pipeline_) pipeline_->Drain();
  for (auto& collector : collectors_) collector->Stop();
  if (pipeline_) pipeline_->Drain();
}

void Agent::Reload() {
  Result<std::string> text = ReadConfigText(options_.config_path);
  Result<Config> fresh = text.ok() ? ParseConfig(*text, options_.config_path)
                                   : Result<Config>(text.status());
  if (!fresh.ok()) {
    LogError("reload rejected, keeping the running configuration: " +
             fresh.status().message());
    SubmitStatus("reload_rejected", fresh.status().message());
    return;
  }
  base_text_ = std::move(text.value());
  Config config = std::move(fresh.value());
  if (!remote_doc_.empty()) {
    RemoteConfigResult remote =
        ApplyRemoteConfig(base_text_, options_.config_path, remote_doc_);
    if (remote.ok) {
      config = std::move(remote.config);
    } else {
      LogWarning("remote configuration version " + remote_version_ +
                 " does not fit the reloaded file; running on the file alone");
      SubmitStatus("remote_config",
                   "version " + remote_version_ +
                       " dropped: it does not fit the reloaded file (" +
                       FirstError(remote) + ")");
      remote_doc_.clear();
      remote_version_.clear();
    }
  }
  ApplyConfig(std::move(config));
  LogInfo("configuration reloaded from " + options_.config_path);
  SubmitStatus("reloaded", options_.config_path);
}

void Agent::ApplyConfig(Config config) {
  ApplyOverrides(&config);
  StopParts();
  collectors_.clear();
  pipeline_->ClearDetectorsAndSinks();
  intel_provider_ = HandleIntelProvider(nullptr);
  // The worker first: it may be reading through the handle.
  intel_worker_.reset();
  intel_busy_ = false;
  intel_.reset();
  config_ = std::move(config);
  pipeline_->SetAlertBudget(config_.engine.alert_budget);
  LogLevel level;
  if (ParseLogLevel(config_.log_level, &level)) SetLogLevel(level);
  Status st = StartParts();
  if (!st.ok()) {
    LogError("reload: " + st.ToString());
    SubmitStatus("error", "reload: " + st.ToString());
  }
}

void Agent::LoadStoredRemoteConfig() {
  Result<StateDir> dir = StateDir::Open(config_.state_dir);
  if (!dir.ok()) return;
  Result<std::string> stored =
      dir->ReadFile(kRemoteConfigName, kMaxRemoteConfigBytes);
  if (!stored.ok()) {
    if (stored.status().code() != Status::Code::kNotFound) {
      LogWarning("stored remote configuration not read: " +
                 stored.status().message());
      SubmitStatus("remote_config", "stored remote configuration not read (" +
                                        stored.status().message() + ")");
    }
    return;
  }
  if (stored->empty()) return;
  std::string doc = std::move(stored.value());
  RemoteConfigResult remote =
      ApplyRemoteConfig(base_text_, options_.config_path, doc);
  if (!remote.ok) {
    std::string why = FirstError(remote);
    LogWarning("stored remote configuration ignored: " + why);
    SubmitStatus("remote_config", "stored remote configuration version " +
                                      remote.version + " ignored (" + why +
                                      ")");
    return;
  }
  remote_doc_ = std::move(doc);
  remote_version_ = remote.version;
  config_ = std::move(remote.config);
  ApplyOverrides(&config_);
  SubmitStatus("remote_config",
               "version " + remote_version_ + " in force (stored)");
}

std::string Agent::OnRemoteConfig(std::string_view doc) {
  RemoteConfigResult remote =
      ApplyRemoteConfig(base_text_, options_.config_path, doc);
  std::string report = RemoteConfigReportJson(remote, device_id_);
  if (!remote.ok) {
    std::string first = FirstError(remote);
    LogWarning("remote configuration version " + remote.version +
               " rejected (" + std::to_string(remote.errors.size()) +
               " error(s)); the running configuration stays");
    SubmitStatus("remote_config_rejected",
                 "version " + remote.version + ": " +
                     std::to_string(remote.errors.size()) +
                     " error(s), first: " + first);
    return report;
  }
  if (doc == remote_doc_) return report;  // already in force
  Result<StateDir> dir = StateDir::Open(config_.state_dir);
  Status saved = dir.ok() ? dir->WriteFileAtomically(kRemoteConfigName, doc)
                          : dir.status();
  if (!saved.ok()) {
    LogWarning("remote configuration not kept for the next start: " +
               saved.message());
  }
  remote_doc_ = std::string(doc);
  remote_version_ = remote.version;
  ApplyConfig(std::move(remote.config));
  LogInfo("remote configuration version " + remote_version_ + " applied");
  SubmitStatus("remote_config", "version " + remote_version_ + " applied");
  return report;
}

void Agent::SubmitStatistics() {
  Statistics stats;
  stats.uptime_ms = loop_->NowMs() - started_ms_;
  for (const auto& c : collectors_) stats.components.push_back(c->Stats());
  for (auto& c : pipeline_->Stats()) stats.components.push_back(std::move(c));
  SubmitAgentEvent(EventType::kStatistics, Priority::kLow, std::move(stats));
}

void Agent::SubmitAgentEvent(EventType type, Priority priority,
                             Payload payload) {
  Event event;
  event.time_ns = clock_.RealtimeNs();
  event.type = type;
  event.priority = priority;
  event.payload = std::move(payload);
  pipeline_->Submit(std::move(event));
}

void Agent::SubmitHeartbeat() {
  Heartbeat beat;
  beat.uptime_ms = loop_->NowMs() - started_ms_;
  beat.version = PICKET_VERSION;
  beat.config_version = remote_version_;
  beat.events = pipeline_->processed();
  beat.alerts = pipeline_->alerts();
  // High: liveness must not wait behind a batch of events.
  SubmitAgentEvent(EventType::kHeartbeat, Priority::kHigh, std::move(beat));
}

void Agent::SubmitStatus(const std::string& state, const std::string& detail) {
  Event event = MakeStatusEvent(clock_.RealtimeNs(), "agent", state, detail);
  pipeline_->Submit(std::move(event));
}

}  // namespace picket

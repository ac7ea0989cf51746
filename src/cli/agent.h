// Agent: the running daemon. Owns the event loop, the pipeline and the
// collectors, detectors and sinks built from the configuration.
//
// Signals: SIGTERM and SIGINT stop it cleanly (collectors stopped, queued
// events drained, sinks flushed, a final statistics event written, then the
// MQTT sink sends what its batch windows hold and waits for the broker's
// acknowledgements, for at most sinks.mqtt.stop_timeout; a second SIGTERM
// cuts that wait short); SIGHUP
// reloads the configuration file: a valid file replaces collectors,
// detectors and sinks; an invalid one is reported (log and agent.status
// event) and the running configuration stays. device.id, state_dir and
// engine.* take effect at the next start. Run() blocks on the calling thread.
//
// Remote configuration (from the MQTT sink) is laid over the local file
// (core/remote_config.h), applied the same way as a reload, and kept in
// <state_dir>/remote-config.json so that it is in force from the next start
// on, before the broker is reachable. The MQTT sink itself survives reloads
// whose sinks.mqtt section is unchanged, keeping its connection.
#ifndef PICKET_CLI_AGENT_H_
#define PICKET_CLI_AGENT_H_

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "engine/pipeline.h"
#include "engine/worker.h"
#include "intel/linux/intel_file.h"
#include "intel/linux/intel_provider.h"
#include "picket/build_config.h"
#include "picket/collector.h"
#include "picket/event_loop.h"

#if PICKET_SINK_MQTT
#include "sinks/mqtt/mqtt_sink.h"
#endif

namespace picket {

struct AgentOptions {
  std::string config_path;  // re-read on SIGHUP
  std::string root = "/";   // prefix for /proc and /etc (tests)
  bool console = false;     // force the stdout sink on
};

class Agent {
 public:
  Agent(AgentOptions options, Config config);
  ~Agent();

  // Runs until SIGTERM/SIGINT. Errors: the loop or a required collector
  // could not start.
  Status Run();

 private:
  Status StartParts();
  void StopParts();
  void Reload();
  // Replaces the running configuration: collectors, detectors and sinks are
  // rebuilt (the MQTT sink only when its settings changed).
  void ApplyConfig(Config config);
  // The remote document `doc` over the local file: applied (and kept) when
  // valid; the report to publish either way.
  std::string OnRemoteConfig(std::string_view doc);
  // Loads <state_dir>/remote-config.json over config_, when present.
  void LoadStoredRemoteConfig();
  void StartMqtt();
  // The last part of a clean stop: see the class comment.
  void FlushMqttOnStop();
  void SubmitStatistics();
  void SubmitHeartbeat();
  void SubmitAgentEvent(EventType type, Priority priority, Payload payload);
  void SubmitStatus(const std::string& state, const std::string& detail);
  void ApplyOverrides(Config* config) const;
  // Loads the intel file on the worker (reporting the outcome) and arms its
  // reload check.
  void StartIntel();
  // Posts a first load or a reload check to the worker, unless one runs.
  void CheckIntel();
  // On the loop thread: the outcome of a load (`first`) or reload check.
  void ReportIntel(bool first, bool reloaded, const Status& status);

  AgentOptions options_;
  Config config_;
  SystemClock clock_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<Pipeline> pipeline_;
  std::vector<std::unique_ptr<Collector>> collectors_;
  EventLoop::TimerId stats_timer_ = 0;
  std::unique_ptr<IntelHandle> intel_;
  HandleIntelProvider intel_provider_{nullptr};
  std::unique_ptr<Worker> intel_worker_;  // reads the intel file
  bool intel_busy_ = false;               // a job is posted
  bool intel_missing_reported_ = false;
  EventLoop::TimerId intel_timer_ = 0;
  EventLoop::TimerId heartbeat_timer_ = 0;
  int64_t started_ms_ = 0;
  bool stopping_ = false;  // the main loop has ended
  std::string device_id_;
  std::string base_text_;       // the local configuration file's text
  std::string remote_doc_;      // the remote document in force; "" none
  std::string remote_version_;  // its version
#if PICKET_SINK_MQTT
  std::shared_ptr<MqttSink> mqtt_;
#endif
};

// The device id for `configured` ("auto" or an explicit id): for "auto",
// "<hostname>-<first 8 hex of SHA-256 of /etc/machine-id>" so two devices
// with the same hostname differ and the machine id itself is not disclosed;
// the hostname alone when there is no machine id.
std::string ResolveDeviceId(const std::string& configured,
                            const std::string& root);

}  // namespace picket

#endif  // PICKET_CLI_AGENT_H_

// MqttSink: events and alerts to a fleet backend over MQTT, through the
// store-and-forward spool.
//
// Every event is appended to the Spool (sinks/spool.h) when written; the
// sink sends from the spool in batches, QoS 1, and a record leaves the spool
// only when the broker acknowledged the message that carried it. Alerts are
// sent at once; other events wait up to their priority's batch interval.
// The connection (sinks/mqtt/connection.h) lives in the agent's event loop
// (libmosquitto driven on readiness, no thread of its own) and is
// re-established with jittered exponential backoff; each attempt uses a
// fresh client, and after a loss everything unacknowledged is sent again
// from the spool (QoS 1: duplicates possible, losses not; event ids let the
// receiver drop duplicates). The sink owns the spool, the connection, the
// remote-configuration channel (sinks/mqtt/remote_channel.h) and the
// credentials read from the secret files (sinks/mqtt/secrets.h), and wires
// them: what to send when, and what an acknowledgement removes. On a clean stop
// (BeginStop()) it sends what the batch windows hold and waits for the
// acknowledgements, within sinks.mqtt.stop_timeout.
//
// Modes: "plain" (any broker; topics <prefix>/<device>/<kind>, a retained
// online/offline status, remote configuration on <prefix>/<device>/config
// with the report on .../config/report) and "azure" (IoT Hub: SAS token or
// X.509, the telemetry topic with a property bag, configuration through the
// twin's desired properties and the report in its reported properties).
// docs/mqtt.md is the reference.
//
// Not thread-safe: the event-loop thread owns it.
#ifndef PICKET_SINKS_MQTT_MQTT_SINK_H_
#define PICKET_SINKS_MQTT_MQTT_SINK_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/config.h"
#include "picket/event_loop.h"
#include "picket/sink.h"

namespace picket {

struct MqttSinkContext {
  EventLoop* loop = nullptr;  // must outlive the sink
  std::string device_id;
  std::string state_dir;  // the spool goes to <state_dir>/spool by default
  // Validates and applies a remote configuration document; returns the
  // report (JSON) to publish. Unset: remote documents are ignored.
  std::function<std::string(std::string_view document)> remote_config;
  // Connection state changes worth an agent.status event ("connected",
  // "disconnected", "error"), with a human-readable detail.
  std::function<void(std::string_view state, std::string_view detail)> status;
};

class MqttSink final : public Sink {
 public:
  MqttSink(const MqttSinkConfig& config, MqttSinkContext context);
  ~MqttSink() override;

  MqttSink(const MqttSink&) = delete;
  MqttSink& operator=(const MqttSink&) = delete;

  std::string name() const override { return "sink.mqtt"; }

  // Opens the spool and reads the credentials, then starts connecting (in
  // the background: the broker need not be up). Errors: spool directory
  // unusable, secret files missing or readable by others, bad connection
  // string. With an error the sink drops (and counts) what it is given.
  Status Open() override;

  // Appends the event to the spool (buffered until Flush()).
  void Write(const Event& event) override;

  // Writes the spool buffer to disk, then sends what is due.
  void Flush() override;

  // The clean stop: from now on everything in the spool is due at once (the
  // batch windows no longer apply) and is sent; `done` is called once
  // nothing is left unacknowledged, or at once when there is no connection
  // to send on (none up and none being made). The caller keeps the event
  // loop running until then, bounded by config().stop_timeout_ms; whatever
  // is not acknowledged by then stays in the spool for the next start.
  // `done` may be called from within BeginStop().
  void BeginStop(std::function<void()> done);

  ComponentStats Stats() const override;

  const MqttSinkConfig& config() const;
  bool connected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace picket

#endif  // PICKET_SINKS_MQTT_MQTT_SINK_H_

// The MQTT sink's remote-configuration channel: configuration documents
// from the fleet, and the report of what became of each.
//
// Plain mode: documents arrive, retained, on <prefix>/<device>/config and
// the report goes, retained, to .../config/report. Azure mode: after each
// connection the channel asks for the device twin; its desired properties,
// and every desired-properties patch merged into them, make the document,
// and the report goes to the reported properties under "picket_config".
// A document is not applied inside libmosquitto's callback but from a timer
// of the event loop (the last one received wins); the apply function
// validates and applies it and returns the report. docs/mqtt.md, "Remote
// configuration", is the reference.
//
// The sink owns the channel and the connection it publishes on; the
// connection must outlive the channel. Not thread-safe: the event-loop
// thread owns it.
#ifndef PICKET_SINKS_MQTT_REMOTE_CHANNEL_H_
#define PICKET_SINKS_MQTT_REMOTE_CHANNEL_H_

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "picket/event_loop.h"
#include "sinks/mqtt/connection.h"

namespace picket {

// The desired properties of an IoT Hub device twin, kept across the twin
// document and the patches that follow it. Pure; no I/O.
class AzureDesiredProperties {
 public:
  // Takes the "desired" object of a twin document (the body of a
  // $iothub/twin/res/200 answer); false when there is none or the JSON is
  // malformed, and nothing changes.
  bool SetFromTwin(std::string_view twin);

  // Merges a desired-properties patch (RFC 7386: null removes a member; its
  // $version replaces the kept one); false for malformed JSON or a patch
  // that is not an object, and nothing changes.
  bool Patch(std::string_view patch);

  // The configuration document: the properties without IoT Hub's
  // $-members, with $version as "version" unless they carry their own.
  std::string AsConfig() const;

 private:
  rapidjson::Document desired_;
  bool have_ = false;
};

// "$iothub/twin/res/200/?$rid=7&$version=3" -> "7" for `key` "$rid"; ""
// when the topic has no such parameter.
std::string TopicParam(std::string_view topic, std::string_view key);

class MqttRemoteChannel {
 public:
  // Applies a document and returns its report (JSON).
  using ApplyFunction = std::function<std::string(std::string_view document)>;

  // `base_topic` is <prefix>/<device> (plain mode); `azure` selects the
  // twin. `enabled`: subscribe at all (sinks.mqtt.remote_config and an
  // apply function given). `loop` and `connection` must outlive it.
  MqttRemoteChannel(EventLoop* loop, MqttConnection* connection, bool azure,
                    std::string base_topic, bool enabled, ApplyFunction apply);
  ~MqttRemoteChannel();  // cancels a pending application

  MqttRemoteChannel(const MqttRemoteChannel&) = delete;
  MqttRemoteChannel& operator=(const MqttRemoteChannel&) = delete;

  // After each connection: subscribes and, in azure mode, asks for the
  // twin. Nothing when not enabled.
  void Subscribe();

  // Takes a message if it is on one of the channel's topics (false: it is
  // not). May run inside libmosquitto's callback.
  bool Handle(std::string_view topic, std::string_view payload);

  // The agent is leaving: a document received and not yet applied is not.
  void Stop() { pending_.reset(); }

  uint64_t received() const { return received_; }    // documents queued
  uint64_t malformed() const { return malformed_; }  // bad twin messages

 private:
  void Queue(std::string document);
  void Apply();
  void PublishReport(const std::string& report);
  void TwinResponse(std::string_view topic, std::string_view payload);

  EventLoop* loop_;
  MqttConnection* connection_;
  const bool azure_;
  const std::string base_topic_;
  const bool enabled_;
  ApplyFunction apply_;
  EventLoop::TimerId timer_ = 0;
  std::optional<std::string> pending_;
  AzureDesiredProperties desired_;
  std::string twin_get_rid_;
  uint64_t next_rid_ = 1;
  uint64_t received_ = 0;
  uint64_t malformed_ = 0;
};

}  // namespace picket

#endif  // PICKET_SINKS_MQTT_REMOTE_CHANNEL_H_

// The MQTT sink's configuration (sinks.mqtt, docs/mqtt.md) and its spool's
// (sinks.mqtt.spool, docs/spool-format.md), declared once (core/options.h).
// Portable, and present in every build so that a configuration file reads
// the same whether or not the sink is compiled in.
#ifndef PICKET_SINKS_MQTT_MQTT_CONFIG_H_
#define PICKET_SINKS_MQTT_MQTT_CONFIG_H_

#include <cstdint>
#include <string>

#include "core/options.h"

namespace picket {

// An init system kills what does not stop (systemd after 90 s): the stop
// timeout stays well below.
inline constexpr int64_t kMaxMqttStopTimeoutMs = 60 * kMsPerSecond;

// The store-and-forward spool under the MQTT sink.
struct MqttSpoolConfig {
  std::string path;  // empty: <state_dir>/spool
  uint64_t max_bytes = 8ull << 20;
  std::string fsync = "interval";  // always | interval | never
  int64_t fsync_interval_ms = 5000;
  bool operator==(const MqttSpoolConfig&) const = default;

  template <typename V>
  void Options(V& v) {
    v.String("path", &path, StringKind::kOptionalPath,
             "spool directory; empty: <state_dir>/spool");
    v.Size("max_size", &max_bytes, {64 << 10, 4ull << 30},
           "disk the spool may use");
    v.Enum("fsync", &fsync, {"always", "interval", "never"},
           "when spool writes are forced to disk");
    v.Duration("fsync_interval", &fsync_interval_ms, {100},
               "interval: at most one fsync per interval");
  }
};

// Delivery to the fleet over MQTT.
struct MqttSinkConfig {
  bool enabled = false;
  std::string mode = "plain";      // plain | azure (IoT Hub conventions)
  std::string host;                // plain: the broker; azure: from the string
  uint32_t port = 0;               // 0: 1883, or 8883 with TLS
  std::string protocol = "3.1.1";  // 3.1.1 | 5
  std::string client_id;           // empty: the device id
  std::string topic_prefix = "picket";  // topics: <prefix>/<device>/<kind>
  int64_t keepalive_ms = 60000;
  int64_t reconnect_min_ms = 1000;  // first retry; doubles, jittered
  int64_t reconnect_max_ms = 300000;
  // TLS is on when a CA is given (and always in azure mode, which falls back
  // to the system's CA directory).
  std::string ca_file;
  std::string ca_path;
  std::string cert_file;  // X.509 client certificate (PEM)
  std::string key_file;   // its private key (PEM, unencrypted, 0600)
  std::string username;
  std::string password_file;           // 0600 or narrower; never logged
  std::string connection_string_file;  // azure: the device/module string
  int64_t sas_token_ttl_ms = 3600000;  // azure: renewed at 80% of this
  // Events wait at most this long for a batch, per priority; alerts go
  // at once.
  int64_t batch_high_ms = 1000;
  int64_t batch_medium_ms = 10000;
  int64_t batch_low_ms = 60000;
  uint64_t max_message_bytes = 64ull << 10;
  std::string compression = "none";  // none | zstd
  uint32_t max_inflight = 16;        // QoS 1 messages awaiting PUBACK
  bool remote_config = true;         // subscribe to the config topic
  // On a clean stop, how long to wait for the broker to acknowledge what
  // the batch windows held (0: do not wait; what is left stays spooled).
  int64_t stop_timeout_ms = 3000;
  MqttSpoolConfig spool;
  bool operator==(const MqttSinkConfig&) const = default;

  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "send events and alerts over MQTT");
    v.Enum("mode", &mode, {"plain", "azure"},
           "azure: Azure IoT Hub conventions");
    v.String("host", &host, StringKind::kOptional,
             "the broker's name or address");
    v.Int("port", &port, {0, 65535}, "0: 1883, or 8883 with TLS");
    v.Enum("protocol", &protocol, {"3.1.1", "5"}, "MQTT version");
    v.String("client_id", &client_id, StringKind::kOptional,
             "MQTT client id; empty: the device id");
    v.String("topic_prefix", &topic_prefix, StringKind::kNonEmpty,
             "topics are <prefix>/<device id>/<kind>");
    v.Duration("keepalive", &keepalive_ms, {5 * kMsPerSecond},
               "MQTT keep-alive");
    v.Duration("reconnect_min", &reconnect_min_ms, {100},
               "first reconnection wait; doubles, jittered");
    v.Duration("reconnect_max", &reconnect_max_ms, {100},
               "longest reconnection wait");
    v.String("ca_file", &ca_file, StringKind::kOptionalPath,
             "CA certificate(s), PEM; turns TLS on");
    v.String("ca_path", &ca_path, StringKind::kOptionalPath,
             "directory of hashed CA certificates; turns TLS on");
    v.String("cert_file", &cert_file, StringKind::kOptionalPath,
             "X.509 client certificate, PEM");
    v.String("key_file", &key_file, StringKind::kOptionalPath,
             "its private key, PEM, unencrypted");
    v.String("username", &username, StringKind::kOptional, "MQTT user name");
    v.String("password_file", &password_file, StringKind::kOptionalPath,
             "file holding the password alone");
    v.String("connection_string_file", &connection_string_file,
             StringKind::kOptionalPath,
             "file holding the IoT Hub connection string");
    v.Duration("sas_token_ttl", &sas_token_ttl_ms, {kMsPerMinute},
               "azure: SAS token lifetime; renewed at 80%");
    v.Group("batch", "how events are batched", [&](auto& b) {
      b.Duration("high", &batch_high_ms, {0},
                 "longest wait of a high-priority event for a batch");
      b.Duration("medium", &batch_medium_ms, {0},
                 "the same for medium priority");
      b.Duration("low", &batch_low_ms, {0}, "the same for low priority");
      // 256 MiB is MQTT's own limit; brokers default to far less.
      b.Size("max_message_size", &max_message_bytes, {1 << 10, 256ull << 20},
             "largest message");
      b.Enum("compression", &compression, {"none", "zstd"},
             "compress each batch");
    });
    v.Int("max_inflight", &max_inflight, {1, 1000},
          "messages awaiting PUBACK at once");
    v.Bool("remote_config", &remote_config,
           "accept configuration from the fleet");
    v.Duration("stop_timeout", &stop_timeout_ms,
               {0, false, kMaxMqttStopTimeoutMs},
               "on a clean stop, how long to wait for acknowledgements");
    v.Section("spool", &spool, "the store-and-forward spool");
  }
};

}  // namespace picket

#endif  // PICKET_SINKS_MQTT_MQTT_CONFIG_H_

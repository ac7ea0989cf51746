// MqttConnection: the MQTT sink's link to its broker, one libmosquitto
// client at a time.
//
// It makes the client (MQTT 3.1.1 or 5, TLS with the peer verified, the
// user name and password or the Azure SAS token of the credentials, the
// last will), drives it from the event loop (mosquitto_loop_read/write on
// socket readiness, loop_misc every second; no thread of its own), and after
// a failed attempt or a lost connection destroys it and tries again with a
// fresh one after a jittered exponential backoff (reconnect_min_ms doubling
// up to reconnect_max_ms). An attempt with no CONNACK within 30 s has
// failed. In azure mode with a shared access key it reconnects with a fresh
// token at 80% of the token's life. docs/mqtt.md, "Connection", is the
// reference.
//
// What travels on it is the owner's: the connection tells it through
// Callbacks (connected, a PUBACK, a message, the client gone) and reports
// problems as agent.status states ("error", "disconnected"; a repeated
// error once until it changes). The owner (MqttSink) owns the connection;
// the connection owns the client, its socket watch and its timers, and the
// credentials (the password is wiped with them). Callbacks run on the event
// loop's thread, some from inside libmosquitto's: they may publish and
// subscribe but must not destroy the connection.
//
// Not thread-safe: the event-loop thread owns it.
#ifndef PICKET_SINKS_MQTT_CONNECTION_H_
#define PICKET_SINKS_MQTT_CONNECTION_H_

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>

#include "picket/event_loop.h"
#include "sinks/mqtt/mqtt_config.h"
#include "sinks/mqtt/secrets.h"

// libmosquitto's types (mosquitto.h), for the callbacks below.
struct mosquitto;
struct mosquitto_message;
struct mqtt5__property;

namespace picket {

// Connection history, for agent.statistics.
struct MqttConnectionStats {
  uint64_t connects = 0;  // CONNACKs accepted
  uint64_t connect_failures = 0;
  uint64_t auth_failures = 0;  // refused: not authorised, bad credentials
  uint64_t disconnects = 0;    // established connections lost
};

class MqttConnection {
 public:
  struct Callbacks {
    // The broker accepted the connection: subscribe and send from here.
    std::function<void()> connected;
    // The client is gone (failure, loss, token renewal, destruction): what
    // was published on it and not acknowledged never will be.
    std::function<void()> client_gone;
    // A failed attempt or a lost connection was handled and the next
    // attempt is scheduled.
    std::function<void()> down;
    // The PUBACK of message `mid` (reason >= 0x80: refused for good).
    std::function<void(int mid, int reason)> published;
    // A message on a subscribed topic.
    std::function<void(std::string_view topic, std::string_view payload)>
        message;
    // Every second while a client exists, after libmosquitto's upkeep.
    std::function<void()> tick;
    // A state change worth an agent.status event, with its detail.
    std::function<void(std::string_view state, std::string_view detail)> status;
  };

  enum class PublishResult {
    kQueued,    // handed to libmosquitto; `mid` says which message it is
    kTooLarge,  // more than the broker accepts: it never will be sent
    kFailed,    // the client refused it; MarkLost() with error() to give up
  };

  // `loop` must outlive the connection. `will_topic`: the retained
  // {"state":"offline"} last will goes there (empty: no will).
  MqttConnection(EventLoop* loop, const MqttSinkConfig& config,
                 MqttCredentials credentials, std::string will_topic,
                 Callbacks callbacks);
  ~MqttConnection();  // destroys the client (client_gone) and the timers

  MqttConnection(const MqttConnection&) = delete;
  MqttConnection& operator=(const MqttConnection&) = delete;

  // The first attempt; later ones follow on their own. Call once, after
  // libmosquitto was loaded (LibMosquitto().ok()).
  void Start();

  // Publishes on the current client; `content_type` (may be null) is sent
  // as the MQTT 5 property when the connection speaks MQTT 5. `mid` (may be
  // null) receives the message id, for the `published` callback.
  PublishResult Publish(const std::string& topic, std::string_view payload,
                        int qos, bool retain, const char* content_type,
                        int* mid);
  // Why the last Publish() did not queue (libmosquitto's text).
  const std::string& error() const { return error_; }
  // Subscribes on the current client; failures show as a lost connection.
  void Subscribe(const std::string& topic, int qos);

  // Gives the current client up: it is destroyed at the next Settle() (or
  // at the end of the current libmosquitto callback).
  void MarkLost(std::string reason);

  // To call after publishing outside libmosquitto's callbacks: handles a
  // lost connection, else asks for write readiness when there is data.
  void Settle();

  // A CONNACK was accepted and the client is there.
  bool connected() const;
  // connected() and not given up: publishing makes sense.
  bool ready() const;
  // Connected or connecting, not given up: what is sent may yet arrive.
  bool can_send() const;
  bool v5() const { return v5_; }
  const MqttCredentials& credentials() const { return credentials_; }
  const MqttConnectionStats& stats() const { return stats_; }

 private:
  enum class State { kIdle, kConnecting, kConnected };

  void Connect();
  Status SetUpTls();
  Status SetUpLogin();
  std::string Explained(std::string why);
  void ConnectFailed(std::string why);
  void ScheduleRetry();
  void DestroyClient();
  void AfterCall(int rc);
  void HandleLost();
  void UpdateWriteInterest();
  void OnIo(bool readable, bool writable);
  void Misc();
  void Connected(int rc);
  void RenewToken();
  void Report(std::string_view state, std::string_view detail);

  // libmosquitto callbacks (`obj` is the connection).
  static void OnConnect(::mosquitto*, void* obj, int rc, int,
                        const ::mqtt5__property*);
  static void OnDisconnect(::mosquitto*, void* obj, int rc,
                           const ::mqtt5__property*);
  static void OnLog(::mosquitto*, void* obj, int level, const char* text);
  static void OnPublish(::mosquitto*, void* obj, int mid, int reason,
                        const ::mqtt5__property*);
  static void OnMessage(::mosquitto*, void* obj, const ::mosquitto_message* msg,
                        const ::mqtt5__property*);

  EventLoop* loop_;
  const MqttSinkConfig config_;
  MqttCredentials credentials_;
  const std::string will_topic_;
  Callbacks callbacks_;
  bool v5_ = false;
  std::mt19937_64 rng_;

  ::mosquitto* mosq_ = nullptr;
  int sock_ = -1;
  bool write_interest_ = false;
  bool interest_known_ = false;
  State state_ = State::kIdle;
  bool lost_ = false;
  std::string lost_reason_;
  std::string lib_error_;  // MOSQ_LOG_ERR lines of the current attempt
  std::string last_error_;
  std::string error_;
  int64_t connect_started_ms_ = 0;
  int64_t backoff_ms_ = 1000;
  EventLoop::TimerId retry_timer_ = 0;
  EventLoop::TimerId misc_timer_ = 0;
  EventLoop::TimerId renew_timer_ = 0;
  MqttConnectionStats stats_;
};

}  // namespace picket

#endif  // PICKET_SINKS_MQTT_CONNECTION_H_

#include "sinks/mqtt/connection.h"

#include <mqtt_protocol.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/clock.h"
#include "core/log.h"
#include "platform/linux/files.h"
#include "platform/linux/lib_crypto.h"
#include "platform/linux/lib_mosquitto.h"

namespace picket {

namespace {

constexpr int64_t kMiscIntervalMs = 1000;
constexpr int64_t kConnectTimeoutMs = 30000;

// libmosquitto's functions; only called once the library was loaded.
const LibMosquittoApi& Mosq() { return *LibMosquitto(); }

std::string MosquittoError(int rc) {
  return rc == MOSQ_ERR_ERRNO ? std::strerror(errno)
                              : Mosq().mosquitto_strerror(rc);
}

}  // namespace

MqttConnection::MqttConnection(EventLoop* loop, const MqttSinkConfig& config,
                               MqttCredentials credentials,
                               std::string will_topic, Callbacks callbacks)
    : loop_(loop),
      config_(config),
      credentials_(std::move(credentials)),
      will_topic_(std::move(will_topic)),
      callbacks_(std::move(callbacks)),
      v5_(config.protocol == "5" && !credentials_.azure),
      rng_(std::random_device{}()),
      backoff_ms_(config.reconnect_min_ms) {}

MqttConnection::~MqttConnection() {
  for (EventLoop::TimerId* t : {&retry_timer_, &misc_timer_, &renew_timer_}) {
    if (*t != 0) loop_->CancelTimer(*t);
    *t = 0;
  }
  DestroyClient();
}

void MqttConnection::Start() { Connect(); }

bool MqttConnection::connected() const {
  return mosq_ != nullptr && state_ == State::kConnected;
}

bool MqttConnection::ready() const { return connected() && !lost_; }

bool MqttConnection::can_send() const {
  return mosq_ != nullptr && !lost_ &&
         (state_ == State::kConnected || state_ == State::kConnecting);
}

void MqttConnection::Connect() {
  retry_timer_ = 0;
  if (mosq_ != nullptr) return;
  mosq_ = Mosq().mosquitto_new(credentials_.client_id.c_str(), true, this);
  if (mosq_ == nullptr) {
    ConnectFailed("cannot create an MQTT client: " +
                  std::string(std::strerror(errno)));
    return;
  }
  Mosq().mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION,
                              v5_ ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  Mosq().mosquitto_connect_v5_callback_set(mosq_, &OnConnect);
  Mosq().mosquitto_disconnect_v5_callback_set(mosq_, &OnDisconnect);
  Mosq().mosquitto_publish_v5_callback_set(mosq_, &OnPublish);
  Mosq().mosquitto_message_v5_callback_set(mosq_, &OnMessage);
  Mosq().mosquitto_log_callback_set(mosq_, &OnLog);
  lib_error_.clear();
  if (credentials_.tls) {
    Status st = SetUpTls();
    if (!st.ok()) {
      ConnectFailed(st.message());
      return;
    }
  }
  if (!credentials_.username.empty()) {
    Status st = SetUpLogin();
    if (!st.ok()) {
      ConnectFailed(st.message());
      return;
    }
  }
  if (!will_topic_.empty()) {
    static constexpr char kOffline[] = "{\"state\":\"offline\"}";
    Mosq().mosquitto_will_set(mosq_, will_topic_.c_str(), sizeof kOffline - 1,
                              kOffline, 1, true);
  }
  const int keepalive_s = static_cast<int>(config_.keepalive_ms / 1000);
  const std::string& host = credentials_.host;
  const int port = credentials_.port;
  int rc =
      Mosq().mosquitto_connect_async(mosq_, host.c_str(), port, keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    ConnectFailed("cannot connect to " + host + ":" + std::to_string(port) +
                  ": " + MosquittoError(rc));
    return;
  }
  sock_ = Mosq().mosquitto_socket(mosq_);
  if (sock_ < 0 ||
      !loop_->AddIoFd(sock_, [this](bool r, bool w) { OnIo(r, w); }).ok()) {
    sock_ = -1;
    ConnectFailed("cannot watch the MQTT socket");
    return;
  }
  state_ = State::kConnecting;
  connect_started_ms_ = loop_->NowMs();
  misc_timer_ =
      loop_->AddTimer(kMiscIntervalMs, kMiscIntervalMs, [this] { Misc(); });
  UpdateWriteInterest();
}

Status MqttConnection::SetUpTls() {
  // libmosquitto opens these by name, blocking: a FIFO or a device in
  // their place would stall the agent, so each is checked first.
  for (const auto& [path, what] : {std::pair{&config_.ca_file, "ca_file"},
                                   std::pair{&config_.cert_file, "cert_file"},
                                   std::pair{&config_.key_file, "key_file"}}) {
    if (path->empty()) continue;
    PICKET_RETURN_IF_ERROR(CheckInputFile(*path, what));
  }
  const char* ca_file =
      config_.ca_file.empty() ? nullptr : config_.ca_file.c_str();
  const char* ca_path =
      config_.ca_path.empty() ? nullptr : config_.ca_path.c_str();
  if (ca_file == nullptr && ca_path == nullptr) {
    Mosq().mosquitto_int_option(mosq_, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
  }
  int rc = Mosq().mosquitto_tls_set(
      mosq_, ca_file, ca_path,
      config_.cert_file.empty() ? nullptr : config_.cert_file.c_str(),
      config_.key_file.empty() ? nullptr : config_.key_file.c_str(), nullptr);
  if (rc == MOSQ_ERR_SUCCESS) {
    // Peer verification on, TLS 1.2 at least, host name checked.
    rc = Mosq().mosquitto_tls_opts_set(mosq_, 1, "tlsv1.2", nullptr);
  }
  if (rc == MOSQ_ERR_SUCCESS) {
    rc = Mosq().mosquitto_tls_insecure_set(mosq_, false);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    return Status::InvalidArgument(
        "TLS setup (ca_file, ca_path, cert_file, key_file): " +
        std::string(Mosq().mosquitto_strerror(rc)));
  }
  return Status::Ok();
}

Status MqttConnection::SetUpLogin() {
  std::string pw = credentials_.password;
  const std::optional<AzureConnectionString>& azure = credentials_.azure;
  if (azure && !azure->shared_access_key.empty()) {
    const int64_t expiry = SystemClock().RealtimeNs() / 1000000000 +
                           config_.sas_token_ttl_ms / 1000;
    auto token =
        MakeSasToken(AzureResourceUri(*azure), azure->shared_access_key, expiry,
                     azure->shared_access_key_name);
    if (!token.ok()) {
      return Status::InvalidArgument("SAS token: " + token.status().message());
    }
    pw = std::move(token.value());
  }
  Mosq().mosquitto_username_pw_set(mosq_, credentials_.username.c_str(),
                                   pw.empty() ? nullptr : pw.c_str());
  std::fill(pw.begin(), pw.end(), '\0');
  return Status::Ok();
}

// `why`, with what libmosquitto or OpenSSL said about it.
std::string MqttConnection::Explained(std::string why) {
  const Result<LibCryptoApi>& crypto = LibCrypto();
  // The OpenSSL reason of a TLS failure, when libmosquitto did not log it.
  if (credentials_.tls && lib_error_.empty() && crypto.ok()) {
    const unsigned long err = crypto->ERR_peek_last_error();
    if (err != 0) {
      char text[256];
      crypto->ERR_error_string_n(err, text, sizeof text);
      lib_error_ = text;
    }
  }
  if (!lib_error_.empty()) why += " (" + lib_error_ + ")";
  lib_error_.clear();
  if (crypto.ok()) crypto->ERR_clear_error();
  return why;
}

void MqttConnection::ConnectFailed(std::string why) {
  why = Explained(std::move(why));
  ++stats_.connect_failures;
  LogWarning("mqtt: " + why);
  if (why != last_error_) {
    last_error_ = why;
    Report("error", why);
  }
  DestroyClient();
  ScheduleRetry();
  if (callbacks_.down) callbacks_.down();
}

void MqttConnection::ScheduleRetry() {
  if (retry_timer_ != 0) return;
  const int64_t delay = backoff_ms_;
  std::uniform_int_distribution<int64_t> jitter(delay / 2, delay);
  const int64_t wait = jitter(rng_);
  backoff_ms_ = std::min(config_.reconnect_max_ms, backoff_ms_ * 2);
  retry_timer_ = loop_->AddTimer(wait, 0, [this] { Connect(); });
}

void MqttConnection::DestroyClient() {
  if (sock_ >= 0) {
    loop_->RemoveFd(sock_);
    sock_ = -1;
  }
  if (misc_timer_ != 0) loop_->CancelTimer(misc_timer_);
  misc_timer_ = 0;
  if (mosq_ != nullptr) {
    Mosq().mosquitto_destroy(mosq_);
    mosq_ = nullptr;
  }
  if (callbacks_.client_gone) callbacks_.client_gone();
  lost_ = false;
  state_ = State::kIdle;
}

MqttConnection::PublishResult MqttConnection::Publish(const std::string& topic,
                                                      std::string_view payload,
                                                      int qos, bool retain,
                                                      const char* content_type,
                                                      int* mid) {
  mosquitto_property* props = nullptr;
  if (v5_ && content_type != nullptr) {
    Mosq().mosquitto_property_add_string(&props, MQTT_PROP_CONTENT_TYPE,
                                         content_type);
  }
  const int rc = Mosq().mosquitto_publish_v5(
      mosq_, mid, topic.c_str(), static_cast<int>(payload.size()),
      payload.empty() ? nullptr : payload.data(), qos, retain, props);
  Mosq().mosquitto_property_free_all(&props);
  if (rc == MOSQ_ERR_SUCCESS) return PublishResult::kQueued;
  error_ = Mosq().mosquitto_strerror(rc);
  return rc == MOSQ_ERR_PAYLOAD_SIZE || rc == MOSQ_ERR_OVERSIZE_PACKET
             ? PublishResult::kTooLarge
             : PublishResult::kFailed;
}

void MqttConnection::Subscribe(const std::string& topic, int qos) {
  Mosq().mosquitto_subscribe(mosq_, nullptr, topic.c_str(), qos);
}

void MqttConnection::MarkLost(std::string reason) {
  lost_ = true;
  lost_reason_ = std::move(reason);
}

void MqttConnection::Settle() { AfterCall(MOSQ_ERR_SUCCESS); }

// Called after every libmosquitto call outside its callbacks: acts on a
// lost connection, else keeps the write interest in step.
void MqttConnection::AfterCall(int rc) {
  if (mosq_ == nullptr) return;
  if (rc != MOSQ_ERR_SUCCESS && !lost_) {
    lost_ = true;
    lost_reason_ = MosquittoError(rc);
  }
  if (!lost_ && Mosq().mosquitto_socket(mosq_) < 0) {
    lost_ = true;
    if (lost_reason_.empty()) lost_reason_ = "connection closed";
  }
  if (lost_) {
    HandleLost();
    return;
  }
  UpdateWriteInterest();
}

void MqttConnection::HandleLost() {
  const bool was_connected = state_ == State::kConnected;
  const std::string why =
      Explained(lost_reason_.empty() ? "connection lost" : lost_reason_);
  lost_reason_.clear();
  const std::string where =
      credentials_.host + ":" + std::to_string(credentials_.port);
  if (was_connected) {
    ++stats_.disconnects;
    LogWarning("mqtt: disconnected from " + credentials_.host + ": " + why);
    Report("disconnected", where + ": " + why);
    last_error_.clear();
  } else {
    ++stats_.connect_failures;
    const std::string msg = "cannot connect to " + where + ": " + why;
    LogWarning("mqtt: " + msg);
    if (msg != last_error_) {
      last_error_ = msg;
      Report("error", msg);
    }
  }
  DestroyClient();
  ScheduleRetry();
  if (callbacks_.down) callbacks_.down();
}

void MqttConnection::UpdateWriteInterest() {
  if (mosq_ == nullptr || sock_ < 0) return;
  const bool want = Mosq().mosquitto_want_write(mosq_);
  if (want != write_interest_ || !interest_known_) {
    (void)loop_->SetWriteInterest(sock_, want);  // sock_ is ours
    write_interest_ = want;
    interest_known_ = true;
  }
}

void MqttConnection::OnIo(bool readable, bool writable) {
  if (mosq_ == nullptr) return;
  int rc = MOSQ_ERR_SUCCESS;
  if (readable) rc = Mosq().mosquitto_loop_read(mosq_, 1);
  if (rc == MOSQ_ERR_SUCCESS && !lost_ && writable && mosq_ != nullptr) {
    rc = Mosq().mosquitto_loop_write(mosq_, 1);
  }
  AfterCall(rc);
}

void MqttConnection::Misc() {
  if (mosq_ == nullptr) return;
  if (state_ == State::kConnecting &&
      loop_->NowMs() - connect_started_ms_ > kConnectTimeoutMs) {
    lost_ = true;
    lost_reason_ = "no answer from the broker within 30s";
    HandleLost();
    return;
  }
  AfterCall(Mosq().mosquitto_loop_misc(mosq_));
  if (callbacks_.tick) callbacks_.tick();
}

void MqttConnection::Connected(int rc) {
  if (rc != 0) {
    const std::string reason = v5_ ? Mosq().mosquitto_reason_string(rc)
                                   : Mosq().mosquitto_connack_string(rc);
    if (rc == 4 || rc == 5 || rc == MQTT_RC_NOT_AUTHORIZED ||
        rc == MQTT_RC_BAD_USERNAME_OR_PASSWORD) {
      ++stats_.auth_failures;
    }
    lost_ = true;
    lost_reason_ = "broker refused the connection: " + reason;
    return;
  }
  state_ = State::kConnected;
  ++stats_.connects;
  backoff_ms_ = config_.reconnect_min_ms;
  last_error_.clear();
  LogInfo("mqtt: connected to " + credentials_.host + ":" +
          std::to_string(credentials_.port) +
          (credentials_.tls ? " (TLS)" : ""));
  const std::optional<AzureConnectionString>& azure = credentials_.azure;
  if (azure && !azure->shared_access_key.empty()) {
    // Reconnect with a fresh token at 80% of its lifetime.
    if (renew_timer_ != 0) loop_->CancelTimer(renew_timer_);
    renew_timer_ = loop_->AddTimer(config_.sas_token_ttl_ms * 8 / 10, 0,
                                   [this] { RenewToken(); });
  }
  if (callbacks_.connected) callbacks_.connected();
}

void MqttConnection::RenewToken() {
  renew_timer_ = 0;
  if (mosq_ == nullptr) return;
  LogInfo("mqtt: renewing the SAS token");
  Mosq().mosquitto_disconnect(mosq_);
  DestroyClient();
  Connect();
}

void MqttConnection::Report(std::string_view state, std::string_view detail) {
  if (callbacks_.status) callbacks_.status(state, detail);
}

// ---- libmosquitto callbacks (no client teardown in here) ----

void MqttConnection::OnConnect(mosquitto*, void* obj, int rc, int,
                               const mosquitto_property*) {
  static_cast<MqttConnection*>(obj)->Connected(rc);
}

void MqttConnection::OnDisconnect(mosquitto*, void* obj, int rc,
                                  const mosquitto_property*) {
  MqttConnection* self = static_cast<MqttConnection*>(obj);
  const int err = errno;
  self->lost_ = true;
  if (self->lost_reason_.empty()) {
    self->lost_reason_ = rc == 0                ? "disconnected"
                         : rc == MOSQ_ERR_ERRNO ? std::strerror(err)
                                                : Mosq().mosquitto_strerror(rc);
  }
}

// libmosquitto's own diagnostics: the OpenSSL reason of a TLS failure
// ("certificate verify failed") is only told here.
void MqttConnection::OnLog(mosquitto*, void* obj, int level, const char* text) {
  if (level != MOSQ_LOG_ERR || text == nullptr) return;
  std::string& e = static_cast<MqttConnection*>(obj)->lib_error_;
  if (e.size() < 512) {
    if (!e.empty()) e += "; ";
    e += text;
  }
}

void MqttConnection::OnPublish(mosquitto*, void* obj, int mid, int reason,
                               const mosquitto_property*) {
  MqttConnection* self = static_cast<MqttConnection*>(obj);
  if (self->callbacks_.published) self->callbacks_.published(mid, reason);
}

void MqttConnection::OnMessage(mosquitto*, void* obj,
                               const mosquitto_message* msg,
                               const mosquitto_property*) {
  if (msg == nullptr || msg->topic == nullptr) return;
  MqttConnection* self = static_cast<MqttConnection*>(obj);
  const std::string_view payload(
      static_cast<const char*>(msg->payload),
      msg->payload != nullptr ? static_cast<size_t>(msg->payloadlen) : 0);
  if (self->callbacks_.message) self->callbacks_.message(msg->topic, payload);
}

}  // namespace picket

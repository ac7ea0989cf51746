#include "sinks/mqtt/mqtt_sink.h"

#include <fcntl.h>
#include <mqtt_protocol.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <vector>

#include "core/event_json.h"
#include "core/log.h"
#include "platform/linux/lib_crypto.h"
#include "platform/linux/lib_mosquitto.h"
#include "platform/linux/lib_zstd.h"
#include "platform/linux/files.h"
#include "sinks/mqtt/azure.h"
#include "sinks/mqtt/message.h"
#include "sinks/spool.h"

namespace picket {

namespace {

constexpr int64_t kMiscIntervalMs = 1000;
constexpr int64_t kConnectTimeoutMs = 30000;
constexpr size_t kMaxSecretBytes = 4096;
constexpr size_t kMaxRecordsPerMessage = 1000;
constexpr char kAzureTwinResponse[] = "$iothub/twin/res/";
constexpr char kAzureDesiredPatch[] = "$iothub/twin/PATCH/properties/desired/";

int64_t RealtimeMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// libmosquitto's functions; only called once Open() has loaded the library.
const LibMosquittoApi& Mosq() { return *LibMosquitto(); }

void InitMosquittoOnce() {
  static std::once_flag once;
  std::call_once(once, [] { Mosq().mosquitto_lib_init(); });
}

SpoolClass ClassOf(const Event& event) {
  if (event.type == EventType::kAlert) return SpoolClass::kAlert;
  switch (event.priority) {
    case Priority::kHigh:
      return SpoolClass::kHigh;
    case Priority::kMedium:
      return SpoolClass::kMedium;
    case Priority::kLow:
      return SpoolClass::kLow;
  }
  return SpoolClass::kLow;
}

// Reads a file holding one secret (a password, a connection string). It
// must be a regular file of the agent's user (or root) that group and others
// cannot read: the same rule ssh applies to private keys. Trailing newlines
// and spaces are dropped. Messages never contain the content.
Result<std::string> ReadSecretFile(const std::string& path,
                                   std::string_view what) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    return ErrnoStatus(std::string(what) + " " + path + ": cannot open", errno);
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(std::string(what) + " " + path +
                                   ": not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    return Status::PermissionDenied(std::string(what) + " " + path +
                                    ": readable by group or others (mode " +
                                    mode + "); run chmod 600 on it");
  }
  if (st.st_uid != geteuid() && st.st_uid != 0) {
    close(fd);
    return Status::PermissionDenied(std::string(what) + " " + path +
                                    ": owned by another user");
  }
  std::string text(kMaxSecretBytes + 1, '\0');
  ssize_t n = read(fd, text.data(), text.size());
  int err = errno;
  close(fd);
  if (n < 0) return ErrnoStatus(std::string(what) + " " + path, err);
  if (static_cast<size_t>(n) > kMaxSecretBytes) {
    return Status::InvalidArgument(std::string(what) + " " + path +
                                   ": larger than 4 KiB");
  }
  text.resize(static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' ||
                           text.back() == ' ' || text.back() == '\t')) {
    text.pop_back();
  }
  if (text.empty()) {
    return Status::InvalidArgument(std::string(what) + " " + path + ": empty");
  }
  return text;
}

std::string JsonText(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// RFC 7386 merge patch of `patch` into `target` (null deletes a member).
void MergePatch(rapidjson::Value& target, const rapidjson::Value& patch,
                rapidjson::Document::AllocatorType& alloc) {
  if (!patch.IsObject()) {
    target.CopyFrom(patch, alloc);
    return;
  }
  if (!target.IsObject()) target.SetObject();
  for (auto it = patch.MemberBegin(); it != patch.MemberEnd(); ++it) {
    auto existing = target.FindMember(it->name);
    if (it->value.IsNull()) {
      if (existing != target.MemberEnd()) target.RemoveMember(existing);
    } else if (existing != target.MemberEnd()) {
      MergePatch(existing->value, it->value, alloc);
    } else {
      rapidjson::Value name(it->name, alloc);
      rapidjson::Value value;
      MergePatch(value, it->value, alloc);
      target.AddMember(name, value, alloc);
    }
  }
}

// "$iothub/twin/res/200/?$rid=7&$version=3" -> "7" for key "$rid".
std::string TopicParam(std::string_view topic, std::string_view key) {
  size_t q = topic.find('?');
  if (q == std::string_view::npos) return "";
  std::string_view params = topic.substr(q + 1);
  while (!params.empty()) {
    size_t amp = params.find('&');
    std::string_view pair = params.substr(0, amp);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key &&
        pair[key.size()] == '=') {
      return std::string(pair.substr(key.size() + 1));
    }
    if (amp == std::string_view::npos) break;
    params.remove_prefix(amp + 1);
  }
  return "";
}

}  // namespace

struct MqttSink::Impl {
  Impl(const MqttSinkConfig& c, MqttSinkContext ctx)
      : config(c), context(std::move(ctx)), rng(std::random_device{}()) {}

  ~Impl() {
    CancelTimers();
    DestroyClient();
    if (spool) {
      // Best effort on the way out; Open() recovers whatever this misses.
      (void)spool->Flush(context.loop->NowMs());
      (void)spool->SaveCursor();
    }
    std::fill(password.begin(), password.end(), '\0');
  }

  // ---- setup ----

  Status Open() {
    if (!LibMosquitto().ok()) return LibMosquitto().status();
    InitMosquittoOnce();
    backoff_ms = config.reconnect_min_ms;
    if (config.compression == "zstd") {
      if (!LibZstd().ok()) return LibZstd().status().WithContext("compression");
      zstd = std::make_unique<ZstdCompressor>();
    }
    PICKET_RETURN_IF_ERROR(ReadCredentials());
    SpoolOptions so;
    so.dir = config.spool.path.empty() ? context.state_dir + "/spool"
                                       : config.spool.path;
    so.max_bytes = config.spool.max_bytes;
    so.fsync = config.spool.fsync == "always"  ? FsyncPolicy::kAlways
               : config.spool.fsync == "never" ? FsyncPolicy::kNever
                                               : FsyncPolicy::kInterval;
    so.fsync_interval_ms = config.spool.fsync_interval_ms;
    auto opened = Spool::Open(so);
    if (!opened.ok()) return opened.status().WithContext("spool");
    spool = std::move(opened.value());
    if (so.fsync == FsyncPolicy::kInterval) {
      // Writes reach the disk within the interval even when no new event
      // comes to trigger a flush.
      flush_timer = context.loop->AddTimer(
          so.fsync_interval_ms, so.fsync_interval_ms, [this] {
            Status st = spool->Flush(context.loop->NowMs());
            if (!st.ok()) LogWarning("mqtt: spool: " + st.message());
          });
    }
    SpoolStats ss = spool->stats();
    if (ss.torn > 0 || ss.corrupt_records > 0) {
      Report("error", "spool " + so.dir + ": recovered after a crash: " +
                          std::to_string(ss.torn) + " torn record(s) cut, " +
                          std::to_string(ss.corrupt_records) +
                          " corrupt range(s) skipped (" +
                          std::to_string(ss.corrupt_bytes) + " bytes)");
    }
    if (ss.pending > 0) {
      LogInfo("mqtt: " + std::to_string(ss.pending) +
              " event(s) waiting in the spool from before");
    }
    Connect();
    return Status::Ok();
  }

  Status ReadCredentials() {
    std::string device_level = TopicLevel(context.device_id);
    base_topic = config.topic_prefix + "/" + device_level;
    client_id = config.client_id.empty() ? context.device_id : config.client_id;
    host = config.host;
    tls = !config.ca_file.empty() || !config.ca_path.empty();
    username = config.username;
    if (!config.password_file.empty()) {
      auto secret = ReadSecretFile(config.password_file, "password_file");
      if (!secret.ok()) return secret.status();
      password = std::move(secret.value());
    }
    if (config.mode == "azure") {
      auto text = ReadSecretFile(config.connection_string_file,
                                 "connection_string_file");
      if (!text.ok()) return text.status();
      auto cs = ParseAzureConnectionString(*text);
      if (!cs.ok()) {
        return cs.status().WithContext("connection_string_file " +
                                       config.connection_string_file);
      }
      azure = std::move(cs.value());
      host = azure->gateway_host_name.empty() ? azure->host_name
                                              : azure->gateway_host_name;
      client_id = AzureClientId(*azure);
      username = AzureUsername(*azure);
      tls = true;
      if (azure->x509 && config.cert_file.empty()) {
        return Status::InvalidArgument(
            "azure mode with x509=true needs sinks.mqtt.cert_file and "
            "key_file");
      }
    }
    port =
        config.port != 0 ? static_cast<int>(config.port) : (tls ? 8883 : 1883);
    return Status::Ok();
  }

  // ---- connection ----

  void Connect() {
    retry_timer = 0;
    if (mosq != nullptr) return;
    ++connects;
    mosq = Mosq().mosquitto_new(client_id.c_str(), true, this);
    if (mosq == nullptr) {
      ConnectFailed("cannot create an MQTT client: " +
                    std::string(std::strerror(errno)));
      return;
    }
    bool v5 = config.protocol == "5" && !azure;
    Mosq().mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION,
                                v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
    Mosq().mosquitto_connect_v5_callback_set(mosq, &Impl::OnConnect);
    Mosq().mosquitto_disconnect_v5_callback_set(mosq, &Impl::OnDisconnect);
    Mosq().mosquitto_publish_v5_callback_set(mosq, &Impl::OnPublish);
    Mosq().mosquitto_message_v5_callback_set(mosq, &Impl::OnMessage);
    Mosq().mosquitto_log_callback_set(mosq, &Impl::OnLog);
    lib_error.clear();
    if (tls) {
      // libmosquitto opens these by name, blocking: a FIFO or a device in
      // their place would stall the agent, so each is checked first.
      for (const auto& [path, what] :
           {std::pair{&config.ca_file, "ca_file"},
            std::pair{&config.cert_file, "cert_file"},
            std::pair{&config.key_file, "key_file"}}) {
        if (path->empty()) continue;
        Status usable = CheckInputFile(*path, what);
        if (!usable.ok()) {
          ConnectFailed(usable.message());
          return;
        }
      }
      const char* ca_file =
          config.ca_file.empty() ? nullptr : config.ca_file.c_str();
      const char* ca_path =
          config.ca_path.empty() ? nullptr : config.ca_path.c_str();
      if (ca_file == nullptr && ca_path == nullptr) {
        Mosq().mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
      }
      int rc = Mosq().mosquitto_tls_set(
          mosq, ca_file, ca_path,
          config.cert_file.empty() ? nullptr : config.cert_file.c_str(),
          config.key_file.empty() ? nullptr : config.key_file.c_str(), nullptr);
      if (rc == MOSQ_ERR_SUCCESS) {
        // Peer verification on, TLS 1.2 at least, host name checked.
        rc = Mosq().mosquitto_tls_opts_set(mosq, 1, "tlsv1.2", nullptr);
      }
      if (rc == MOSQ_ERR_SUCCESS)
        rc = Mosq().mosquitto_tls_insecure_set(mosq, false);
      if (rc != MOSQ_ERR_SUCCESS) {
        ConnectFailed("TLS setup (ca_file, ca_path, cert_file, key_file): " +
                      std::string(Mosq().mosquitto_strerror(rc)));
        return;
      }
    }
    if (!username.empty()) {
      std::string pw = password;
      if (azure && !azure->shared_access_key.empty()) {
        int64_t expiry = RealtimeMs() / 1000 + config.sas_token_ttl_ms / 1000;
        auto token =
            MakeSasToken(AzureResourceUri(*azure), azure->shared_access_key,
                         expiry, azure->shared_access_key_name);
        if (!token.ok()) {
          ConnectFailed("SAS token: " + token.status().message());
          return;
        }
        pw = std::move(token.value());
      }
      Mosq().mosquitto_username_pw_set(mosq, username.c_str(),
                                       pw.empty() ? nullptr : pw.c_str());
      std::fill(pw.begin(), pw.end(), '\0');
    }
    if (!azure) {
      static constexpr char kOffline[] = "{\"state\":\"offline\"}";
      Mosq().mosquitto_will_set(mosq, (base_topic + "/status").c_str(),
                                sizeof kOffline - 1, kOffline, 1, true);
    }
    int keepalive_s = static_cast<int>(config.keepalive_ms / 1000);
    int rc =
        Mosq().mosquitto_connect_async(mosq, host.c_str(), port, keepalive_s);
    if (rc != MOSQ_ERR_SUCCESS) {
      std::string why = rc == MOSQ_ERR_ERRNO ? std::strerror(errno)
                                             : Mosq().mosquitto_strerror(rc);
      ConnectFailed("cannot connect to " + host + ":" + std::to_string(port) +
                    ": " + why);
      return;
    }
    sock = Mosq().mosquitto_socket(mosq);
    if (sock < 0 ||
        !context.loop->AddIoFd(sock, [this](bool r, bool w) { OnIo(r, w); })
             .ok()) {
      sock = -1;
      ConnectFailed("cannot watch the MQTT socket");
      return;
    }
    state = State::kConnecting;
    connect_started_ms = context.loop->NowMs();
    misc_timer = context.loop->AddTimer(kMiscIntervalMs, kMiscIntervalMs,
                                        [this] { Misc(); });
    UpdateWriteInterest();
  }

  // The OpenSSL reason of a TLS failure, when libmosquitto did not log it.
  void NoteTlsError() {
    const Result<LibCryptoApi>& crypto = LibCrypto();
    if (!lib_error.empty() || !crypto.ok()) return;
    unsigned long err = crypto->ERR_peek_last_error();
    if (err == 0) return;
    char text[256];
    crypto->ERR_error_string_n(err, text, sizeof text);
    lib_error = text;
  }

  // `why`, with what libmosquitto or OpenSSL said about it.
  std::string Explained(std::string why) {
    if (tls) NoteTlsError();
    if (!lib_error.empty()) why += " (" + lib_error + ")";
    lib_error.clear();
    if (LibCrypto().ok()) LibCrypto()->ERR_clear_error();
    return why;
  }

  void ConnectFailed(std::string why) {
    why = Explained(std::move(why));
    ++connect_failures;
    LogWarning("mqtt: " + why);
    if (why != last_error) {
      last_error = why;
      Report("error", why);
    }
    DestroyClient();
    ScheduleRetry();
    CheckStopped();
  }

  void ScheduleRetry() {
    if (retry_timer != 0) return;
    int64_t delay = backoff_ms;
    std::uniform_int_distribution<int64_t> jitter(delay / 2, delay);
    int64_t wait = jitter(rng);
    backoff_ms = std::min(config.reconnect_max_ms, backoff_ms * 2);
    retry_timer = context.loop->AddTimer(wait, 0, [this] { Connect(); });
  }

  void DestroyClient() {
    if (sock >= 0) {
      context.loop->RemoveFd(sock);
      sock = -1;
    }
    if (misc_timer != 0) context.loop->CancelTimer(misc_timer);
    misc_timer = 0;
    if (mosq != nullptr) {
      Mosq().mosquitto_destroy(mosq);
      mosq = nullptr;
    }
    inflight.clear();
    if (spool) spool->Rewind();
    lost = false;
    state = State::kIdle;
  }

  // Called after every libmosquitto call outside its callbacks: acts on a
  // lost connection, else keeps the write interest in step.
  void AfterCall(int rc) {
    if (mosq == nullptr) return;
    if (rc != MOSQ_ERR_SUCCESS && !lost) {
      lost = true;
      lost_reason = rc == MOSQ_ERR_ERRNO ? std::strerror(errno)
                                         : Mosq().mosquitto_strerror(rc);
    }
    if (!lost && Mosq().mosquitto_socket(mosq) < 0) {
      lost = true;
      if (lost_reason.empty()) lost_reason = "connection closed";
    }
    if (lost) {
      HandleLost();
      return;
    }
    UpdateWriteInterest();
  }

  void HandleLost() {
    bool was_connected = state == State::kConnected;
    std::string why =
        Explained(lost_reason.empty() ? "connection lost" : lost_reason);
    lost_reason.clear();
    if (was_connected) {
      ++disconnects;
      LogWarning("mqtt: disconnected from " + host + ": " + why);
      Report("disconnected", host + ":" + std::to_string(port) + ": " + why);
      last_error.clear();
    } else {
      ++connect_failures;
      std::string msg =
          "cannot connect to " + host + ":" + std::to_string(port) + ": " + why;
      LogWarning("mqtt: " + msg);
      if (msg != last_error) {
        last_error = msg;
        Report("error", msg);
      }
    }
    DestroyClient();
    ScheduleRetry();
    CheckStopped();
  }

  void UpdateWriteInterest() {
    if (mosq == nullptr || sock < 0) return;
    bool want = Mosq().mosquitto_want_write(mosq);
    if (want != write_interest || !interest_known) {
      (void)context.loop->SetWriteInterest(sock, want);  // sock is ours
      write_interest = want;
      interest_known = true;
    }
  }

  void OnIo(bool readable, bool writable) {
    if (mosq == nullptr) return;
    int rc = MOSQ_ERR_SUCCESS;
    if (readable) rc = Mosq().mosquitto_loop_read(mosq, 1);
    if (rc == MOSQ_ERR_SUCCESS && !lost && writable && mosq != nullptr) {
      rc = Mosq().mosquitto_loop_write(mosq, 1);
    }
    AfterCall(rc);
  }

  void Misc() {
    if (mosq == nullptr) return;
    if (state == State::kConnecting &&
        context.loop->NowMs() - connect_started_ms > kConnectTimeoutMs) {
      lost = true;
      lost_reason = "no answer from the broker within 30s";
      HandleLost();
      return;
    }
    AfterCall(Mosq().mosquitto_loop_misc(mosq));
    // The acknowledged position reaches the disk at the spool's fsync pace
    // (every second under "always"): flash wear is bounded, and a crash
    // costs duplicates of at most that long, never losses.
    int64_t now = context.loop->NowMs();
    int64_t every = config.spool.fsync == "always"
                        ? kMiscIntervalMs
                        : config.spool.fsync_interval_ms;
    if (spool && now - cursor_saved_ms >= every) {
      cursor_saved_ms = now;
      Status st = spool->SaveCursor();
      if (!st.ok()) LogWarning("mqtt: spool cursor: " + st.message());
    }
  }

  void CancelTimers() {
    for (EventLoop::TimerId* t : {&retry_timer, &misc_timer, &send_timer,
                                  &renew_timer, &remote_timer}) {
      if (*t != 0) context.loop->CancelTimer(*t);
      *t = 0;
    }
  }

  // ---- libmosquitto callbacks (no client teardown in here) ----

  static void OnConnect(mosquitto*, void* obj, int rc, int,
                        const mosquitto_property*) {
    static_cast<Impl*>(obj)->Connected(rc);
  }
  static void OnDisconnect(mosquitto*, void* obj, int rc,
                           const mosquitto_property*) {
    Impl* self = static_cast<Impl*>(obj);
    int err = errno;
    self->lost = true;
    if (self->lost_reason.empty()) {
      self->lost_reason = rc == 0 ? "disconnected"
                          : rc == MOSQ_ERR_ERRNO
                              ? std::strerror(err)
                              : Mosq().mosquitto_strerror(rc);
    }
  }
  // libmosquitto's own diagnostics: the OpenSSL reason of a TLS failure
  // ("certificate verify failed") is only told here.
  static void OnLog(mosquitto*, void* obj, int level, const char* text) {
    if (level != MOSQ_LOG_ERR || text == nullptr) return;
    std::string& e = static_cast<Impl*>(obj)->lib_error;
    if (e.size() < 512) {
      if (!e.empty()) e += "; ";
      e += text;
    }
  }
  static void OnPublish(mosquitto*, void* obj, int mid, int reason,
                        const mosquitto_property*) {
    static_cast<Impl*>(obj)->Acked(mid, reason);
  }
  static void OnMessage(mosquitto*, void* obj, const mosquitto_message* msg,
                        const mosquitto_property*) {
    static_cast<Impl*>(obj)->Received(msg);
  }

  void Connected(int rc) {
    if (rc != 0) {
      bool v5 = config.protocol == "5" && !azure;
      std::string reason = v5 ? Mosq().mosquitto_reason_string(rc)
                              : Mosq().mosquitto_connack_string(rc);
      if (rc == 4 || rc == 5 || rc == MQTT_RC_NOT_AUTHORIZED ||
          rc == MQTT_RC_BAD_USERNAME_OR_PASSWORD) {
        ++auth_failures;
      }
      lost = true;
      lost_reason = "broker refused the connection: " + reason;
      return;
    }
    state = State::kConnected;
    ++connected_count;
    backoff_ms = config.reconnect_min_ms;
    last_error.clear();
    LogInfo("mqtt: connected to " + host + ":" + std::to_string(port) +
            (tls ? " (TLS)" : ""));
    Report("connected", host + ":" + std::to_string(port) +
                            (tls ? ", TLS" : ", no TLS") + ", " +
                            std::to_string(spool ? spool->stats().pending : 0) +
                            " event(s) to deliver");
    if (!azure) {
      static constexpr char kOnline[] = "{\"state\":\"online\"}";
      Mosq().mosquitto_publish(mosq, nullptr, (base_topic + "/status").c_str(),
                               sizeof kOnline - 1, kOnline, 1, true);
      if (config.remote_config && context.remote_config) {
        Mosq().mosquitto_subscribe(mosq, nullptr,
                                   (base_topic + "/config").c_str(), 1);
      }
    } else {
      if (config.remote_config && context.remote_config) {
        Mosq().mosquitto_subscribe(mosq, nullptr, "$iothub/twin/res/#", 0);
        Mosq().mosquitto_subscribe(
            mosq, nullptr, "$iothub/twin/PATCH/properties/desired/#", 0);
        twin_get_rid = std::to_string(next_rid++);
        Mosq().mosquitto_publish(
            mosq, nullptr, ("$iothub/twin/GET/?$rid=" + twin_get_rid).c_str(),
            0, nullptr, 0, false);
      }
      if (!azure->shared_access_key.empty()) {
        // Reconnect with a fresh token at 80% of its lifetime.
        if (renew_timer != 0) context.loop->CancelTimer(renew_timer);
        renew_timer = context.loop->AddTimer(config.sas_token_ttl_ms * 8 / 10,
                                             0, [this] { RenewToken(); });
      }
    }
    SendPending();
  }

  void RenewToken() {
    renew_timer = 0;
    if (mosq == nullptr) return;
    LogInfo("mqtt: renewing the SAS token");
    Mosq().mosquitto_disconnect(mosq);
    DestroyClient();
    Connect();
  }

  void Acked(int mid, int reason) {
    auto it = inflight.find(mid);
    if (it == inflight.end()) return;  // a status or report message
    if (reason >= 0x80) {
      // Refused for good (not authorised, quota, too large): retrying would
      // wedge the queue behind it.
      ++rejected_messages;
      rejected_events += it->second.events;
      LogWarning(std::string("mqtt: broker refused a message: ") +
                 Mosq().mosquitto_reason_string(reason));
    } else {
      ++acked_messages;
      acked_events += it->second.events;
    }
    spool->Ack(it->second.batch_id);
    inflight.erase(it);
    SendPending();
  }

  void Received(const mosquitto_message* msg) {
    if (msg == nullptr || msg->topic == nullptr) return;
    std::string_view topic(msg->topic);
    std::string_view payload(static_cast<const char*>(msg->payload),
                             msg->payload != nullptr ? msg->payloadlen : 0);
    if (!azure && topic == base_topic + "/config") {
      QueueRemote(std::string(payload));
    } else if (azure && topic.starts_with(kAzureTwinResponse)) {
      TwinResponse(topic, payload);
    } else if (azure && topic.starts_with(kAzureDesiredPatch)) {
      TwinPatch(payload);
    } else {
      ++unexpected_messages;
    }
  }

  // ---- remote configuration ----

  void QueueRemote(std::string document) {
    ++remote_received;
    pending_remote = std::move(document);
    if (remote_timer == 0) {
      remote_timer = context.loop->AddTimer(0, 0, [this] { ApplyRemote(); });
    }
  }

  void ApplyRemote() {
    remote_timer = 0;
    if (!pending_remote) return;
    std::string doc = std::move(*pending_remote);
    pending_remote.reset();
    if (doc.empty()) return;  // a retained message was cleared
    std::string report = context.remote_config(doc);
    PublishReport(report);
  }

  void PublishReport(const std::string& report) {
    if (mosq == nullptr || state != State::kConnected) return;
    int rc;
    if (!azure) {
      rc = Mosq().mosquitto_publish(
          mosq, nullptr, (base_topic + "/config/report").c_str(),
          static_cast<int>(report.size()), report.data(), 1, true);
    } else {
      std::string body = "{\"picket_config\":" + report + "}";
      std::string topic = "$iothub/twin/PATCH/properties/reported/?$rid=" +
                          std::to_string(next_rid++);
      rc = Mosq().mosquitto_publish(mosq, nullptr, topic.c_str(),
                                    static_cast<int>(body.size()), body.data(),
                                    0, false);
    }
    if (rc != MOSQ_ERR_SUCCESS) {
      lost = true;
      lost_reason = Mosq().mosquitto_strerror(rc);
    }
    AfterCall(MOSQ_ERR_SUCCESS);
  }

  void TwinResponse(std::string_view topic, std::string_view payload) {
    std::string rid = TopicParam(topic, "$rid");
    std::string_view rest = topic.substr(sizeof kAzureTwinResponse - 1);
    std::string status(rest.substr(0, rest.find('/')));
    if (rid != twin_get_rid) {
      if (status != "204" && status != "200") {
        LogWarning("mqtt: IoT Hub answered " + status +
                   " to a reported-properties update");
      }
      return;
    }
    twin_get_rid.clear();
    if (status != "200") {
      LogWarning("mqtt: IoT Hub answered " + status + " to the twin request");
      return;
    }
    rapidjson::Document twin;
    twin.Parse(payload.data(), payload.size());
    if (twin.HasParseError() || !twin.IsObject() ||
        !twin.HasMember("desired") || !twin["desired"].IsObject()) {
      ++bad_twin_messages;
      LogWarning("mqtt: twin document without desired properties ignored");
      return;
    }
    desired.SetObject();
    desired.CopyFrom(twin["desired"], desired.GetAllocator());
    have_desired = true;
    QueueRemote(DesiredAsConfig());
  }

  void TwinPatch(std::string_view payload) {
    rapidjson::Document patch;
    patch.Parse(payload.data(), payload.size());
    if (patch.HasParseError() || !patch.IsObject()) {
      ++bad_twin_messages;
      LogWarning("mqtt: malformed desired-properties patch ignored");
      return;
    }
    if (!have_desired) desired.SetObject();
    MergePatch(desired, patch, desired.GetAllocator());
    if (patch.HasMember("$version")) {
      desired.RemoveMember("$version");
      rapidjson::Value v;
      v.CopyFrom(patch["$version"], desired.GetAllocator());
      desired.AddMember("$version", v, desired.GetAllocator());
    }
    have_desired = true;
    QueueRemote(DesiredAsConfig());
  }

  // The desired properties as a configuration document: IoT Hub's own
  // members ($version, $metadata) dropped, $version as "version" unless the
  // properties carry one.
  std::string DesiredAsConfig() {
    rapidjson::Document doc;
    doc.SetObject();
    auto& alloc = doc.GetAllocator();
    for (auto it = desired.MemberBegin(); it != desired.MemberEnd(); ++it) {
      std::string_view name(it->name.GetString(), it->name.GetStringLength());
      if (name.starts_with("$")) continue;
      rapidjson::Value n(it->name, alloc);
      rapidjson::Value v(it->value, alloc);
      doc.AddMember(n, v, alloc);
    }
    if (!doc.HasMember("version") && desired.HasMember("$version")) {
      rapidjson::Value v(desired["$version"], alloc);
      doc.AddMember("version", v, alloc);
    }
    return JsonText(doc);
  }

  // ---- sending ----

  int64_t IntervalOf(SpoolClass cls) const {
    switch (cls) {
      case SpoolClass::kAlert:
        return 0;
      case SpoolClass::kHigh:
        return config.batch_high_ms;
      case SpoolClass::kMedium:
        return config.batch_medium_ms;
      case SpoolClass::kLow:
        return config.batch_low_ms;
    }
    return 0;
  }

  bool Due(SpoolClass cls, const SpoolBacklog& b, int64_t now) const {
    if (b.records == 0) return false;
    if (stopping) return true;  // the batch windows end with the agent
    int64_t interval = IntervalOf(cls);
    return interval == 0 || now - b.oldest_time_ms >= interval ||
           b.bytes >= config.max_message_bytes;
  }

  void SendPending() {
    if (state != State::kConnected || !spool || mosq == nullptr || lost) {
      return;
    }
    static constexpr SpoolClass kOrder[] = {
        SpoolClass::kAlert, SpoolClass::kHigh, SpoolClass::kMedium,
        SpoolClass::kLow};
    int64_t now = RealtimeMs();
    while (inflight.size() < config.max_inflight && !lost) {
      bool sent = false;
      for (SpoolClass cls : kOrder) {
        if (!Due(cls, spool->Backlog(cls), now)) continue;
        size_t overhead = BatchOverhead(context.device_id, 0) +
                          config.max_message_bytes / 100;
        size_t budget = config.max_message_bytes > overhead
                            ? config.max_message_bytes - overhead
                            : 1;
        SpoolBatch batch;
        if (!spool->ReadBatch(cls, budget, kMaxRecordsPerMessage, &batch)) {
          continue;
        }
        Publish(batch);
        sent = true;
        break;
      }
      if (!sent) break;
    }
    ArmSendTimer(now);
    CheckStopped();
  }

  // While stopping: calls stop_done once everything was acknowledged, or
  // once there is no connection that could send it.
  void CheckStopped() {
    if (!stopping || !stop_done) return;
    bool can_send = mosq != nullptr && !lost &&
                    (state == State::kConnected || state == State::kConnecting);
    bool all_acked = inflight.empty();
    if (all_acked && spool) {
      for (int c = 0; c < kSpoolClassCount; ++c) {
        if (spool->Backlog(static_cast<SpoolClass>(c)).records > 0) {
          all_acked = false;
          break;
        }
      }
    }
    if (can_send && !all_acked) return;
    auto done = std::move(stop_done);
    stop_done = nullptr;
    done();
  }

  std::string TopicFor(uint8_t kind) const {
    std::string_view name = TopicKindName(static_cast<TopicKind>(kind));
    if (name.empty()) name = "events";
    if (!azure) return base_topic + "/" + std::string(name);
    std::string bag =
        zstd ? "$.ct=application%2Fzstd" : "$.ct=application%2Fjson&$.ce=utf-8";
    bag += "&kind=";
    bag += name;
    return AzureTelemetryTopic(*azure, bag);
  }

  void Publish(const SpoolBatch& batch) {
    std::vector<std::string_view> events;
    events.reserve(batch.records.size());
    for (const SpoolRecord& r : batch.records) events.push_back(r.data);
    std::string doc = BuildBatchDocument(context.device_id, events);
    std::string payload;
    bool compressed = false;
    if (zstd) {
      auto frame = zstd->Compress(doc);
      if (frame.ok()) {
        payload = std::move(frame.value());
        compressed = true;
      }
    }
    if (!compressed) payload = std::move(doc);
    mosquitto_property* props = nullptr;
    if (config.protocol == "5" && !azure) {
      Mosq().mosquitto_property_add_string(
          &props, MQTT_PROP_CONTENT_TYPE,
          compressed ? kContentTypeZstd : kContentTypeJson);
    }
    int mid = 0;
    int rc = Mosq().mosquitto_publish_v5(
        mosq, &mid, TopicFor(batch.kind).c_str(),
        static_cast<int>(payload.size()), payload.data(), 1, false, props);
    Mosq().mosquitto_property_free_all(&props);
    if (rc == MOSQ_ERR_PAYLOAD_SIZE || rc == MOSQ_ERR_OVERSIZE_PACKET) {
      // Larger than the broker accepts: it can never be delivered.
      ++rejected_messages;
      rejected_events += batch.records.size();
      LogWarning("mqtt: a message of " + std::to_string(payload.size()) +
                 " bytes is larger than the broker accepts; dropped");
      spool->Ack(batch.id);
      return;
    }
    if (rc != MOSQ_ERR_SUCCESS) {
      lost = true;
      lost_reason = Mosq().mosquitto_strerror(rc);
      return;
    }
    inflight[mid] = Inflight{batch.id, batch.records.size()};
    ++sent_messages;
    sent_events += batch.records.size();
    sent_bytes += payload.size();
  }

  void ArmSendTimer(int64_t now) {
    if (send_timer != 0) context.loop->CancelTimer(send_timer);
    send_timer = 0;
    if (state != State::kConnected || !spool ||
        inflight.size() >= config.max_inflight) {
      return;
    }
    int64_t next = -1;
    for (int c = 0; c < kSpoolClassCount; ++c) {
      SpoolClass cls = static_cast<SpoolClass>(c);
      SpoolBacklog b = spool->Backlog(cls);
      if (b.records == 0) continue;
      int64_t due = b.oldest_time_ms + IntervalOf(cls) - now;
      if (next < 0 || due < next) next = due;
    }
    if (next < 0) return;
    send_timer = context.loop->AddTimer(std::max<int64_t>(next, 10), 0, [this] {
      send_timer = 0;
      SendPending();
      if (mosq != nullptr) AfterCall(MOSQ_ERR_SUCCESS);
    });
  }

  void Report(std::string_view st, std::string_view detail) {
    if (context.status) context.status(st, detail);
  }

  enum class State { kIdle, kConnecting, kConnected };
  struct Inflight {
    uint64_t batch_id;
    size_t events;
  };

  const MqttSinkConfig config;
  MqttSinkContext context;
  std::unique_ptr<Spool> spool;
  std::unique_ptr<ZstdCompressor> zstd;
  std::optional<AzureConnectionString> azure;
  std::mt19937_64 rng;

  std::string host;
  int port = 0;
  bool tls = false;
  std::string client_id;
  std::string username;
  std::string password;
  std::string base_topic;

  mosquitto* mosq = nullptr;
  int sock = -1;
  bool write_interest = false;
  bool interest_known = false;
  State state = State::kIdle;
  bool lost = false;
  std::string lost_reason;
  std::string lib_error;  // MOSQ_LOG_ERR lines of the current attempt
  std::string last_error;
  int64_t connect_started_ms = 0;
  int64_t cursor_saved_ms = 0;
  int64_t backoff_ms = 1000;
  std::unordered_map<int, Inflight> inflight;

  EventLoop::TimerId retry_timer = 0;
  EventLoop::TimerId misc_timer = 0;
  EventLoop::TimerId send_timer = 0;
  EventLoop::TimerId renew_timer = 0;
  EventLoop::TimerId remote_timer = 0;
  EventLoop::TimerId flush_timer = 0;

  bool stopping = false;            // BeginStop() was called
  std::function<void()> stop_done;  // its callback, until called

  std::optional<std::string> pending_remote;
  rapidjson::Document desired;
  bool have_desired = false;
  std::string twin_get_rid;
  uint64_t next_rid = 1;

  uint64_t accepted = 0;
  uint64_t dropped = 0;
  uint64_t connects = 0;
  uint64_t connected_count = 0;
  uint64_t connect_failures = 0;
  uint64_t auth_failures = 0;
  uint64_t disconnects = 0;
  uint64_t sent_messages = 0;
  uint64_t sent_events = 0;
  uint64_t sent_bytes = 0;
  uint64_t acked_messages = 0;
  uint64_t acked_events = 0;
  uint64_t rejected_messages = 0;
  uint64_t rejected_events = 0;
  uint64_t unexpected_messages = 0;
  uint64_t bad_twin_messages = 0;
  uint64_t remote_received = 0;
};

MqttSink::MqttSink(const MqttSinkConfig& config, MqttSinkContext context)
    : impl_(std::make_unique<Impl>(config, std::move(context))) {}

MqttSink::~MqttSink() = default;

Status MqttSink::Open() { return impl_->Open(); }

void MqttSink::Write(const Event& event) {
  if (!impl_->spool) {
    ++impl_->dropped;
    return;
  }
  std::string json = EventToJson(event);
  if (impl_->spool->Append(ClassOf(event),
                           static_cast<uint8_t>(TopicKindOf(event)), json,
                           RealtimeMs())) {
    ++impl_->accepted;
  } else {
    ++impl_->dropped;
  }
}

void MqttSink::Flush() {
  if (!impl_->spool) return;
  Status st = impl_->spool->Flush(impl_->context.loop->NowMs());
  if (!st.ok()) LogWarning("mqtt: spool: " + st.message());
  impl_->SendPending();
  if (impl_->mosq != nullptr) impl_->AfterCall(MOSQ_ERR_SUCCESS);
}

void MqttSink::BeginStop(std::function<void()> done) {
  Impl& i = *impl_;
  i.stopping = true;
  i.stop_done = std::move(done);
  if (i.spool) {
    Status st = i.spool->Flush(i.context.loop->NowMs());
    if (!st.ok()) LogWarning("mqtt: spool: " + st.message());
  }
  // Remote configuration is not applied any more: the agent is leaving.
  i.pending_remote.reset();
  i.SendPending();
  if (i.mosq != nullptr) i.AfterCall(MOSQ_ERR_SUCCESS);
  i.CheckStopped();
}

ComponentStats MqttSink::Stats() const {
  const Impl& i = *impl_;
  ComponentStats s;
  s.name = "sink.mqtt";
  SpoolStats ss = i.spool ? i.spool->stats() : SpoolStats{};
  s.counters = {
      {"written", i.accepted},
      {"dropped", i.dropped + ss.write_errors},
      {"connected", i.state == Impl::State::kConnected ? 1u : 0u},
      {"connects", i.connected_count},
      {"connect_failures", i.connect_failures},
      {"auth_failures", i.auth_failures},
      {"disconnects", i.disconnects},
      {"messages_sent", i.sent_messages},
      {"events_sent", i.sent_events},
      {"bytes_sent", i.sent_bytes},
      {"messages_acked", i.acked_messages},
      {"events_acked", i.acked_events},
      {"messages_rejected", i.rejected_messages},
      {"events_rejected", i.rejected_events},
      {"remote_configs", i.remote_received},
      {"unexpected_messages", i.unexpected_messages + i.bad_twin_messages},
      {"spool_pending", ss.pending},
      {"spool_bytes", ss.disk_bytes},
      {"spool_oversized", ss.oversized},
      {"spool_write_errors", ss.write_errors},
      {"spool_torn", ss.torn},
      {"spool_corrupt_records", ss.corrupt_records},
      {"spool_evicted_low", ss.evicted[0]},
      {"spool_evicted_medium", ss.evicted[1]},
      {"spool_evicted_high", ss.evicted[2]},
      {"spool_evicted_alert", ss.evicted[3]},
  };
  return s;
}

const MqttSinkConfig& MqttSink::config() const { return impl_->config; }

bool MqttSink::connected() const {
  return impl_->state == Impl::State::kConnected;
}

}  // namespace picket

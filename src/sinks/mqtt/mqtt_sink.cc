#include "sinks/mqtt/mqtt_sink.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/event_json.h"
#include "core/log.h"
#include "platform/linux/lib_mosquitto.h"
#include "platform/linux/lib_zstd.h"
#include "sinks/mqtt/azure.h"
#include "sinks/mqtt/connection.h"
#include "sinks/mqtt/message.h"
#include "sinks/mqtt/remote_channel.h"
#include "sinks/mqtt/secrets.h"
#include "sinks/spool.h"

namespace picket {

namespace {

constexpr size_t kMaxRecordsPerMessage = 1000;
// With spool.fsync "always", how often the acknowledged position is saved.
constexpr int64_t kAlwaysCursorIntervalMs = 1000;

int64_t RealtimeMs() { return SystemClock().RealtimeNs() / 1000000; }

void InitMosquittoOnce() {
  static std::once_flag once;
  std::call_once(once, [] { LibMosquitto()->mosquitto_lib_init(); });
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

}  // namespace

struct MqttSink::Impl {
  Impl(const MqttSinkConfig& c, MqttSinkContext ctx)
      : config(c), context(std::move(ctx)) {}

  ~Impl() {
    for (EventLoop::TimerId* t : {&send_timer, &flush_timer}) {
      if (*t != 0) context.loop->CancelTimer(*t);
      *t = 0;
    }
    remote.reset();
    connection.reset();  // its last client_gone rewinds the spool
    if (spool) {
      // Best effort on the way out; Open() recovers whatever this misses.
      (void)spool->Flush(context.loop->NowMs());
      (void)spool->SaveCursor();
    }
  }

  // ---- setup ----

  Status Open() {
    if (!LibMosquitto().ok()) return LibMosquitto().status();
    InitMosquittoOnce();
    if (config.compression == "zstd") {
      if (!LibZstd().ok()) return LibZstd().status().WithContext("compression");
      zstd = std::make_unique<ZstdCompressor>();
    }
    Result<MqttCredentials> credentials =
        ReadMqttCredentials(config, context.device_id);
    if (!credentials.ok()) return credentials.status();
    base_topic = config.topic_prefix + "/" + TopicLevel(context.device_id);
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
    const bool azure = credentials->azure.has_value();
    connection = std::make_unique<MqttConnection>(
        context.loop, config, std::move(credentials.value()),
        azure ? "" : base_topic + "/status", ConnectionCallbacks());
    remote = std::make_unique<MqttRemoteChannel>(
        context.loop, connection.get(), azure, base_topic,
        config.remote_config && context.remote_config != nullptr,
        context.remote_config);
    connection->Start();
    return Status::Ok();
  }

  MqttConnection::Callbacks ConnectionCallbacks() {
    MqttConnection::Callbacks c;
    c.connected = [this] { Connected(); };
    c.client_gone = [this] {
      inflight.clear();
      if (spool) spool->Rewind();
    };
    c.down = [this] { CheckStopped(); };
    c.published = [this](int mid, int reason) { Acked(mid, reason); };
    c.message = [this](std::string_view topic, std::string_view payload) {
      if (!remote || !remote->Handle(topic, payload)) ++unexpected_messages;
    };
    c.tick = [this] { SaveCursorWhenDue(); };
    c.status = [this](std::string_view st, std::string_view detail) {
      Report(st, detail);
    };
    return c;
  }

  bool connected() const { return connection && connection->connected(); }

  // ---- connection events ----

  void Connected() {
    const MqttCredentials& c = connection->credentials();
    Report("connected", c.host + ":" + std::to_string(c.port) +
                            (c.tls ? ", TLS" : ", no TLS") + ", " +
                            std::to_string(spool ? spool->stats().pending : 0) +
                            " event(s) to deliver");
    if (!c.azure) {
      static constexpr char kOnline[] = "{\"state\":\"online\"}";
      (void)connection->Publish(base_topic + "/status", kOnline, 1, true,
                                nullptr, nullptr);
    }
    remote->Subscribe();
    SendPending();
  }

  // The acknowledged position reaches the disk at the spool's fsync pace
  // (every second under "always"): flash wear is bounded, and a crash
  // costs duplicates of at most that long, never losses.
  void SaveCursorWhenDue() {
    int64_t now = context.loop->NowMs();
    int64_t every = config.spool.fsync == "always"
                        ? kAlwaysCursorIntervalMs
                        : config.spool.fsync_interval_ms;
    if (spool && now - cursor_saved_ms >= every) {
      cursor_saved_ms = now;
      Status st = spool->SaveCursor();
      if (!st.ok()) LogWarning("mqtt: spool cursor: " + st.message());
    }
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
                 LibMosquitto()->mosquitto_reason_string(reason));
    } else {
      ++acked_messages;
      acked_events += it->second.events;
    }
    spool->Ack(it->second.batch_id);
    inflight.erase(it);
    SendPending();
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
    if (!connection || !connection->ready() || !spool) return;
    static constexpr SpoolClass kOrder[] = {
        SpoolClass::kAlert, SpoolClass::kHigh, SpoolClass::kMedium,
        SpoolClass::kLow};
    int64_t now = RealtimeMs();
    while (inflight.size() < config.max_inflight && connection->ready()) {
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
    bool can_send = connection && connection->can_send();
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
    const std::optional<AzureConnectionString>& azure =
        connection->credentials().azure;
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
    int mid = 0;
    MqttConnection::PublishResult r = connection->Publish(
        TopicFor(batch.kind), payload, 1, false,
        compressed ? kContentTypeZstd : kContentTypeJson, &mid);
    if (r == MqttConnection::PublishResult::kTooLarge) {
      // Larger than the broker accepts: it can never be delivered.
      ++rejected_messages;
      rejected_events += batch.records.size();
      LogWarning("mqtt: a message of " + std::to_string(payload.size()) +
                 " bytes is larger than the broker accepts; dropped");
      spool->Ack(batch.id);
      return;
    }
    if (r == MqttConnection::PublishResult::kFailed) {
      connection->MarkLost(connection->error());
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
    if (!connection || !connection->connected() || !spool ||
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
      connection->Settle();
    });
  }

  void Report(std::string_view st, std::string_view detail) {
    if (context.status) context.status(st, detail);
  }

  struct Inflight {
    uint64_t batch_id;
    size_t events;
  };

  const MqttSinkConfig config;
  MqttSinkContext context;
  std::unique_ptr<Spool> spool;
  std::unique_ptr<ZstdCompressor> zstd;
  std::string base_topic;
  std::unique_ptr<MqttConnection> connection;
  std::unique_ptr<MqttRemoteChannel> remote;
  std::unordered_map<int, Inflight> inflight;
  int64_t cursor_saved_ms = 0;

  EventLoop::TimerId send_timer = 0;
  EventLoop::TimerId flush_timer = 0;

  bool stopping = false;            // BeginStop() was called
  std::function<void()> stop_done;  // its callback, until called

  uint64_t accepted = 0;
  uint64_t dropped = 0;
  uint64_t sent_messages = 0;
  uint64_t sent_events = 0;
  uint64_t sent_bytes = 0;
  uint64_t acked_messages = 0;
  uint64_t acked_events = 0;
  uint64_t rejected_messages = 0;
  uint64_t rejected_events = 0;
  uint64_t unexpected_messages = 0;
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
  if (impl_->connection) impl_->connection->Settle();
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
  if (i.remote) i.remote->Stop();
  i.SendPending();
  if (i.connection) i.connection->Settle();
  i.CheckStopped();
}

ComponentStats MqttSink::Stats() const {
  const Impl& i = *impl_;
  ComponentStats s;
  s.name = "sink.mqtt";
  SpoolStats ss = i.spool ? i.spool->stats() : SpoolStats{};
  MqttConnectionStats cs =
      i.connection ? i.connection->stats() : MqttConnectionStats{};
  const uint64_t remote_configs = i.remote ? i.remote->received() : 0;
  const uint64_t malformed = i.remote ? i.remote->malformed() : 0;
  s.counters = {
      {"written", i.accepted},
      {"dropped", i.dropped + ss.write_errors},
      {"connected", i.connected() ? 1u : 0u},
      {"connects", cs.connects},
      {"connect_failures", cs.connect_failures},
      {"auth_failures", cs.auth_failures},
      {"disconnects", cs.disconnects},
      {"messages_sent", i.sent_messages},
      {"events_sent", i.sent_events},
      {"bytes_sent", i.sent_bytes},
      {"messages_acked", i.acked_messages},
      {"events_acked", i.acked_events},
      {"messages_rejected", i.rejected_messages},
      {"events_rejected", i.rejected_events},
      {"remote_configs", remote_configs},
      {"unexpected_messages", i.unexpected_messages + malformed},
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

bool MqttSink::connected() const { return impl_->connected(); }

}  // namespace picket

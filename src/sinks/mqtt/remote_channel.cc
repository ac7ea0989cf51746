#include "sinks/mqtt/remote_channel.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

#include "core/log.h"

namespace picket {

namespace {

constexpr char kAzureTwinResponse[] = "$iothub/twin/res/";
constexpr char kAzureDesiredPatch[] = "$iothub/twin/PATCH/properties/desired/";

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

}  // namespace

bool AzureDesiredProperties::SetFromTwin(std::string_view twin_text) {
  rapidjson::Document twin;
  twin.Parse(twin_text.data(), twin_text.size());
  if (twin.HasParseError() || !twin.IsObject() || !twin.HasMember("desired") ||
      !twin["desired"].IsObject()) {
    return false;
  }
  desired_.SetObject();
  desired_.CopyFrom(twin["desired"], desired_.GetAllocator());
  have_ = true;
  return true;
}

bool AzureDesiredProperties::Patch(std::string_view patch_text) {
  rapidjson::Document patch;
  patch.Parse(patch_text.data(), patch_text.size());
  if (patch.HasParseError() || !patch.IsObject()) return false;
  if (!have_) desired_.SetObject();
  MergePatch(desired_, patch, desired_.GetAllocator());
  if (patch.HasMember("$version")) {
    desired_.RemoveMember("$version");
    rapidjson::Value v;
    v.CopyFrom(patch["$version"], desired_.GetAllocator());
    desired_.AddMember("$version", v, desired_.GetAllocator());
  }
  have_ = true;
  return true;
}

std::string AzureDesiredProperties::AsConfig() const {
  rapidjson::Document doc;
  doc.SetObject();
  if (!desired_.IsObject()) return JsonText(doc);
  auto& alloc = doc.GetAllocator();
  for (auto it = desired_.MemberBegin(); it != desired_.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name.starts_with("$")) continue;
    rapidjson::Value n(it->name, alloc);
    rapidjson::Value v(it->value, alloc);
    doc.AddMember(n, v, alloc);
  }
  if (!doc.HasMember("version") && desired_.HasMember("$version")) {
    rapidjson::Value v(desired_["$version"], alloc);
    doc.AddMember("version", v, alloc);
  }
  return JsonText(doc);
}

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

MqttRemoteChannel::MqttRemoteChannel(EventLoop* loop,
                                     MqttConnection* connection, bool azure,
                                     std::string base_topic, bool enabled,
                                     ApplyFunction apply)
    : loop_(loop),
      connection_(connection),
      azure_(azure),
      base_topic_(std::move(base_topic)),
      enabled_(enabled),
      apply_(std::move(apply)) {}

MqttRemoteChannel::~MqttRemoteChannel() {
  if (timer_ != 0) loop_->CancelTimer(timer_);
}

void MqttRemoteChannel::Subscribe() {
  if (!enabled_) return;
  if (!azure_) {
    connection_->Subscribe(base_topic_ + "/config", 1);
    return;
  }
  connection_->Subscribe("$iothub/twin/res/#", 0);
  connection_->Subscribe("$iothub/twin/PATCH/properties/desired/#", 0);
  twin_get_rid_ = std::to_string(next_rid_++);
  (void)connection_->Publish("$iothub/twin/GET/?$rid=" + twin_get_rid_, "", 0,
                             false, nullptr, nullptr);
}

bool MqttRemoteChannel::Handle(std::string_view topic,
                               std::string_view payload) {
  if (!azure_ && topic == base_topic_ + "/config") {
    Queue(std::string(payload));
  } else if (azure_ && topic.starts_with(kAzureTwinResponse)) {
    TwinResponse(topic, payload);
  } else if (azure_ && topic.starts_with(kAzureDesiredPatch)) {
    if (!desired_.Patch(payload)) {
      ++malformed_;
      LogWarning("mqtt: malformed desired-properties patch ignored");
      return true;
    }
    Queue(desired_.AsConfig());
  } else {
    return false;
  }
  return true;
}

void MqttRemoteChannel::Queue(std::string document) {
  ++received_;
  pending_ = std::move(document);
  if (timer_ == 0) timer_ = loop_->AddTimer(0, 0, [this] { Apply(); });
}

void MqttRemoteChannel::Apply() {
  timer_ = 0;
  if (!pending_) return;
  std::string doc = std::move(*pending_);
  pending_.reset();
  if (doc.empty()) return;  // a retained message was cleared
  PublishReport(apply_(doc));
}

void MqttRemoteChannel::PublishReport(const std::string& report) {
  if (!connection_->connected()) return;
  MqttConnection::PublishResult r;
  if (!azure_) {
    r = connection_->Publish(base_topic_ + "/config/report", report, 1, true,
                             nullptr, nullptr);
  } else {
    std::string body = "{\"picket_config\":" + report + "}";
    std::string topic = "$iothub/twin/PATCH/properties/reported/?$rid=" +
                        std::to_string(next_rid_++);
    r = connection_->Publish(topic, body, 0, false, nullptr, nullptr);
  }
  if (r != MqttConnection::PublishResult::kQueued) {
    connection_->MarkLost(connection_->error());
  }
  connection_->Settle();
}

void MqttRemoteChannel::TwinResponse(std::string_view topic,
                                     std::string_view payload) {
  std::string rid = TopicParam(topic, "$rid");
  std::string_view rest = topic.substr(sizeof kAzureTwinResponse - 1);
  std::string status(rest.substr(0, rest.find('/')));
  if (rid != twin_get_rid_) {
    if (status != "204" && status != "200") {
      LogWarning("mqtt: IoT Hub answered " + status +
                 " to a reported-properties update");
    }
    return;
  }
  twin_get_rid_.clear();
  if (status != "200") {
    LogWarning("mqtt: IoT Hub answered " + status + " to the twin request");
    return;
  }
  if (!desired_.SetFromTwin(payload)) {
    ++malformed_;
    LogWarning("mqtt: twin document without desired properties ignored");
    return;
  }
  Queue(desired_.AsConfig());
}

}  // namespace picket

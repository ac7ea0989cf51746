// What the MQTT sink puts on the wire: topic kinds, the batch document, and
// its optional zstd compression. docs/mqtt.md is the reference.
#ifndef PICKET_SINKS_MQTT_MESSAGE_H_
#define PICKET_SINKS_MQTT_MESSAGE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "picket/event.h"
#include "picket/status.h"

namespace picket {

// The topic an event travels on. Stored in each spool record, so the values
// are part of the spool format: never renumber.
enum class TopicKind : uint8_t {
  kEvents = 0,
  kAlerts = 1,
  kRecommendations = 2,  // posture results and summaries
  kStatistics = 3,
  kHeartbeat = 4,
};
inline constexpr int kTopicKindCount = 5;

// "events", "alerts", "recommendations", "statistics", "heartbeat"; "" for
// a value outside the enum.
std::string_view TopicKindName(TopicKind kind);
TopicKind TopicKindOf(const Event& event);

// A device id made safe as one topic level: '/', '+', '#', NUL and control
// characters become '_'.
std::string TopicLevel(std::string_view text);

// {"schema":1,"device":"<id>","events":[<e1>,<e2>,...]}: the events are
// serialised envelopes (docs/events.md), pasted as they are.
std::string BuildBatchDocument(std::string_view device_id,
                               const std::vector<std::string_view>& events);
// Bytes BuildBatchDocument adds around `count` events of a device id.
size_t BatchOverhead(std::string_view device_id, size_t count);

// The first four bytes of every zstd frame (28 b5 2f fd): no JSON document
// starts with them, which is how a receiver tells compressed payloads apart
// under MQTT 3.1.1, where there is no content-type property.
inline constexpr char kZstdMagic[4] = {'\x28', '\xb5', '\x2f', '\xfd'};

// MQTT 5 content types of the two payload forms.
inline constexpr char kContentTypeJson[] = "application/json";
inline constexpr char kContentTypeZstd[] = "application/zstd";

// One zstd frame (level 3, content size recorded). Reuses an internal
// context; not thread-safe.
class ZstdCompressor {
 public:
  ZstdCompressor();
  ~ZstdCompressor();
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  Result<std::string> Compress(std::string_view data);

 private:
  void* cctx_ = nullptr;
};

// Decompresses one frame whose recorded content size is at most `max_bytes`
// (for tests and tools; the agent never receives compressed data).
Result<std::string> ZstdDecompress(std::string_view frame, size_t max_bytes);

}  // namespace picket

#endif  // PICKET_SINKS_MQTT_MESSAGE_H_

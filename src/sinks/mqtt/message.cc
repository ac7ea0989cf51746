#include "sinks/mqtt/message.h"

#include "platform/linux/lib_zstd.h"

namespace picket {

namespace {

constexpr int kZstdLevel = 3;

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::string_view TopicKindName(TopicKind kind) {
  switch (kind) {
    case TopicKind::kEvents:
      return "events";
    case TopicKind::kAlerts:
      return "alerts";
    case TopicKind::kRecommendations:
      return "recommendations";
    case TopicKind::kStatistics:
      return "statistics";
    case TopicKind::kHeartbeat:
      return "heartbeat";
  }
  return "";
}

TopicKind TopicKindOf(const Event& event) {
  switch (event.type) {
    case EventType::kAlert:
      return TopicKind::kAlerts;
    case EventType::kPostureResult:
    case EventType::kPostureSummary:
      return TopicKind::kRecommendations;
    case EventType::kStatistics:
      return TopicKind::kStatistics;
    case EventType::kHeartbeat:
      return TopicKind::kHeartbeat;
    default:
      return TopicKind::kEvents;
  }
}

std::string TopicLevel(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '/' || c == '+' || c == '#' || u < 0x20 || u == 0x7f) c = '_';
  }
  if (out.empty()) out = "_";
  return out;
}

std::string BuildBatchDocument(std::string_view device_id,
                               const std::vector<std::string_view>& events) {
  size_t size = BatchOverhead(device_id, events.size());
  for (std::string_view e : events) size += e.size();
  std::string out;
  out.reserve(size);
  out += "{\"schema\":1,\"device\":";
  out += JsonString(device_id);
  out += ",\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out += ',';
    out += events[i];
  }
  out += "]}";
  return out;
}

size_t BatchOverhead(std::string_view device_id, size_t count) {
  return JsonString(device_id).size() + 34 + (count > 0 ? count - 1 : 0);
}

ZstdCompressor::ZstdCompressor() {
  if (LibZstd().ok()) cctx_ = LibZstd()->ZSTD_createCCtx();
}

ZstdCompressor::~ZstdCompressor() {
  if (cctx_ != nullptr)
    LibZstd()->ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx_));
}

Result<std::string> ZstdCompressor::Compress(std::string_view data) {
  const Result<LibZstdApi>& zstd = LibZstd();
  if (!zstd.ok()) return zstd.status();
  if (cctx_ == nullptr) return Status::ResourceExhausted("zstd: no context");
  std::string out(zstd->ZSTD_compressBound(data.size()), '\0');
  size_t n =
      zstd->ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(cctx_), out.data(),
                              out.size(), data.data(), data.size(), kZstdLevel);
  if (zstd->ZSTD_isError(n)) {
    return Status::ResourceExhausted(std::string("zstd: ") +
                                     zstd->ZSTD_getErrorName(n));
  }
  out.resize(n);
  return out;
}

Result<std::string> ZstdDecompress(std::string_view frame, size_t max_bytes) {
  const Result<LibZstdApi>& zstd = LibZstd();
  if (!zstd.ok()) return zstd.status();
  unsigned long long size =
      zstd->ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::InvalidArgument("zstd: not a frame with a known size");
  }
  if (size > max_bytes) {
    return Status::ResourceExhausted("zstd: content larger than the limit");
  }
  std::string out(static_cast<size_t>(size), '\0');
  size_t n =
      zstd->ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
  if (zstd->ZSTD_isError(n)) {
    return Status::InvalidArgument(std::string("zstd: ") +
                                   zstd->ZSTD_getErrorName(n));
  }
  out.resize(n);
  return out;
}

}  // namespace picket

#include "sinks/spool_record.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "core/crc32c.h"

namespace picket {

namespace {

// docs/spool-format.md is the contract; spool_record_test.cc and
// spool_test.cc check its examples against these.
constexpr uint32_t kSegmentMagic = 0x47455350;  // "PSEG"
constexpr uint16_t kFormatVersion = 1;
constexpr uint32_t kRecordMagic = 0xA55AC0DE;
constexpr uint32_t kCursorMagic = 0x52554350;  // "PCUR"

constexpr std::string_view kClassNames[kSpoolClassCount] = {"low", "medium",
                                                            "high", "alert"};

template <typename T>
void PutLe(std::string* out, T value) {
  const auto v = static_cast<uint64_t>(value);
  for (size_t i = 0; i < sizeof(T); ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

template <typename T>
void StoreLe(char* out, T value) {
  const auto v = static_cast<uint64_t>(value);
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
}

template <typename T>
T LoadLe(const uint8_t* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= uint64_t{p[i]} << (8 * i);
  return static_cast<T>(v);
}

}  // namespace

std::string_view SpoolClassName(SpoolClass cls) {
  const auto c = static_cast<size_t>(cls);
  return c < kSpoolClassCount ? kClassNames[c] : "unknown";
}

std::string SpoolSegmentFileName(size_t cls, uint64_t number) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(number));
  std::string name(kClassNames[cls]);
  name += '-';
  name += hex;
  name += ".seg";
  return name;
}

bool ParseSpoolSegmentFileName(std::string_view name, size_t* cls,
                               uint64_t* number) {
  constexpr std::string_view kSuffix = ".seg";
  if (!name.ends_with(kSuffix)) return false;
  name.remove_suffix(kSuffix.size());
  const size_t dash = name.find('-');
  if (dash == std::string_view::npos || name.size() - dash - 1 != 16) {
    return false;
  }
  const std::string_view class_name = name.substr(0, dash);
  const auto it =
      std::find(std::begin(kClassNames), std::end(kClassNames), class_name);
  if (it == std::end(kClassNames)) return false;
  uint64_t value = 0;
  for (char c : name.substr(dash + 1)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return false;
    }
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  if (value >= kSpoolSegmentNumberLimit) return false;
  *cls = static_cast<size_t>(it - std::begin(kClassNames));
  *number = value;
  return true;
}

std::string EncodeSpoolSegmentHeader(size_t cls, uint64_t number) {
  std::string out;
  PutLe<uint32_t>(&out, kSegmentMagic);
  PutLe<uint16_t>(&out, kFormatVersion);
  PutLe<uint8_t>(&out, static_cast<uint8_t>(cls));
  PutLe<uint8_t>(&out, 0);
  PutLe<uint64_t>(&out, number);
  return out;
}

void AppendSpoolRecord(std::string* out, uint64_t seq, int64_t time_ms,
                       uint8_t cls, uint8_t kind, std::string_view data) {
  const size_t header = out->size();
  const auto body_size =
      static_cast<uint32_t>(kSpoolBodyHeaderSize + data.size());
  PutLe<uint32_t>(out, kRecordMagic);
  PutLe<uint32_t>(out, body_size);
  PutLe<uint32_t>(out, 0);  // CRC, below
  const size_t body = out->size();
  PutLe<uint64_t>(out, seq);
  PutLe<int64_t>(out, time_ms);
  PutLe<uint8_t>(out, cls);
  PutLe<uint8_t>(out, kind);
  PutLe<uint16_t>(out, 0);
  out->append(data);
  StoreLe<uint32_t>(out->data() + header + 8,
                    Crc32c(out->data() + body, body_size));
}

uint64_t EncodedSpoolRecordSize(std::string_view records, size_t at) {
  const auto* h = reinterpret_cast<const uint8_t*>(records.data() + at);
  return kSpoolRecordHeaderSize + LoadLe<uint32_t>(h + 4);
}

std::string EncodeSpoolCursor(const SpoolCursorFile& cursor) {
  std::string out;
  PutLe<uint32_t>(&out, kCursorMagic);
  PutLe<uint16_t>(&out, kFormatVersion);
  PutLe<uint16_t>(&out, kSpoolClassCount);
  PutLe<uint64_t>(&out, cursor.next_seq);
  for (const SpoolPosition& p : cursor.frontier) {
    PutLe<uint64_t>(&out, p.segment);
    PutLe<uint64_t>(&out, p.offset);
  }
  PutLe<uint32_t>(&out, Crc32c(out.data(), out.size()));
  return out;
}

bool DecodeSpoolCursor(std::string_view bytes, SpoolCursorFile* out) {
  if (bytes.size() != kSpoolCursorSize) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (LoadLe<uint32_t>(p) != kCursorMagic ||
      LoadLe<uint16_t>(p + 4) != kFormatVersion ||
      LoadLe<uint16_t>(p + 6) != kSpoolClassCount ||
      LoadLe<uint32_t>(p + kSpoolCursorSize - 4) !=
          Crc32c(p, kSpoolCursorSize - 4)) {
    return false;
  }
  out->next_seq = LoadLe<uint64_t>(p + 8);
  for (size_t c = 0; c < kSpoolClassCount; ++c) {
    out->frontier[c].segment = LoadLe<uint64_t>(p + 16 + 16 * c);
    out->frontier[c].offset = LoadLe<uint64_t>(p + 24 + 16 * c);
  }
  return true;
}

const uint8_t* SpoolMemoryBytes::Get(uint64_t offset, uint64_t n) {
  if (n > bytes_.size() || offset > bytes_.size() - n) return nullptr;
  return reinterpret_cast<const uint8_t*>(bytes_.data()) + offset;
}

SpoolSegmentScanner::SpoolSegmentScanner(SpoolByteSource* source, uint64_t size,
                                         size_t cls, uint64_t number,
                                         uint64_t start)
    : source_(source),
      size_(size),
      cls_(static_cast<uint8_t>(cls)),
      number_(number),
      pos_(start) {}

bool SpoolSegmentScanner::Next(SpoolScanItem* item) {
  if (pos_ >= size_ || failed()) return false;
  item->offset = pos_;
  if (pos_ == 0 && HeaderValid()) {
    item->type = SpoolScanItem::Type::kHeader;
    item->length = kSpoolSegmentHeaderSize;
  } else if (pos_ != 0 && RecordAt(pos_, item)) {
    item->type = SpoolScanItem::Type::kRecord;
  } else {
    uint64_t next = pos_ + 1;
    SpoolScanItem probe;
    while (next < size_ && !RecordAt(next, &probe) && !failed()) ++next;
    item->type = SpoolScanItem::Type::kBad;
    item->length = next - pos_;
  }
  if (failed()) return false;
  pos_ += item->length;
  return true;
}

bool SpoolSegmentScanner::HeaderValid() {
  const uint8_t* h = source_->Get(0, kSpoolSegmentHeaderSize);
  return h != nullptr && LoadLe<uint32_t>(h) == kSegmentMagic &&
         LoadLe<uint16_t>(h + 4) == kFormatVersion && h[6] == cls_ &&
         LoadLe<uint64_t>(h + 8) == number_;
}

bool SpoolSegmentScanner::RecordAt(uint64_t offset, SpoolScanItem* item) {
  if (size_ - offset < kSpoolRecordHeaderSize + kSpoolBodyHeaderSize) {
    return false;
  }
  const uint8_t* h = source_->Get(offset, kSpoolRecordHeaderSize);
  if (h == nullptr || LoadLe<uint32_t>(h) != kRecordMagic) return false;
  const uint32_t body_size = LoadLe<uint32_t>(h + 4);
  const uint32_t crc = LoadLe<uint32_t>(h + 8);
  if (body_size < kSpoolBodyHeaderSize ||
      body_size - kSpoolBodyHeaderSize > kSpoolMaxDataBytes) {
    return false;
  }
  // The whole record must lie inside the first `size_` bytes, even when
  // the source holds more.
  if (body_size > size_ - offset - kSpoolRecordHeaderSize) return false;
  const uint8_t* b = source_->Get(offset + kSpoolRecordHeaderSize, body_size);
  // The class byte is checked before the CRC: cheap, and it rejects most
  // false magics met while resynchronising.
  if (b == nullptr || b[16] != cls_ || Crc32c(b, body_size) != crc) {
    return false;
  }
  item->length = kSpoolRecordHeaderSize + body_size;
  item->seq = LoadLe<uint64_t>(b);
  item->time_ms = LoadLe<int64_t>(b + 8);
  item->kind = b[17];
  item->data = b + kSpoolBodyHeaderSize;
  item->data_size = body_size - kSpoolBodyHeaderSize;
  return true;
}

}  // namespace picket

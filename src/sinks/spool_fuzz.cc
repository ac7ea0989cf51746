// libFuzzer target for the spool's record format (sinks/spool_record.h):
// any bytes found in a segment file must be walked without crashing or
// hanging, and the walk must agree with itself: its items tile the file
// from 0 to the end, a bad run always ends at a valid record or at the end,
// a walk started at any item boundary (or inside a bad run) finds the same
// items from there on, a walk of a shorter file finds the same items before
// its end, and every record read encodes back to its bytes. These are what
// Spool relies on when it opens a spool after a crash and when it reads
// from a saved cursor. Random bytes rarely carry a valid CRC, so each input
// is also walked with the CRCs of record-looking runs recomputed, which
// takes the fuzzer past the checksum into the record fields and the
// resynchronisation. Works on the input bytes alone: no file is written.
//
// Input: the segment file's bytes. Its header decides the file's class and
// number when it has them. Inputs of more than 84 bytes also give their last
// 84 bytes as a cursor file, decoded as they are and with magic and CRC
// made right. Short inputs are also tried as a segment file name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/crc32c.h"
#include "sinks/spool_record.h"

namespace {

using picket::SpoolScanItem;
using picket::SpoolSegmentScanner;

constexpr uint32_t kRecordMagic = 0xA55AC0DE;
constexpr size_t kCursorSize = picket::kSpoolCursorSize;

uint64_t Load(std::string_view b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  }
  return v;
}

void Store(std::string* b, size_t at, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) (*b)[at + i] = static_cast<char>(v >> 8 * i);
}

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// Gives every run that starts with the record magic and whose length fits
// the CRC of its body.
std::string FixRecordCrcs(std::string bytes) {
  size_t at = 0;
  while (at + 32 <= bytes.size()) {
    const uint64_t body = Load(bytes, at + 4, 4);
    if (Load(bytes, at, 4) == kRecordMagic && body >= 20 &&
        body <= bytes.size() - at - 12) {
      Store(&bytes, at + 8, picket::Crc32c(bytes.data() + at + 12, body), 4);
      at += 12 + body;
    } else {
      ++at;
    }
  }
  return bytes;
}

std::string FixCursor(std::string bytes) {
  bytes.replace(0, 8, std::string("PCUR\x01\x00\x04\x00", 8));
  Store(&bytes, kCursorSize - 4, picket::Crc32c(bytes.data(), kCursorSize - 4),
        4);
  return bytes;
}

struct Item {
  SpoolScanItem::Type type;
  uint64_t offset;
  uint64_t length;
  bool operator==(const Item&) const = default;
};

// The items of a walk of the first `size` bytes from `start`; at most
// `most` of them.
std::vector<Item> Walk(std::string_view bytes, uint64_t size, size_t cls,
                       uint64_t number, uint64_t start,
                       size_t most = SIZE_MAX) {
  picket::SpoolMemoryBytes source(bytes);
  SpoolSegmentScanner scanner(&source, size, cls, number, start);
  std::vector<Item> items;
  SpoolScanItem item;
  while (items.size() < most && scanner.Next(&item)) {
    items.push_back({item.type, item.offset, item.length});
    if (item.type != SpoolScanItem::Type::kRecord) continue;
    // A record reads back as what encodes to its bytes (when its reserved
    // bytes are 0, as the writer leaves them).
    Check(item.length == 32 + uint64_t{item.data_size});
    Check(picket::EncodedSpoolRecordSize(bytes, item.offset) == item.length);
    if (Load(bytes, item.offset + 30, 2) == 0) {
      std::string again;
      picket::AppendSpoolRecord(
          &again, item.seq, item.time_ms, static_cast<uint8_t>(cls), item.kind,
          std::string_view(reinterpret_cast<const char*>(item.data),
                           item.data_size));
      Check(again == bytes.substr(item.offset, item.length));
    }
  }
  Check(!scanner.failed());  // memory never fails
  return items;
}

void CheckSegment(std::string_view bytes) {
  // Name the file as its header says, so that a valid header stays valid.
  size_t cls = 0;
  uint64_t number = 1;
  if (bytes.size() >= 16) {
    cls = static_cast<uint8_t>(bytes[6]) % picket::kSpoolClassCount;
    number = Load(bytes, 8, 8);
  }
  const uint64_t size = bytes.size();
  const std::vector<Item> items = Walk(bytes, size, cls, number, 0);

  uint64_t at = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    Check(it.offset == at && it.length > 0 && it.length <= size - at);
    if (it.type == SpoolScanItem::Type::kHeader) {
      Check(it.offset == 0 && it.length == 16);
    } else if (it.type == SpoolScanItem::Type::kRecord) {
      Check(it.offset != 0);
    }
    if (it.type == SpoolScanItem::Type::kBad && i + 1 < items.size()) {
      Check(items[i + 1].type == SpoolScanItem::Type::kRecord);
    }
    at += it.length;
    // From any boundary the walk goes on the same way.
    if (it.offset > 0) {
      Check(Walk(bytes, size, cls, number, it.offset, 1) ==
            std::vector<Item>{it});
    }
    // From inside a bad run it reaches the same next record.
    if (it.type == SpoolScanItem::Type::kBad && it.length > 1) {
      const Item rest{it.type, it.offset + 1, it.length - 1};
      Check(Walk(bytes, size, cls, number, it.offset + 1, 1) ==
            std::vector<Item>{rest});
    }
  }
  Check(at == size);

  // A file cut at the start of its last record: the same items before it.
  for (size_t i = items.size(); i-- > 1;) {
    if (items[i].type != SpoolScanItem::Type::kRecord) continue;
    std::vector<Item> before(items.begin(), items.begin() + i);
    Check(Walk(bytes, items[i].offset, cls, number, 0) == before);
    break;
  }
}

void CheckCursor(std::string_view bytes) {
  picket::SpoolCursorFile cursor;
  if (picket::DecodeSpoolCursor(bytes, &cursor)) {
    Check(picket::EncodeSpoolCursor(cursor) == bytes);
  }
}

void CheckFileName(std::string_view name) {
  size_t cls = 0;
  uint64_t number = 0;
  if (picket::ParseSpoolSegmentFileName(name, &cls, &number)) {
    Check(number < picket::kSpoolSegmentNumberLimit);
    Check(picket::SpoolSegmentFileName(cls, number) == name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  CheckSegment(input);
  CheckSegment(FixRecordCrcs(input));
  if (size > kCursorSize) {
    const std::string tail = input.substr(size - kCursorSize);
    CheckCursor(tail);
    const std::string cursor = FixCursor(tail);
    picket::SpoolCursorFile decoded;
    Check(picket::DecodeSpoolCursor(cursor, &decoded));
    CheckCursor(cursor);
    CheckSegment(FixRecordCrcs(input.substr(0, size - kCursorSize)));
  }
  if (size <= 64) CheckFileName(input);
  return 0;
}

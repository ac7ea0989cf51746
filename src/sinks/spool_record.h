// The spool's on-disk format, as bytes: segment file names and headers,
// records, the walk of a segment that resynchronises after bad bytes, and
// the cursor file. docs/spool-format.md is the contract; this is its code.
//
// Pure functions over bytes: no file system, no clock, no Linux header, so
// the fuzz target and the tests run on byte strings alone. The queue that
// keeps these bytes in files (segments, eviction, cursor I/O) is Spool, in
// sinks/spool.h. A SpoolSegmentScanner reads through a SpoolByteSource it
// does not own; everything here is otherwise stateless and thread-safe
// (one scanner and its source belong to one thread).
#ifndef PICKET_SINKS_SPOOL_RECORD_H_
#define PICKET_SINKS_SPOOL_RECORD_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace picket {

// Eviction order is low first; delivery order is alerts first. The values
// are written in segment headers and records: never renumber.
enum class SpoolClass : uint8_t {
  kLow = 0,
  kMedium = 1,
  kHigh = 2,
  kAlert = 3
};
inline constexpr int kSpoolClassCount = 4;
// "low", "medium", "high", "alert" (used in file names and statistics);
// "unknown" for a value outside the enum.
std::string_view SpoolClassName(SpoolClass cls);

// Sizes and limits of the format (docs/spool-format.md).
inline constexpr uint64_t kSpoolSegmentHeaderSize = 16;
inline constexpr uint64_t kSpoolRecordHeaderSize = 12;  // magic, length, CRC
// seq, time_ms, class, kind, reserved: the body before the data.
inline constexpr uint32_t kSpoolBodyHeaderSize = 20;
inline constexpr uint32_t kSpoolMaxDataBytes = 16u << 20;
inline constexpr size_t kSpoolCursorSize = 84;
// Segment files with larger numbers are not the spool's, which keeps
// `number + 1` from wrapping.
inline constexpr uint64_t kSpoolSegmentNumberLimit = 1ull << 63;

// Where a record starts inside its class queue. Ordered by (segment, offset).
struct SpoolPosition {
  uint64_t segment = 0;
  uint64_t offset = 0;  // byte offset in the segment file
  bool operator==(const SpoolPosition&) const = default;
  auto operator<=>(const SpoolPosition&) const = default;
};

// "<class>-<number, 16 lower-case hex digits>.seg". `cls` < kSpoolClassCount.
std::string SpoolSegmentFileName(size_t cls, uint64_t number);

// The inverse of SpoolSegmentFileName: false for any other name, and for a
// number of kSpoolSegmentNumberLimit or more.
bool ParseSpoolSegmentFileName(std::string_view name, size_t* cls,
                               uint64_t* number);

// The 16-byte header of segment `number` of class `cls`.
std::string EncodeSpoolSegmentHeader(size_t cls, uint64_t number);

// Appends one encoded record (header, body, CRC) to `out`. `data` must be
// at most kSpoolMaxDataBytes.
void AppendSpoolRecord(std::string* out, uint64_t seq, int64_t time_ms,
                       uint8_t cls, uint8_t kind, std::string_view data);

// Size (header and body) of the record that starts at `at` in `records`,
// bytes written by AppendSpoolRecord (so not checked). Its data size is
// that minus kSpoolRecordHeaderSize + kSpoolBodyHeaderSize.
uint64_t EncodedSpoolRecordSize(std::string_view records, size_t at);

// The saved ack frontiers (docs/spool-format.md, "Cursor file").
struct SpoolCursorFile {
  uint64_t next_seq = 1;
  std::array<SpoolPosition, kSpoolClassCount> frontier{};
};

// The 84 bytes of the cursor file.
std::string EncodeSpoolCursor(const SpoolCursorFile& cursor);

// False for anything but a whole, intact cursor file (size, magic, version,
// class count, CRC); `out` is then left as it was.
bool DecodeSpoolCursor(std::string_view bytes, SpoolCursorFile* out);

// The bytes a SpoolSegmentScanner walks: a file read piece by piece, or
// bytes in memory (SpoolMemoryBytes).
class SpoolByteSource {
 public:
  virtual ~SpoolByteSource() = default;
  // Bytes [offset, offset + n), or null when they are past the end or cannot
  // be read (then failed() tells a read error). Valid until the next call.
  virtual const uint8_t* Get(uint64_t offset, uint64_t n) = 0;
  // True from the first read error on.
  virtual bool failed() const { return false; }
};

// A SpoolByteSource over bytes the caller keeps alive.
class SpoolMemoryBytes final : public SpoolByteSource {
 public:
  explicit SpoolMemoryBytes(std::string_view bytes) : bytes_(bytes) {}
  const uint8_t* Get(uint64_t offset, uint64_t n) override;

 private:
  std::string_view bytes_;
};

// One step of a segment walk: the header, a record, or a run of bytes that
// are neither (ending where the next valid record starts, or at the end).
struct SpoolScanItem {
  enum class Type { kHeader, kRecord, kBad };
  Type type = Type::kBad;
  uint64_t offset = 0;
  uint64_t length = 0;
  // kRecord only; `data` points into the source, valid until the next Next().
  uint64_t seq = 0;
  int64_t time_ms = 0;
  uint8_t kind = 0;
  const uint8_t* data = nullptr;
  uint32_t data_size = 0;
};

// Walks the first `size` bytes of segment `number` of class `cls` from
// `start` (offset 0 or an item boundary), as docs/spool-format.md "Reading
// a segment" says: the header at 0, valid records, and bad runs that end at
// the next offset holding a valid record. Never asks `source` for bytes past
// `size`.
class SpoolSegmentScanner {
 public:
  SpoolSegmentScanner(SpoolByteSource* source, uint64_t size, size_t cls,
                      uint64_t number, uint64_t start);

  // The next item; false at the end, and from the source's first read error
  // on (see failed()): an I/O error must not pass for bad bytes, which would
  // be skipped for good.
  bool Next(SpoolScanItem* item);

  bool failed() const { return source_->failed(); }

 private:
  bool HeaderValid();
  bool RecordAt(uint64_t offset, SpoolScanItem* item);

  SpoolByteSource* source_;
  uint64_t size_;
  uint8_t cls_;
  uint64_t number_;
  uint64_t pos_;
};

}  // namespace picket

#endif  // PICKET_SINKS_SPOOL_RECORD_H_

// Spool: the MQTT sink's on-disk store-and-forward queue.
//
// Every event bound for the fleet is appended here before it is sent, and
// leaves only when the broker has acknowledged the message that carried it
// (PUBACK). So a broker outage, an agent restart, `kill -9` or a power cut
// loses nothing that reached the disk. The layout is documented in
// docs/spool-format.md; its bytes are sinks/spool_record.h's, this is the
// queue kept in files.
//
// Four queues, one per SpoolClass, each a series of append-only segment
// files `<dir>/<class>-<segment number, 16 hex digits>.seg`. A record is a
// header (magic, length, CRC-32C) and a body (sequence number, time, class,
// kind, data). Appends are buffered in memory and written by Flush() with one
// write per segment touched; fsync follows the configured policy
// (flash-friendly: "interval" by default). The cap bounds all segment files
// together: when a flush would exceed it, whole segments are evicted, oldest
// first, from the lowest class that has any (low, then medium, then high,
// alerts last); evicted records are counted per class.
//
// Reading is per class: ReadBatch() hands out consecutive records from the
// class's send cursor; Ack() marks a handed-out batch delivered. The ack
// frontier of a class (start of its oldest unacknowledged batch) is what
// survives a restart: it is saved in `<dir>/cursor` (atomic replace) by
// SaveCursor(). Segments wholly behind the frontier are deleted. Rewind()
// (connection lost) makes everything handed out but not acknowledged
// readable again, so QoS 1 redelivery may duplicate, never lose.
//
// Open() recovers: a record whose CRC fails at the end of a class's newest
// segment is a torn write (crash or power cut mid-append): the segment is
// truncated there and the record counted as "torn". A bad record elsewhere is
// corruption: the reader resynchronises at the next valid record header and
// counts "corrupt_records" and "corrupt_bytes". Files are created 0600 and
// the directory 0700.
//
// Not thread-safe: the event-loop thread owns it.
#ifndef PICKET_SINKS_SPOOL_H_
#define PICKET_SINKS_SPOOL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "picket/status.h"
#include "sinks/spool_record.h"

namespace picket {

enum class FsyncPolicy : uint8_t {
  kAlways,    // fsync after every Flush() that wrote something
  kInterval,  // fsync at most once per fsync_interval_ms (and at close)
  kNever,     // leave it to the kernel's writeback
};

struct SpoolOptions {
  std::string dir;                  // created (0700) when missing
  uint64_t max_bytes = 8ull << 20;  // cap on all segment files together
  // 0: max_bytes / 16, clamped to [4 KiB, 1 MiB].
  uint64_t segment_bytes = 0;
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  int64_t fsync_interval_ms = 5000;
  // Larger records are refused by Append() (counted as "oversized").
  uint32_t max_record_bytes = 256 * 1024;
};

// One record as handed out by ReadBatch().
struct SpoolRecord {
  uint64_t seq = 0;     // spool-wide, increasing in append order
  int64_t time_ms = 0;  // Unix time in ms given to Append()
  uint8_t kind = 0;     // caller's routing tag (the MQTT sink: topic kind)
  std::string data;
};

// Consecutive records of one class and one kind, handed out together.
struct SpoolBatch {
  uint64_t id = 0;  // unique per Spool instance, for Ack()
  SpoolClass cls = SpoolClass::kLow;
  uint8_t kind = 0;
  SpoolPosition start;  // first record
  SpoolPosition end;    // just past the last record
  std::vector<SpoolRecord> records;
  size_t data_bytes = 0;  // sum of records[i].data.size()
};

// What is waiting to be handed out in one class.
struct SpoolBacklog {
  uint64_t records = 0;        // written but not yet handed out (since Rewind)
  uint64_t bytes = 0;          // their data bytes
  int64_t oldest_time_ms = 0;  // time_ms of the first of them; 0 when none
};

struct SpoolStats {
  uint64_t appended = 0;       // records accepted by Append()
  uint64_t oversized = 0;      // records refused by Append()
  uint64_t written_bytes = 0;  // bytes written to segment files
  uint64_t write_errors = 0;   // records lost to failed writes
  uint64_t fsyncs = 0;
  uint64_t acked = 0;            // records acknowledged
  uint64_t torn = 0;             // torn records cut off at Open()
  uint64_t corrupt_records = 0;  // bad records skipped in the middle, and
                                 // damaged cursor files (see spool-format.md)
  uint64_t corrupt_bytes = 0;
  uint64_t disk_bytes = 0;  // current size of all segment files
  uint64_t pending = 0;     // flushed, not yet acknowledged; all classes
  std::array<uint64_t, kSpoolClassCount> evicted{};  // records, per class
};

class Spool {
 public:
  // Opens (creating when missing) the spool in options.dir: scans every
  // segment, recovers torn and corrupt records as described above, applies
  // the saved cursor. Fails only when the directory cannot be created or
  // read, or is not private to the agent's user (then the error says so).
  static Result<std::unique_ptr<Spool>> Open(const SpoolOptions& options);
  ~Spool();  // flushes, saves the cursor, closes

  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Buffers one record; false (and counted) when data exceeds
  // max_record_bytes. Nothing reaches the disk before Flush().
  bool Append(SpoolClass cls, uint8_t kind, std::string_view data,
              int64_t time_ms);

  // Writes the buffered records to their segments (new segment when the
  // current one would pass segment_bytes), evicts to honour max_bytes, and
  // fsyncs per policy. `now_ms` is a monotonic clock for the fsync interval.
  // A write error drops the buffered records it concerned (counted) and is
  // returned; the spool stays usable.
  Status Flush(int64_t now_ms);

  // Hands out up to `max_records` consecutive written records of `cls`, all
  // of the same kind as the first, whose data add up to at most `max_bytes`
  // (the first record is handed out even when alone it is larger). Returns
  // false when the class has nothing to hand out. Skips corrupt records
  // (counted).
  bool ReadBatch(SpoolClass cls, size_t max_bytes, size_t max_records,
                 SpoolBatch* out);

  // Marks a batch delivered. Batches may be acknowledged in any order; the
  // frontier moves past a batch when every earlier batch of its class is
  // acknowledged too. Unknown ids (already evicted, or handed out before a
  // Rewind()) are ignored.
  void Ack(uint64_t batch_id);

  // Forgets every handed-out, unacknowledged batch: the next ReadBatch() of
  // each class starts at its ack frontier again.
  void Rewind();

  // Writes the ack frontiers to `<dir>/cursor` (atomic replace, fsync per
  // policy) when they changed since the last save.
  Status SaveCursor();

  SpoolBacklog Backlog(SpoolClass cls) const;
  SpoolStats stats() const;
  const SpoolOptions& options() const;

 private:
  struct Impl;
  explicit Spool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace picket

#endif  // PICKET_SINKS_SPOOL_H_

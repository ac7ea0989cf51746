#include "sinks/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <utility>

#include "core/log.h"
#include "platform/linux/files.h"

namespace picket {

namespace {

constexpr char kCursorName[] = "cursor";
constexpr char kCursorTmpName[] = "cursor.tmp";
constexpr mode_t kFileMode = 0600;
constexpr uint64_t kReadChunk = 64 * 1024;

bool ValidClass(SpoolClass cls) {
  return static_cast<size_t>(cls) < kSpoolClassCount;
}

using CursorFile = SpoolCursorFile;

// The spool holds every event bound for the fleet: another user able to
// write the directory could drop or forge them.
bool WriteFully(int fd, std::string_view data, size_t* written, int* err) {
  *written = 0;
  while (*written < data.size()) {
    const ssize_t n = write(fd, data.data() + *written, data.size() - *written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *err = n < 0 ? errno : ENOSPC;
      return false;
    }
    *written += static_cast<size_t>(n);
  }
  return true;
}

// Missing file: true with `out` empty and `*exists` false.
bool ReadSmallFile(int dir_fd, const char* name, size_t limit, std::string* out,
                   bool* exists) {
  out->clear();
  *exists = false;
  const int fd =
      openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return errno == ENOENT;
  *exists = true;
  char buf[256];
  while (out->size() <= limit) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return false;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

// Buffered pread over the first `size` bytes of a file, so a scan costs one
// system call per 64 KiB rather than two per record.
class FileWindow final : public SpoolByteSource {
 public:
  FileWindow(int fd, uint64_t size, uint64_t chunk)
      : fd_(fd), size_(size), chunk_(chunk) {}

  // Bytes [offset, offset + n), or null when they pass `size` or cannot be
  // read (a file shorter than `size` reads as missing bytes; a failing read
  // also sets failed()). Valid until the next call.
  const uint8_t* Get(uint64_t offset, uint64_t n) override {
    if (n > size_ || offset > size_ - n) return nullptr;
    if (offset >= start_ && offset - start_ <= length_ &&
        n <= length_ - (offset - start_)) {
      return buf_.data() + (offset - start_);
    }
    const uint64_t want = std::min(std::max(n, chunk_), size_ - offset);
    if (buf_.size() < want) buf_.resize(want);
    uint64_t got = 0;
    while (got < want) {
      const ssize_t r = pread(fd_, buf_.data() + got, want - got,
                              static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) failed_ = true;
      if (r <= 0) break;
      got += static_cast<uint64_t>(r);
    }
    start_ = offset;
    length_ = got;
    return got >= n ? buf_.data() : nullptr;
  }

  bool failed() const override { return failed_; }

 private:
  int fd_;
  uint64_t size_;
  uint64_t chunk_;
  std::vector<uint8_t> buf_;
  uint64_t start_ = 0;
  uint64_t length_ = 0;
  bool failed_ = false;
};

using ScanItem = SpoolScanItem;

// The walk of a segment file (SpoolSegmentScanner) through a FileWindow.
class SegmentScanner {
 public:
  // `chunk`: how much to read ahead at a time.
  SegmentScanner(int fd, uint64_t size, size_t cls, uint64_t number,
                 uint64_t start, uint64_t chunk = kReadChunk)
      : window_(fd, size, chunk),
        scanner_(&window_, size, cls, number, start) {}

  // As SpoolSegmentScanner::Next: false at the end and after a read error.
  bool Next(ScanItem* item) { return scanner_.Next(item); }
  bool failed() const { return scanner_.failed(); }

 private:
  FileWindow window_;
  SpoolSegmentScanner scanner_;
};

// Bytes [begin, end) of a segment.
struct Range {
  uint64_t begin = 0;
  uint64_t end = 0;
  bool operator==(const Range&) const = default;
};

// A place in a class queue, with the counts of valid records (and their data
// bytes) that precede it in its segment, so backlogs need no disk reads.
struct QueuePosition {
  uint64_t segment = 0;
  uint64_t offset = 0;
  uint64_t index = 0;
  uint64_t data_bytes = 0;
  SpoolPosition pub() const { return {segment, offset}; }
};

// A position whose counts a segment walk fills in; `boundary` tells whether
// an item (header, record or bad run) starts there, or the file ends there.
struct Probe {
  QueuePosition* pos = nullptr;
  bool boundary = false;
};

// What one walk of a whole segment found.
struct SegmentSummary {
  bool header_ok = false;
  uint64_t records = 0;
  uint64_t data_bytes = 0;
  uint64_t max_seq = 0;
  std::vector<Range> bad;
  bool read_error = false;  // the walk stopped early; the rest is unknown
};

// Walks segment `number` of class `cls` (its first `size` bytes) from the
// start. `probes` must be sorted by offset.
SegmentSummary ScanSegment(int fd, uint64_t size, size_t cls, uint64_t number,
                           std::vector<Probe>* probes) {
  SegmentSummary s;
  SegmentScanner scanner(fd, size, cls, number, 0);
  ScanItem item;
  size_t p = 0;
  // Probes at or before `upto` get the counts of the records before them.
  auto settle = [&](uint64_t upto) {
    for (; p < probes->size(); ++p) {
      Probe& probe = (*probes)[p];
      if (probe.pos->offset > upto) break;
      probe.pos->index = s.records;
      probe.pos->data_bytes = s.data_bytes;
      probe.boundary = probe.pos->offset == upto;
    }
  };
  while (scanner.Next(&item)) {
    settle(item.offset);
    switch (item.type) {
      case ScanItem::Type::kHeader:
        s.header_ok = true;
        break;
      case ScanItem::Type::kRecord:
        ++s.records;
        s.data_bytes += item.data_size;
        s.max_seq = std::max(s.max_seq, item.seq);
        break;
      case ScanItem::Type::kBad:
        s.bad.push_back({item.offset, item.offset + item.length});
        break;
    }
  }
  s.read_error = scanner.failed();
  if (s.read_error) return s;  // the probes left are not known
  settle(size);
  for (; p < probes->size(); ++p) {  // beyond the end: not a boundary
    (*probes)[p].pos->index = s.records;
    (*probes)[p].pos->data_bytes = s.data_bytes;
  }
  return s;
}

}  // namespace

struct Spool::Impl {
  struct Segment {
    uint64_t number = 0;
    uint64_t size = 0;  // bytes of the file that belong to the spool
    uint64_t data_start = kSpoolSegmentHeaderSize;  // 0 when the header is bad
    uint64_t records = 0;                           // valid records
    uint64_t data_bytes = 0;                        // their data bytes
    std::vector<Range> bad;  // known bad byte runs, skipped silently
  };

  struct Batch {
    uint64_t id = 0;
    QueuePosition start;
    QueuePosition end;
    uint64_t records = 0;
    bool acked = false;
  };

  struct Queue {
    size_t cls = 0;
    std::deque<Segment> segments;    // ascending numbers
    int append_fd = -1;              // on segments.back() while appending there
    bool dirty = false;              // append_fd written since its last fsync
    std::vector<uint64_t> unsynced;  // closed segments awaiting an fsync
    int read_fd = -1;
    uint64_t read_segment = 0;
    std::string buffer;  // encoded records waiting for Flush()
    QueuePosition cursor;
    std::deque<Batch> in_flight;  // in hand-out (and position) order
    // Backlog(): time_ms of the record at `peek_at`, read lazily.
    mutable bool peek_valid = false;
    mutable SpoolPosition peek_at;
    mutable int64_t peek_time_ms = 0;
  };

  explicit Impl(const SpoolOptions& o) : options(o) {
    if (options.segment_bytes == 0) {
      options.segment_bytes =
          std::clamp<uint64_t>(options.max_bytes / 16, 4096, 1 << 20);
    }
    options.max_record_bytes =
        std::min(options.max_record_bytes, kSpoolMaxDataBytes);
    options.fsync_interval_ms = std::max<int64_t>(options.fsync_interval_ms, 0);
    for (size_t c = 0; c < kSpoolClassCount; ++c) queues[c].cls = c;
  }

  ~Impl() {
    for (Queue& q : queues) {
      if (q.append_fd >= 0) close(q.append_fd);
      if (q.read_fd >= 0) close(q.read_fd);
    }
  }

  // Opens `name` under the spool directory, never through a link, never
  // blocking (a FIFO planted there is not waited on).
  int OpenIn(const std::string& name, int flags, mode_t mode = 0) const {
    return openat(dir_fd, name.c_str(),
                  flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
  }

  std::string PathOf(const std::string& name) const {
    return options.dir + "/" + name;
  }
  std::string SegmentPath(const Queue& q, uint64_t number) const {
    return PathOf(SpoolSegmentFileName(q.cls, number));
  }

  Status Load();
  void LoadSegments(const std::vector<std::vector<uint64_t>>& numbers,
                    std::array<bool, kSpoolClassCount>* reopen);
  void ApplyCursor(const CursorFile* cursor);

  Segment* FindSegment(Queue& q, uint64_t number) {
    for (Segment& s : q.segments) {
      if (s.number == number) return &s;
    }
    return nullptr;
  }

  // A position whose segment is gone means "the start of the first segment
  // after it"; one beyond every segment stays as it is.
  QueuePosition Resolve(const Queue& q, const QueuePosition& pos) const {
    for (const Segment& s : q.segments) {
      if (s.number == pos.segment) return pos;
      if (s.number > pos.segment) return {s.number, 0, 0, 0};
    }
    return pos;
  }

  // The ack frontier: the start of the oldest batch out, else the cursor.
  QueuePosition Frontier(const Queue& q) const {
    return q.in_flight.empty() ? Resolve(q, q.cursor) : q.in_flight[0].start;
  }

  // Records (and data bytes) at or after `pos`.
  std::pair<uint64_t, uint64_t> CountFrom(const Queue& q,
                                          const QueuePosition& pos) const {
    uint64_t records = 0, bytes = 0;
    for (const Segment& s : q.segments) {
      if (s.number < pos.segment) continue;
      if (s.number == pos.segment) {
        records += s.records - std::min(pos.index, s.records);
        bytes += s.data_bytes - std::min(pos.data_bytes, s.data_bytes);
      } else {
        records += s.records;
        bytes += s.data_bytes;
      }
    }
    return {records, bytes};
  }

  uint64_t DiskBytes() const {
    uint64_t total = 0;
    for (const Queue& q : queues) {
      for (const Segment& s : q.segments) total += s.size;
    }
    return total;
  }

  int ReadFd(Queue& q, uint64_t number) {
    if (q.read_fd >= 0 && q.read_segment == number) return q.read_fd;
    if (q.read_fd >= 0) close(q.read_fd);
    q.read_fd = OpenIn(SpoolSegmentFileName(q.cls, number), O_RDONLY);
    q.read_segment = number;
    return q.read_fd;
  }

  void CloseAppend(Queue& q) {
    if (q.append_fd < 0) return;
    close(q.append_fd);
    q.append_fd = -1;
    if (q.dirty && !q.segments.empty()) {
      q.unsynced.push_back(q.segments.back().number);
    }
    q.dirty = false;
  }

  // Forgets a segment (deleting its file when `unlink_file`): batches handed
  // out from it become unknown and a cursor in it moves to the next one.
  void RemoveSegment(Queue& q, uint64_t number, bool unlink_file) {
    if (q.read_fd >= 0 && q.read_segment == number) {
      close(q.read_fd);
      q.read_fd = -1;
    }
    if (!q.segments.empty() && q.segments.back().number == number &&
        q.append_fd >= 0) {
      close(q.append_fd);
      q.append_fd = -1;
      q.dirty = false;
    }
    std::erase(q.unsynced, number);
    std::erase_if(q.in_flight,
                  [&](const Batch& b) { return b.start.segment == number; });
    if (unlink_file &&
        unlinkat(dir_fd, SpoolSegmentFileName(q.cls, number).c_str(), 0) != 0 &&
        errno != ENOENT) {
      LogWarning("spool: cannot delete " + SegmentPath(q, number) + ": " +
                 std::strerror(errno));
    }
    std::erase_if(q.segments,
                  [&](const Segment& s) { return s.number == number; });
    q.cursor = Resolve(q, q.cursor);
  }

  // Deletes the segments whose every record is behind the ack frontier,
  // except the one being appended to.
  void DeleteConsumed(Queue& q) {
    while (!q.segments.empty()) {
      const Segment& s = q.segments.front();
      const QueuePosition f = Frontier(q);
      const bool behind =
          s.number < f.segment || (s.number == f.segment && f.offset >= s.size);
      const bool appending = q.append_fd >= 0 && q.segments.size() == 1;
      if (!behind || appending) return;
      RemoveSegment(q, s.number, true);
    }
  }

  // Evicts whole segments, oldest first from the lowest class, until the
  // segment files fit in max_bytes.
  void Evict() {
    while (DiskBytes() > options.max_bytes) {
      Queue* victim = nullptr;
      for (Queue& q : queues) {
        if (!q.segments.empty()) {
          victim = &q;
          break;
        }
      }
      if (victim == nullptr) return;
      const Segment& s = victim->segments.front();
      const QueuePosition f = Frontier(*victim);
      uint64_t acked_before = 0;
      if (f.segment > s.number) acked_before = s.records;
      if (f.segment == s.number) acked_before = std::min(f.index, s.records);
      stats.evicted[victim->cls] += s.records - acked_before;
      RemoveSegment(*victim, s.number, true);
    }
  }

  Status CreateSegment(Queue& q) {
    if (next_segment >= kSpoolSegmentNumberLimit) {
      return Status::ResourceExhausted("spool: segment numbers exhausted in " +
                                       options.dir);
    }
    const uint64_t number = next_segment++;
    const std::string path = SegmentPath(q, number);
    const int fd = OpenIn(SpoolSegmentFileName(q.cls, number),
                          O_WRONLY | O_CREAT | O_EXCL | O_APPEND, kFileMode);
    if (fd < 0) return ErrnoStatus("spool: create " + path, errno);
    Segment s;
    s.number = number;
    q.segments.push_back(std::move(s));
    q.append_fd = fd;
    q.dirty = false;
    dir_dirty = true;
    return Status::Ok();
  }

  static uint64_t CountRecords(std::string_view buffer, size_t from) {
    uint64_t n = 0;
    while (from < buffer.size()) {
      from += EncodedSpoolRecordSize(buffer, from);
      ++n;
    }
    return n;
  }

  Status WriteBuffered(Queue& q);
  Status Sync(int64_t now_ms, bool closing);
  Status FlushAll(int64_t now_ms, bool closing);
  Status SaveCursor(bool sync);
  bool ReadBatch(Queue& q, size_t max_bytes, size_t max_records,
                 SpoolBatch* out);
  void Rescan(Queue& q, Segment& seg, const Range& found,
              std::vector<QueuePosition*> also);
  int64_t PeekTime(const Queue& q, const QueuePosition& from) const;

  SpoolOptions options;
  StateDir state;          // the spool directory, opened once and checked
  int dir_fd = -1;         // state.fd()
  bool dir_dirty = false;  // a segment was created since the last dir fsync
  std::array<Queue, kSpoolClassCount> queues;
  uint64_t next_seq = 1;
  uint64_t next_segment = 1;
  uint64_t next_batch_id = 1;
  bool synced_once = false;
  int64_t last_sync_ms = 0;
  int64_t last_now_ms = 0;
  bool cursor_saved = false;  // saved_frontier is what `cursor` holds
  std::array<SpoolPosition, kSpoolClassCount> saved_frontier{};
  SpoolStats stats;
};

Status Spool::Impl::Load() {
  // Created private when missing; a link, or a directory another user owns
  // or can write, is refused. Every file below is opened under dir_fd with
  // O_NOFOLLOW.
  {
    Result<StateDir> opened = StateDir::Open(options.dir);
    if (!opened.ok()) return opened.status().WithContext("spool directory");
    state = std::move(opened.value());
  }
  dir_fd = state.fd();

  const int list_fd = dup(dir_fd);
  DIR* dir = list_fd < 0 ? nullptr : fdopendir(list_fd);
  if (dir == nullptr) {
    if (list_fd >= 0) close(list_fd);
    return ErrnoStatus("spool: read " + options.dir, errno);
  }
  std::vector<std::vector<uint64_t>> numbers(kSpoolClassCount);
  uint64_t max_number = 0;
  while (const dirent* e = readdir(dir)) {
    size_t cls;
    uint64_t number;
    if (ParseSpoolSegmentFileName(e->d_name, &cls, &number)) {
      numbers[cls].push_back(number);
      max_number = std::max(max_number, number);
    }
  }
  closedir(dir);
  // A crash between writing and renaming the cursor leaves this behind.
  unlinkat(dir_fd, kCursorTmpName, 0);

  std::array<bool, kSpoolClassCount> reopen{};
  LoadSegments(numbers, &reopen);

  std::string bytes;
  bool exists = false;
  CursorFile cursor;
  bool cursor_ok = false;
  if (!ReadSmallFile(dir_fd, kCursorName, kSpoolCursorSize, &bytes, &exists)) {
    LogWarning("spool: cannot read " + PathOf(kCursorName) + ": " +
               std::strerror(errno) + "; delivering from the oldest record");
    ++stats.corrupt_records;
  } else if (exists && !DecodeSpoolCursor(bytes, &cursor)) {
    LogWarning("spool: " + PathOf(kCursorName) +
               " is damaged; ignored, delivering from the oldest record");
    ++stats.corrupt_records;
  } else {
    cursor_ok = exists;
  }
  if (cursor_ok) next_seq = std::max(next_seq, cursor.next_seq);
  next_segment = max_number + 1;
  ApplyCursor(cursor_ok ? &cursor : nullptr);

  for (Queue& q : queues) {
    // Consumed segments go first, so that appending never resumes behind
    // the frontier (where new records would count as delivered).
    const uint64_t newest = q.segments.empty() ? 0 : q.segments.back().number;
    DeleteConsumed(q);
    if (reopen[q.cls] && !q.segments.empty() &&
        q.segments.back().number == newest &&
        q.segments.back().size < options.segment_bytes) {
      const std::string path = SegmentPath(q, newest);
      q.append_fd =
          OpenIn(SpoolSegmentFileName(q.cls, newest), O_WRONLY | O_APPEND);
    }
  }
  Evict();
  return Status::Ok();
}

void Spool::Impl::LoadSegments(
    const std::vector<std::vector<uint64_t>>& numbers,
    std::array<bool, kSpoolClassCount>* reopen) {
  for (Queue& q : queues) {
    std::vector<uint64_t> list = numbers[q.cls];
    std::sort(list.begin(), list.end());
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string path = SegmentPath(q, list[i]);
      const int fd = OpenIn(SpoolSegmentFileName(q.cls, list[i]), O_RDONLY);
      struct stat st;
      if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        LogWarning("spool: ignoring " + path + ": " +
                   (fd < 0 ? std::strerror(errno) : "not a regular file"));
        if (fd >= 0) close(fd);
        continue;
      }
      if ((st.st_mode & 077) != 0) fchmod(fd, kFileMode);
      const auto size = static_cast<uint64_t>(st.st_size);
      std::vector<Probe> none;
      SegmentSummary sum = ScanSegment(fd, size, q.cls, list[i], &none);
      close(fd);
      if (sum.read_error) {
        LogWarning("spool: ignoring " + path + " until restart: read error");
        continue;
      }

      Segment seg;
      seg.number = list[i];
      seg.size = size;
      seg.data_start = sum.header_ok ? kSpoolSegmentHeaderSize : 0;
      seg.records = sum.records;
      seg.data_bytes = sum.data_bytes;
      seg.bad = std::move(sum.bad);
      next_seq = std::max(next_seq, sum.max_seq + 1);
      const bool newest = i + 1 == list.size();
      bool appendable = newest;
      if (newest && !seg.bad.empty() && seg.bad.back().end == size) {
        // A write cut short by a crash: nothing valid follows it.
        const Range torn = seg.bad.back();
        if (truncate(path.c_str(), static_cast<off_t>(torn.begin)) == 0) {
          seg.bad.pop_back();
          seg.size = torn.begin;
          ++stats.torn;
          LogWarning("spool: " + path + ": torn record at offset " +
                     std::to_string(torn.begin) + " (" +
                     std::to_string(torn.end - torn.begin) + " bytes) cut off");
        } else {
          LogWarning("spool: cannot truncate " + path + ": " +
                     std::strerror(errno));
          appendable = false;
        }
      }
      if (!seg.bad.empty()) {
        uint64_t bytes = 0;
        for (const Range& r : seg.bad) bytes += r.end - r.begin;
        stats.corrupt_records += seg.bad.size();
        stats.corrupt_bytes += bytes;
        LogWarning("spool: " + path + ": skipping " + std::to_string(bytes) +
                   " corrupt bytes in " + std::to_string(seg.bad.size()) +
                   " place(s), the first at offset " +
                   std::to_string(seg.bad[0].begin));
      }
      if (seg.size == 0) {  // created, never written (or only torn bytes)
        unlinkat(dir_fd, SpoolSegmentFileName(q.cls, list[i]).c_str(), 0);
        continue;
      }
      q.segments.push_back(std::move(seg));
      (*reopen)[q.cls] = appendable;
    }
  }
}

// The saved frontier of a class is used only when it names a record
// boundary of a segment that is still there (or a segment since deleted);
// anything else starts the class at its oldest record: duplicates, no loss.
// Called once next_segment is known.
void Spool::Impl::ApplyCursor(const CursorFile* cursor) {
  for (Queue& q : queues) {
    q.cursor = {};
    if (cursor == nullptr) continue;
    const SpoolPosition& saved = cursor->frontier[q.cls];
    QueuePosition pos{saved.segment, saved.offset, 0, 0};
    bool ok = true;
    if (Segment* seg = FindSegment(q, saved.segment)) {
      const int fd = ReadFd(q, seg->number);
      std::vector<Probe> probe = {{&pos, false}};
      ok = fd >= 0 &&
           !ScanSegment(fd, seg->size, q.cls, seg->number, &probe).read_error &&
           probe[0].boundary;
    } else {
      // Past every segment file (of any class): all was delivered. The
      // segments made from now on must count as after it, whatever number
      // the file holds.
      pos = {std::min(saved.segment, next_segment), 0, 0, 0};
    }
    if (ok) {
      q.cursor = pos;
      saved_frontier[q.cls] = saved;
    } else {
      ++stats.corrupt_records;
      LogWarning("spool: saved cursor of class " +
                 std::string(SpoolClassName(static_cast<SpoolClass>(q.cls))) +
                 " (segment " + std::to_string(saved.segment) + ", offset " +
                 std::to_string(saved.offset) +
                 ") does not point at a record; delivering from the oldest "
                 "record");
    }
  }
  cursor_saved = cursor != nullptr;
}

Status Spool::Impl::WriteBuffered(Queue& q) {
  const std::string& buf = q.buffer;
  size_t i = 0;
  Status status;
  while (i < buf.size()) {
    if (q.append_fd < 0) {
      status = CreateSegment(q);
      if (!status.ok()) break;
    }
    Segment& seg = q.segments.back();
    const bool fresh = seg.size == 0;
    uint64_t projected = fresh ? kSpoolSegmentHeaderSize : seg.size;
    size_t end = i;
    uint64_t records = 0, data_bytes = 0;
    while (end < buf.size()) {
      const uint64_t size = EncodedSpoolRecordSize(buf, end);
      // A record never straddles segments; an empty segment takes any one.
      if (projected + size > options.segment_bytes &&
          seg.records + records > 0) {
        break;
      }
      projected += size;
      end += size;
      ++records;
      data_bytes += size - kSpoolRecordHeaderSize - kSpoolBodyHeaderSize;
    }
    if (records == 0) {  // full: the next turn opens a new segment
      CloseAppend(q);
      continue;
    }
    std::string with_header;
    std::string_view chunk(buf.data() + i, end - i);
    if (fresh) {
      with_header = EncodeSpoolSegmentHeader(q.cls, seg.number);
      with_header.append(chunk);
      chunk = with_header;
    }
    size_t written = 0;
    int err = 0;
    if (!WriteFully(q.append_fd, chunk, &written, &err)) {
      status = ErrnoStatus("spool: write " + SegmentPath(q, seg.number), err);
      // Take back a partial write so that the segment stays clean; failing
      // that, skip the stray bytes and leave the segment.
      if (written > 0 &&
          ftruncate(q.append_fd, static_cast<off_t>(seg.size)) != 0) {
        seg.bad.push_back({seg.size, seg.size + written});
        seg.size += written;
        CloseAppend(q);
      }
      if (seg.size == 0) RemoveSegment(q, seg.number, true);
      break;
    }
    seg.size += chunk.size();
    seg.records += records;
    seg.data_bytes += data_bytes;
    stats.written_bytes += chunk.size();
    q.dirty = true;
    i = end;
    if (i < buf.size()) CloseAppend(q);
  }
  if (!status.ok()) stats.write_errors += CountRecords(buf, i);
  q.buffer.clear();
  return status;
}

Status Spool::Impl::Sync(int64_t now_ms, bool closing) {
  switch (options.fsync) {
    case FsyncPolicy::kNever:
      return Status::Ok();
    case FsyncPolicy::kInterval:
      if (!closing && synced_once &&
          now_ms - last_sync_ms < options.fsync_interval_ms) {
        return Status::Ok();
      }
      break;
    case FsyncPolicy::kAlways:
      break;
  }
  Status status;
  bool synced = false;
  auto sync_fd = [&](int fd, const std::string& what) {
    ++stats.fsyncs;
    synced = true;
    if (fsync(fd) != 0 && status.ok()) {
      status = ErrnoStatus("spool: fsync " + what, errno);
    }
  };
  for (Queue& q : queues) {
    for (uint64_t number : q.unsynced) {
      const std::string path = SegmentPath(q, number);
      const int fd = OpenIn(SpoolSegmentFileName(q.cls, number), O_RDONLY);
      if (fd < 0) continue;  // evicted or deleted meanwhile
      sync_fd(fd, path);
      close(fd);
    }
    q.unsynced.clear();
    if (q.dirty && q.append_fd >= 0) {
      sync_fd(q.append_fd, SegmentPath(q, q.segments.back().number));
      q.dirty = false;
    }
  }
  if (dir_dirty) {
    sync_fd(dir_fd, options.dir);
    dir_dirty = false;
  }
  if (synced) {
    synced_once = true;
    last_sync_ms = now_ms;
  }
  return status;
}

Status Spool::Impl::FlushAll(int64_t now_ms, bool closing) {
  last_now_ms = now_ms;
  Status status;
  // Alerts first: when the disk is failing, they are the ones to get on it.
  for (size_t c = kSpoolClassCount; c-- > 0;) {
    Status s = WriteBuffered(queues[c]);
    if (status.ok()) status = s;
  }
  Evict();
  for (Queue& q : queues) DeleteConsumed(q);
  Status s = Sync(now_ms, closing);
  return status.ok() ? s : status;
}

Status Spool::Impl::SaveCursor(bool sync) {
  CursorFile cursor;
  cursor.next_seq = next_seq;
  for (const Queue& q : queues) cursor.frontier[q.cls] = Frontier(q).pub();
  if (cursor_saved && cursor.frontier == saved_frontier) return Status::Ok();

  const std::string tmp = PathOf(kCursorTmpName);
  const std::string bytes = EncodeSpoolCursor(cursor);
  const int fd =
      OpenIn(kCursorTmpName, O_WRONLY | O_CREAT | O_TRUNC, kFileMode);
  if (fd < 0) return ErrnoStatus("spool: create " + tmp, errno);
  size_t written = 0;
  int err = 0;
  bool ok = WriteFully(fd, bytes, &written, &err);
  if (ok && sync) {
    ++stats.fsyncs;
    if (fsync(fd) != 0) {
      err = errno;
      ok = false;
    }
  }
  close(fd);
  if (ok && renameat(dir_fd, kCursorTmpName, dir_fd, kCursorName) != 0) {
    err = errno;
    ok = false;
  }
  if (!ok) {
    unlinkat(dir_fd, kCursorTmpName, 0);
    return ErrnoStatus("spool: save " + PathOf(kCursorName), err);
  }
  if (sync) {
    ++stats.fsyncs;
    fsync(dir_fd);
  }
  saved_frontier = cursor.frontier;
  cursor_saved = true;
  return Status::Ok();
}

// Bytes that turn bad after Open() (or that a resynchronisation started
// elsewhere frames differently): count them once, then recount the segment
// so that backlogs stay exact, and fix the positions that point into it.
void Spool::Impl::Rescan(Queue& q, Segment& seg, const Range& found,
                         std::vector<QueuePosition*> also) {
  ++stats.corrupt_records;
  stats.corrupt_bytes += found.end - found.begin;
  LogWarning("spool: " + SegmentPath(q, seg.number) + ": " +
             std::to_string(found.end - found.begin) +
             " corrupt bytes at offset " + std::to_string(found.begin) +
             " skipped");
  also.push_back(&q.cursor);
  for (Batch& b : q.in_flight) {
    also.push_back(&b.start);
    also.push_back(&b.end);
  }
  std::vector<Probe> probes;
  for (QueuePosition* p : also) {
    if (p->segment == seg.number) probes.push_back({p, false});
  }
  std::sort(probes.begin(), probes.end(), [](const Probe& a, const Probe& b) {
    return a.pos->offset < b.pos->offset;
  });
  const int fd = ReadFd(q, seg.number);
  if (fd < 0) {
    seg.bad.push_back(found);
    return;
  }
  SegmentSummary sum = ScanSegment(fd, seg.size, q.cls, seg.number, &probes);
  if (sum.read_error) {  // counts unknown: keep the old ones
    seg.bad.push_back(found);
    return;
  }
  seg.data_start = sum.header_ok ? kSpoolSegmentHeaderSize : 0;
  seg.records = sum.records;
  seg.data_bytes = sum.data_bytes;
  seg.bad = std::move(sum.bad);
  if (std::find(seg.bad.begin(), seg.bad.end(), found) == seg.bad.end()) {
    seg.bad.push_back(found);
  }
}

bool Spool::Impl::ReadBatch(Queue& q, size_t max_bytes, size_t max_records,
                            SpoolBatch* out) {
  out->id = 0;
  out->cls = static_cast<SpoolClass>(q.cls);
  out->kind = 0;
  out->records.clear();
  out->data_bytes = 0;
  QueuePosition pos = Resolve(q, q.cursor);
  QueuePosition first;
  bool have = false;
  while (!have || out->records.size() < max_records) {
    Segment* seg = FindSegment(q, pos.segment);
    if (seg == nullptr) break;
    if (pos.offset < seg->data_start) pos = {seg->number, seg->data_start};
    if (pos.offset >= seg->size) {
      // Batches stay inside one segment, so that evicting a segment
      // invalidates whole batches.
      if (have) break;
      auto next = std::find_if(
          q.segments.begin(), q.segments.end(),
          [&](const Segment& s) { return s.number > pos.segment; });
      if (next == q.segments.end()) break;
      pos = {next->number, 0, 0, 0};
      continue;
    }
    const int fd = ReadFd(q, seg->number);
    if (fd < 0) {
      if (errno != ENOENT) break;  // try again on the next call
      // Deleted behind our back: what it held is lost.
      // (`have` is false here: a batch never leaves its first segment.)
      LogWarning("spool: " + SegmentPath(q, seg->number) + " disappeared");
      ++stats.corrupt_records;
      stats.corrupt_bytes += seg->size - pos.offset;
      const uint64_t gone = seg->number;
      q.cursor = pos;
      RemoveSegment(q, gone, false);
      pos = Resolve(q, q.cursor);
      continue;
    }
    // Read ahead about one batch, not a whole window, for small batches.
    const uint64_t chunk = std::clamp<uint64_t>(
        max_bytes + 32 * std::min<uint64_t>(max_records, 64), 4096, kReadChunk);
    SegmentScanner scanner(fd, seg->size, q.cls, seg->number, pos.offset,
                           chunk);
    ScanItem item;
    bool rescanned = false;
    while (out->records.size() < max_records && scanner.Next(&item)) {
      if (item.type == ScanItem::Type::kHeader) {
        pos.offset = item.offset + item.length;
        continue;
      }
      if (item.type == ScanItem::Type::kBad) {
        const Range bad{item.offset, item.offset + item.length};
        if (std::find(seg->bad.begin(), seg->bad.end(), bad) ==
            seg->bad.end()) {
          if (have) {
            // Hand out what came before; the next call skips the range.
            Rescan(q, *seg, bad, {&first, &pos});
            break;
          }
          pos.offset = bad.end;
          Rescan(q, *seg, bad, {&pos});
          rescanned = true;
          break;
        }
        pos.offset = bad.end;
        continue;
      }
      if (have && (item.kind != out->kind ||
                   out->data_bytes + item.data_size > max_bytes)) {
        break;
      }
      if (!have) {
        first = pos;
        out->kind = item.kind;
        have = true;
      }
      SpoolRecord r;
      r.seq = item.seq;
      r.time_ms = item.time_ms;
      r.kind = item.kind;
      r.data.assign(reinterpret_cast<const char*>(item.data), item.data_size);
      out->records.push_back(std::move(r));
      out->data_bytes += item.data_size;
      pos.offset += item.length;
      ++pos.index;
      pos.data_bytes += item.data_size;
    }
    if (rescanned) continue;
    if (have || scanner.failed()) break;  // a read error: retry next call
  }
  q.cursor = pos;
  if (!have) return false;
  out->id = next_batch_id++;
  out->start = first.pub();
  out->end = pos.pub();
  q.in_flight.push_back(
      {out->id, first, pos, static_cast<uint64_t>(out->records.size()), false});
  return true;
}

int64_t Spool::Impl::PeekTime(const Queue& q, const QueuePosition& from) const {
  QueuePosition pos = from;
  for (const Segment& s : q.segments) {
    if (s.number < pos.segment) continue;
    const uint64_t start = s.number == pos.segment
                               ? std::max(pos.offset, s.data_start)
                               : s.data_start;
    if (start >= s.size) continue;
    const int fd = OpenIn(SpoolSegmentFileName(q.cls, s.number), O_RDONLY);
    if (fd < 0) continue;
    SegmentScanner scanner(fd, s.size, q.cls, s.number, start, 4096);
    ScanItem item;
    while (scanner.Next(&item)) {
      if (item.type == ScanItem::Type::kRecord) {
        close(fd);
        return item.time_ms;
      }
    }
    close(fd);
  }
  return 0;
}

Spool::Spool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Spool::~Spool() {
  if (!impl_) return;
  Status flushed = impl_->FlushAll(impl_->last_now_ms, true);
  Status saved = impl_->SaveCursor(impl_->options.fsync != FsyncPolicy::kNever);
  if (!flushed.ok()) LogWarning(flushed.message());
  if (!saved.ok()) LogWarning(saved.message());
}

Result<std::unique_ptr<Spool>> Spool::Open(const SpoolOptions& options) {
  if (options.dir.empty()) {
    return Status::InvalidArgument("spool: no directory configured");
  }
  auto impl = std::make_unique<Impl>(options);
  PICKET_RETURN_IF_ERROR(impl->Load());
  return std::unique_ptr<Spool>(new Spool(std::move(impl)));
}

bool Spool::Append(SpoolClass cls, uint8_t kind, std::string_view data,
                   int64_t time_ms) {
  if (!ValidClass(cls)) return false;
  Impl& m = *impl_;
  if (data.size() > m.options.max_record_bytes) {
    ++m.stats.oversized;
    return false;
  }
  AppendSpoolRecord(&m.queues[static_cast<size_t>(cls)].buffer, m.next_seq++,
                    time_ms, static_cast<uint8_t>(cls), kind, data);
  ++m.stats.appended;
  return true;
}

Status Spool::Flush(int64_t now_ms) { return impl_->FlushAll(now_ms, false); }

bool Spool::ReadBatch(SpoolClass cls, size_t max_bytes, size_t max_records,
                      SpoolBatch* out) {
  if (!ValidClass(cls) || out == nullptr || max_records == 0) return false;
  return impl_->ReadBatch(impl_->queues[static_cast<size_t>(cls)], max_bytes,
                          max_records, out);
}

void Spool::Ack(uint64_t batch_id) {
  for (Impl::Queue& q : impl_->queues) {
    for (Impl::Batch& b : q.in_flight) {
      if (b.id != batch_id) continue;
      if (!b.acked) impl_->stats.acked += b.records;
      b.acked = true;
      while (!q.in_flight.empty() && q.in_flight.front().acked) {
        // With nothing left in flight the frontier is the send cursor.
        q.in_flight.pop_front();
      }
      impl_->DeleteConsumed(q);
      return;
    }
  }
}

void Spool::Rewind() {
  for (Impl::Queue& q : impl_->queues) {
    q.cursor = impl_->Frontier(q);
    q.in_flight.clear();
  }
}

Status Spool::SaveCursor() {
  return impl_->SaveCursor(impl_->options.fsync == FsyncPolicy::kAlways);
}

SpoolBacklog Spool::Backlog(SpoolClass cls) const {
  SpoolBacklog backlog;
  if (!ValidClass(cls)) return backlog;
  const Impl::Queue& q = impl_->queues[static_cast<size_t>(cls)];
  const QueuePosition cursor = impl_->Resolve(q, q.cursor);
  const auto [records, bytes] = impl_->CountFrom(q, cursor);
  backlog.records = records;
  backlog.bytes = bytes;
  if (records == 0) return backlog;
  if (!q.peek_valid || q.peek_at != cursor.pub()) {
    q.peek_time_ms = impl_->PeekTime(q, cursor);
    q.peek_at = cursor.pub();
    q.peek_valid = true;
  }
  backlog.oldest_time_ms = q.peek_time_ms;
  return backlog;
}

SpoolStats Spool::stats() const {
  SpoolStats s = impl_->stats;
  s.disk_bytes = impl_->DiskBytes();
  s.pending = 0;
  for (const Impl::Queue& q : impl_->queues) {
    s.pending += impl_->CountFrom(q, impl_->Frontier(q)).first;
  }
  return s;
}

const SpoolOptions& Spool::options() const { return impl_->options; }

}  // namespace picket

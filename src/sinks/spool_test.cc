#include "sinks/spool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/crc32c.h"
#include "testing/temp_dir.h"

namespace picket {
namespace {

namespace fs = std::filesystem;

constexpr SpoolClass kLow = SpoolClass::kLow;
constexpr SpoolClass kMedium = SpoolClass::kMedium;
constexpr SpoolClass kHigh = SpoolClass::kHigh;
constexpr SpoolClass kAlert = SpoolClass::kAlert;

// Sizes from docs/spool-format.md: what a reader of the files relies on.
constexpr size_t kSegmentHeader = 16;
constexpr size_t kRecordOverhead = 12 + 20;  // record header + fixed body

using testing_util::TempDir;
// Whole segment and cursor files, read and written as the tests need them.
constexpr auto& ReadBytes = testing_util::ReadFile;
constexpr auto& WriteBytes = testing_util::WriteFile;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Sorted names of the segment files in `dir`.
std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".seg")) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// What `kill -9` right now would leave behind: the directory as it is.
void CopyDir(const std::string& from, const std::string& to) {
  fs::create_directory(to);
  fs::permissions(to, fs::perms::owner_all);
  for (const auto& e : fs::directory_iterator(from)) {
    fs::copy_file(e.path(), fs::path(to) / e.path().filename());
  }
}

uint32_t Load32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  return v;
}

uint64_t Load64(const std::string& b, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  return v;
}

struct FileRecord {
  size_t offset = 0;
  size_t size = 0;  // header and body
  uint64_t seq = 0;
};

// A reader written from docs/spool-format.md, for files known to be intact.
std::vector<FileRecord> ParseSegment(const std::string& bytes) {
  std::vector<FileRecord> records;
  EXPECT_GE(bytes.size(), kSegmentHeader);
  EXPECT_EQ(bytes.substr(0, 4), "PSEG");
  size_t at = kSegmentHeader;
  while (at + 12 <= bytes.size()) {
    EXPECT_EQ(Load32(bytes, at), 0xA55AC0DEu) << "at " << at;
    const uint32_t body = Load32(bytes, at + 4);
    EXPECT_LE(at + 12 + body, bytes.size());
    EXPECT_EQ(Crc32c(bytes.data() + at + 12, body), Load32(bytes, at + 8));
    records.push_back({at, 12 + body, Load64(bytes, at + 12)});
    at += 12 + body;
  }
  EXPECT_EQ(at, bytes.size());
  return records;
}

std::vector<uint64_t> Seqs(const std::vector<SpoolRecord>& records) {
  std::vector<uint64_t> seqs;
  for (const SpoolRecord& r : records) seqs.push_back(r.seq);
  return seqs;
}

// Reads every record of `cls` that is ready, acknowledging each batch when
// `ack` is set.
std::vector<SpoolRecord> Drain(Spool& spool, SpoolClass cls, bool ack = true) {
  std::vector<SpoolRecord> all;
  SpoolBatch batch;
  for (int guard = 0; guard < 100000; ++guard) {
    if (!spool.ReadBatch(cls, 1 << 20, 1000, &batch)) return all;
    for (SpoolRecord& r : batch.records) all.push_back(std::move(r));
    if (ack) spool.Ack(batch.id);
  }
  ADD_FAILURE() << "ReadBatch never ran dry";
  return all;
}

std::string Data(int i, size_t size = 10) {
  std::string s = "record-" + std::to_string(i) + "-";
  s.resize(size, static_cast<char>('a' + i % 26));
  return s;
}

class SpoolTest : public ::testing::Test {
 protected:
  SpoolOptions Options() const {
    SpoolOptions o;
    o.dir = dir();
    o.fsync = FsyncPolicy::kNever;
    return o;
  }

  std::string dir() const { return tmp_ / "spool"; }
  std::string path(const std::string& name) const { return dir() + "/" + name; }

  std::unique_ptr<Spool> OpenSpool(const SpoolOptions& options) {
    Result<std::unique_ptr<Spool>> r = Spool::Open(options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  std::unique_ptr<Spool> OpenSpool() { return OpenSpool(Options()); }

  // Appends `n` records of `cls` (data Data(first + i, size)) and flushes.
  void Fill(Spool& spool, SpoolClass cls, int n, size_t size = 10,
            int first = 0) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(spool.Append(cls, 1, Data(first + i, size), 1000 + i));
    }
    ASSERT_TRUE(spool.Flush(0).ok());
  }

  TempDir tmp_;
};

TEST_F(SpoolTest, RoundTrip) {
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(spool->Append(kLow, 7, "first", 1000));
  ASSERT_TRUE(spool->Append(kLow, 7, "second", 2000));
  ASSERT_TRUE(spool->Append(kAlert, 9, "alert", 3000));
  ASSERT_TRUE(spool->Flush(0).ok());

  const SpoolBacklog backlog = spool->Backlog(kLow);
  EXPECT_EQ(backlog.records, 2u);
  EXPECT_EQ(backlog.bytes, 11u);
  EXPECT_EQ(backlog.oldest_time_ms, 1000);
  EXPECT_EQ(spool->stats().pending, 3u);

  SpoolBatch batch;
  ASSERT_TRUE(spool->ReadBatch(kAlert, 1000, 100, &batch));
  EXPECT_EQ(batch.cls, kAlert);
  EXPECT_EQ(batch.kind, 9);
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].seq, 3u);
  EXPECT_EQ(batch.records[0].data, "alert");
  spool->Ack(batch.id);

  ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 100, &batch));
  EXPECT_EQ(batch.cls, kLow);
  EXPECT_EQ(batch.kind, 7);
  EXPECT_EQ(batch.data_bytes, 11u);
  ASSERT_EQ(batch.records.size(), 2u);
  EXPECT_EQ(batch.records[0].seq, 1u);
  EXPECT_EQ(batch.records[0].time_ms, 1000);
  EXPECT_EQ(batch.records[0].kind, 7);
  EXPECT_EQ(batch.records[0].data, "first");
  EXPECT_EQ(batch.records[1].seq, 2u);
  EXPECT_EQ(batch.records[1].data, "second");
  EXPECT_EQ(batch.start.offset, kSegmentHeader);
  EXPECT_EQ(batch.end.offset, kSegmentHeader + 2 * kRecordOverhead + 11);
  EXPECT_EQ(spool->Backlog(kLow).records, 0u);
  EXPECT_EQ(spool->stats().pending, 2u);  // handed out, not acknowledged

  spool->Ack(batch.id);
  EXPECT_FALSE(spool->ReadBatch(kLow, 1000, 100, &batch));
  const SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.appended, 3u);
  EXPECT_EQ(stats.acked, 3u);
  EXPECT_EQ(stats.pending, 0u);
}

TEST_F(SpoolTest, NothingIsReadableBeforeFlush) {
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(spool->Append(kHigh, 1, "x", 1));
  SpoolBatch batch;
  EXPECT_FALSE(spool->ReadBatch(kHigh, 1000, 100, &batch));
  EXPECT_EQ(spool->Backlog(kHigh).records, 0u);
  EXPECT_TRUE(SegmentFiles(dir()).empty());
  ASSERT_TRUE(spool->Flush(0).ok());
  EXPECT_EQ(SegmentFiles(dir()),
            std::vector<std::string>{"high-0000000000000001.seg"});
  EXPECT_TRUE(spool->ReadBatch(kHigh, 1000, 100, &batch));
}

TEST_F(SpoolTest, BatchRespectsRecordAndByteLimits) {
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  Fill(*spool, kMedium, 6, 10);
  SpoolBatch batch;
  ASSERT_TRUE(spool->ReadBatch(kMedium, 1000, 2, &batch));
  EXPECT_EQ(Seqs(batch.records), (std::vector<uint64_t>{1, 2}));
  ASSERT_TRUE(spool->ReadBatch(kMedium, 25, 100, &batch));
  EXPECT_EQ(Seqs(batch.records), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(batch.data_bytes, 20u);
  // The first record goes out even when alone it is over the limit.
  ASSERT_TRUE(spool->ReadBatch(kMedium, 5, 100, &batch));
  EXPECT_EQ(Seqs(batch.records), (std::vector<uint64_t>{5}));
  EXPECT_FALSE(spool->ReadBatch(kMedium, 1000, 0, &batch));
  ASSERT_TRUE(spool->ReadBatch(kMedium, 1000, 100, &batch));
  EXPECT_EQ(Seqs(batch.records), (std::vector<uint64_t>{6}));
  EXPECT_FALSE(spool->ReadBatch(kMedium, 1000, 100, &batch));
}

TEST_F(SpoolTest, BatchStopsWhereTheKindChanges) {
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  for (uint8_t kind : {1, 1, 2, 2, 1}) {
    ASSERT_TRUE(spool->Append(kLow, kind, "d", 0));
  }
  ASSERT_TRUE(spool->Flush(0).ok());
  SpoolBatch batch;
  std::vector<std::pair<uint8_t, size_t>> got;
  while (spool->ReadBatch(kLow, 1000, 100, &batch)) {
    for (const SpoolRecord& r : batch.records) EXPECT_EQ(r.kind, batch.kind);
    got.emplace_back(batch.kind, batch.records.size());
  }
  EXPECT_EQ(got,
            (std::vector<std::pair<uint8_t, size_t>>{{1, 2}, {2, 2}, {1, 1}}));
}

TEST_F(SpoolTest, FrontierMovesOnlyWhenEarlierBatchesAreAcked) {
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  Fill(*spool, kLow, 3);
  SpoolBatch b1, b2, b3;
  ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 1, &b1));
  ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 1, &b2));
  ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 1, &b3));
  spool->Ack(b3.id);
  spool->Ack(b2.id);
  spool->Ack(b3.id);  // a duplicate PUBACK counts once
  EXPECT_EQ(spool->stats().acked, 2u);
  EXPECT_EQ(spool->stats().pending, 3u);
  ASSERT_TRUE(spool->SaveCursor().ok());
  CopyDir(dir(), tmp_ / "crash1");
  {
    SpoolOptions o = Options();
    o.dir = tmp_ / "crash1";
    auto copy = OpenSpool(o);
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(Seqs(Drain(*copy, kLow)), (std::vector<uint64_t>{1, 2, 3}));
  }

  spool->Ack(b1.id);
  EXPECT_EQ(spool->stats().pending, 0u);
  ASSERT_TRUE(spool->SaveCursor().ok());
  CopyDir(dir(), tmp_ / "crash2");
  SpoolOptions o = Options();
  o.dir = tmp_ / "crash2";
  auto copy = OpenSpool(o);
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(Drain(*copy, kLow).empty());
}

TEST_F(SpoolTest, RewindRedeliversWhatWasNotAcked) {
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(spool->Append(kLow, 1, Data(i), 100 * (i + 1)));
  }
  ASSERT_TRUE(spool->Flush(0).ok());
  SpoolBatch b1, b2, b3;
  ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 2, &b1));
  ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 2, &b2));
  spool->Ack(b1.id);
  EXPECT_EQ(spool->Backlog(kLow).records, 0u);
  spool->Rewind();
  const SpoolBacklog backlog = spool->Backlog(kLow);
  EXPECT_EQ(backlog.records, 2u);
  EXPECT_EQ(backlog.oldest_time_ms, 300);
  ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 100, &b3));
  EXPECT_EQ(Seqs(b3.records), (std::vector<uint64_t>{3, 4}));
  spool->Ack(b2.id);  // handed out before the Rewind(): unknown now
  EXPECT_EQ(spool->stats().acked, 2u);
  EXPECT_EQ(spool->stats().pending, 2u);
  spool->Ack(b3.id);
  EXPECT_EQ(spool->stats().acked, 4u);
  EXPECT_EQ(spool->stats().pending, 0u);
  spool->Ack(987654);  // never handed out
  EXPECT_EQ(spool->stats().acked, 4u);
}

TEST_F(SpoolTest, CrashBeforeSaveCursorDuplicatesButLosesNothing) {
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  Fill(*spool, kAlert, 3);
  SpoolBatch batch;
  ASSERT_TRUE(spool->ReadBatch(kAlert, 1000, 1, &batch));
  spool->Ack(batch.id);
  CopyDir(dir(), tmp_ / "crash");
  SpoolOptions o = Options();
  o.dir = tmp_ / "crash";
  auto copy = OpenSpool(o);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->stats().pending, 3u);
  EXPECT_EQ(Seqs(Drain(*copy, kAlert)), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(SpoolTest, SavedCursorDeliversOnlyUnacked) {
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  Fill(*spool, kHigh, 4);
  SpoolBatch acked, unacked;
  ASSERT_TRUE(spool->ReadBatch(kHigh, 1000, 2, &acked));
  ASSERT_TRUE(spool->ReadBatch(kHigh, 1000, 1, &unacked));
  spool->Ack(acked.id);
  ASSERT_TRUE(spool->SaveCursor().ok());
  CopyDir(dir(), tmp_ / "crash");
  SpoolOptions o = Options();
  o.dir = tmp_ / "crash";
  auto copy = OpenSpool(o);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->stats().pending, 2u);
  EXPECT_EQ(Seqs(Drain(*copy, kHigh)), (std::vector<uint64_t>{3, 4}));
}

TEST_F(SpoolTest, DestructorSavesTheCursor) {
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kLow, 3);
    SpoolBatch batch;
    ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 1, &batch));
    spool->Ack(batch.id);
    ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 1, &batch));  // never acked
    ASSERT_TRUE(spool->Append(kLow, 1, "buffered", 5));    // never flushed
  }
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  const std::vector<SpoolRecord> records = Drain(*spool, kLow);
  EXPECT_EQ(Seqs(records), (std::vector<uint64_t>{2, 3, 4}));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].data, "buffered");
}

TEST_F(SpoolTest, KillAfterFlushLosesNothingFlushed) {
  SpoolOptions o = Options();
  o.segment_bytes = 1024;
  auto spool = OpenSpool(o);
  ASSERT_NE(spool, nullptr);
  for (int round = 0; round < 10; ++round) {
    Fill(*spool, kMedium, 10, 50, round * 10);
  }
  EXPECT_GT(SegmentFiles(dir()).size(), 5u);
  ASSERT_TRUE(spool->Append(kMedium, 1, "not flushed", 0));
  CopyDir(dir(), tmp_ / "crash");
  o.dir = tmp_ / "crash";
  auto copy = OpenSpool(o);
  ASSERT_NE(copy, nullptr);
  const std::vector<SpoolRecord> records = Drain(*copy, kMedium);
  ASSERT_EQ(records.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(records[i].seq, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(records[i].data, Data(i, 50));
  }
  const SpoolStats stats = copy->stats();
  EXPECT_EQ(stats.torn, 0u);
  EXPECT_EQ(stats.corrupt_records, 0u);
}

TEST_F(SpoolTest, TornTailIsCutAndCounted) {
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kLow, 3);
  }
  const std::string seg = path("low-0000000000000001.seg");
  const std::string bytes = ReadBytes(seg);
  const std::vector<FileRecord> records = ParseSegment(bytes);
  ASSERT_EQ(records.size(), 3u);
  WriteBytes(seg, bytes.substr(0, bytes.size() - 3));
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    EXPECT_EQ(spool->stats().torn, 1u);
    EXPECT_EQ(spool->stats().corrupt_records, 0u);
    EXPECT_EQ(fs::file_size(seg), records[2].offset);
    const std::vector<SpoolRecord> got = Drain(*spool, kLow, false);
    EXPECT_EQ(Seqs(got), (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(got[1].data, Data(1));
    // Appending resumes where the torn record was, in the same file.
    ASSERT_TRUE(spool->Append(kLow, 1, "after", 0));
    ASSERT_TRUE(spool->Flush(0).ok());
    EXPECT_EQ(SegmentFiles(dir()),
              std::vector<std::string>{"low-0000000000000001.seg"});
    EXPECT_EQ(fs::file_size(seg), records[2].offset + kRecordOverhead + 5);
  }
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().torn, 0u);
  const std::vector<SpoolRecord> got = Drain(*spool, kLow);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].data, "after");
  EXPECT_GT(got[2].seq, 2u);
}

TEST_F(SpoolTest, GarbageAfterTheLastRecordIsTorn) {
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kAlert, 3);
  }
  const std::string seg = path("alert-0000000000000001.seg");
  const std::string bytes = ReadBytes(seg);
  WriteBytes(seg, bytes + std::string(7, '\xAB'));
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().torn, 1u);
  EXPECT_EQ(ReadBytes(seg), bytes);
  EXPECT_EQ(Seqs(Drain(*spool, kAlert)), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(SpoolTest, FlippedByteSkipsOnlyThatRecord) {
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kMedium, 3);
  }
  const std::string seg = path("medium-0000000000000001.seg");
  std::string bytes = ReadBytes(seg);
  const std::vector<FileRecord> records = ParseSegment(bytes);
  ASSERT_EQ(records.size(), 3u);
  bytes[records[1].offset + records[1].size - 2] ^= 0x20;  // in its data
  WriteBytes(seg, bytes);
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.torn, 0u);
  EXPECT_EQ(stats.corrupt_records, 1u);
  EXPECT_EQ(stats.corrupt_bytes, records[1].size);
  EXPECT_EQ(stats.pending, 2u);
  const std::vector<SpoolRecord> got = Drain(*spool, kMedium);
  EXPECT_EQ(Seqs(got), (std::vector<uint64_t>{1, 3}));
  stats = spool->stats();
  EXPECT_EQ(stats.corrupt_records, 1u);  // not counted again by the reader
  EXPECT_EQ(stats.pending, 0u);
  EXPECT_EQ(ReadBytes(seg), bytes);  // corruption is skipped, not cut
}

TEST_F(SpoolTest, BadTailOfAnOlderSegmentIsCorruptNotTorn) {
  SpoolOptions o = Options();
  o.segment_bytes = 200;
  {
    auto spool = OpenSpool(o);
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kHigh, 6, 40);  // 72-byte records: two per segment
  }
  ASSERT_EQ(SegmentFiles(dir()).size(), 3u);
  const std::string seg = path("high-0000000000000001.seg");
  std::string bytes = ReadBytes(seg);
  bytes[bytes.size() - 1] ^= 0x01;
  WriteBytes(seg, bytes);
  auto spool = OpenSpool(o);
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().torn, 0u);
  EXPECT_EQ(spool->stats().corrupt_records, 1u);
  EXPECT_EQ(Seqs(Drain(*spool, kHigh)), (std::vector<uint64_t>{1, 3, 4, 5, 6}));
}

TEST_F(SpoolTest, CorruptionAppearingAfterOpenIsSkippedOnce) {
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  Fill(*spool, kLow, 3);
  const std::string seg = path("low-0000000000000001.seg");
  std::string bytes = ReadBytes(seg);
  const std::vector<FileRecord> records = ParseSegment(bytes);
  bytes[records[1].offset + 20] ^= 0x04;  // in its time_ms
  WriteBytes(seg, bytes);

  EXPECT_EQ(spool->Backlog(kLow).records, 3u);
  EXPECT_EQ(Seqs(Drain(*spool, kLow)), (std::vector<uint64_t>{1, 3}));
  const SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.corrupt_records, 1u);
  EXPECT_EQ(stats.corrupt_bytes, records[1].size);
  EXPECT_EQ(stats.pending, 0u);
  EXPECT_EQ(spool->Backlog(kLow).records, 0u);
  spool->Rewind();
  EXPECT_TRUE(Drain(*spool, kLow).empty());
  EXPECT_EQ(spool->stats().corrupt_records, 1u);
}

TEST_F(SpoolTest, CapEvictsLowestClassFirst) {
  SpoolOptions o = Options();
  o.max_bytes = 4096;
  o.segment_bytes = 1024;  // seven 132-byte records per segment
  auto spool = OpenSpool(o);
  ASSERT_NE(spool, nullptr);
  for (int i = 0; i < 14; ++i) {
    ASSERT_TRUE(spool->Append(kAlert, 1, Data(i, 100), i));
    ASSERT_TRUE(spool->Append(kMedium, 1, Data(i, 100), i));
    ASSERT_TRUE(spool->Append(kLow, 1, Data(i, 100), i));
  }
  ASSERT_TRUE(spool->Flush(0).ok());
  SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.evicted[0], 14u);
  EXPECT_EQ(stats.evicted[1], 0u);
  EXPECT_EQ(stats.evicted[3], 0u);
  EXPECT_LE(stats.disk_bytes, o.max_bytes);
  EXPECT_EQ(stats.pending, 28u);
  for (const std::string& name : SegmentFiles(dir())) {
    EXPECT_FALSE(name.starts_with("low-")) << name;
  }

  // More alerts: medium goes next, alerts stay whole.
  for (int i = 14; i < 21; ++i) {
    ASSERT_TRUE(spool->Append(kAlert, 1, Data(i, 100), i));
  }
  ASSERT_TRUE(spool->Flush(0).ok());
  stats = spool->stats();
  EXPECT_EQ(stats.evicted[1], 7u);
  EXPECT_EQ(stats.evicted[3], 0u);
  EXPECT_LE(stats.disk_bytes, o.max_bytes);
  const std::vector<SpoolRecord> alerts = Drain(*spool, kAlert);
  ASSERT_EQ(alerts.size(), 21u);
  for (int i = 0; i < 21; ++i) EXPECT_EQ(alerts[i].data, Data(i, 100));
  const std::vector<SpoolRecord> medium = Drain(*spool, kMedium);
  ASSERT_EQ(medium.size(), 7u);
  EXPECT_EQ(medium[0].data, Data(7, 100));  // the oldest seven were evicted
  EXPECT_TRUE(Drain(*spool, kLow).empty());
}

TEST_F(SpoolTest, AlertsAreEvictedWhenNothingElseIsLeft) {
  SpoolOptions o = Options();
  o.max_bytes = 2048;
  o.segment_bytes = 1024;
  auto spool = OpenSpool(o);
  ASSERT_NE(spool, nullptr);
  Fill(*spool, kAlert, 21, 100);  // three segments of seven
  const SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.evicted[3], 7u);
  EXPECT_LE(stats.disk_bytes, o.max_bytes);
  const std::vector<SpoolRecord> alerts = Drain(*spool, kAlert);
  ASSERT_EQ(alerts.size(), 14u);
  EXPECT_EQ(alerts[0].seq, 8u);
}

TEST_F(SpoolTest, EvictionForgetsBatchesInFlight) {
  SpoolOptions o = Options();
  o.max_bytes = 2048;
  o.segment_bytes = 1024;
  auto spool = OpenSpool(o);
  ASSERT_NE(spool, nullptr);
  Fill(*spool, kLow, 3, 100);
  SpoolBatch batch;
  ASSERT_TRUE(spool->ReadBatch(kLow, 1 << 20, 2, &batch));
  Fill(*spool, kAlert, 14, 100);  // 1880 bytes of alerts: low must go
  SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.evicted[0], 3u);  // handed out, not acknowledged: lost
  spool->Ack(batch.id);
  stats = spool->stats();
  EXPECT_EQ(stats.acked, 0u);
  EXPECT_EQ(stats.pending, 14u);
  EXPECT_EQ(spool->Backlog(kLow).records, 0u);
  EXPECT_FALSE(spool->ReadBatch(kLow, 1 << 20, 100, &batch));
  // The low queue works again afterwards.
  Fill(*spool, kLow, 1, 10, 50);
  EXPECT_EQ(Drain(*spool, kLow).size(), 1u);
}

TEST_F(SpoolTest, RecordsNeverStraddleSegments) {
  SpoolOptions o = Options();
  o.segment_bytes = 1024;
  auto spool = OpenSpool(o);
  ASSERT_NE(spool, nullptr);
  const std::vector<size_t> sizes = {50, 400, 300, 200, 2000, 10, 700, 90};
  for (size_t i = 0; i < sizes.size(); ++i) {
    ASSERT_TRUE(spool->Append(kLow, 1, std::string(sizes[i], 'x'), 0));
  }
  ASSERT_TRUE(spool->Flush(0).ok());
  size_t total = 0;
  for (const std::string& name : SegmentFiles(dir())) {
    const std::string bytes = ReadBytes(path(name));
    const std::vector<FileRecord> records = ParseSegment(bytes);
    ASSERT_FALSE(records.empty()) << name;
    if (records.size() > 1) {
      EXPECT_LE(bytes.size(), 1024u) << name;
    }
    total += records.size();
  }
  EXPECT_EQ(total, sizes.size());
  const std::vector<SpoolRecord> got = Drain(*spool, kLow);
  ASSERT_EQ(got.size(), sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(got[i].data.size(), sizes[i]);
  }
}

TEST_F(SpoolTest, AcknowledgedSegmentsAreDeleted) {
  SpoolOptions o = Options();
  o.segment_bytes = 1024;
  auto spool = OpenSpool(o);
  ASSERT_NE(spool, nullptr);
  Fill(*spool, kMedium, 30, 100);  // 7 + 7 + 7 + 7 + 2
  ASSERT_EQ(SegmentFiles(dir()).size(), 5u);

  SpoolBatch batch;
  ASSERT_TRUE(spool->ReadBatch(kMedium, 1 << 20, 100, &batch));
  EXPECT_EQ(batch.records.size(), 7u);        // a batch stays in its segment
  EXPECT_EQ(SegmentFiles(dir()).size(), 5u);  // handed out is not delivered
  spool->Ack(batch.id);
  std::vector<std::string> files = SegmentFiles(dir());
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0], "medium-0000000000000002.seg");

  Drain(*spool, kMedium);
  files = SegmentFiles(dir());
  // The segment being appended to stays until a newer one replaces it.
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0], "medium-0000000000000005.seg");
  EXPECT_EQ(spool->stats().disk_bytes, fs::file_size(path(files[0])));
  EXPECT_EQ(spool->stats().pending, 0u);

  Fill(*spool, kMedium, 7, 100);  // fills it up and opens segment 6
  Drain(*spool, kMedium);
  EXPECT_EQ(SegmentFiles(dir()),
            std::vector<std::string>{"medium-0000000000000006.seg"});
}

TEST_F(SpoolTest, FilesArePrivate) {
  const mode_t old_umask = umask(0);
  SpoolOptions o = Options();
  o.dir = tmp_ / "a/b/spool";
  {
    auto spool = OpenSpool(o);
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kLow, 1);
    ASSERT_TRUE(spool->SaveCursor().ok());
  }
  umask(old_umask);
  EXPECT_EQ(ModeOf(o.dir), 0700u);
  EXPECT_EQ(ModeOf(tmp_ / "a"), 0700u);
  EXPECT_EQ(ModeOf(o.dir + "/low-0000000000000001.seg"), 0600u);
  EXPECT_EQ(ModeOf(o.dir + "/cursor"), 0600u);
}

TEST_F(SpoolTest, RefusesADirectoryOthersCanWrite) {
  ASSERT_EQ(mkdir(dir().c_str(), 0700), 0);
  for (mode_t mode : {0770, 0702}) {
    ASSERT_EQ(chmod(dir().c_str(), mode), 0);
    Result<std::unique_ptr<Spool>> r = Spool::Open(Options());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
    EXPECT_NE(
        r.status().message().find(mode == 0770 ? "writable by its group"
                                               : "writable by every user"),
        std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find(dir()), std::string::npos);
  }
  ASSERT_EQ(chmod(dir().c_str(), 0750), 0);
  EXPECT_TRUE(Spool::Open(Options()).ok());
}

TEST_F(SpoolTest, RefusesADirectoryOwnedBySomeoneElse) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  ASSERT_EQ(mkdir(dir().c_str(), 0700), 0);
  ASSERT_EQ(chown(dir().c_str(), 65534, 65534), 0);
  Result<std::unique_ptr<Spool>> r = Spool::Open(Options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find("owned by uid 65534"), std::string::npos)
      << r.status().message();
}

// A cursor planted as a link to another file is neither read nor replaced
// through: the spool opens everything under its directory with O_NOFOLLOW.
TEST_F(SpoolTest, LinksInTheSpoolDirectoryAreNotFollowed) {
  ASSERT_EQ(mkdir(dir().c_str(), 0700), 0);
  const std::string victim = tmp_ / "victim";
  {
    std::ofstream out(victim);
    out << "precious";
  }
  ASSERT_EQ(symlink(victim.c_str(), (dir() + "/cursor.tmp").c_str()), 0);
  ASSERT_EQ(symlink(victim.c_str(), (dir() + "/cursor").c_str()), 0);
  {
    Result<std::unique_ptr<Spool>> r = Spool::Open(Options());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE((*r)->Append(SpoolClass::kAlert, 1, "x", 1000));
    (void)(*r)->Flush(0);
  }
  std::ifstream in(victim);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "precious");
  struct stat st;
  ASSERT_EQ(lstat(dir().c_str(), &st), 0);
  // And the directory itself may not be a link.
  const std::string linked = tmp_ / "linked";
  ASSERT_EQ(symlink(dir().c_str(), linked.c_str()), 0);
  SpoolOptions o = Options();
  o.dir = linked;
  Result<std::unique_ptr<Spool>> r = Spool::Open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("symbolic link"), std::string::npos)
      << r.status().message();
}

TEST_F(SpoolTest, OversizedRecordsAreRefused) {
  SpoolOptions o = Options();
  o.max_record_bytes = 100;
  auto spool = OpenSpool(o);
  ASSERT_NE(spool, nullptr);
  EXPECT_FALSE(spool->Append(kLow, 1, std::string(101, 'x'), 0));
  EXPECT_TRUE(spool->Append(kLow, 1, std::string(100, 'y'), 0));
  ASSERT_TRUE(spool->Flush(0).ok());
  const SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.oversized, 1u);
  EXPECT_EQ(stats.appended, 1u);
  const std::vector<SpoolRecord> got = Drain(*spool, kLow);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, std::string(100, 'y'));
  EXPECT_EQ(got[0].seq, 1u);
}

TEST_F(SpoolTest, SeqContinuesAcrossReopen) {
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kLow, 3);
  }
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kHigh, 1);
    EXPECT_EQ(Seqs(Drain(*spool, kHigh)), std::vector<uint64_t>{4});
    EXPECT_EQ(Drain(*spool, kLow).size(), 3u);
  }
  {
    auto spool = OpenSpool();  // deletes the delivered segments
    ASSERT_NE(spool, nullptr);
  }
  // No segment is left to take seq from: the cursor carries it.
  ASSERT_TRUE(SegmentFiles(dir()).empty());
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  Fill(*spool, kLow, 1);
  EXPECT_EQ(Seqs(Drain(*spool, kLow)), std::vector<uint64_t>{5});
}

TEST_F(SpoolTest, DamagedCursorIsCountedAndIgnored) {
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kLow, 3);
    SpoolBatch batch;
    ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 2, &batch));
    spool->Ack(batch.id);
  }
  std::string cursor = ReadBytes(path("cursor"));
  ASSERT_EQ(cursor.size(), 84u);
  cursor[30] ^= 0x01;
  WriteBytes(path("cursor"), cursor);
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().corrupt_records, 1u);
  EXPECT_EQ(Seqs(Drain(*spool, kLow)), (std::vector<uint64_t>{1, 2, 3}));
}

// A cursor file written by hand from docs/spool-format.md.
std::string HandMadeCursor(uint64_t next_seq, uint64_t low_segment,
                           uint64_t low_offset) {
  std::string out = "PCUR";
  auto put = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      out.push_back(static_cast<char>(v >> 8 * i));
  };
  put(1, 2);
  put(4, 2);
  put(next_seq, 8);
  put(low_segment, 8);
  put(low_offset, 8);
  for (int i = 0; i < 6; ++i) put(0, 8);  // medium, high, alert: none
  put(Crc32c(out.data(), out.size()), 4);
  return out;
}

TEST_F(SpoolTest, CursorOffThePathOfRecordsIsIgnored) {
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kLow, 3);
    SpoolBatch batch;
    ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 2, &batch));
    spool->Ack(batch.id);
  }
  const size_t second = kSegmentHeader + kRecordOverhead + 10;
  ASSERT_EQ(ReadBytes(path("cursor")), HandMadeCursor(4, 1, 2 * second - 16));

  WriteBytes(path("cursor"), HandMadeCursor(4, 1, second));
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    EXPECT_EQ(spool->stats().corrupt_records, 0u);
    EXPECT_EQ(Seqs(Drain(*spool, kLow, false)), (std::vector<uint64_t>{2, 3}));
  }
  WriteBytes(path("cursor"), HandMadeCursor(4, 1, second + 1));
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->stats().corrupt_records, 1u);
  EXPECT_EQ(Seqs(Drain(*spool, kLow)), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(SpoolTest, CursorPastEverySegmentMeansAllDelivered) {
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kLow, 2);
  }
  WriteBytes(path("cursor"), HandMadeCursor(3, 1000, 0));
  {
    auto spool = OpenSpool();
    ASSERT_NE(spool, nullptr);
    EXPECT_EQ(spool->stats().corrupt_records, 0u);
    EXPECT_TRUE(SegmentFiles(dir()).empty());
    Fill(*spool, kLow, 1, 10, 7);
  }
  // Records written afterwards count as after the frontier, even though
  // their segment numbers are below 1000.
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  const std::vector<SpoolRecord> got = Drain(*spool, kLow);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, Data(7));
}

TEST_F(SpoolTest, FsyncFollowsThePolicy) {
  SpoolOptions o = Options();
  o.fsync = FsyncPolicy::kAlways;
  {
    auto spool = OpenSpool(o);
    ASSERT_NE(spool, nullptr);
    Fill(*spool, kLow, 1);
    const uint64_t after_first = spool->stats().fsyncs;
    EXPECT_GE(after_first, 2u);  // the segment and the directory
    ASSERT_TRUE(spool->Flush(1).ok());
    EXPECT_EQ(spool->stats().fsyncs, after_first);  // nothing written
    Fill(*spool, kLow, 1);
    EXPECT_EQ(spool->stats().fsyncs, after_first + 1);
    SpoolBatch batch;
    ASSERT_TRUE(spool->ReadBatch(kLow, 1000, 100, &batch));
    spool->Ack(batch.id);
    ASSERT_TRUE(spool->SaveCursor().ok());  // the file, then the directory
    EXPECT_EQ(spool->stats().fsyncs, after_first + 3);
    ASSERT_TRUE(spool->SaveCursor().ok());  // unchanged: not written again
    EXPECT_EQ(spool->stats().fsyncs, after_first + 3);
  }

  o.dir = tmp_ / "interval";
  o.fsync = FsyncPolicy::kInterval;
  o.fsync_interval_ms = 1000;
  {
    auto spool = OpenSpool(o);
    ASSERT_NE(spool, nullptr);
    ASSERT_TRUE(spool->Append(kLow, 1, "a", 0));
    ASSERT_TRUE(spool->Flush(10000).ok());
    const uint64_t first = spool->stats().fsyncs;
    EXPECT_GE(first, 1u);
    ASSERT_TRUE(spool->Append(kLow, 1, "b", 0));
    ASSERT_TRUE(spool->Flush(10500).ok());
    EXPECT_EQ(spool->stats().fsyncs, first);
    ASSERT_TRUE(spool->Flush(11000).ok());  // nothing new, but b is unsynced
    EXPECT_EQ(spool->stats().fsyncs, first + 1);
  }

  o.dir = tmp_ / "never";
  o.fsync = FsyncPolicy::kNever;
  auto spool = OpenSpool(o);
  ASSERT_NE(spool, nullptr);
  Fill(*spool, kLow, 3);
  ASSERT_TRUE(spool->SaveCursor().ok());
  EXPECT_EQ(spool->stats().fsyncs, 0u);
}

TEST_F(SpoolTest, WriteErrorDropsRecordsAndSpoolStaysUsable) {
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(spool->Append(kLow, 1, Data(i), 0));

  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct sigaction ignore = {}, old_action;
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGXFSZ, &ignore, &old_action), 0);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 100;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  const Status status = spool->Flush(0);
  setrlimit(RLIMIT_FSIZE, &old_limit);
  sigaction(SIGXFSZ, &old_action, nullptr);

  EXPECT_FALSE(status.ok());
  SpoolStats stats = spool->stats();
  EXPECT_EQ(stats.write_errors, 5u);
  EXPECT_EQ(stats.pending, 0u);
  EXPECT_TRUE(SegmentFiles(dir()).empty());  // the partial write is undone

  ASSERT_TRUE(spool->Append(kLow, 1, "later", 0));
  ASSERT_TRUE(spool->Flush(0).ok());
  const std::vector<SpoolRecord> got = Drain(*spool, kLow);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "later");
  EXPECT_EQ(spool->stats().corrupt_records, 0u);
}

// Random operations against a model: whatever happens (acks out of order,
// rewinds, restarts), every flushed record ends up in an acknowledged batch,
// batches are in order and of one kind, and once all is acknowledged nothing
// is left.
TEST_F(SpoolTest, RandomOperationsLoseNothing) {
  SpoolOptions o = Options();
  o.segment_bytes = 512;
  auto spool = OpenSpool(o);
  ASSERT_NE(spool, nullptr);
  std::mt19937 rng(20240611);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  std::array<std::vector<uint64_t>, kSpoolClassCount> flushed;
  std::array<std::vector<uint64_t>, kSpoolClassCount> buffered;
  std::array<std::set<uint64_t>, kSpoolClassCount> delivered;  // acked
  // Batches handed out since the last Rewind: id, class, seqs.
  struct Out {
    uint64_t id;
    size_t cls;
    std::vector<uint64_t> seqs;
  };
  std::vector<Out> out;
  uint64_t next_seq = 1;
  auto flush_model = [&] {
    for (size_t c = 0; c < kSpoolClassCount; ++c) {
      flushed[c].insert(flushed[c].end(), buffered[c].begin(),
                        buffered[c].end());
      buffered[c].clear();
    }
  };
  for (int step = 0; step < 4000; ++step) {
    const uint32_t op = pick(100);
    const auto cls = static_cast<SpoolClass>(pick(kSpoolClassCount));
    const size_t c = static_cast<size_t>(cls);
    if (op < 40) {
      const std::string data(pick(150), static_cast<char>('a' + pick(26)));
      ASSERT_TRUE(spool->Append(cls, static_cast<uint8_t>(pick(3)), data, 0));
      buffered[c].push_back(next_seq++);
    } else if (op < 55) {
      ASSERT_TRUE(spool->Flush(step).ok());
      flush_model();
    } else if (op < 80) {
      SpoolBatch batch;
      if (!spool->ReadBatch(cls, pick(400), 1 + pick(8), &batch)) continue;
      ASSERT_FALSE(batch.records.empty());
      for (size_t i = 0; i < batch.records.size(); ++i) {
        EXPECT_EQ(batch.records[i].kind, batch.kind);
        if (i > 0) {
          EXPECT_GT(batch.records[i].seq, batch.records[i - 1].seq);
        }
      }
      out.push_back({batch.id, c, Seqs(batch.records)});
    } else if (op < 92) {
      if (out.empty()) continue;
      const size_t i = pick(static_cast<uint32_t>(out.size()));
      spool->Ack(out[i].id);
      delivered[out[i].cls].insert(out[i].seqs.begin(), out[i].seqs.end());
      out.erase(out.begin() + static_cast<ptrdiff_t>(i));
    } else if (op < 95) {
      spool->Rewind();
      out.clear();
      uint64_t backlog = 0;
      for (size_t k = 0; k < kSpoolClassCount; ++k) {
        backlog += spool->Backlog(static_cast<SpoolClass>(k)).records;
      }
      EXPECT_EQ(backlog, spool->stats().pending) << "step " << step;
    } else if (op < 97) {
      ASSERT_TRUE(spool->SaveCursor().ok());
    } else {
      spool.reset();  // flushes and saves the cursor
      flush_model();
      out.clear();
      spool = OpenSpool(o);
      ASSERT_NE(spool, nullptr);
    }
  }
  ASSERT_TRUE(spool->Flush(0).ok());
  flush_model();
  spool->Rewind();
  for (size_t c = 0; c < kSpoolClassCount; ++c) {
    for (const SpoolRecord& r : Drain(*spool, static_cast<SpoolClass>(c))) {
      delivered[c].insert(r.seq);
    }
    for (uint64_t seq : flushed[c]) {
      ASSERT_TRUE(delivered[c].count(seq)) << "lost seq " << seq;
    }
    EXPECT_EQ(delivered[c].size(), flushed[c].size());
  }
  EXPECT_EQ(spool->stats().pending, 0u);
  EXPECT_LE(SegmentFiles(dir()).size(), kSpoolClassCount);
}

// docs/spool-format.md shows a segment file and a cursor file byte by byte
// in ```hex blocks; the spool must write exactly those bytes.
std::vector<std::string> DocHexBlocks() {
  std::ifstream in(PICKET_SOURCE_DIR "/docs/spool-format.md");
  EXPECT_TRUE(in.good());
  std::vector<std::string> blocks;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```hex") {
      inside = true;
      blocks.emplace_back();
    } else if (inside && line == "```") {
      inside = false;
    } else if (inside) {
      std::istringstream words(line.substr(0, line.find('#')));
      std::string word;
      while (words >> word) {
        blocks.back().push_back(
            static_cast<char>(std::stoul(word, nullptr, 16)));
      }
    }
  }
  return blocks;
}

TEST_F(SpoolTest, WritesTheBytesTheFormatDocumentShows) {
  const std::vector<std::string> blocks = DocHexBlocks();
  ASSERT_EQ(blocks.size(), 2u);
  auto spool = OpenSpool();
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(spool->Append(kAlert, 2, "hello", 1700000000000));
  ASSERT_TRUE(spool->Flush(0).ok());
  EXPECT_EQ(ReadBytes(path("alert-0000000000000001.seg")), blocks[0]);
  SpoolBatch batch;
  ASSERT_TRUE(spool->ReadBatch(kAlert, 1000, 100, &batch));
  spool->Ack(batch.id);
  ASSERT_TRUE(spool->SaveCursor().ok());
  EXPECT_EQ(ReadBytes(path("cursor")), blocks[1]);
}

}  // namespace
}  // namespace picket

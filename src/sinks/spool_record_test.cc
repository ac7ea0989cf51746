#include "sinks/spool_record.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace picket {
namespace {

constexpr size_t kAlert = static_cast<size_t>(SpoolClass::kAlert);
constexpr size_t kLow = static_cast<size_t>(SpoolClass::kLow);

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

// The example segment of docs/spool-format.md (spool_test.cc checks that
// the spool writes these bytes; here, that the format functions do).
const std::string kDocSegment = Bytes({
    0x50, 0x53, 0x45, 0x47, 0x01, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xde, 0xc0, 0x5a, 0xa5, 0x19, 0x00,
    0x00, 0x00, 0xf4, 0x88, 0xc8, 0x3c, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x68, 0xe5, 0xcf, 0x8b, 0x01, 0x00, 0x00,
    0x03, 0x02, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
});

// The example cursor of docs/spool-format.md.
std::string DocCursor() {
  std::string out = Bytes({0x50, 0x43, 0x55, 0x52, 0x01, 0x00, 0x04, 0x00, 0x02,
                           0, 0, 0, 0, 0, 0, 0});
  out.append(48, '\0');  // low, medium, high: (0, 0)
  out += Bytes({0x01, 0, 0, 0, 0, 0, 0, 0, 0x35, 0, 0, 0, 0, 0, 0, 0});
  out += Bytes({0x71, 0x59, 0x06, 0xb8});
  return out;
}

// Segment 7 of class low holding records of data "r0", "r1", ... (seq
// 100 + i, time 1000 + i, kind i % 3); `offsets` gets where each starts.
std::string Segment(int records, std::vector<size_t>* offsets = nullptr) {
  std::string out = EncodeSpoolSegmentHeader(kLow, 7);
  for (int i = 0; i < records; ++i) {
    if (offsets != nullptr) offsets->push_back(out.size());
    AppendSpoolRecord(&out, 100 + i, 1000 + i, kLow, i % 3,
                      "r" + std::to_string(i));
  }
  return out;
}

struct Item {
  SpoolScanItem::Type type;
  uint64_t offset;
  uint64_t length;
  std::string data;  // records only
  bool operator==(const Item&) const = default;
};

std::vector<Item> Walk(std::string_view bytes, size_t cls = kLow,
                       uint64_t number = 7, uint64_t start = 0) {
  SpoolMemoryBytes source(bytes);
  SpoolSegmentScanner scanner(&source, bytes.size(), cls, number, start);
  std::vector<Item> items;
  SpoolScanItem item;
  while (scanner.Next(&item)) {
    std::string data;
    if (item.type == SpoolScanItem::Type::kRecord) {
      data.assign(reinterpret_cast<const char*>(item.data), item.data_size);
    }
    items.push_back({item.type, item.offset, item.length, data});
  }
  EXPECT_FALSE(scanner.failed());
  return items;
}

constexpr auto kHeader = SpoolScanItem::Type::kHeader;
constexpr auto kRecord = SpoolScanItem::Type::kRecord;
constexpr auto kBad = SpoolScanItem::Type::kBad;

TEST(SpoolRecordTest, EncodesTheDocumentExamples) {
  std::string segment = EncodeSpoolSegmentHeader(kAlert, 1);
  AppendSpoolRecord(&segment, 1, 1700000000000, kAlert, 2, "hello");
  EXPECT_EQ(segment, kDocSegment);
  EXPECT_EQ(EncodedSpoolRecordSize(segment, kSpoolSegmentHeaderSize),
            kSpoolRecordHeaderSize + kSpoolBodyHeaderSize + 5);

  SpoolCursorFile cursor;
  cursor.next_seq = 2;
  cursor.frontier[kAlert] = {1, 53};
  EXPECT_EQ(EncodeSpoolCursor(cursor), DocCursor());
}

TEST(SpoolRecordTest, ReadsTheDocumentExampleSegment) {
  SpoolMemoryBytes source(kDocSegment);
  SpoolSegmentScanner scanner(&source, kDocSegment.size(), kAlert, 1, 0);
  SpoolScanItem item;
  ASSERT_TRUE(scanner.Next(&item));
  EXPECT_EQ(item.type, kHeader);
  ASSERT_TRUE(scanner.Next(&item));
  EXPECT_EQ(item.type, kRecord);
  EXPECT_EQ(item.offset, 16u);
  EXPECT_EQ(item.length, 37u);
  EXPECT_EQ(item.seq, 1u);
  EXPECT_EQ(item.time_ms, 1700000000000);
  EXPECT_EQ(item.kind, 2);
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(item.data), item.data_size),
      "hello");
  EXPECT_FALSE(scanner.Next(&item));
}

TEST(SpoolRecordTest, DecodesTheCursorAndRefusesDamage) {
  SpoolCursorFile cursor;
  ASSERT_TRUE(DecodeSpoolCursor(DocCursor(), &cursor));
  EXPECT_EQ(cursor.next_seq, 2u);
  EXPECT_EQ(cursor.frontier[kAlert], (SpoolPosition{1, 53}));
  EXPECT_EQ(cursor.frontier[kLow], (SpoolPosition{0, 0}));

  SpoolCursorFile untouched;
  untouched.next_seq = 9;
  for (size_t at : {0, 4, 6, 8, 40, 83}) {
    std::string damaged = DocCursor();
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    EXPECT_FALSE(DecodeSpoolCursor(damaged, &untouched)) << "byte " << at;
  }
  EXPECT_FALSE(DecodeSpoolCursor(DocCursor() + '\0', &untouched));
  EXPECT_FALSE(DecodeSpoolCursor(DocCursor().substr(0, 83), &untouched));
  EXPECT_EQ(untouched.next_seq, 9u);
}

TEST(SpoolRecordTest, WalksTheHeaderAndEveryRecord) {
  std::vector<size_t> at;
  const std::string bytes = Segment(3, &at);
  EXPECT_EQ(Walk(bytes), (std::vector<Item>{{kHeader, 0, 16, ""},
                                            {kRecord, at[0], 34, "r0"},
                                            {kRecord, at[1], 34, "r1"},
                                            {kRecord, at[2], 34, "r2"}}));
}

TEST(SpoolRecordTest, StartsAtARecordBoundary) {
  std::vector<size_t> at;
  const std::string bytes = Segment(3, &at);
  EXPECT_EQ(Walk(bytes, kLow, 7, at[1]),
            (std::vector<Item>{{kRecord, at[1], 34, "r1"},
                               {kRecord, at[2], 34, "r2"}}));
}

TEST(SpoolRecordTest, AFlippedByteCostsThatRecordOnly) {
  std::vector<size_t> at;
  std::string bytes = Segment(3, &at);
  bytes[at[1] + 33] ^= 0x01;  // the data of r1
  EXPECT_EQ(Walk(bytes), (std::vector<Item>{{kHeader, 0, 16, ""},
                                            {kRecord, at[0], 34, "r0"},
                                            {kBad, at[1], 34, ""},
                                            {kRecord, at[2], 34, "r2"}}));
}

TEST(SpoolRecordTest, ATornTailIsABadRunToTheEnd) {
  std::vector<size_t> at;
  std::string bytes = Segment(3, &at);
  bytes.resize(bytes.size() - 5);
  EXPECT_EQ(Walk(bytes), (std::vector<Item>{{kHeader, 0, 16, ""},
                                            {kRecord, at[0], 34, "r0"},
                                            {kRecord, at[1], 34, "r1"},
                                            {kBad, at[2], 29, ""}}));
}

TEST(SpoolRecordTest, AWrongHeaderIsBadBytesAndOffsetZeroNeverARecord) {
  std::vector<size_t> at;
  const std::string bytes = Segment(2, &at);
  // Another segment number or class: the header is bad, the records of
  // the right class still count.
  EXPECT_EQ(Walk(bytes, kLow, 8),
            (std::vector<Item>{{kBad, 0, 16, ""},
                               {kRecord, at[0], 34, "r0"},
                               {kRecord, at[1], 34, "r1"}}));
  EXPECT_EQ(Walk(bytes, kAlert, 7),
            (std::vector<Item>{{kBad, 0, bytes.size(), ""}}));
  // Records without a header: the first is not read as one.
  const std::string headless = bytes.substr(at[0]);
  EXPECT_EQ(Walk(headless),
            (std::vector<Item>{{kBad, 0, 34, ""}, {kRecord, 34, 34, "r1"}}));
}

TEST(SpoolRecordTest, NeverReadsPastTheGivenSize) {
  std::vector<size_t> at;
  const std::string bytes = Segment(2, &at);
  SpoolMemoryBytes source(bytes);
  const uint64_t size = bytes.size() - 1;  // cuts the last record
  SpoolSegmentScanner scanner(&source, size, kLow, 7, at[1]);
  SpoolScanItem item;
  ASSERT_TRUE(scanner.Next(&item));
  EXPECT_EQ(item.type, kBad);
  EXPECT_EQ(item.offset + item.length, size);
  EXPECT_FALSE(scanner.Next(&item));
}

// A file whose reads fail after `good` bytes.
class FailingBytes final : public SpoolByteSource {
 public:
  FailingBytes(std::string_view bytes, uint64_t good)
      : bytes_(bytes), good_(good) {}
  const uint8_t* Get(uint64_t offset, uint64_t n) override {
    if (offset + n > good_) {
      failed_ = true;
      return nullptr;
    }
    return bytes_.Get(offset, n);
  }
  bool failed() const override { return failed_; }

 private:
  SpoolMemoryBytes bytes_;
  uint64_t good_;
  bool failed_ = false;
};

TEST(SpoolRecordTest, AReadErrorStopsTheWalkInsteadOfSkipping) {
  std::vector<size_t> at;
  const std::string bytes = Segment(3, &at);
  FailingBytes source(bytes, at[2] + 10);
  SpoolSegmentScanner scanner(&source, bytes.size(), kLow, 7, 0);
  SpoolScanItem item;
  int records = 0;
  while (scanner.Next(&item)) {
    EXPECT_NE(item.type, kBad);
    records += item.type == kRecord;
  }
  EXPECT_EQ(records, 2);
  EXPECT_TRUE(scanner.failed());
}

TEST(SpoolRecordTest, SegmentFileNames) {
  EXPECT_EQ(SpoolSegmentFileName(kAlert, 42), "alert-000000000000002a.seg");
  size_t cls = 9;
  uint64_t number = 0;
  ASSERT_TRUE(
      ParseSpoolSegmentFileName("medium-7fffffffffffffff.seg", &cls, &number));
  EXPECT_EQ(cls, 1u);
  EXPECT_EQ(number, 0x7fffffffffffffffu);
  for (const char* name :
       {"medium-8000000000000000.seg", "alert-000000000000002A.seg",
        "alert-00000000000002a.seg", "alert-000000000000002a.se",
        "urgent-000000000000002a.seg", "alert000000000000002a.seg",
        "alert-000000000000002a.seg.tmp", "cursor"}) {
    EXPECT_FALSE(ParseSpoolSegmentFileName(name, &cls, &number)) << name;
  }
}

TEST(SpoolRecordClassNameTest, NamesEveryClass) {
  EXPECT_EQ(SpoolClassName(SpoolClass::kLow), "low");
  EXPECT_EQ(SpoolClassName(SpoolClass::kMedium), "medium");
  EXPECT_EQ(SpoolClassName(SpoolClass::kHigh), "high");
  EXPECT_EQ(SpoolClassName(SpoolClass::kAlert), "alert");
  EXPECT_EQ(SpoolClassName(static_cast<SpoolClass>(4)), "unknown");
}

}  // namespace
}  // namespace picket

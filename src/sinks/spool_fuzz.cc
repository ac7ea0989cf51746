// libFuzzer target for Spool recovery: any bytes found in a segment file (and
// in the cursor file) must open without crashing or hanging, and the spool
// must stay consistent with itself: batches are well formed, reading finds no
// bad bytes that Open() did not, and once everything read is acknowledged
// nothing is pending. Random bytes rarely carry a valid CRC, so each input is
// also tried with the CRCs of record-looking runs recomputed, which takes the
// fuzzer past the checksum into the record fields and the resynchronisation.
//
// Input: the segment file's bytes. Its header decides the file's class and
// number when it has them. Inputs of more than 84 bytes are also tried split:
// the last 84 bytes as the cursor file (magic and CRC made right).
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "core/crc32c.h"
#include "sinks/spool.h"

namespace {

namespace fs = std::filesystem;
using picket::Spool;
using picket::SpoolBatch;
using picket::SpoolClass;

constexpr uint32_t kRecordMagic = 0xA55AC0DE;
constexpr size_t kCursorSize = 84;

uint64_t Load(const std::string& b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  }
  return v;
}

void Store(std::string* b, size_t at, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) (*b)[at + i] = static_cast<char>(v >> 8 * i);
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

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string SegmentName(const char* cls, uint64_t number) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s-%016llx.seg", cls,
                static_cast<unsigned long long>(number));
  return name;
}

// Reads every class dry, acknowledging the batches `ack` picks, and checks
// each batch. Returns false when the spool looped.
bool Drain(Spool& spool, bool (*ack)(uint64_t n)) {
  for (int c = 0; c < picket::kSpoolClassCount; ++c) {
    const auto cls = static_cast<SpoolClass>(c);
    SpoolBatch batch;
    uint64_t n = 0;
    while (spool.ReadBatch(cls, 64, 3, &batch)) {
      if (++n > 1000000) return false;
      size_t bytes = 0;
      if (batch.cls != cls || batch.records.empty() ||
          batch.records.size() > 3 || !(batch.start < batch.end)) {
        __builtin_trap();
      }
      for (const picket::SpoolRecord& r : batch.records) {
        if (r.kind != batch.kind) __builtin_trap();
        bytes += r.data.size();
      }
      if (bytes != batch.data_bytes) __builtin_trap();
      if (ack(n)) spool.Ack(batch.id);
    }
  }
  return true;
}

void CheckAllDelivered(const Spool& spool) {
  if (spool.stats().pending != 0) __builtin_trap();
  for (int c = 0; c < picket::kSpoolClassCount; ++c) {
    if (spool.Backlog(static_cast<SpoolClass>(c)).records != 0) {
      __builtin_trap();
    }
  }
}

void Exercise(const std::string& segment, const std::string* cursor,
              bool newer_segment) {
  static const char* kClasses[] = {"low", "medium", "high", "alert"};
  std::string templ = (fs::temp_directory_path() / "spool_fuzz.XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) return;
  const fs::path dir = templ;

  // Name the file as its header says, so that a valid header stays valid.
  int cls = 0;
  uint64_t number = 1;
  if (segment.size() >= 16) {
    cls = static_cast<uint8_t>(segment[6]) % 4;
    number = Load(segment, 8, 8) % ((1ull << 62) - 1);  // +1 stays valid
  }
  WriteFile(dir / SegmentName(kClasses[cls], number), segment);
  if (newer_segment) {  // so that the input is not the newest: no torn tail
    std::string header("PSEG\x01\x00\x00\x00", 8);
    header[6] = static_cast<char>(cls);
    header.resize(16);
    Store(&header, 8, number + 1, 8);
    WriteFile(dir / SegmentName(kClasses[cls], number + 1), header);
  }
  if (cursor != nullptr) WriteFile(dir / "cursor", *cursor);

  picket::SpoolOptions options;
  options.dir = dir.string();
  options.fsync = picket::FsyncPolicy::kNever;
  options.max_bytes = 1 << 20;
  options.segment_bytes = 4096;
  {
    auto opened = Spool::Open(options);
    if (!opened.ok()) __builtin_trap();  // content never makes Open() fail
    Spool& spool = **opened;
    const uint64_t corrupt = spool.stats().corrupt_records;
    if (!Drain(spool, [](uint64_t n) { return n % 2 == 0; })) __builtin_trap();
    spool.Rewind();
    if (!Drain(spool, [](uint64_t) { return true; })) __builtin_trap();
    CheckAllDelivered(spool);
    if (spool.stats().corrupt_records != corrupt) __builtin_trap();
    for (int c = 0; c < picket::kSpoolClassCount; ++c) {
      spool.Append(static_cast<SpoolClass>(c), 1, "after", 0);
    }
    (void)spool.Flush(0);
    (void)spool.SaveCursor();
  }
  {
    auto opened = Spool::Open(options);
    if (!opened.ok()) __builtin_trap();
    Spool& spool = **opened;
    for (int c = 0; c < picket::kSpoolClassCount; ++c) {
      SpoolBatch batch;
      if (!spool.ReadBatch(static_cast<SpoolClass>(c), 64, 100, &batch) ||
          batch.records.size() != 1 || batch.records[0].data != "after") {
        __builtin_trap();  // what was written after recovery is all there
      }
      spool.Ack(batch.id);
    }
    CheckAllDelivered(spool);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string fixed = FixRecordCrcs(input);
  Exercise(input, nullptr, false);
  Exercise(input, nullptr, true);
  Exercise(fixed, nullptr, false);
  if (size > kCursorSize) {
    const std::string cursor = FixCursor(input.substr(size - kCursorSize));
    Exercise(FixRecordCrcs(input.substr(0, size - kCursorSize)), &cursor,
             false);
  }
  return 0;
}

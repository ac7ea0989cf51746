// DistinctCounter: how many different values a stream holds, in bounded
// memory.
//
// Exact up to kExactLimit distinct values (their 64-bit hashes are kept);
// beyond that it switches to a HyperLogLog sketch of 2^10 one-byte
// registers (1 KiB, standard error about 3 %), so a scan of millions of
// addresses costs the same as one of a hundred. Values are hashed with
// XXH64. Plain value; not thread-safe.
#ifndef PICKET_DETECTORS_DISTINCT_COUNTER_H_
#define PICKET_DETECTORS_DISTINCT_COUNTER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace picket {

class DistinctCounter {
 public:
  static constexpr size_t kExactLimit = 64;

  // Counts `value`; returns true when it was certainly not seen before
  // (always false once the count is an estimate).
  bool Add(std::string_view value);
  // The number of distinct values added: exact while exact() is true, and
  // never more than the number of Add() calls.
  uint64_t Count() const;
  bool exact() const { return registers_.empty(); }

 private:
  static constexpr int kPrecision = 10;  // 2^10 registers
  void AddToSketch(uint64_t hash);

  uint64_t added_ = 0;
  std::vector<uint64_t> hashes_;    // exact phase
  std::vector<uint8_t> registers_;  // sketch phase
};

}  // namespace picket

#endif  // PICKET_DETECTORS_DISTINCT_COUNTER_H_

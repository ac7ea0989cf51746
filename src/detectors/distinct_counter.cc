#include "detectors/distinct_counter.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "intel/xxhash.h"

namespace picket {

namespace {
constexpr uint64_t kSeed = 0x70696b6574ULL;
}  // namespace

bool DistinctCounter::Add(std::string_view value) {
  ++added_;
  uint64_t hash = Xxh64(value.data(), value.size(), kSeed);
  if (!exact()) {
    AddToSketch(hash);
    return false;
  }
  if (std::find(hashes_.begin(), hashes_.end(), hash) != hashes_.end()) {
    return false;
  }
  if (hashes_.size() < kExactLimit) {
    hashes_.push_back(hash);
    return true;
  }
  registers_.assign(size_t{1} << kPrecision, 0);
  for (uint64_t h : hashes_) AddToSketch(h);
  AddToSketch(hash);
  hashes_.clear();
  hashes_.shrink_to_fit();
  return true;
}

void DistinctCounter::AddToSketch(uint64_t hash) {
  size_t index = hash >> (64 - kPrecision);
  uint64_t rest = hash << kPrecision;
  // Rank: position of the first 1 bit in the remaining 54 bits.
  uint8_t rank = static_cast<uint8_t>(rest == 0 ? 64 - kPrecision + 1
                                                : std::countl_zero(rest) + 1);
  registers_[index] = std::max(registers_[index], rank);
}

uint64_t DistinctCounter::Count() const {
  if (exact()) return hashes_.size();
  const double m = static_cast<double>(registers_.size());
  double sum = 0;
  size_t zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  const double alpha = 0.7213 / (1 + 1.079 / m);
  double estimate = alpha * m * m / sum;
  // Small range: linear counting is the better estimate while registers
  // are still empty.
  if (estimate <= 2.5 * m && zeros > 0) {
    estimate = m * std::log(m / static_cast<double>(zeros));
  }
  // Never below what was counted exactly before the switch, never above
  // what was added.
  uint64_t n = std::max<uint64_t>(static_cast<uint64_t>(std::llround(estimate)),
                                  kExactLimit + 1);
  return std::min(n, added_);
}

}  // namespace picket

#include "intel/xxhash.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

// Published XXH64 test vectors.
TEST(XxhashTest, KnownVectors) {
  EXPECT_EQ(Xxh64("", 0, 0), 0xEF46DB3751D8E999ull);
  EXPECT_EQ(Xxh64("a", 1, 0), 0xD24EC4F1A98C6E5Bull);
  EXPECT_EQ(Xxh64("abc", 3, 0), 0x44BC2CF5AD770999ull);
  const char kLong[] = "Nobody inspects the spammish repetition";
  EXPECT_EQ(Xxh64(kLong, sizeof(kLong) - 1, 0), 0xFBCEA83C8A378BF1ull);
}

}  // namespace
}  // namespace picket

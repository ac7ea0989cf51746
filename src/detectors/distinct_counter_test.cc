#include "detectors/distinct_counter.h"

#include <gtest/gtest.h>

#include <string>

namespace picket {
namespace {

TEST(DistinctCounterTest, ExactWhileSmall) {
  DistinctCounter c;
  EXPECT_EQ(c.Count(), 0u);
  EXPECT_TRUE(c.Add("10.0.0.1"));
  EXPECT_FALSE(c.Add("10.0.0.1"));
  EXPECT_TRUE(c.Add("10.0.0.2"));
  EXPECT_EQ(c.Count(), 2u);
  for (int i = 0; i < 62; ++i) c.Add("192.0.2." + std::to_string(i));
  EXPECT_TRUE(c.exact());
  EXPECT_EQ(c.Count(), 64u);
  for (int i = 0; i < 62; ++i)
    EXPECT_FALSE(c.Add("192.0.2." + std::to_string(i)));
  EXPECT_EQ(c.Count(), 64u);
}

TEST(DistinctCounterTest, EstimatesLargeCountsWithinAFewPercent) {
  for (uint32_t n : {65u, 100u, 1000u, 50000u, 1000000u}) {
    DistinctCounter c;
    for (uint32_t i = 0; i < n; ++i) {
      std::string a = "10." + std::to_string(i >> 16) + "." +
                      std::to_string((i >> 8) & 255) + "." +
                      std::to_string(i & 255);
      c.Add(a);
      c.Add(a);  // repeats do not count
    }
    EXPECT_FALSE(c.exact());
    EXPECT_NEAR(static_cast<double>(c.Count()), n, 0.06 * n) << n;
  }
}

}  // namespace
}  // namespace picket

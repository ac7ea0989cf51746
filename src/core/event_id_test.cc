#include "core/event_id.h"

#include <gtest/gtest.h>

#include <set>

namespace picket {
namespace {

TEST(EventIdTest, Fnv1aKnownValues) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
  EXPECT_EQ(Fnv1a64("bar", Fnv1a64("foo")), Fnv1a64("foobar"));
}

TEST(EventIdTest, SourcePositionIdShape) {
  EXPECT_EQ(SourcePositionId(0x1234, 0, 0), "0000000000001234-0");
  EXPECT_EQ(SourcePositionId(0xfedcba9876543210ull, 4096, 0),
            "fedcba9876543210-4096");
  EXPECT_EQ(SourcePositionId(1, 77, 3), "0000000000000001-77.3");
  EXPECT_EQ(SourcePositionId(~0ull, ~0ull, ~0u),
            "ffffffffffffffff-18446744073709551615.4294967295");
}

TEST(EventIdTest, SourcePositionIdsAreDistinct) {
  std::set<std::string> ids;
  for (uint64_t key : {1ull, 2ull}) {
    for (uint64_t pos : {0ull, 1ull, 10ull, 11ull}) {
      for (uint32_t i : {0u, 1u, 2u}) ids.insert(SourcePositionId(key, pos, i));
    }
  }
  EXPECT_EQ(ids.size(), 2u * 4u * 3u);
}

TEST(EventIdTest, DerivedAlertIdIsStableAndKeyed) {
  std::string a = DerivedAlertId("00000000000000ab-120", "login.brute_force",
                                 "192.0.2.1@1000");
  EXPECT_EQ(a, DerivedAlertId("00000000000000ab-120", "login.brute_force",
                              "192.0.2.1@1000"));
  EXPECT_EQ(a.rfind("00000000000000ab-120:", 0), 0u);
  EXPECT_EQ(a.size(), std::string("00000000000000ab-120").size() + 9);
  // Another finding from the same event, another phase, another event.
  EXPECT_NE(a, DerivedAlertId("00000000000000ab-120", "login.user_enumeration",
                              "192.0.2.1@1000"));
  EXPECT_NE(a, DerivedAlertId("00000000000000ab-120", "login.brute_force",
                              "192.0.2.1@1000#end"));
  EXPECT_NE(a, DerivedAlertId("00000000000000ab-121", "login.brute_force",
                              "192.0.2.1@1000"));
  // The type and key are separated: moving a character across differs.
  EXPECT_NE(DerivedAlertId("e", "ab", "c"), DerivedAlertId("e", "a", "bc"));
}

}  // namespace
}  // namespace picket

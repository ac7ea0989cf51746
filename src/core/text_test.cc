#include "core/text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace picket {
namespace {

TEST(TextTest, SplitBlanksDropsRunsOfSpacesAndTabs) {
  EXPECT_EQ(SplitBlanks("  a \t bb\tc  "),
            (std::vector<std::string_view>{"a", "bb", "c"}));
  EXPECT_TRUE(SplitBlanks("").empty());
  EXPECT_TRUE(SplitBlanks(" \t ").empty());
}

TEST(TextTest, ForEachLineDropsCarriageReturnsAndKeepsTheLastLine) {
  std::vector<std::string> lines;
  ForEachLine("a\r\n\nb", [&](std::string_view l) { lines.emplace_back(l); });
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "", "b"}));
  lines.clear();
  ForEachLine("", [&](std::string_view l) { lines.emplace_back(l); });
  EXPECT_TRUE(lines.empty());
}

}  // namespace
}  // namespace picket

#include "posture/regex.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

TEST(RegexTest, ShorthandsOutsideBracketsOnly) {
  EXPECT_EQ(TranslateRegexShorthands(R"(^\s*Key\s+(\d+)\S\w\W\D)"),
            "^[[:space:]]*Key[[:space:]]+([0-9]+)[^[:space:]][[:alnum:]_]"
            "[^[:alnum:]_][^0-9]");
  EXPECT_EQ(TranslateRegexShorthands(R"([\d][[:digit:]\s]x\.)"),
            R"([\d][[:digit:]\s]x\.)");
  EXPECT_EQ(TranslateRegexShorthands(R"([]\d]\d)"), R"([]\d][0-9])");
}

TEST(RegexTest, SearchWithGroups) {
  auto re = Regex::Compile(R"(^\s*PASS_MAX_DAYS\s+(\d+)$)", false);
  ASSERT_TRUE(re.ok());
  std::vector<std::string> groups;
  auto m = (*re)->NewMatcher();
  EXPECT_TRUE(m->Search("  PASS_MAX_DAYS\t90", &groups));
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[1], "90");
  EXPECT_FALSE(m->Search("#PASS_MAX_DAYS 90"));
  auto icase = Regex::Compile("^encrypt_method (sha512|yescrypt)$", true);
  ASSERT_TRUE(icase.ok());
  EXPECT_TRUE((*icase)->Search("ENCRYPT_METHOD YESCRYPT"));
}

TEST(RegexTest, InvalidPatternsAreRejected) {
  auto re = Regex::Compile("(unclosed", false);
  ASSERT_FALSE(re.ok());
  EXPECT_NE(re.status().message().find("invalid regular expression"),
            std::string::npos);
  EXPECT_FALSE(Regex::Compile(std::string_view("a\0b", 3), false).ok());
}

}  // namespace
}  // namespace picket

// Keeps docs/intel-format.md and src/intel/intel_format.h in agreement: the
// header, section-entry and FEEDS tables (offset, size, field), the section
// type table (type, name, element size), the category and format numbers,
// and the example dump's first line.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "intel/compiler.h"
#include "intel/feed.h"
#include "intel/indicator.h"
#include "intel/intel_format.h"

namespace picket {
namespace {

namespace f = intel_format;

std::string ReadDoc() {
  std::ifstream in(PICKET_SOURCE_DIR "/docs/intel-format.md");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '`')) s.erase(0, 1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '`')) s.pop_back();
  return s;
}

// The rows (cells trimmed) of the first table after the heading line that
// starts with `heading`.
std::vector<std::vector<std::string>> Table(const std::string& doc,
                                            const std::string& heading) {
  std::vector<std::vector<std::string>> rows;
  size_t at = doc.find("\n" + heading);
  if (at == std::string::npos) return rows;
  std::istringstream in(doc.substr(at + 1));
  std::string line;
  std::getline(in, line);  // the heading
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.starts_with("|")) {
      in_table = true;
      if (line.starts_with("|---")) continue;
      std::vector<std::string> cells;
      std::istringstream cell_in(line.substr(1));
      std::string cell;
      while (std::getline(cell_in, cell, '|')) cells.push_back(Trim(cell));
      rows.push_back(cells);
    } else if (in_table) {
      break;
    }
  }
  if (!rows.empty()) rows.erase(rows.begin());  // column titles
  return rows;
}

struct Field {
  size_t offset, size;
};

void ExpectFields(const std::vector<std::vector<std::string>>& rows,
                  const std::map<std::string, Field>& want) {
  ASSERT_EQ(rows.size(), want.size());
  for (const auto& row : rows) {
    ASSERT_GE(row.size(), 3u);
    auto it = want.find(row[2]);
    ASSERT_NE(it, want.end())
        << "field in the doc, not in the code: " << row[2];
    EXPECT_EQ(std::stoul(row[0]), it->second.offset) << row[2];
    EXPECT_EQ(std::stoul(row[1]), it->second.size) << row[2];
  }
}

TEST(IntelFormatDocTest, HeaderTableMatchesTheCode) {
  ExpectFields(
      Table(ReadDoc(), "## Header"),
      {{"magic", {f::kMagicOffset, f::kMagicSize}},
       {"version", {f::kVersionOffset, f::kVersionSize}},
       {"header_size", {f::kHeaderSizeOffset, f::kHeaderSizeSize}},
       {"checksum", {f::kChecksumOffset, f::kChecksumSize}},
       {"file_size", {f::kFileSizeOffset, f::kFileSizeSize}},
       {"created", {f::kCreatedOffset, f::kCreatedSize}},
       {"section_count", {f::kSectionCountOffset, f::kSectionCountSize}},
       {"section_table_offset",
        {f::kSectionTableOffsetOffset, f::kSectionTableOffsetSize}},
       {"reserved", {f::kReservedOffset, f::kReservedSize}}});
  EXPECT_EQ(f::kReservedOffset + f::kReservedSize, f::kHeaderSize);
  EXPECT_NE(ReadDoc().find("`" + std::string(f::kMagic, 8) + "`"),
            std::string::npos);
}

TEST(IntelFormatDocTest, SectionEntryTableMatchesTheCode) {
  ExpectFields(Table(ReadDoc(), "## Section table"),
               {{"type", {f::kEntryTypeOffset, f::kEntryTypeSize}},
                {"param", {f::kEntryParamOffset, f::kEntryParamSize}},
                {"offset", {f::kEntryOffsetOffset, f::kEntryOffsetSize}},
                {"size", {f::kEntrySizeOffset, f::kEntrySizeSize}},
                {"count", {f::kEntryCountOffset, f::kEntryCountSize}}});
}

TEST(IntelFormatDocTest, FeedRecordTableMatchesTheCode) {
  ExpectFields(Table(ReadDoc(), "### FEEDS record"),
               {{"name_offset", {f::kFeedNameOffset, f::kFeedNameOffsetSize}},
                {"name_length", {f::kFeedNameLength, f::kFeedNameLengthSize}},
                {"category", {f::kFeedCategory, f::kFeedCategorySize}},
                {"format", {f::kFeedFormat, f::kFeedFormatSize}},
                {"reserved", {f::kFeedReserved, f::kFeedReservedSize}},
                {"ipv4", {f::kFeedIpv4, f::kFeedIpv4Size}},
                {"ipv4_nets", {f::kFeedIpv4Nets, f::kFeedIpv4NetsSize}},
                {"ipv6", {f::kFeedIpv6, f::kFeedIpv6Size}},
                {"ipv6_nets", {f::kFeedIpv6Nets, f::kFeedIpv6NetsSize}},
                {"domains", {f::kFeedDomains, f::kFeedDomainsSize}},
                {"sha256", {f::kFeedSha256, f::kFeedSha256Size}},
                {"rejected", {f::kFeedRejected, f::kFeedRejectedSize}}});
}

TEST(IntelFormatDocTest, SectionTypesMatchTheCode) {
  auto rows = Table(ReadDoc(), "## Sections");
  ASSERT_EQ(rows.size(), f::kSectionCount);
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_GE(rows[i].size(), 3u);
    EXPECT_EQ(std::stoul(rows[i][0]), f::kSections[i].type) << rows[i][1];
    EXPECT_EQ(rows[i][1], f::kSections[i].name);
    EXPECT_EQ(std::stoul(rows[i][2]), f::kSections[i].element_size)
        << rows[i][1];
  }
}

TEST(IntelFormatDocTest, CategoryAndFormatNumbers) {
  std::string doc = ReadDoc();
  std::string categories, formats;
  for (int i = 0; i < kIntelCategoryCount; ++i) {
    categories += (i ? ", " : "") + std::to_string(i) + " " +
                  std::string(IntelCategoryName(IntelCategory(i)));
  }
  for (int i = 0; i < kFeedFormatCount; ++i) {
    formats += (i ? ", " : "") + std::to_string(i) + " " +
               std::string(FeedFormatName(FeedFormat(i)));
  }
  // The doc wraps lines; compare with newlines as spaces.
  for (char& c : doc) c = c == '\n' ? ' ' : c;
  EXPECT_NE(doc.find(categories), std::string::npos) << categories;
  EXPECT_NE(doc.find(formats), std::string::npos) << formats;
}

// The example's first two dump lines are what the compiler writes.
TEST(IntelFormatDocTest, ExampleDumpMatchesACompiledFile) {
  IntelCompiler c;
  ASSERT_TRUE(
      c.AddFeed("demo", FeedFormat::kPlain, IntelCategory::kBotnetC2).ok());
  Indicator i;
  std::string reason;
  ASSERT_EQ(ClassifyToken("192.0.2.1", &i, &reason), TokenClass::kIndicator);
  i.category = IntelCategory::kBotnetC2;
  c.Add(0, i);
  ASSERT_EQ(ClassifyToken("198.51.100.0/24", &i, &reason),
            TokenClass::kIndicator);
  c.Add(0, i);
  Result<std::vector<uint8_t>> image = c.Build(1735689600);  // 2025-01-01
  ASSERT_TRUE(image.ok());
  auto hex = [&](size_t from, size_t n) {
    std::string out;
    char buf[4];
    for (size_t k = 0; k < n; ++k) {
      std::snprintf(buf, sizeof(buf), "%02x ", (*image)[from + k]);
      out += buf;
      if (k == 7) out += " ";
    }
    return out;
  };
  std::string doc = ReadDoc();
  EXPECT_NE(doc.find("00000000  " + hex(0, 16)), std::string::npos)
      << hex(0, 16);
  EXPECT_NE(doc.find("00000020  " + hex(32, 16)), std::string::npos)
      << hex(32, 16);
  EXPECT_NE(doc.find("00000040  " + hex(64, 8)), std::string::npos)
      << hex(64, 8);
}

}  // namespace
}  // namespace picket

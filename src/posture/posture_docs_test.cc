// The examples in docs/posture.md are real: each example policy loads, and
// the invalid one gives exactly the errors the document shows.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "posture/policy.h"

namespace picket {
namespace {

struct Block {
  std::string marker;  // the HTML comment before it, if any
  std::string lang;
  std::string body;
};

std::vector<Block> Blocks(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<Block> out;
  std::string line, marker;
  bool inside = false;
  Block current;
  while (std::getline(in, line)) {
    if (!inside && line.starts_with("<!--")) {
      marker = line;
    } else if (!inside && line.starts_with("```")) {
      inside = true;
      current = Block{marker, line.substr(3), ""};
      marker.clear();
    } else if (inside && line == "```") {
      inside = false;
      out.push_back(current);
    } else if (inside) {
      current.body += line + "\n";
    } else if (!line.empty()) {
      marker.clear();
    }
  }
  return out;
}

TEST(PostureDocsTest, ExamplesLoadAndErrorsMatch) {
  auto blocks = Blocks(std::string(PICKET_SOURCE_DIR) + "/docs/posture.md");
  int examples = 0, invalid = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    if (b.marker.find("example policy") != std::string::npos) {
      ++examples;
      auto policy = ParsePolicy(b.body, "policy.yaml");
      EXPECT_TRUE(policy.ok()) << policy.status().ToString();
    } else if (b.marker.find("invalid policy") != std::string::npos) {
      ++invalid;
      auto policy = ParsePolicy(b.body, "policy.yaml");
      ASSERT_FALSE(policy.ok());
      ASSERT_LT(i + 1, blocks.size());
      ASSERT_EQ(blocks[i + 1].lang, "text");
      EXPECT_EQ(policy.status().message() + "\n", blocks[i + 1].body);
    }
  }
  EXPECT_GE(examples, 1);
  EXPECT_EQ(invalid, 1);
}

// The documented list of shipped checks is the shipped policy's.
TEST(PostureDocsTest, ShippedChecksTableMatchesThePolicy) {
  auto policy = LoadPolicyFile(std::string(PICKET_SOURCE_DIR) +
                               "/src/posture/policies/picket-baseline.yaml");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  std::ifstream in(std::string(PICKET_SOURCE_DIR) + "/docs/posture.md");
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  for (const Check& c : policy->checks) {
    std::string row = "| `" + c.id + "` | " +
                      std::string(SeverityName(c.severity)) + " | " + c.title +
                      " |";
    EXPECT_NE(doc.find(row), std::string::npos)
        << "docs/posture.md lacks " << row;
  }
}

}  // namespace
}  // namespace picket

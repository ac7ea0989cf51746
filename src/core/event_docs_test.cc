// Keeps docs/events.md true: every ```json block in it must be an event that
// picket reads and would write byte for byte the same (after normalising the
// indentation), and every event type must have an example.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/event_json.h"

namespace picket {
namespace {

struct JsonBlock {
  int line = 0;  // of the opening fence, 1-based
  std::string text;
};

std::string ReadDoc() {
  std::ifstream in(PICKET_SOURCE_DIR "/docs/events.md");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<JsonBlock> JsonBlocks(const std::string& markdown) {
  std::vector<JsonBlock> blocks;
  std::istringstream in(markdown);
  std::string line;
  int number = 0;
  JsonBlock* open = nullptr;
  while (std::getline(in, line)) {
    ++number;
    if (open == nullptr) {
      if (line == "```json") {
        blocks.push_back({number, ""});
        open = &blocks.back();
      }
    } else if (line == "```") {
      open = nullptr;
    } else {
      open->text += line + "\n";
    }
  }
  EXPECT_EQ(open, nullptr) << "unterminated ```json block";
  return blocks;
}

// The block re-written compactly, member order kept: what EventToJson must
// produce for it.
std::string Compact(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::vector<Event> ParseAll(const std::vector<JsonBlock>& blocks) {
  std::vector<Event> events;
  for (const JsonBlock& block : blocks) {
    Event event;
    Status st = EventFromJson(block.text, &event);
    EXPECT_TRUE(st.ok()) << "docs/events.md:" << block.line << ": "
                         << st.ToString();
    if (st.ok()) events.push_back(std::move(event));
  }
  return events;
}

TEST(EventDocsTest, EveryExampleIsWrittenExactlyAsPicketWritesIt) {
  const std::vector<JsonBlock> blocks = JsonBlocks(ReadDoc());
  ASSERT_FALSE(blocks.empty()) << "no ```json block in docs/events.md";
  for (const JsonBlock& block : blocks) {
    Event event;
    Status st = EventFromJson(block.text, &event);
    ASSERT_TRUE(st.ok()) << "docs/events.md:" << block.line << ": "
                         << st.ToString();
    EXPECT_EQ(EventToJson(event), Compact(block.text))
        << "docs/events.md:" << block.line
        << ": example differs from what picket writes";
  }
}

TEST(EventDocsTest, EveryEventTypeHasAnExample) {
  std::set<EventType> documented;
  for (const Event& event : ParseAll(JsonBlocks(ReadDoc()))) {
    documented.insert(event.type);
  }
  // Walks every value the enum can hold, so a new type needs an example.
  for (int t = 0; t <= 255; ++t) {
    const auto type = static_cast<EventType>(t);
    if (EventTypeName(type) == "unknown") continue;
    EXPECT_TRUE(documented.count(type)) << EventTypeName(type);
  }
}

TEST(EventDocsTest, AlertExamplesHaveEvidenceAndAreInTheCatalogue) {
  const std::string doc = ReadDoc();
  int alerts = 0;
  for (const Event& event : ParseAll(JsonBlocks(doc))) {
    if (event.type != EventType::kAlert) continue;
    ++alerts;
    const Alert& alert = std::get<Alert>(event.payload);
    EXPECT_NE(alert.evidence, nullptr) << alert.type_id;
    EXPECT_NE(doc.find("| `" + alert.type_id + "` | " +
                       std::string(SeverityName(alert.severity)) + " |"),
              std::string::npos)
        << alert.type_id << " is not in the alert catalogue";
  }
  EXPECT_GT(alerts, 0);
}

TEST(EventDocsTest, ExampleIdsFollowTheDocumentedForm) {
  const std::regex form("[0-9a-f]{16}-[0-9]+");
  for (const Event& event : ParseAll(JsonBlocks(ReadDoc()))) {
    EXPECT_TRUE(std::regex_match(event.id, form)) << event.id;
  }
}

}  // namespace
}  // namespace picket

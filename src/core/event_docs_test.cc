// Keeps docs/events.md true: every ```json block in it must be an event that
// picket reads and would write byte for byte the same (after normalising the
// indentation), every event type must have an example, and every alert
// example must be in the catalogue or say that it only shows a shape.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
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
  int line = 0;       // of the opening fence, 1-based
  std::string intro;  // the paragraph just above the fence, lines joined
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
  std::string paragraph;  // the one being read, or the last one read
  bool ended = false;     // a blank line followed it
  while (std::getline(in, line)) {
    ++number;
    if (open == nullptr) {
      if (line == "```json") {
        blocks.push_back({number, paragraph, ""});
        open = &blocks.back();
        paragraph.clear();
      } else if (line.empty()) {
        ended = true;
      } else {
        if (ended) paragraph.clear();
        ended = false;
        if (!paragraph.empty()) paragraph += ' ';
        paragraph += line;
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

// The alert types in the "### Alert catalogue" table, in order.
std::vector<std::string> CatalogueTypes(const std::string& markdown) {
  std::vector<std::string> types;
  std::istringstream in(markdown.substr(markdown.find("### Alert catalogue")));
  std::string line;
  std::getline(in, line);  // the heading
  const std::regex row("\\| `([^`]+)` \\|.*");
  std::smatch match;
  bool body = false;  // past the header row and its |---| line
  while (std::getline(in, line) && (line.empty() || line[0] == '|')) {
    if (line.rfind("|---", 0) == 0) {
      body = true;
    } else if (body && std::regex_match(line, match, row)) {
      types.push_back(match[1]);
    }
  }
  return types;
}

// The catalogue lists only alert types that picket raises, so an example of
// any other type must say, at the start of the paragraph above it, that it
// only shows a shape.
TEST(EventDocsTest, AlertExamplesHaveEvidenceAndAreInTheCatalogue) {
  const std::string doc = ReadDoc();
  const std::vector<std::string> catalogue = CatalogueTypes(doc);
  ASSERT_FALSE(catalogue.empty()) << "no alert catalogue in docs/events.md";
  std::set<std::string> examples;
  for (const JsonBlock& block : JsonBlocks(doc)) {
    Event event;
    if (!EventFromJson(block.text, &event).ok()) continue;  // tested above
    if (event.type != EventType::kAlert) continue;
    const Alert& alert = std::get<Alert>(event.payload);
    examples.insert(alert.type_id);
    EXPECT_NE(alert.evidence, nullptr) << alert.type_id;
    if (std::find(catalogue.begin(), catalogue.end(), alert.type_id) !=
        catalogue.end()) {
      EXPECT_NE(doc.find("| `" + alert.type_id + "` | " +
                         std::string(SeverityName(alert.severity)) + " |"),
                std::string::npos)
          << alert.type_id << ": severity differs from the catalogue";
    } else {
      EXPECT_EQ(block.intro.rfind("Shape example, not a catalogue entry: `" +
                                      alert.type_id + "`",
                                  0),
                0u)
          << "docs/events.md:" << block.line << ": " << alert.type_id
          << " is not in the alert catalogue and not marked as a shape example";
    }
  }
  for (const std::string& type : catalogue) {
    EXPECT_TRUE(examples.count(type)) << type << " has no example";
  }
}

TEST(EventDocsTest, ExampleIdsFollowTheDocumentedForm) {
  const std::regex form("[0-9a-f]{16}-[0-9]+");
  for (const Event& event : ParseAll(JsonBlocks(ReadDoc()))) {
    EXPECT_TRUE(std::regex_match(event.id, form)) << event.id;
  }
}

}  // namespace
}  // namespace picket

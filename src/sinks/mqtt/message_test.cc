#include "sinks/mqtt/message.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "core/event_json.h"

namespace picket {
namespace {

Event StatusEvent(std::string detail) {
  Event e = MakeStatusEvent(1'700'000'000'000'000'000, "agent", "started",
                            std::move(detail));
  e.device_id = "cam-01";
  e.id = "run-1";
  return e;
}

TEST(MessageTest, TopicKindFollowsTheEventType) {
  Event alert;
  alert.type = EventType::kAlert;
  alert.payload = Alert{};
  EXPECT_EQ(TopicKindOf(alert), TopicKind::kAlerts);
  Event posture;
  posture.type = EventType::kPostureResult;
  EXPECT_EQ(TopicKindOf(posture), TopicKind::kRecommendations);
  posture.type = EventType::kPostureSummary;
  EXPECT_EQ(TopicKindOf(posture), TopicKind::kRecommendations);
  Event stats;
  stats.type = EventType::kStatistics;
  EXPECT_EQ(TopicKindOf(stats), TopicKind::kStatistics);
  Event beat;
  beat.type = EventType::kHeartbeat;
  EXPECT_EQ(TopicKindOf(beat), TopicKind::kHeartbeat);
  Event exec;
  exec.type = EventType::kProcessExec;
  EXPECT_EQ(TopicKindOf(exec), TopicKind::kEvents);
  EXPECT_EQ(TopicKindName(TopicKind::kRecommendations), "recommendations");
  EXPECT_EQ(TopicKindName(static_cast<TopicKind>(99)), "");
}

TEST(MessageTest, TopicLevelNeutralisesWildcardsAndSeparators) {
  EXPECT_EQ(TopicLevel("cam-01"), "cam-01");
  EXPECT_EQ(TopicLevel("a/b+c#d"), "a_b_c_d");
  EXPECT_EQ(TopicLevel(std::string("x\0y", 3)), "x_y");
  EXPECT_EQ(TopicLevel(""), "_");
}

TEST(MessageTest, BatchDocumentIsJsonWithEveryEventInOrder) {
  std::vector<std::string> json;
  for (int i = 0; i < 3; ++i) {
    json.push_back(EventToJson(StatusEvent("n" + std::to_string(i))));
  }
  std::vector<std::string_view> views(json.begin(), json.end());
  std::string doc_text = BuildBatchDocument("cam\"01", views);
  size_t expected = BatchOverhead("cam\"01", 3);
  for (const auto& j : json) expected += j.size();
  EXPECT_EQ(doc_text.size(), expected);

  rapidjson::Document doc;
  doc.Parse(doc_text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << doc_text;
  EXPECT_EQ(doc["schema"].GetInt(), 1);
  EXPECT_STREQ(doc["device"].GetString(), "cam\"01");
  ASSERT_EQ(doc["events"].Size(), 3u);
  EXPECT_STREQ(doc["events"][2]["payload"]["detail"].GetString(), "n2");

  EXPECT_EQ(BuildBatchDocument("d", {}),
            R"({"schema":1,"device":"d","events":[]})");
  EXPECT_EQ(BuildBatchDocument("d", {}).size(), BatchOverhead("d", 0));
}

TEST(MessageTest, ZstdRoundTripStartsWithTheMagicAndShrinksJson) {
  std::vector<std::string> json;
  for (int i = 0; i < 50; ++i) {
    json.push_back(EventToJson(StatusEvent("detail " + std::to_string(i))));
  }
  std::vector<std::string_view> views(json.begin(), json.end());
  std::string doc = BuildBatchDocument("cam-01", views);
  ZstdCompressor zstd;
  Result<std::string> frame = zstd.Compress(doc);
  ASSERT_TRUE(frame.ok());
  ASSERT_GE(frame->size(), 4u);
  EXPECT_EQ(frame->substr(0, 4), std::string(kZstdMagic, 4));
  EXPECT_LT(frame->size() * 4, doc.size());
  Result<std::string> back = ZstdDecompress(*frame, 1 << 20);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, doc);
  // The context is reused: a second frame decodes as well.
  Result<std::string> again = zstd.Compress("{}");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*ZstdDecompress(*again, 16), "{}");
}

TEST(MessageTest, ZstdDecompressRefusesGarbageAndBombs) {
  EXPECT_FALSE(ZstdDecompress("not zstd", 1 << 20).ok());
  EXPECT_FALSE(ZstdDecompress("", 1 << 20).ok());
  ZstdCompressor zstd;
  Result<std::string> frame = zstd.Compress(std::string(100000, 'a'));
  ASSERT_TRUE(frame.ok());
  EXPECT_FALSE(ZstdDecompress(*frame, 1000).ok());
  std::string truncated = frame->substr(0, frame->size() - 3);
  EXPECT_FALSE(ZstdDecompress(truncated, 1 << 20).ok());
}

}  // namespace
}  // namespace picket

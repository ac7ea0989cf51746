#include "sinks/jsonl_sink.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/event_json.h"
#include "testing/temp_dir.h"

namespace picket {
namespace {

namespace fs = std::filesystem;

using testing_util::TempDir;

Event StatusEvent(int seq, std::string detail = "") {
  Event e;
  e.device_id = "cam-01";
  e.id = "6f1c2a9e8b7d4c30-" + std::to_string(seq);
  e.time_ns = 1795446245123456000;
  e.type = EventType::kAgentStatus;
  e.payload = AgentStatus{"agent", "started", std::move(detail)};
  return e;
}

Event AlertEvent(int seq) {
  Event e = StatusEvent(seq);
  e.type = EventType::kAlert;
  Alert a;
  a.type_id = "process.exec_from_temp";
  a.severity = Severity::kHigh;
  e.payload = a;
  return e;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::map<std::string, uint64_t> Counters(const Sink& sink) {
  std::map<std::string, uint64_t> out;
  for (const auto& [name, value] : sink.Stats().counters) out[name] = value;
  return out;
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

JsonlSinkConfig ConfigFor(const std::string& path) {
  JsonlSinkConfig config;
  config.path = path;
  return config;
}

TEST(JsonlSinkTest, WritesOneJsonLinePerEventOnFlush) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  JsonlSink sink(ConfigFor(path));
  ASSERT_TRUE(sink.Open().ok());
  for (int i = 1; i <= 3; ++i) sink.Write(StatusEvent(i));
  EXPECT_EQ(fs::file_size(path), 0u) << "written before Flush()";
  sink.Flush();

  const std::vector<std::string> lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 3u);
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(lines[i - 1], EventToJson(StatusEvent(i)));
  auto counters = Counters(sink);
  EXPECT_EQ(counters["written"], 3u);
  EXPECT_EQ(counters["bytes"], fs::file_size(path));
  EXPECT_EQ(counters["dropped"], 0u);
  EXPECT_EQ(sink.name(), "sink.jsonl");
  std::vector<std::string> names;
  for (const auto& counter : sink.Stats().counters) {
    names.push_back(counter.first);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"written", "bytes", "rotations",
                                             "dropped", "filtered"}));
}

TEST(JsonlSinkTest, AppendsToAnExistingFile) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  {
    JsonlSink sink(ConfigFor(path));
    ASSERT_TRUE(sink.Open().ok());
    sink.Write(StatusEvent(1));
  }  // the destructor flushes
  JsonlSink sink(ConfigFor(path));
  ASSERT_TRUE(sink.Open().ok());
  sink.Write(StatusEvent(2));
  sink.Flush();
  EXPECT_EQ(ReadLines(path),
            (std::vector<std::string>{EventToJson(StatusEvent(1)),
                                      EventToJson(StatusEvent(2))}));
}

TEST(JsonlSinkTest, CreatesPrivateDirectoryAndFileDespitePermissiveUmask) {
  TempDir dir;
  const std::string path = dir / "state/picket/events.jsonl";
  const mode_t old_umask = umask(0);
  JsonlSink sink(ConfigFor(path));
  const Status st = sink.Open();
  umask(old_umask);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(ModeOf(dir / "state"), 0700u);
  EXPECT_EQ(ModeOf(dir / "state/picket"), 0700u);
  EXPECT_EQ(ModeOf(path), 0600u);
}

TEST(JsonlSinkTest, NarrowsAWideExistingFileTo0600) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  std::ofstream(path) << "{\"old\":1}\n";
  ASSERT_EQ(chmod(path.c_str(), 0666), 0);
  JsonlSink sink(ConfigFor(path));
  ASSERT_TRUE(sink.Open().ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  sink.Write(StatusEvent(1));
  sink.Flush();
  EXPECT_EQ(ReadLines(path).size(), 2u);
}

TEST(JsonlSinkTest, EndsATornLineBeforeAppending) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  std::ofstream(path) << "{\"torn\":";
  JsonlSink sink(ConfigFor(path));
  ASSERT_TRUE(sink.Open().ok());
  sink.Write(StatusEvent(1));
  sink.Flush();
  EXPECT_EQ(ReadLines(path), (std::vector<std::string>{
                                 "{\"torn\":", EventToJson(StatusEvent(1))}));
}

TEST(JsonlSinkTest, RotationKeepsExactlyMaxFilesAndNeverSplitsLines) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  JsonlSinkConfig config = ConfigFor(path);
  config.max_bytes = 1000;
  config.max_files = 3;
  JsonlSink sink(config);
  ASSERT_TRUE(sink.Open().ok());
  const int kEvents = 60;
  for (int i = 1; i <= kEvents; ++i) {
    sink.Write(StatusEvent(i, std::string(100, 'x')));
    if (i % 7 == 0) sink.Flush();
  }
  sink.Flush();

  for (const std::string& name :
       {path, path + ".1", path + ".2", path + ".3"}) {
    ASSERT_TRUE(fs::exists(name)) << name;
    EXPECT_LE(fs::file_size(name), config.max_bytes) << name;
    EXPECT_EQ(ModeOf(name), 0600u) << name;
  }
  EXPECT_FALSE(fs::exists(path + ".4"));

  // Oldest to newest, the kept lines are the last events, in order, whole.
  std::vector<std::string> kept;
  for (const std::string& name :
       {path + ".3", path + ".2", path + ".1", path}) {
    for (const std::string& line : ReadLines(name)) kept.push_back(line);
  }
  ASSERT_FALSE(kept.empty());
  const int first = kEvents - static_cast<int>(kept.size()) + 1;
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i], EventToJson(StatusEvent(first + static_cast<int>(i),
                                               std::string(100, 'x'))));
  }
  auto counters = Counters(sink);
  EXPECT_EQ(counters["written"], static_cast<uint64_t>(kEvents));
  EXPECT_GT(counters["rotations"], 3u);
}

TEST(JsonlSinkTest, EventLargerThanMaxBytesGoesAloneIntoAFreshFile) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  JsonlSinkConfig config = ConfigFor(path);
  config.max_bytes = 300;
  config.max_files = 5;
  JsonlSink sink(config);
  ASSERT_TRUE(sink.Open().ok());
  const Event big = StatusEvent(2, std::string(1000, 'b'));
  sink.Write(StatusEvent(1));
  sink.Write(big);
  sink.Write(StatusEvent(3));
  sink.Flush();
  EXPECT_EQ(ReadLines(path + ".2"),
            (std::vector<std::string>{EventToJson(StatusEvent(1))}));
  EXPECT_EQ(ReadLines(path + ".1"),
            (std::vector<std::string>{EventToJson(big)}));
  EXPECT_EQ(ReadLines(path),
            (std::vector<std::string>{EventToJson(StatusEvent(3))}));
  EXPECT_EQ(Counters(sink)["rotations"], 2u);
}

TEST(JsonlSinkTest, AlertsOnlyKeepsAlertsAndStatus) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  JsonlSinkConfig config = ConfigFor(path);
  config.alerts_only = true;
  JsonlSink sink(config);
  ASSERT_TRUE(sink.Open().ok());
  Event exec;
  exec.type = EventType::kProcessExec;
  exec.payload = ProcessEvent{};
  Event stats;
  stats.type = EventType::kStatistics;
  stats.payload = Statistics{};
  sink.Write(exec);
  sink.Write(AlertEvent(2));
  sink.Write(StatusEvent(3));
  sink.Write(stats);
  sink.Flush();
  EXPECT_EQ(ReadLines(path),
            (std::vector<std::string>{EventToJson(AlertEvent(2)),
                                      EventToJson(StatusEvent(3))}));
  auto counters = Counters(sink);
  EXPECT_EQ(counters["written"], 2u);
  EXPECT_EQ(counters["filtered"], 2u);
  EXPECT_EQ(counters["dropped"], 0u);
}

TEST(JsonlSinkTest, WritesWhenTheBufferFillsWithoutFlush) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  JsonlSink sink(ConfigFor(path));
  ASSERT_TRUE(sink.Open().ok());
  const std::string line = EventToJson(StatusEvent(1, std::string(500, 'x')));
  const size_t events = kJsonlBufferBytes / line.size() + 2;
  for (size_t i = 0; i < events; ++i) {
    sink.Write(StatusEvent(1, std::string(500, 'x')));
  }
  EXPECT_GT(fs::file_size(path), kJsonlBufferBytes);
}

TEST(JsonlSinkTest, UnwritableDirectoryIsCountedNotFatalAndRetried) {
  TempDir dir;
  // A regular file where the directory should be: fails even for root.
  std::ofstream(dir / "blocker") << "";
  const std::string path = dir / "blocker/events.jsonl";
  JsonlSink sink(ConfigFor(path));
  EXPECT_FALSE(sink.Open().ok());
  sink.Write(StatusEvent(1));
  sink.Write(AlertEvent(2));
  sink.Flush();
  auto counters = Counters(sink);
  EXPECT_EQ(counters["dropped"], 2u);
  EXPECT_EQ(counters["written"], 0u);

  // Once the directory can be made, the next Flush() opens the file.
  fs::remove(dir / "blocker");
  sink.Write(StatusEvent(3));
  sink.Flush();
  EXPECT_EQ(ReadLines(path),
            (std::vector<std::string>{EventToJson(StatusEvent(3))}));
  EXPECT_EQ(Counters(sink)["written"], 1u);
}

TEST(JsonlSinkTest, WriteErrorsAreCountedAndTheFileReopened) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  JsonlSink sink(ConfigFor(path));
  ASSERT_TRUE(sink.Open().ok());
  const std::string line = EventToJson(StatusEvent(1));

  // A file size limit makes write(2) fail with EFBIG part-way through.
  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct sigaction ignore = {}, old_action;
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGXFSZ, &ignore, &old_action), 0);
  struct rlimit limit = old_limit;
  limit.rlim_cur = (line.size() + 1) * 2 + line.size() / 2;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  for (int i = 0; i < 5; ++i) sink.Write(StatusEvent(1));
  sink.Flush();
  setrlimit(RLIMIT_FSIZE, &old_limit);
  sigaction(SIGXFSZ, &old_action, nullptr);

  auto counters = Counters(sink);
  EXPECT_EQ(counters["written"], 2u);
  EXPECT_EQ(counters["dropped"], 3u);

  sink.Write(StatusEvent(2));
  sink.Flush();
  const std::vector<std::string> lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 4u);  // two whole, one torn, the new one
  EXPECT_EQ(lines[0], line);
  EXPECT_EQ(lines[1], line);
  EXPECT_EQ(lines[2], line.substr(0, line.size() / 2));
  EXPECT_EQ(lines[3], EventToJson(StatusEvent(2)));
  EXPECT_EQ(Counters(sink)["written"], 3u);
}

}  // namespace
}  // namespace picket

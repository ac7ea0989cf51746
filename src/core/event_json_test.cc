#include "core/event_json.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace picket {
namespace {

// 2026-11-23T15:04:05.123456789Z
constexpr int64_t kTime = 1795446245123456789;

Event Envelope(EventType type, Payload payload) {
  Event e;
  e.device_id = "cam-01";
  e.id = "6f1c2a9e8b7d4c30-17";
  e.time_ns = kTime;
  e.type = type;
  e.priority = Priority::kLow;
  e.payload = std::move(payload);
  return e;
}

ProcessInfo FullProcess() {
  ProcessInfo p;
  p.pid = 1234;
  p.ppid = 1;
  p.uid = 0;
  p.gid = 0;
  p.user = "root";
  p.comm = "curl";
  p.exe = "/usr/bin/curl";
  p.argv = {"curl", "-s", "http://x"};
  p.cwd = "/root";
  p.start_time_ns = kTime - 5'000'000'000;
  p.exe_dev = 2049;
  p.exe_inode = 131090;
  p.exe_fs_type = "ext4";
  p.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  return p;
}

Event ProcessEventOf(EventType type) {
  ProcessEvent pe;
  pe.process = FullProcess();
  pe.source = "netlink";
  pe.parent_pid = 1;
  pe.exit_code = 256;
  pe.change = "exe_deleted";
  return Envelope(type, pe);
}

Event AlertEvent() {
  Alert a;
  a.type_id = "process.exec_from_temp";
  a.severity = Severity::kHigh;
  a.title = "Program executed from a temporary directory";
  a.description = "/tmp/x/true ran from /tmp.";
  a.remediation = "Find out what wrote it.";
  a.detector = "exec_location";
  a.dedup_key = "/tmp/x/true";
  a.evidence =
      std::make_shared<const Event>(ProcessEventOf(EventType::kProcessExec));
  Event e = Envelope(EventType::kAlert, a);
  e.priority = Priority::kHigh;
  return e;
}

Event StatusEvent() {
  return Envelope(EventType::kAgentStatus,
                  AgentStatus{"collector.process", "mode", "netlink"});
}

Event StatisticsEvent() {
  Statistics s;
  s.uptime_ms = 300000;
  s.components = {{"collector.process", {{"seen", 1}, {"dropped", 0}}},
                  {"engine", {{"queued", 18446744073709551615ull}}},
                  {"alpha", {}}};
  return Envelope(EventType::kStatistics, s);
}

std::vector<Event> OneOfEachType() {
  return {ProcessEventOf(EventType::kProcessSnapshot),
          ProcessEventOf(EventType::kProcessFork),
          ProcessEventOf(EventType::kProcessExec),
          ProcessEventOf(EventType::kProcessExit),
          ProcessEventOf(EventType::kProcessChanged),
          AlertEvent(),
          StatusEvent(),
          StatisticsEvent()};
}

// Parses `json`, which must succeed, and checks that writing it again gives
// the same bytes.
Event RoundTrip(const std::string& json) {
  Event parsed;
  Status st = EventFromJson(json, &parsed);
  EXPECT_TRUE(st.ok()) << st.ToString() << "\n" << json;
  EXPECT_EQ(EventToJson(parsed), json);
  return parsed;
}

void ExpectSameProcess(const ProcessInfo& a, const ProcessInfo& b) {
  EXPECT_EQ(a.pid, b.pid);
  EXPECT_EQ(a.ppid, b.ppid);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.gid, b.gid);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.comm, b.comm);
  EXPECT_EQ(a.exe, b.exe);
  EXPECT_EQ(a.exe_deleted, b.exe_deleted);
  EXPECT_EQ(a.argv, b.argv);
  EXPECT_EQ(a.cwd, b.cwd);
  EXPECT_EQ(a.start_time_ns / 1000, b.start_time_ns / 1000);
  EXPECT_EQ(a.exe_dev, b.exe_dev);
  EXPECT_EQ(a.exe_inode, b.exe_inode);
  EXPECT_EQ(a.exe_fs_type, b.exe_fs_type);
  EXPECT_EQ(a.exe_dir_writable_by_all, b.exe_dir_writable_by_all);
  EXPECT_EQ(a.sha256, b.sha256);
  EXPECT_EQ(a.partial, b.partial);
}

TEST(EventJsonTest, WritesTheDocumentedEnvelope) {
  Event e = Envelope(EventType::kAgentStatus,
                     AgentStatus{"agent", "started", "picket 0.1.0"});
  EXPECT_EQ(EventToJson(e),
            R"({"v":1,"device":"cam-01","id":"6f1c2a9e8b7d4c30-17",)"
            R"("time":"2026-11-23T15:04:05.123456Z","type":"agent.status",)"
            R"("priority":"low","payload":{"component":"agent",)"
            R"("state":"started","detail":"picket 0.1.0"}})");
}

TEST(EventJsonTest, WritesEveryProcessField) {
  ProcessInfo p = FullProcess();
  p.exe_deleted = true;
  p.exe_dir_writable_by_all = true;
  p.partial = true;
  ProcessEvent pe{p, 0, 0, "", "poll"};
  EXPECT_EQ(
      EventToJson(Envelope(EventType::kProcessExec, pe)),
      R"({"v":1,"device":"cam-01","id":"6f1c2a9e8b7d4c30-17",)"
      R"("time":"2026-11-23T15:04:05.123456Z","type":"process.exec",)"
      R"("priority":"low","payload":{"source":"poll","process":{)"
      R"("pid":1234,"ppid":1,"uid":0,"gid":0,"user":"root",)"
      R"("comm":"curl","exe":"/usr/bin/curl","exe_deleted":true,)"
      R"("argv":["curl","-s","http://x"],"cwd":"/root",)"
      R"("start_time":"2026-11-23T15:04:00.123456Z","exe_dev":2049,)"
      R"("exe_inode":131090,"exe_fs_type":"ext4",)"
      R"("exe_dir_writable_by_all":true,"sha256":"e3b0c44298fc1c149afb)"
      R"(f4c8996fb92427ae41e4649b934ca495991b7852b855","partial":true}}})");
}

TEST(EventJsonTest, OmitsEmptyStringsButKeepsNumbersAndBooleans) {
  ProcessEvent pe;
  pe.process.pid = 7;
  pe.source = "";
  const std::string json =
      EventToJson(Envelope(EventType::kProcessSnapshot, pe));
  EXPECT_NE(json.find(R"("payload":{"source":"","process":{"pid":7,"ppid":0,)"
                      R"("uid":0,"gid":0,"exe_deleted":false,"exe_dev":0,)"
                      R"("exe_inode":0,"exe_dir_writable_by_all":false,)"
                      R"("partial":false}})"),
            std::string::npos)
      << json;
  RoundTrip(json);
}

TEST(EventJsonTest, TypeSpecificFieldsOnlyInTheirType) {
  const std::string snapshot =
      EventToJson(ProcessEventOf(EventType::kProcessSnapshot));
  const std::string fork = EventToJson(ProcessEventOf(EventType::kProcessFork));
  const std::string exit = EventToJson(ProcessEventOf(EventType::kProcessExit));
  const std::string changed =
      EventToJson(ProcessEventOf(EventType::kProcessChanged));
  for (const char* field : {"parent_pid", "exit_code", "change\""}) {
    EXPECT_EQ(snapshot.find(field), std::string::npos) << field;
  }
  EXPECT_NE(fork.find(R"(},"parent_pid":1})"), std::string::npos) << fork;
  EXPECT_EQ(fork.find("exit_code"), std::string::npos);
  EXPECT_NE(exit.find(R"(},"exit_code":256})"), std::string::npos) << exit;
  EXPECT_EQ(exit.find("parent_pid"), std::string::npos);
  EXPECT_NE(changed.find(R"(},"change":"exe_deleted"})"), std::string::npos)
      << changed;
}

TEST(EventJsonTest, EveryTypeRoundTrips) {
  for (const Event& original : OneOfEachType()) {
    SCOPED_TRACE(EventTypeName(original.type));
    const std::string json = EventToJson(original);
    EXPECT_EQ(json.find('\n'), std::string::npos);
    Event parsed = RoundTrip(json);
    EXPECT_EQ(parsed.device_id, original.device_id);
    EXPECT_EQ(parsed.id, original.id);
    EXPECT_EQ(parsed.time_ns, kTime / 1000 * 1000);
    EXPECT_EQ(parsed.type, original.type);
    EXPECT_EQ(parsed.priority, original.priority);
    ASSERT_EQ(parsed.payload.index(), original.payload.index());
  }
}

TEST(EventJsonTest, ProcessFieldsSurviveTheRoundTrip) {
  Event original = ProcessEventOf(EventType::kProcessExit);
  auto& p = std::get<ProcessEvent>(original.payload);
  p.process.pid = -1;  // extremes of every numeric type
  p.process.uid = 4294967295u;
  p.process.exe_dev = 18446744073709551615ull;
  p.process.partial = true;
  p.exit_code = -2147483647 - 1;
  Event parsed = RoundTrip(EventToJson(original));
  const auto& q = std::get<ProcessEvent>(parsed.payload);
  ExpectSameProcess(p.process, q.process);
  EXPECT_EQ(q.exit_code, p.exit_code);
  EXPECT_EQ(q.source, "netlink");
}

TEST(EventJsonTest, AlertCarriesItsEvidenceEnvelope) {
  const Event alert = AlertEvent();
  const std::string json = EventToJson(alert);
  const std::string evidence =
      EventToJson(*std::get<Alert>(alert.payload).evidence);
  EXPECT_NE(json.find(R"("alert":"process.exec_from_temp","severity":"high",)"),
            std::string::npos);
  EXPECT_NE(json.find(R"("evidence":)" + evidence + "}}"), std::string::npos)
      << json;

  Event parsed = RoundTrip(json);
  const Alert& a = std::get<Alert>(parsed.payload);
  EXPECT_EQ(a.type_id, "process.exec_from_temp");
  EXPECT_EQ(a.severity, Severity::kHigh);
  EXPECT_EQ(a.remediation, "Find out what wrote it.");
  EXPECT_EQ(a.dedup_key, "/tmp/x/true");
  ASSERT_NE(a.evidence, nullptr);
  EXPECT_EQ(a.evidence->type, EventType::kProcessExec);
  ExpectSameProcess(std::get<ProcessEvent>(a.evidence->payload).process,
                    FullProcess());
}

TEST(EventJsonTest, AlertWithoutEvidenceOmitsIt) {
  Event alert = AlertEvent();
  std::get<Alert>(alert.payload).evidence.reset();
  const std::string json = EventToJson(alert);
  EXPECT_EQ(json.find("evidence"), std::string::npos);
  EXPECT_EQ(std::get<Alert>(RoundTrip(json).payload).evidence, nullptr);
}

TEST(EventJsonTest, EvidenceDeeperThanTheCapIsLeftOut) {
  Event chain = StatusEvent();
  for (int i = 0; i < kMaxEvidenceDepth + 3; ++i) {
    Event outer = AlertEvent();
    std::get<Alert>(outer.payload).evidence =
        std::make_shared<const Event>(chain);
    chain = outer;
  }
  Event parsed = RoundTrip(EventToJson(chain));
  int depth = 0;
  for (const Event* e = &parsed; e->type == EventType::kAlert;) {
    const auto& evidence = std::get<Alert>(e->payload).evidence;
    if (evidence == nullptr) break;
    e = evidence.get();
    ++depth;
  }
  EXPECT_EQ(depth, kMaxEvidenceDepth);
}

TEST(EventJsonTest, StatisticsKeepTheirOrder) {
  const std::string json = EventToJson(StatisticsEvent());
  EXPECT_NE(json.find(R"("payload":{"uptime_ms":300000,"components":{)"
                      R"("collector.process":{"seen":1,"dropped":0},)"
                      R"("engine":{"queued":18446744073709551615},)"
                      R"("alpha":{}}}})"),
            std::string::npos)
      << json;
  Event parsed = RoundTrip(json);
  const auto& s = std::get<Statistics>(parsed.payload);
  ASSERT_EQ(s.components.size(), 3u);
  EXPECT_EQ(s.components[0].name, "collector.process");
  EXPECT_EQ(s.components[0].counters[1],
            (std::pair<std::string, uint64_t>("dropped", 0)));
  EXPECT_EQ(s.components[2].name, "alpha");
}

TEST(EventJsonTest, MismatchedPayloadIsWrittenAsTheTypesEmptyPayload) {
  Event e = Envelope(EventType::kProcessExec, AgentStatus{"a", "b", "c"});
  Event parsed = RoundTrip(EventToJson(e));
  EXPECT_EQ(std::get<ProcessEvent>(parsed.payload).process.pid, 0);
}

TEST(EventJsonTest, StartTimeUnderAMicrosecondIsOmittedAndReadsBackAsZero) {
  Event e = ProcessEventOf(EventType::kProcessExec);
  std::get<ProcessEvent>(e.payload).process.start_time_ns = 999;
  const std::string json = EventToJson(e);
  EXPECT_EQ(json.find("start_time"), std::string::npos);
  EXPECT_EQ(
      std::get<ProcessEvent>(RoundTrip(json).payload).process.start_time_ns, 0);
}

TEST(EventJsonTest, InvalidUtf8BecomesReplacementCharacters) {
  Event e = ProcessEventOf(EventType::kProcessExec);
  auto& p = std::get<ProcessEvent>(e.payload).process;
  p.argv = {"\xff", "a\xE2\x82z", "\xED\xA0\x80", "\xC0\xAF", "ok\xF0\x9F\x98"};
  p.exe = std::string("/tmp/\x80x", 7);
  const std::string json = EventToJson(e);
  EXPECT_TRUE(IsValidUtf8(json));
  EXPECT_NE(json.find("\"argv\":[\"\xEF\xBF\xBD\",\"a\xEF\xBF\xBDz\","
                      "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\","
                      "\"\xEF\xBF\xBD\xEF\xBF\xBD\",\"ok\xEF\xBF\xBD\"]"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"exe\":\"/tmp/\xEF\xBF\xBDx\""), std::string::npos);
  RoundTrip(json);
}

TEST(EventJsonTest, ControlCharactersAreEscaped) {
  Event e = ProcessEventOf(EventType::kProcessExec);
  std::get<ProcessEvent>(e.payload).process.argv = {
      std::string("a\nb\x1b[2J\t\"\\\0z", 12)};
  const std::string json = EventToJson(e);
  EXPECT_NE(json.find(R"("argv":["a\nb\u001B[2J\t\"\\\u0000z"])"),
            std::string::npos)
      << json;
  Event parsed = RoundTrip(json);
  EXPECT_EQ(std::get<ProcessEvent>(parsed.payload).process.argv[0],
            std::string("a\nb\x1b[2J\t\"\\\0z", 12));
}

TEST(EventJsonTest, ValidUtf8IsKeptAsIs) {
  const std::string text =
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(ToValidUtf8(text), text);
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(ToValidUtf8("\xE0\x80\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
}

TEST(EventJsonTest, FormatsTimesInUtcWithMicroseconds) {
  EXPECT_EQ(FormatEventTime(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatEventTime(kTime), "2026-11-23T15:04:05.123456Z");
  EXPECT_EQ(FormatEventTime(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatEventTime(951782400'000000000),
            "2000-02-29T00:00:00.000000Z");
}

TEST(EventJsonTest, ParsesRfc3339Times) {
  int64_t ns = 0;
  ASSERT_TRUE(ParseEventTime("2026-11-23T15:04:05.123456789Z", &ns));
  EXPECT_EQ(ns, kTime);
  ASSERT_TRUE(ParseEventTime("2026-11-23T17:04:05.123456789+02:00", &ns));
  EXPECT_EQ(ns, kTime);
  ASSERT_TRUE(ParseEventTime("2026-11-23T15:04:05Z", &ns));
  EXPECT_EQ(ns, kTime / 1'000'000'000 * 1'000'000'000);
  ASSERT_TRUE(ParseEventTime("1969-12-31T23:59:59.999999Z", &ns));
  EXPECT_EQ(ns, -1000);
  for (const char* bad :
       {"", "2026-11-23", "2026-11-23T15:04:05", "2026-11-23 15:04:05Z",
        "2026-02-29T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T15:60:00Z",
        "2026-11-23T15:04:60Z", "2026-11-23T15:04:05.Z",
        "2026-11-23T15:04:05.1234567890Z", "2026-11-23T15:04:05+0200",
        "2026-11-23T15:04:05Zjunk", "9999-12-31T23:59:59Z",
        "2026-1-23T15:04:05Z"}) {
    EXPECT_FALSE(ParseEventTime(bad, &ns)) << bad;
  }
}

// Replaces the first `from` in `text` with `to`; the test fails when `from`
// is missing, so that a mutation cannot silently test nothing.
std::string Replace(std::string text, const std::string& from,
                    const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

struct BadInput {
  std::string json;
  std::string error;  // expected start of the message
};

TEST(EventJsonTest, MalformedInputNamesTheField) {
  const std::string exec = EventToJson(ProcessEventOf(EventType::kProcessExec));
  const std::string alert = EventToJson(AlertEvent());
  const std::string stats = EventToJson(StatisticsEvent());
  const std::vector<BadInput> cases = {
      {Replace(exec, R"("pid":1234)", R"("pid":"1234")"),
       "payload.process.pid: expected an integer"},
      {Replace(exec, R"("pid":1234)", R"("pid":1234.5)"),
       "payload.process.pid: expected an integer"},
      {Replace(exec, R"("pid":1234)", R"("pid":2147483648)"),
       "payload.process.pid: integer out of range"},
      {Replace(exec, R"("uid":0)", R"("uid":-1)"),
       "payload.process.uid: integer out of range"},
      {Replace(exec, R"("-s")", "7"),
       "payload.process.argv[1]: expected a string"},
      {Replace(exec, R"("argv":["curl","-s","http://x"])", R"("argv":"curl")"),
       "payload.process.argv: expected an array"},
      {Replace(exec, R"("exe_deleted":false)", R"("exe_deleted":0)"),
       "payload.process.exe_deleted: expected true or false"},
      {Replace(exec, R"("exe_deleted":false,)", ""),
       "payload.process.exe_deleted: missing"},
      {Replace(exec, R"("partial":false)", R"("partial":false,"colour":1)"),
       "payload.process.colour: unknown field"},
      {Replace(exec, R"("user":"root")", R"("user":"\udc00")"),
       "payload.process.user: invalid Unicode escape"},
      {Replace(exec, R"("start_time":"2026)", R"("start_time":"2026x)"),
       "payload.process.start_time: expected an RFC 3339 timestamp"},
      {Replace(exec, R"("source":"netlink",)", ""), "payload.source: missing"},
      {Replace(exec, R"("source":"netlink")",
               R"("source":"netlink","exit_code":1)"),
       "payload.exit_code: only in process.exit"},
      {Replace(exec, R"("process":{"pid")", R"("process":7,"x":{"pid")"),
       "payload.process: expected an object"},
      {Replace(exec, R"("v":1)", R"("v":2)"),
       "v: unsupported schema version 2 (this build reads 1)"},
      {Replace(exec, R"("v":1,)", ""), "v: missing"},
      {Replace(exec, R"("type":"process.exec")", R"("type":"process.bogus")"),
       R"(type: unknown event type "process.bogus")"},
      {Replace(exec, R"("priority":"low")", R"("priority":"urgent")"),
       R"(priority: unknown priority "urgent")"},
      {Replace(exec, R"("time":"2026-11-23T15:04:05.123456Z")",
               R"("time":"yesterday")"),
       "time: expected an RFC 3339 timestamp"},
      {Replace(exec, R"("id":"6f1c2a9e8b7d4c30-17")", R"("id":"a","id":"b")"),
       "id: duplicate field"},
      {Replace(exec, R"(,"payload":{)", R"(,"payload":null,"x":{)"),
       "payload: expected an object"},
      {Replace(alert, R"("severity":"high")", R"("severity":"dire")"),
       R"(payload.severity: unknown severity "dire")"},
      {Replace(alert, R"("pid":1234)", R"("pid":null)"),
       "payload.evidence.payload.process.pid: expected an integer"},
      {Replace(stats, R"("dropped":0)", R"("dropped":-3)"),
       R"(payload.components["collector.process"]["dropped"]: )"
       "integer out of range"},
      {Replace(stats, R"("alpha":{})", R"("alpha":[])"),
       R"(payload.components["alpha"]: expected an object)"},
      {Replace(exec, R"("comm":"curl")", "\"comm\":\"cu\xffrl\""),
       "invalid JSON at offset"},
      {exec + "x", "invalid JSON at offset"},
      {exec.substr(0, exec.size() - 1), "invalid JSON at offset"},
      {"", "invalid JSON at offset 0"},
      {"[]", "event: expected an object"},
      {"{}", "v: missing"},
  };
  for (const BadInput& c : cases) {
    Event out = StatusEvent();
    Status st = EventFromJson(c.json, &out);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << c.json;
    EXPECT_EQ(st.message().substr(0, c.error.size()), c.error)
        << st.message() << "\n  in: " << c.json;
    // *out is untouched on failure.
    EXPECT_EQ(EventToJson(out), EventToJson(StatusEvent()));
  }
}

TEST(EventJsonTest, EvidenceNestedBeyondTheCapIsRejected) {
  std::string json = EventToJson(StatusEvent());
  const std::string alert = EventToJson(AlertEvent());
  const size_t evidence = alert.find(R"("evidence":)") + 11;
  const std::string prefix = alert.substr(0, evidence);
  for (int i = 0; i < kMaxEvidenceDepth; ++i) json = prefix + json + "}}";
  Event out;
  ASSERT_TRUE(EventFromJson(json, &out).ok());
  json = prefix + json + "}}";
  Status st = EventFromJson(json, &out);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("evidence nested too deeply"), std::string::npos)
      << st.message();
}

TEST(EventJsonTest, DeeplyNestedJsonIsAnErrorNotACrash) {
  const std::string json = std::string(100000, '[') + std::string(100000, ']');
  Event out;
  EXPECT_EQ(EventFromJson(json, &out).message(), "event: expected an object");
}

}  // namespace
}  // namespace picket

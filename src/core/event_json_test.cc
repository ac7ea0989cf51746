#include "core/event_json.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
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

NetworkEvent FullConnection() {
  NetworkEvent n;
  n.protocol = "tcp";
  n.direction = "outbound";
  n.local_address = "10.0.0.5";
  n.local_port = 51512;
  n.remote_address = "93.184.216.34";
  n.remote_port = 443;
  n.icmp_type = 3;  // not an ICMP flow: never written
  n.icmp_code = 1;
  n.remote_name = "example.com";
  n.state = "established";
  n.pid = 812;
  n.uid = 1000;
  n.exe = "/usr/bin/curl";
  n.count = 3;
  n.bytes_in = 5222;
  n.bytes_out = 740;
  n.first_seen_ns = kTime - 2'000'000'000;
  n.last_seen_ns = kTime - 1'000'000'000;
  n.source = "sock_diag";
  return n;
}

Event NetworkEventOf(EventType type) {
  return Envelope(type, FullConnection());
}

Event DnsEventOf() {
  DnsEvent d;
  d.query = "www.example.com";
  d.qtype = "A";
  d.rcode = "NOERROR";
  d.addresses = {"93.184.216.34", "93.184.216.35"};
  d.cnames = {"edge.example.net"};
  d.ttl = 60;
  d.server = "10.0.0.1";
  d.client = "10.0.0.5";
  d.source = "pcap";
  return Envelope(EventType::kNetworkDns, d);
}

LoginEvent FullLogin() {
  LoginEvent l;
  l.service = "sudo";
  l.user = "root";
  l.by_user = "admin";
  l.source_address = "203.0.113.9";
  l.source_port = 52144;
  l.method = "password";
  l.tty = "pts/0";
  l.pid = 1290;
  l.reason = "bad_password";
  l.origin = "journal";
  l.log_time_ns = kTime - 1'000'000;
  l.message = "pam_unix(sudo:auth): authentication failure";
  return l;
}

Event LoginEventOf(EventType type) { return Envelope(type, FullLogin()); }

Event PostureResultEvent() {
  PostureResult r;
  r.policy = "debian-iot";
  r.check_id = "ssh.root_login";
  r.title = "SSH permits root login";
  r.result = "fail";
  r.previous = "pass";
  r.severity = Severity::kHigh;
  r.description = "Checks PermitRootLogin.";
  r.rationale = "Bots try root first.";
  r.remediation = "Set PermitRootLogin no.";
  r.references = {"5.2.10", "https://man.openbsd.org/sshd_config"};
  r.evidence = {"/etc/ssh/sshd_config:32: PermitRootLogin yes"};
  r.reason = "";
  return Envelope(EventType::kPostureResult, r);
}

Event PostureSummaryEvent() {
  return Envelope(EventType::kPostureSummary,
                  PostureSummary{"debian-iot", 72, 40, 12, 5, 1, 1840});
}

Event AlertWithDetails() {
  Event e = AlertEvent();
  Alert& a = std::get<Alert>(e.payload);
  a.type_id = "intel.connection";
  a.details = {{"indicator", "93.184.216.34"},
               {"feed", "feodo"},
               {"category", "botnet_c2"}};
  a.evidence = std::make_shared<const Event>(
      NetworkEventOf(EventType::kNetworkConnection));
  return e;
}

std::vector<Event> OneOfEachType() {
  return {ProcessEventOf(EventType::kProcessSnapshot),
          ProcessEventOf(EventType::kProcessFork),
          ProcessEventOf(EventType::kProcessExec),
          ProcessEventOf(EventType::kProcessExit),
          ProcessEventOf(EventType::kProcessChanged),
          AlertEvent(),
          StatusEvent(),
          StatisticsEvent(),
          NetworkEventOf(EventType::kNetworkConnection),
          NetworkEventOf(EventType::kNetworkListen),
          DnsEventOf(),
          LoginEventOf(EventType::kLoginSuccess),
          LoginEventOf(EventType::kLoginFailure),
          LoginEventOf(EventType::kLogout),
          PostureResultEvent(),
          PostureSummaryEvent(),
          Envelope(EventType::kHeartbeat,
                   Heartbeat{60000, "0.1.0", "42", 1904, 3})};
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

TEST(EventJsonTest, OneOfEachTypeCoversEveryType) {
  std::set<EventType> covered;
  for (const Event& e : OneOfEachType()) covered.insert(e.type);
  for (int t = 0; t <= 255; ++t) {
    const auto type = static_cast<EventType>(t);
    if (EventTypeName(type) == "unknown") continue;
    EXPECT_TRUE(covered.count(type)) << EventTypeName(type);
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

// The payload of `json`, which must hold exactly one "payload" object at the
// end of the envelope.
std::string PayloadOf(const std::string& json) {
  const size_t at = json.find(R"("payload":)");
  EXPECT_NE(at, std::string::npos) << json;
  if (at == std::string::npos) return "";
  return json.substr(at + 10, json.size() - at - 11);
}

TEST(EventJsonTest, WritesEveryConnectionFieldInOrder) {
  EXPECT_EQ(
      PayloadOf(EventToJson(NetworkEventOf(EventType::kNetworkConnection))),
      R"({"protocol":"tcp","direction":"outbound","local_address":"10.0.0.5",)"
      R"("local_port":51512,"remote_address":"93.184.216.34",)"
      R"("remote_port":443,"remote_name":"example.com",)"
      R"("state":"established","pid":812,"uid":1000,"exe":"/usr/bin/curl",)"
      R"("count":3,"bytes_in":5222,"bytes_out":740,)"
      R"("first_seen":"2026-11-23T15:04:03.123456Z",)"
      R"("last_seen":"2026-11-23T15:04:04.123456Z","source":"sock_diag"})");
}

TEST(EventJsonTest, ListenLeavesOutThePeerAndTheCounters) {
  EXPECT_EQ(PayloadOf(EventToJson(NetworkEventOf(EventType::kNetworkListen))),
            R"({"protocol":"tcp","direction":"outbound",)"
            R"("local_address":"10.0.0.5","local_port":51512,)"
            R"("state":"established","pid":812,"uid":1000,)"
            R"("exe":"/usr/bin/curl",)"
            R"("first_seen":"2026-11-23T15:04:03.123456Z",)"
            R"("last_seen":"2026-11-23T15:04:04.123456Z",)"
            R"("source":"sock_diag"})");
}

TEST(EventJsonTest, IcmpFieldsOnlyForIcmp) {
  for (const char* protocol : {"icmp", "icmpv6"}) {
    Event e = NetworkEventOf(EventType::kNetworkConnection);
    auto& n = std::get<NetworkEvent>(e.payload);
    n.protocol = protocol;
    n.local_port = 0;
    n.remote_port = 0;
    n.icmp_type = 255;
    n.icmp_code = 0;
    const std::string json = EventToJson(e);
    EXPECT_NE(json.find(R"("remote_port":0,"icmp_type":255,"icmp_code":0,)"
                        R"("remote_name")"),
              std::string::npos)
        << json;
    const NetworkEvent q = std::get<NetworkEvent>(RoundTrip(json).payload);
    EXPECT_EQ(q.icmp_type, 255);
    EXPECT_EQ(q.icmp_code, 0);
  }
  for (const char* protocol : {"tcp", "udp", "", "ICMP"}) {
    Event e = NetworkEventOf(EventType::kNetworkConnection);
    std::get<NetworkEvent>(e.payload).protocol = protocol;
    const std::string json = EventToJson(e);
    EXPECT_EQ(json.find("icmp_"), std::string::npos) << json;
    const NetworkEvent q = std::get<NetworkEvent>(RoundTrip(json).payload);
    EXPECT_EQ(q.icmp_type, 0);
  }
}

TEST(EventJsonTest, NetworkFieldsSurviveTheRoundTrip) {
  Event original = NetworkEventOf(EventType::kNetworkConnection);
  auto& n = std::get<NetworkEvent>(original.payload);
  n.local_port = 65535;  // extremes
  n.pid = -1;
  n.uid = 4294967295u;
  n.count = 18446744073709551615ull;
  n.bytes_in = 0;
  n.first_seen_ns = -1000;  // before the epoch is still a time
  const Event parsed = RoundTrip(EventToJson(original));
  const auto& q = std::get<NetworkEvent>(parsed.payload);
  EXPECT_EQ(q.protocol, n.protocol);
  EXPECT_EQ(q.direction, n.direction);
  EXPECT_EQ(q.local_address, n.local_address);
  EXPECT_EQ(q.local_port, 65535);
  EXPECT_EQ(q.remote_address, n.remote_address);
  EXPECT_EQ(q.remote_port, n.remote_port);
  EXPECT_EQ(q.icmp_type, 0);  // tcp: not carried
  EXPECT_EQ(q.remote_name, n.remote_name);
  EXPECT_EQ(q.state, n.state);
  EXPECT_EQ(q.pid, -1);
  EXPECT_EQ(q.uid, 4294967295u);
  EXPECT_EQ(q.exe, n.exe);
  EXPECT_EQ(q.count, 18446744073709551615ull);
  EXPECT_EQ(q.bytes_in, 0u);
  EXPECT_EQ(q.bytes_out, n.bytes_out);
  EXPECT_EQ(q.first_seen_ns, -1000);
  EXPECT_EQ(q.last_seen_ns, n.last_seen_ns / 1000 * 1000);
  EXPECT_EQ(q.source, n.source);
}

TEST(EventJsonTest, UnknownTimesAreOmittedAndReadBackAsZero) {
  Event conn = NetworkEventOf(EventType::kNetworkConnection);
  std::get<NetworkEvent>(conn.payload).first_seen_ns = 0;
  std::get<NetworkEvent>(conn.payload).last_seen_ns = 999;
  const std::string conn_json = EventToJson(conn);
  EXPECT_EQ(conn_json.find("_seen"), std::string::npos) << conn_json;
  const NetworkEvent n = std::get<NetworkEvent>(RoundTrip(conn_json).payload);
  EXPECT_EQ(n.first_seen_ns, 0);
  EXPECT_EQ(n.last_seen_ns, 0);

  Event login = LoginEventOf(EventType::kLoginSuccess);
  std::get<LoginEvent>(login.payload).log_time_ns = 0;
  const std::string login_json = EventToJson(login);
  EXPECT_EQ(login_json.find("log_time"), std::string::npos) << login_json;
  EXPECT_EQ(std::get<LoginEvent>(RoundTrip(login_json).payload).log_time_ns, 0);
}

TEST(EventJsonTest, EmptyNewPayloadsKeepOnlyNumbersAndSeverity) {
  const std::vector<std::pair<Event, std::string>> cases = {
      {Envelope(EventType::kNetworkConnection, NetworkEvent{}),
       R"({"local_port":0,"remote_port":0,"pid":0,"uid":0,"count":0,)"
       R"("bytes_in":0,"bytes_out":0})"},
      {Envelope(EventType::kNetworkListen, NetworkEvent{}),
       R"({"local_port":0,"pid":0,"uid":0})"},
      {Envelope(EventType::kNetworkDns, DnsEvent{}), R"({"ttl":0})"},
      {Envelope(EventType::kLoginFailure, LoginEvent{}),
       R"({"source_port":0,"pid":0})"},
      {Envelope(EventType::kPostureResult, PostureResult{}),
       R"({"severity":"medium"})"},
      {Envelope(EventType::kPostureSummary, PostureSummary{}),
       R"({"score":0,"passed":0,"failed":0,"not_applicable":0,"errors":0,)"
       R"("duration_ms":0})"},
  };
  for (const auto& [event, payload] : cases) {
    SCOPED_TRACE(EventTypeName(event.type));
    const std::string json = EventToJson(event);
    EXPECT_EQ(PayloadOf(json), payload);
    RoundTrip(json);
  }
}

TEST(EventJsonTest, DnsKeepsItsListsInOrder) {
  const std::string json = EventToJson(DnsEventOf());
  EXPECT_EQ(PayloadOf(json),
            R"({"query":"www.example.com","qtype":"A","rcode":"NOERROR",)"
            R"("addresses":["93.184.216.34","93.184.216.35"],)"
            R"("cnames":["edge.example.net"],"ttl":60,"server":"10.0.0.1",)"
            R"("client":"10.0.0.5","source":"pcap"})");
  const DnsEvent d = std::get<DnsEvent>(RoundTrip(json).payload);
  EXPECT_EQ(d.addresses,
            (std::vector<std::string>{"93.184.216.34", "93.184.216.35"}));
  EXPECT_EQ(d.cnames, std::vector<std::string>{"edge.example.net"});
  EXPECT_EQ(d.ttl, 60u);
  EXPECT_EQ(d.server, "10.0.0.1");
}

TEST(EventJsonTest, LoginFieldsSurviveTheRoundTrip) {
  const std::string failure =
      EventToJson(LoginEventOf(EventType::kLoginFailure));
  EXPECT_EQ(PayloadOf(failure),
            R"({"service":"sudo","user":"root","by_user":"admin",)"
            R"("source_address":"203.0.113.9","source_port":52144,)"
            R"("method":"password","tty":"pts/0","pid":1290,)"
            R"("reason":"bad_password","origin":"journal",)"
            R"("log_time":"2026-11-23T15:04:05.122456Z",)"
            R"("message":"pam_unix(sudo:auth): authentication failure"})");
  const LoginEvent l = std::get<LoginEvent>(RoundTrip(failure).payload);
  EXPECT_EQ(l.service, "sudo");
  EXPECT_EQ(l.by_user, "admin");
  EXPECT_EQ(l.source_port, 52144);
  EXPECT_EQ(l.tty, "pts/0");
  EXPECT_EQ(l.pid, 1290);
  EXPECT_EQ(l.reason, "bad_password");
  EXPECT_EQ(l.log_time_ns, (kTime - 1'000'000) / 1000 * 1000);
  EXPECT_EQ(l.message, "pam_unix(sudo:auth): authentication failure");
  // The login collector marks a success into an account without a login
  // shell with reason "no_shell", so every login type carries a reason.
  Event success = LoginEventOf(EventType::kLoginSuccess);
  std::get<LoginEvent>(success.payload).reason = "no_shell";
  const std::string json = EventToJson(success);
  EXPECT_NE(json.find(R"("pid":1290,"reason":"no_shell","origin")"),
            std::string::npos)
      << json;
  EXPECT_EQ(std::get<LoginEvent>(RoundTrip(json).payload).reason, "no_shell");
  Event logout = LoginEventOf(EventType::kLogout);
  std::get<LoginEvent>(logout.payload).reason = "";
  EXPECT_EQ(EventToJson(logout).find("reason"), std::string::npos);
}

TEST(EventJsonTest, PostureResultAndSummaryRoundTrip) {
  const std::string result = EventToJson(PostureResultEvent());
  EXPECT_EQ(PayloadOf(result),
            R"({"policy":"debian-iot","check_id":"ssh.root_login",)"
            R"("title":"SSH permits root login","result":"fail",)"
            R"("previous":"pass","severity":"high",)"
            R"("description":"Checks PermitRootLogin.",)"
            R"("rationale":"Bots try root first.",)"
            R"("remediation":"Set PermitRootLogin no.",)"
            R"("references":["5.2.10","https://man.openbsd.org/sshd_config"],)"
            R"("evidence":["/etc/ssh/sshd_config:32: PermitRootLogin yes"]})");
  const PostureResult r = std::get<PostureResult>(RoundTrip(result).payload);
  EXPECT_EQ(r.check_id, "ssh.root_login");
  EXPECT_EQ(r.previous, "pass");
  EXPECT_EQ(r.severity, Severity::kHigh);
  EXPECT_EQ(r.references.size(), 2u);
  EXPECT_EQ(r.evidence.size(), 1u);

  Event error = PostureResultEvent();
  std::get<PostureResult>(error.payload).result = "error";
  std::get<PostureResult>(error.payload).reason = "permission denied";
  const std::string error_json = EventToJson(error);
  EXPECT_NE(error_json.find(R"(],"reason":"permission denied"})"),
            std::string::npos)
      << error_json;
  RoundTrip(error_json);

  Event summary = PostureSummaryEvent();
  std::get<PostureSummary>(summary.payload).errors = 4294967295u;
  std::get<PostureSummary>(summary.payload).duration_ms = -1;
  const std::string summary_json = EventToJson(summary);
  EXPECT_EQ(PayloadOf(summary_json),
            R"({"policy":"debian-iot","score":72,"passed":40,"failed":12,)"
            R"("not_applicable":5,"errors":4294967295,"duration_ms":-1})");
  const PostureSummary s =
      std::get<PostureSummary>(RoundTrip(summary_json).payload);
  EXPECT_EQ(s.score, 72u);
  EXPECT_EQ(s.not_applicable, 5u);
  EXPECT_EQ(s.errors, 4294967295u);
  EXPECT_EQ(s.duration_ms, -1);
}

TEST(EventJsonTest, AlertDetailsKeepTheirOrder) {
  const std::string json = EventToJson(AlertWithDetails());
  EXPECT_NE(json.find(R"("dedup_key":"/tmp/x/true","details":{)"
                      R"("indicator":"93.184.216.34","feed":"feodo",)"
                      R"("category":"botnet_c2"},"evidence":{)"),
            std::string::npos)
      << json;
  const Event parsed = RoundTrip(json);
  const Alert& a = std::get<Alert>(parsed.payload);
  ASSERT_EQ(a.details.size(), 3u);
  EXPECT_EQ(a.details[0], (std::pair<std::string, std::string>(
                              "indicator", "93.184.216.34")));
  EXPECT_EQ(a.details[2].first, "category");
  ASSERT_NE(a.evidence, nullptr);
  EXPECT_EQ(a.evidence->type, EventType::kNetworkConnection);
  EXPECT_EQ(std::get<NetworkEvent>(a.evidence->payload).remote_port, 443);

  EXPECT_EQ(EventToJson(AlertEvent()).find("details"), std::string::npos);
}

TEST(EventJsonTest, RepeatedDetailNamesKeepTheFirstValue) {
  Event e = AlertWithDetails();
  std::get<Alert>(e.payload).details = {
      {"feed", "a"}, {"x\xff", "b"}, {"feed", "c"}, {"x\xfe", "d"}, {"", "e"}};
  const std::string json = EventToJson(e);
  EXPECT_NE(json.find("\"details\":{\"feed\":\"a\",\"x\xEF\xBF\xBD\":\"b\","
                      "\"\":\"e\"}"),
            std::string::npos)
      << json;
  EXPECT_EQ(std::get<Alert>(RoundTrip(json).payload).details.size(), 3u);
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
  const std::string conn =
      EventToJson(NetworkEventOf(EventType::kNetworkConnection));
  const std::string listen =
      EventToJson(NetworkEventOf(EventType::kNetworkListen));
  Event ping_event = NetworkEventOf(EventType::kNetworkConnection);
  std::get<NetworkEvent>(ping_event.payload).protocol = "icmp";
  const std::string ping = EventToJson(ping_event);
  const std::string dns = EventToJson(DnsEventOf());
  const std::string failure =
      EventToJson(LoginEventOf(EventType::kLoginFailure));
  const std::string success =
      EventToJson(LoginEventOf(EventType::kLoginSuccess));
  const std::string posture = EventToJson(PostureResultEvent());
  const std::string summary = EventToJson(PostureSummaryEvent());
  const std::string intel = EventToJson(AlertWithDetails());
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
      {Replace(conn, R"("local_port":51512)", R"("local_port":65536)"),
       "payload.local_port: integer out of range"},
      {Replace(conn, R"("remote_port":443)", R"("remote_port":-1)"),
       "payload.remote_port: integer out of range"},
      {Replace(conn, R"("remote_port":443)", R"("remote_port":"443")"),
       "payload.remote_port: expected an integer"},
      {Replace(conn, R"("remote_port":443,)", ""),
       "payload.remote_port: missing"},
      {Replace(conn, R"("remote_port":443)",
               R"("remote_port":443,"icmp_type":8)"),
       "payload.icmp_type: only when protocol is icmp or icmpv6"},
      {Replace(ping, R"("icmp_type":3)", R"("icmp_type":256)"),
       "payload.icmp_type: integer out of range"},
      {Replace(ping, R"("icmp_code":1,)", ""), "payload.icmp_code: missing"},
      {Replace(conn, R"("protocol":"tcp")", R"("protocol":6)"),
       "payload.protocol: expected a string"},
      {Replace(conn, R"("bytes_in":5222)", R"("bytes_in":5222.0)"),
       "payload.bytes_in: expected an integer"},
      {Replace(conn, R"("first_seen":"2026)", R"("first_seen":"26)"),
       "payload.first_seen: expected an RFC 3339 timestamp"},
      {Replace(conn, R"("last_seen":"2026-11-23T15:04:04.123456Z")",
               R"("last_seen":0)"),
       "payload.last_seen: expected a string"},
      {Replace(conn, R"("source":"sock_diag")",
               R"("source":"sock_diag","flow_id":1)"),
       "payload.flow_id: unknown field"},
      {Replace(listen, R"("local_port":51512)",
               R"("local_port":51512,"remote_port":0)"),
       "payload.remote_port: only in network.connection"},
      {Replace(listen, R"("exe":"/usr/bin/curl")",
               R"("exe":"/usr/bin/curl","bytes_out":0)"),
       "payload.bytes_out: only in network.connection"},
      {Replace(dns, R"("addresses":[)", R"("addresses":"1.2.3.4","x":[)"),
       "payload.addresses: expected an array"},
      {Replace(dns, R"("93.184.216.35")", "null"),
       "payload.addresses[1]: expected a string"},
      {Replace(dns, R"("ttl":60)", R"("ttl":4294967296)"),
       "payload.ttl: integer out of range"},
      {Replace(dns, R"("ttl":60,)", ""), "payload.ttl: missing"},
      {Replace(dns, R"("query")", R"("question")"),
       "payload.question: unknown field"},
      {Replace(failure, R"("source_port":52144)", R"("source_port":70000)"),
       "payload.source_port: integer out of range"},
      {Replace(failure, R"("pid":1290)", R"("pid":true)"),
       "payload.pid: expected an integer"},
      {Replace(failure, R"("log_time":"2026-11-23T15:04:05.122456Z")",
               R"("log_time":"Nov 23 15:04:05")"),
       "payload.log_time: expected an RFC 3339 timestamp"},
      {Replace(success, R"("reason":"bad_password")", R"("reason":["x"])"),
       "payload.reason: expected a string"},
      {Replace(posture, R"("severity":"high")", R"("severity":"severe")"),
       R"(payload.severity: unknown severity "severe")"},
      {Replace(posture, R"("severity":"high",)", ""),
       "payload.severity: missing"},
      {Replace(posture, R"("5.2.10")", "5.2"),
       "payload.references[0]: expected a string"},
      {Replace(summary, R"("score":72)", R"("score":"72")"),
       "payload.score: expected an integer"},
      {Replace(summary, R"("errors":1)", R"("errors":-1)"),
       "payload.errors: integer out of range"},
      {Replace(intel, R"("feed":"feodo")", R"("feed":7)"),
       R"(payload.details["feed"]: expected a string)"},
      {Replace(intel, R"("feed":"feodo")", R"("feed":"a","feed":"b")"),
       R"(payload.details["feed"]: duplicate field)"},
      {Replace(intel, R"("details":{)", R"("details":[],"x":{)"),
       "payload.details: expected an object"},
      {Replace(intel, R"("feed":"feodo")", R"("\udc00":"feodo")"),
       "payload.details: invalid Unicode escape"},
      {Replace(intel, R"("remote_port":443)", R"("remote_port":99999)"),
       "payload.evidence.payload.remote_port: integer out of range"},
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

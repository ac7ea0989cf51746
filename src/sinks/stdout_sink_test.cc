#include "sinks/stdout_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/event_json.h"

namespace picket {
namespace {

// 2026-11-23T15:04:05.123456Z
constexpr int64_t kTime = 1795446245123456000;

class Pipe {
 public:
  Pipe() {
    EXPECT_EQ(pipe2(fds_, O_CLOEXEC), 0);
    // Never block the test on a full pipe: a short write shows as a failure.
    fcntl(fds_[1], F_SETFL, O_NONBLOCK);
  }
  ~Pipe() {
    CloseRead();
    if (fds_[1] >= 0) close(fds_[1]);
  }
  int write_fd() const { return fds_[1]; }
  int read_fd() const { return fds_[0]; }
  void CloseRead() {
    if (fds_[0] >= 0) close(fds_[0]);
    fds_[0] = -1;
  }
  // Everything written so far.
  std::string Drain() {
    fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds_[0], buf, sizeof(buf))) > 0) out.append(buf, n);
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

Event Envelope(EventType type, Payload payload, int64_t ms = 0) {
  Event e;
  e.device_id = "cam-01";
  e.id = "6f1c2a9e8b7d4c30-1";
  e.time_ns = kTime + ms * 1000000;
  e.type = type;
  e.payload = std::move(payload);
  return e;
}

ProcessEvent Process(std::string exe, std::vector<std::string> argv) {
  ProcessEvent pe;
  pe.process.pid = 1234;
  pe.process.ppid = 1;
  pe.process.user = "root";
  pe.process.exe = std::move(exe);
  pe.process.argv = std::move(argv);
  pe.source = "netlink";
  return pe;
}

Event Exec() {
  return Envelope(EventType::kProcessExec,
                  Process("/usr/bin/curl", {"curl", "-s", "http://x"}));
}

Event AlertEvent(Severity severity = Severity::kHigh) {
  Alert a;
  a.type_id = "process.exec_from_temp";
  a.severity = severity;
  a.title = "Program executed from a temporary directory";
  a.remediation = "Kill it and find who wrote it.";
  a.evidence = std::make_shared<const Event>(
      Envelope(EventType::kProcessExec, Process("/tmp/x/true", {"true"})));
  return Envelope(EventType::kAlert, a, 77);
}

Event Status() {
  return Envelope(EventType::kAgentStatus,
                  AgentStatus{"collector.process", "mode", "netlink"});
}

Event Stats() {
  Statistics s;
  s.uptime_ms = 300500;
  s.components = {{"collector.process", {{"seen", 12}, {"dropped", 0}}},
                  {"sink.jsonl", {{"written", 9}}}};
  return Envelope(EventType::kStatistics, s);
}

NetworkEvent Connection() {
  NetworkEvent n;
  n.protocol = "tcp";
  n.direction = "outbound";
  n.local_address = "10.0.0.5";
  n.local_port = 51512;
  n.remote_address = "93.184.216.34";
  n.remote_port = 443;
  n.remote_name = "example.com";
  n.pid = 812;
  n.exe = "/usr/bin/curl";
  n.count = 3;
  n.bytes_in = 5222;
  n.bytes_out = 740;
  return n;
}

LoginEvent Login() {
  LoginEvent l;
  l.service = "sshd";
  l.user = "root";
  l.source_address = "203.0.113.9";
  l.source_port = 52144;
  l.method = "publickey";
  return l;
}

std::string Shown(const Event& event, bool show_events = true,
                  bool color = false) {
  Pipe pipe;
  StdoutSink sink(StdoutSinkConfig{true, show_events}, pipe.write_fd(), color);
  EXPECT_TRUE(sink.Open().ok());
  sink.Write(event);
  EXPECT_EQ(pipe.Drain(), "") << "written before Flush()";
  sink.Flush();
  return pipe.Drain();
}

std::map<std::string, uint64_t> Counters(const Sink& sink) {
  std::map<std::string, uint64_t> out;
  for (const auto& [name, value] : sink.Stats().counters) out[name] = value;
  return out;
}

TEST(StdoutSinkTest, ShowsAnExecOnOneLine) {
  EXPECT_EQ(Shown(Exec()),
            "15:04:05.123 exec   pid=1234 ppid=1 user=root /usr/bin/curl curl "
            "-s http://x\n");
}

TEST(StdoutSinkTest, ShowsEachProcessEventKind) {
  ProcessEvent pe = Process("/usr/bin/curl", {"curl"});
  pe.process.user = "";
  pe.process.uid = 1000;
  pe.exit_code = 256;
  EXPECT_EQ(Shown(Envelope(EventType::kProcessExit, pe)),
            "15:04:05.123 exit   pid=1234 ppid=1 uid=1000 exit=1 "
            "/usr/bin/curl curl\n");
  pe.exit_code = 9;
  EXPECT_EQ(Shown(Envelope(EventType::kProcessExit, pe)),
            "15:04:05.123 exit   pid=1234 ppid=1 uid=1000 signal=9 "
            "/usr/bin/curl curl\n");
  pe.process.exe_deleted = true;
  pe.change = "exe_deleted";
  EXPECT_EQ(Shown(Envelope(EventType::kProcessChanged, pe)),
            "15:04:05.123 change pid=1234 ppid=1 uid=1000 change=exe_deleted "
            "/usr/bin/curl (deleted) curl\n");
  ProcessEvent kthread;
  kthread.process.pid = 2;
  kthread.process.comm = "kthreadd";
  EXPECT_EQ(Shown(Envelope(EventType::kProcessSnapshot, kthread)),
            "15:04:05.123 snap   pid=2 ppid=0 uid=0 [kthreadd]\n");
}

TEST(StdoutSinkTest, ShowsAnAlertWithItsRemediation) {
  EXPECT_EQ(Shown(AlertEvent()),
            "15:04:05.200 ALERT  high  process.exec_from_temp  Program "
            "executed from a temporary directory: /tmp/x/true (pid 1234)\n"
            "             remediation: Kill it and find who wrote it.\n");
}

TEST(StdoutSinkTest, ColoursAlertsBySeverityOnlyWhenAsked) {
  const std::string high = Shown(AlertEvent(), true, /*color=*/true);
  EXPECT_EQ(high.substr(0, 30), "15:04:05.200 ALERT  \x1b[31mhigh ");
  EXPECT_NE(high.find("(pid 1234)\x1b[0m\n"), std::string::npos) << high;
  EXPECT_NE(
      Shown(AlertEvent(Severity::kCritical), true, true).find("\x1b[1;31m"),
      std::string::npos);
  EXPECT_NE(Shown(AlertEvent(Severity::kMedium), true, true).find("\x1b[33m"),
            std::string::npos);
  EXPECT_EQ(Shown(AlertEvent(), true, false).find('\x1b'), std::string::npos);
  EXPECT_EQ(Shown(Exec(), true, true).find('\x1b'), std::string::npos);
}

TEST(StdoutSinkTest, ShowsStatusAndStatistics) {
  EXPECT_EQ(Shown(Status()),
            "15:04:05.123 status collector.process mode: netlink\n");
  EXPECT_EQ(Shown(Stats()),
            "15:04:05.123 stats  uptime=300s collector.process[seen=12 "
            "dropped=0] sink.jsonl[written=9]\n");
}

TEST(StdoutSinkTest, ShowsAConnectionInTheDirectionItStarted) {
  EXPECT_EQ(Shown(Envelope(EventType::kNetworkConnection, Connection())),
            "15:04:05.123 conn   tcp out 10.0.0.5:51512 -> 93.184.216.34:443 "
            "(example.com) pid=812 /usr/bin/curl x3 in=5.1KiB out=740B\n");

  NetworkEvent in = Connection();
  in.direction = "inbound";
  in.protocol = "udp";
  in.local_address = "fe80::1";
  in.local_port = 161;
  in.remote_address = "2001:db8::9";
  in.remote_port = 40000;
  in.remote_name = "";
  in.pid = 0;
  in.exe = "";
  in.count = 1;
  in.bytes_in = 0;
  in.bytes_out = 0;
  EXPECT_EQ(
      Shown(Envelope(EventType::kNetworkConnection, in)),
      "15:04:05.123 conn   udp in [2001:db8::9]:40000 -> [fe80::1]:161\n");

  NetworkEvent ping = Connection();
  ping.protocol = "icmp";
  ping.direction = "";
  ping.remote_name = "";
  ping.icmp_type = 8;
  ping.bytes_in = 3 * 1024 * 1024 + 1;
  EXPECT_EQ(Shown(Envelope(EventType::kNetworkConnection, ping)),
            "15:04:05.123 conn   icmp ? 10.0.0.5 <-> 93.184.216.34 type=8 "
            "code=0 pid=812 /usr/bin/curl x3 in=3.0MiB out=740B\n");
}

TEST(StdoutSinkTest, ShowsAListeningSocket) {
  NetworkEvent n;
  n.protocol = "tcp";
  n.direction = "listen";
  n.local_address = "0.0.0.0";
  n.local_port = 22;
  n.pid = 401;
  n.exe = "/usr/sbin/sshd";
  EXPECT_EQ(Shown(Envelope(EventType::kNetworkListen, n)),
            "15:04:05.123 listen tcp 0.0.0.0:22 pid=401 /usr/sbin/sshd\n");
}

TEST(StdoutSinkTest, ShowsADnsAnswer) {
  DnsEvent d;
  d.query = "example.com";
  d.qtype = "A";
  d.rcode = "NOERROR";
  d.addresses = {"93.184.216.34", "93.184.216.35"};
  EXPECT_EQ(Shown(Envelope(EventType::kNetworkDns, d)),
            "15:04:05.123 dns    example.com A -> 93.184.216.34, "
            "93.184.216.35\n");
  d.query = "www.example.com";
  d.cnames = {"edge.example.net"};
  d.addresses = {"93.184.216.34"};
  EXPECT_EQ(Shown(Envelope(EventType::kNetworkDns, d)),
            "15:04:05.123 dns    www.example.com A -> edge.example.net -> "
            "93.184.216.34\n");
  DnsEvent nx;
  nx.query = "nope.example";
  nx.qtype = "AAAA";
  nx.rcode = "NXDOMAIN";
  EXPECT_EQ(Shown(Envelope(EventType::kNetworkDns, nx)),
            "15:04:05.123 dns    nope.example AAAA NXDOMAIN\n");
}

TEST(StdoutSinkTest, ShowsLoginsAndLogouts) {
  EXPECT_EQ(Shown(Envelope(EventType::kLoginSuccess, Login())),
            "15:04:05.123 login  ok   sshd root from 203.0.113.9:52144 "
            "(publickey)\n");

  LoginEvent failed = Login();
  failed.user = "admin";
  failed.source_port = 0;
  failed.method = "password";
  failed.reason = "invalid_user";
  EXPECT_EQ(Shown(Envelope(EventType::kLoginFailure, failed)),
            "15:04:05.123 login  FAIL sshd admin from 203.0.113.9 "
            "(invalid_user)\n");

  LoginEvent su;
  su.service = "su";
  su.user = "root";
  su.by_user = "admin";
  su.tty = "pts/0";
  EXPECT_EQ(Shown(Envelope(EventType::kLoginSuccess, su)),
            "15:04:05.123 login  ok   su root by admin on pts/0\n");

  LoginEvent no_shell = Login();
  no_shell.user = "backup";
  no_shell.reason = "no_shell";
  EXPECT_EQ(Shown(Envelope(EventType::kLoginSuccess, no_shell)),
            "15:04:05.123 login  ok   sshd backup from 203.0.113.9:52144 "
            "(publickey, no_shell)\n");

  LoginEvent logout;
  logout.service = "sshd";
  logout.user = "root";
  EXPECT_EQ(Shown(Envelope(EventType::kLogout, logout)),
            "15:04:05.123 logout sshd root\n");
}

TEST(StdoutSinkTest, ShowsPostureResultsAndTheSummary) {
  PostureResult r;
  r.policy = "debian-iot";
  r.check_id = "ssh.root_login";
  r.title = "SSH permits root login";
  r.result = "fail";
  r.previous = "pass";
  r.severity = Severity::kHigh;
  r.description = "not shown";
  EXPECT_EQ(Shown(Envelope(EventType::kPostureResult, r)),
            "15:04:05.123 posture FAIL high ssh.root_login  SSH permits root "
            "login  (was pass)\n");
  r.result = "error";
  r.previous = "";
  r.reason = "/etc/ssh/sshd_config: permission denied";
  EXPECT_EQ(Shown(Envelope(EventType::kPostureResult, r)),
            "15:04:05.123 posture ERROR high ssh.root_login  SSH permits root "
            "login: /etc/ssh/sshd_config: permission denied\n");
  r.result = "not_applicable";
  r.reason = "";
  EXPECT_EQ(Shown(Envelope(EventType::kPostureResult, r)),
            "15:04:05.123 posture n/a high ssh.root_login  SSH permits root "
            "login\n");

  PostureSummary summary{"debian-iot", 72, 40, 12, 5, 1, 1840};
  EXPECT_EQ(Shown(Envelope(EventType::kPostureSummary, summary)),
            "15:04:05.123 posture score 72 (pass 40, fail 12, n/a 5, error 1) "
            "policy debian-iot\n");
}

TEST(StdoutSinkTest, ShowsAlertDetailsOnTheIndentedLine) {
  Alert a;
  a.type_id = "intel.connection";
  a.severity = Severity::kHigh;
  a.title = "Connection to a botnet C2";
  a.details = {{"indicator", "93.184.216.34"},
               {"feed", "feodo"},
               {"category", "botnet_c2"},
               {"note", "two words"}};
  a.remediation = "Isolate the device.";
  a.evidence = std::make_shared<const Event>(
      Envelope(EventType::kNetworkConnection, Connection()));
  EXPECT_EQ(Shown(Envelope(EventType::kAlert, a)),
            "15:04:05.123 ALERT  high  intel.connection  Connection to a "
            "botnet C2: /usr/bin/curl (pid 812) -> 93.184.216.34:443 "
            "(example.com)\n"
            "             indicator=93.184.216.34 feed=feodo "
            "category=botnet_c2 note='two words'\n"
            "             remediation: Isolate the device.\n");

  // Without a known owner the flow itself is shown; without remediation the
  // details line ends the alert.
  NetworkEvent anonymous = Connection();
  anonymous.pid = 0;
  anonymous.exe = "";
  a.evidence = std::make_shared<const Event>(
      Envelope(EventType::kNetworkConnection, anonymous));
  a.remediation = "";
  a.details = {{"feed", "feodo"}};
  EXPECT_EQ(Shown(Envelope(EventType::kAlert, a)),
            "15:04:05.123 ALERT  high  intel.connection  Connection to a "
            "botnet C2: 10.0.0.5:51512 -> 93.184.216.34:443 (example.com)\n"
            "             feed=feodo\n");
}

TEST(StdoutSinkTest, HostileBytesInNewEventsCannotControlTheTerminal) {
  DnsEvent d;
  d.query = "evil\x1b[2J.example";
  d.qtype = "A";
  d.cnames = {"a\nb"};
  d.addresses = {std::string(500, '1')};
  const std::string dns = Shown(Envelope(EventType::kNetworkDns, d));
  EXPECT_EQ(dns.find('\x1b'), std::string::npos) << dns;
  EXPECT_EQ(dns.find('\n'), dns.size() - 1) << dns;
  EXPECT_NE(dns.find("evil\\x1b[2J.example A -> a\\nb -> 111"),
            std::string::npos)
      << dns;
  EXPECT_NE(dns.find("...\n"), std::string::npos) << dns;

  LoginEvent l = Login();
  l.user = "x\xE2\x80\xAEtoor";  // U+202E right-to-left override
  l.reason = "\r";
  const std::string login = Shown(Envelope(EventType::kLoginFailure, l));
  EXPECT_EQ(login,
            "15:04:05.123 login  FAIL sshd x\\u202etoor from "
            "203.0.113.9:52144 (\\r)\n");

  Alert a;
  a.type_id = "login.brute_force";
  a.title = "Password guessing";
  a.details = {{"users", "root,\x1b]0;owned\x07" + std::string(500, 'u')}};
  const std::string alert = Shown(Envelope(EventType::kAlert, a));
  EXPECT_EQ(alert.find('\x1b'), std::string::npos) << alert;
  const size_t details = alert.find("\n             users=root,\\x1b]0;owned");
  ASSERT_NE(details, std::string::npos) << alert;
  EXPECT_EQ(alert.find('\n', details + 1), alert.size() - 1) << alert;
  EXPECT_NE(alert.find("...\n"), std::string::npos) << alert;
}

TEST(StdoutSinkTest, WithoutShowEventsOnlyAlertsAndStatusAreShown) {
  Pipe pipe;
  StdoutSink sink(StdoutSinkConfig{true, /*show_events=*/false},
                  pipe.write_fd(), false);
  ASSERT_TRUE(sink.Open().ok());
  sink.Write(Exec());
  sink.Write(Status());
  sink.Write(Stats());
  sink.Write(AlertEvent());
  sink.Flush();
  const std::string out = pipe.Drain();
  EXPECT_EQ(out.find(" exec "), std::string::npos) << out;
  EXPECT_EQ(out.find(" stats "), std::string::npos) << out;
  EXPECT_EQ(out.rfind("15:04:05.123 status", 0), 0u) << out;
  EXPECT_NE(out.find("\n15:04:05.200 ALERT  high"), std::string::npos) << out;
  auto counters = Counters(sink);
  EXPECT_EQ(counters["written"], 2u);
  EXPECT_EQ(counters["filtered"], 2u);
  EXPECT_EQ(counters["dropped"], 0u);
}

TEST(StdoutSinkTest, HostileBytesCannotControlTheTerminal) {
  const std::string out =
      Shown(Envelope(EventType::kProcessExec,
                     Process("/tmp/\x1b[2J", {"a\nb", "\x1b]0;owned\x07",
                                              "\xC2\x9B"
                                              "31m",
                                              "x\xE2\x80\xAEy", "\xFF"})));
  EXPECT_EQ(out,
            "15:04:05.123 exec   pid=1234 ppid=1 user=root /tmp/\\x1b[2J "
            "a\\nb \\x1b]0;owned\\x07 \\u009b31m x\\u202ey \xEF\xBF\xBD\n");
}

TEST(StdoutSinkTest, QuotesArgumentsThatNeedIt) {
  const std::string out = Shown(
      Envelope(EventType::kProcessExec,
               Process("/bin/busybox", {"sh", "-c", "echo 'hi there'", ""})));
  EXPECT_EQ(out,
            "15:04:05.123 exec   pid=1234 ppid=1 user=root /bin/busybox sh -c "
            "'echo '\\''hi there'\\''' ''\n");
}

TEST(StdoutSinkTest, TruncatesLongCommandLinesOnOneLine) {
  const std::string out = Shown(
      Envelope(EventType::kProcessExec,
               Process("/bin/x", {"x", std::string(5000, 'a'), "\xC3\xA9"})));
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  const std::string prefix = "15:04:05.123 exec   pid=1234 ppid=1 user=root ";
  ASSERT_EQ(out.substr(0, prefix.size()), prefix);
  const std::string command =
      out.substr(prefix.size(), out.size() - prefix.size() - 1);
  EXPECT_EQ(command, "/bin/x x " +
                         std::string(kConsoleMaxCommandChars - 9, 'a') + "...");
}

TEST(StdoutSinkTest, OpenRejectsAnFdNotOpenForWriting) {
  Pipe pipe;
  StdoutSink read_end(StdoutSinkConfig{}, pipe.read_fd(), false);
  EXPECT_EQ(read_end.Open().code(), Status::Code::kInvalidArgument);
  StdoutSink closed(StdoutSinkConfig{}, 1000, false);
  EXPECT_FALSE(closed.Open().ok());
}

TEST(StdoutSinkTest, WriteFailuresAreCountedAsDropped) {
  struct sigaction ignore = {}, old_action;
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGPIPE, &ignore, &old_action), 0);
  Pipe pipe;
  pipe.CloseRead();
  StdoutSink sink(StdoutSinkConfig{}, pipe.write_fd(), false);
  sink.Write(Exec());
  sink.Write(Status());
  sink.Flush();
  sigaction(SIGPIPE, &old_action, nullptr);
  auto counters = Counters(sink);
  EXPECT_EQ(counters["dropped"], 2u);
  EXPECT_EQ(counters["written"], 0u);
}

// The console sample in docs/events.md is what the sink prints for the
// documented examples it shows.
TEST(StdoutSinkTest, MatchesTheConsoleSampleInTheDocs) {
  std::ifstream in(PICKET_SOURCE_DIR "/docs/events.md");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();

  std::map<std::string, Event> examples;
  size_t at = 0;
  while ((at = doc.find("```json\n", at)) != std::string::npos) {
    at += 8;
    const size_t end = doc.find("\n```\n", at);
    ASSERT_NE(end, std::string::npos);
    Event event;
    ASSERT_TRUE(EventFromJson(doc.substr(at, end - at), &event).ok());
    examples[event.id] = event;
  }
  const size_t console = doc.find("## The console");
  ASSERT_NE(console, std::string::npos);
  const size_t start = doc.find("```text\n", console);
  ASSERT_NE(start, std::string::npos);
  const size_t end = doc.find("```\n", start + 8);
  const std::string sample = doc.substr(start + 8, end - start - 8);

  std::string expected;
  for (const char* id :
       {"6f1c2a9e8b7d4c30-19", "6f1c2a9e8b7d4c30-24", "6f1c2a9e8b7d4c30-25",
        "6f1c2a9e8b7d4c30-42", "6f1c2a9e8b7d4c30-45", "6f1c2a9e8b7d4c30-50",
        "6f1c2a9e8b7d4c30-51", "6f1c2a9e8b7d4c30-120",
        "6f1c2a9e8b7d4c30-121"}) {
    ASSERT_TRUE(examples.count(id)) << id;
    expected += FormatConsoleEvent(examples[id], false);
  }
  EXPECT_EQ(expected, sample);
}

}  // namespace
}  // namespace picket

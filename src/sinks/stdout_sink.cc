#include "sinks/stdout_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <utility>
#include <vector>

#include "core/event_json.h"

namespace picket {

namespace {

constexpr size_t kBufferBytes = 64 * 1024;
constexpr std::string_view kIndent = "             ";  // under the label

void AppendEscape(std::string* out, const char* format, unsigned value) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), format, value);
  *out += buf;
}

// Device text made safe for a terminal: invalid UTF-8 becomes U+FFFD, and
// C0/C1 controls, DEL and the bidirectional overrides (which can make a line
// read differently from its bytes) become visible escapes.
std::string DisplayText(std::string_view raw) {
  const std::string text = ToValidUtf8(raw);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = [&](size_t k) {
      return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
    };
    if (c < 0x20 || c == 0x7F) {
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else {
        AppendEscape(&out, "\\x%02x", c);
      }
      ++i;
    } else if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) {
      AppendEscape(&out, "\\u%04x", next(1));  // U+0080..U+009F
      i += 2;
    } else if (c == 0xE2 &&
               ((next(1) == 0x80 && next(2) >= 0xA8 && next(2) <= 0xAE) ||
                (next(1) == 0x81 && next(2) >= 0xA6 && next(2) <= 0xA9))) {
      // U+2028..U+202E (line/paragraph separators, embeddings, overrides)
      // and U+2066..U+2069 (isolates).
      AppendEscape(&out, "\\u%04x",
                   0x2000 + ((next(1) & 0x3Fu) << 6) + (next(2) & 0x3Fu));
      i += 3;
    } else {
      out += static_cast<char>(c);
      ++i;
    }
  }
  return out;
}

// An argv element as a shell would need it, so that "sh -c 'a b'" shows
// where one argument ends.
std::string DisplayWord(std::string_view raw) {
  const std::string text = DisplayText(raw);
  if (!text.empty() && text.find_first_of(" '\"") == std::string::npos) {
    return text;
  }
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

// Cuts `text` to `max_chars` code points (text is valid UTF-8 here).
std::string TruncateChars(std::string text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == max_chars) {
      text.resize(i);
      text += "...";
      break;
    }
  }
  return text;
}

bool IsIcmpProtocol(std::string_view protocol) {
  return protocol == "icmp" || protocol == "icmpv6";
}

std::string CommandLine(const ProcessInfo& p) {
  std::string out;
  if (!p.exe.empty()) {
    out = DisplayText(p.exe);
  } else if (!p.comm.empty()) {
    out = "[" + DisplayText(p.comm) + "]";  // like ps for kernel threads
  } else {
    out = "?";
  }
  if (p.exe_deleted) out += " (deleted)";
  for (const std::string& arg : p.argv) {
    out += ' ';
    out += DisplayWord(arg);
  }
  return TruncateChars(std::move(out), kConsoleMaxCommandChars);
}

// exit_code is a wait(2) status: low 7 bits the signal, next byte the code.
std::string ExitStatus(int32_t status) {
  const int signal = status & 0x7F;
  if (signal == 0) return "exit=" + std::to_string((status >> 8) & 0xFF);
  std::string out = "signal=" + std::to_string(signal);
  if (status & 0x80) out += " core";
  return out;
}

std::string_view Label(EventType type) {
  switch (type) {
    case EventType::kProcessSnapshot:
      return "snap";
    case EventType::kProcessFork:
      return "fork";
    case EventType::kProcessExec:
      return "exec";
    case EventType::kProcessExit:
      return "exit";
    case EventType::kProcessChanged:
      return "change";
    case EventType::kAlert:
      return "ALERT";
    case EventType::kAgentStatus:
      return "status";
    case EventType::kStatistics:
      return "stats";
    case EventType::kNetworkConnection:
      return "conn";
    case EventType::kNetworkListen:
      return "listen";
    case EventType::kNetworkDns:
      return "dns";
    case EventType::kLoginSuccess:
    case EventType::kLoginFailure:
      return "login";
    case EventType::kLogout:
      return "logout";
    case EventType::kPostureResult:
    case EventType::kPostureSummary:
      return "posture";
    case EventType::kHeartbeat:
      return "alive";
  }
  return "?";
}

std::string_view SeverityColor(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "\x1b[1;31m";  // bold red
    case Severity::kHigh:
      return "\x1b[31m";  // red
    case Severity::kMedium:
      return "\x1b[33m";  // yellow
    case Severity::kLow:
      return "\x1b[36m";  // cyan
    case Severity::kInfo:
      break;
  }
  return "";
}

// Device text, or `fallback` when there is none, so that a missing word does
// not make the next one read as it.
std::string DisplayOr(std::string_view raw, std::string_view fallback) {
  return raw.empty() ? std::string(fallback) : DisplayText(raw);
}

// "10.0.0.5:443", "[2001:db8::1]:443", or the bare address without a port.
std::string Endpoint(std::string_view address, uint16_t port, bool with_port) {
  std::string out = DisplayOr(address, "?");
  if (!with_port) return out;
  if (out.find(':') != std::string::npos) out = "[" + out + "]";
  return out + ":" + std::to_string(port);
}

// 740B, 5.1KiB, 12.0MiB: binary units, one decimal.
std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + "B";
  constexpr std::string_view kUnits[] = {"KiB", "MiB", "GiB",
                                         "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  // 1023.96KiB would print as "1024.0KiB": move up at what rounds to 1024.
  while (value >= 1023.95 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", value);
  return buf + std::string(kUnits[unit]);
}

// " pid=812 /usr/bin/curl", or less of it when the owner is unknown.
std::string Owner(int32_t pid, std::string_view exe) {
  std::string out;
  if (pid != 0) out += " pid=" + std::to_string(pid);
  if (!exe.empty()) {
    out += ' ';
    out += TruncateChars(DisplayText(exe), kConsoleMaxCommandChars);
  }
  return out;
}

// "93.184.216.34:443 (example.com)".
std::string RemoteEnd(const NetworkEvent& n) {
  std::string out =
      Endpoint(n.remote_address, n.remote_port, !IsIcmpProtocol(n.protocol));
  if (!n.remote_name.empty()) out += " (" + DisplayText(n.remote_name) + ")";
  return out;
}

// "local -> remote" in the direction the traffic started.
std::string Arrow(const NetworkEvent& n, const std::string& local) {
  if (n.direction == "outbound") return local + " -> " + RemoteEnd(n);
  if (n.direction == "inbound") return RemoteEnd(n) + " -> " + local;
  return local + " <-> " + RemoteEnd(n);
}

// "10.0.0.5:51512 -> 93.184.216.34:443 (example.com)".
std::string Flow(const NetworkEvent& n) {
  return Arrow(
      n, Endpoint(n.local_address, n.local_port, !IsIcmpProtocol(n.protocol)));
}

void AppendConnection(const NetworkEvent& n, std::string* out) {
  *out += DisplayOr(n.protocol, "?") + ' ';
  if (n.direction == "outbound") {
    *out += "out";
  } else if (n.direction == "inbound") {
    *out += "in";
  } else {
    *out += DisplayOr(n.direction, "?");
  }
  *out += ' ' + Flow(n);
  if (IsIcmpProtocol(n.protocol)) {
    *out += " type=" + std::to_string(n.icmp_type) +
            " code=" + std::to_string(n.icmp_code);
  }
  *out += Owner(n.pid, n.exe);
  if (n.count > 1) *out += " x" + std::to_string(n.count);
  if (n.bytes_in != 0 || n.bytes_out != 0) {
    *out += " in=" + HumanBytes(n.bytes_in) + " out=" + HumanBytes(n.bytes_out);
  }
}

void AppendListen(const NetworkEvent& n, std::string* out) {
  *out += DisplayOr(n.protocol, "?") + ' ' +
          Endpoint(n.local_address, n.local_port, !IsIcmpProtocol(n.protocol)) +
          Owner(n.pid, n.exe);
}

// "example.com A -> cdn.example.net -> 93.184.216.34, 93.184.216.35"; the
// answer comes from the wire, so it is cut like a command line.
void AppendDns(const DnsEvent& d, std::string* out) {
  std::string text = DisplayOr(d.query, "?") + ' ' + DisplayOr(d.qtype, "?");
  if (!d.rcode.empty() && d.rcode != "NOERROR") {
    text += ' ' + DisplayText(d.rcode);
  }
  for (const std::string& cname : d.cnames) text += " -> " + DisplayText(cname);
  for (size_t i = 0; i < d.addresses.size(); ++i) {
    text += i == 0 ? " -> " : ", ";
    text += DisplayText(d.addresses[i]);
  }
  *out += TruncateChars(std::move(text), kConsoleMaxCommandChars);
}

// "sshd root from 203.0.113.9:52144": who logged in where, shared by the
// three login types.
std::string Session(const LoginEvent& l) {
  std::string out = DisplayOr(l.service, "?") + ' ' + DisplayOr(l.user, "?");
  if (!l.by_user.empty()) out += " by " + DisplayText(l.by_user);
  if (!l.source_address.empty()) {
    out += " from " +
           Endpoint(l.source_address, l.source_port, l.source_port != 0);
  }
  if (!l.tty.empty()) out += " on " + DisplayText(l.tty);
  return out;
}

void AppendLogin(const LoginEvent& l, EventType type, std::string* out) {
  const bool failed = type == EventType::kLoginFailure;
  if (type != EventType::kLogout) *out += failed ? "FAIL " : "ok   ";
  *out += Session(l);
  // For a failure the reason says more than the method; a success may still
  // carry one ("no_shell").
  std::string why;
  if (failed && !l.reason.empty()) {
    why = DisplayText(l.reason);
  } else {
    why = DisplayText(l.method);
    if (!l.reason.empty()) {
      why += (why.empty() ? "" : ", ") + DisplayText(l.reason);
    }
  }
  if (!why.empty()) *out += " (" + why + ")";
}

// Results as an operator scans for them: failures and errors stand out.
std::string ResultWord(std::string_view result) {
  if (result == "fail") return "FAIL";
  if (result == "error") return "ERROR";
  if (result == "not_applicable") return "n/a";
  return DisplayOr(result, "?");
}

void AppendPostureResult(const PostureResult& p, std::string* out) {
  *out += ResultWord(p.result) + ' ' + std::string(SeverityName(p.severity)) +
          ' ' + DisplayOr(p.check_id, "?") + "  " + DisplayText(p.title);
  if (!p.reason.empty()) *out += ": " + DisplayText(p.reason);
  if (!p.previous.empty()) *out += "  (was " + DisplayText(p.previous) + ")";
}

void AppendPostureSummary(const PostureSummary& p, std::string* out) {
  *out += "score " + std::to_string(p.score) + " (pass " +
          std::to_string(p.passed) + ", fail " + std::to_string(p.failed) +
          ", n/a " + std::to_string(p.not_applicable) + ", error " +
          std::to_string(p.errors) + ")";
  if (!p.policy.empty()) *out += " policy " + DisplayText(p.policy);
}

void AppendProcess(const ProcessEvent& e, EventType type, std::string* out) {
  const ProcessInfo& p = e.process;
  *out += "pid=" + std::to_string(p.pid) + " ppid=" + std::to_string(p.ppid);
  if (!p.user.empty()) {
    *out += " user=" + DisplayText(p.user);
  } else {
    *out += " uid=" + std::to_string(p.uid);
  }
  if (type == EventType::kProcessExit) *out += " " + ExitStatus(e.exit_code);
  if (type == EventType::kProcessChanged) {
    *out += " change=" + DisplayText(e.change);
  }
  *out += ' ';
  *out += CommandLine(p);
}

// What the evidence was about, after the title: the process, or the process
// and peer of a flow.
std::string EvidenceSummary(const Event& evidence) {
  if (const auto* p = std::get_if<ProcessEvent>(&evidence.payload)) {
    const std::string& what =
        p->process.exe.empty() ? p->process.comm : p->process.exe;
    return ": " + TruncateChars(DisplayText(what), kConsoleMaxCommandChars) +
           " (pid " + std::to_string(p->process.pid) + ")";
  }
  if (const auto* n = std::get_if<NetworkEvent>(&evidence.payload)) {
    if (n->pid == 0 && n->exe.empty()) return ": " + Flow(*n);
    // The process stands for the local end: "/tmp/x (pid 9) -> 1.2.3.4:443".
    const std::string process =
        (n->exe.empty()
             ? std::string("?")
             : TruncateChars(DisplayText(n->exe), kConsoleMaxCommandChars)) +
        " (pid " + std::to_string(n->pid) + ")";
    return ": " + Arrow(*n, process);
  }
  return "";
}

// "indicator=203.0.113.9 feed=feodo": values are quoted like argv, and the
// line is cut because values (user names tried, say) may come from an
// attacker.
std::string DetailsLine(
    const std::vector<std::pair<std::string, std::string>>& details) {
  std::string out;
  for (const auto& [key, value] : details) {
    if (!out.empty()) out += ' ';
    out += DisplayText(key) + '=' + DisplayWord(value);
  }
  return TruncateChars(std::move(out), kConsoleMaxCommandChars);
}

void AppendAlert(const Alert& a, bool color, std::string* out) {
  const std::string_view on = color ? SeverityColor(a.severity) : "";
  *out += on;
  *out += SeverityName(a.severity);
  *out += "  ";
  *out += DisplayText(a.type_id);
  *out += "  ";
  *out += DisplayText(a.title);
  if (a.evidence != nullptr) *out += EvidenceSummary(*a.evidence);
  if (!on.empty()) *out += "\x1b[0m";
  if (!a.details.empty()) {
    *out += '\n';
    *out += kIndent;
    *out += DetailsLine(a.details);
  }
  if (!a.remediation.empty()) {
    *out += '\n';
    *out += kIndent;
    *out += "remediation: " + DisplayText(a.remediation);
  }
}

void AppendStatus(const AgentStatus& s, std::string* out) {
  *out += DisplayText(s.component) + " " + DisplayText(s.state);
  if (!s.detail.empty()) *out += ": " + DisplayText(s.detail);
}

void AppendStatistics(const Statistics& s, std::string* out) {
  *out += "uptime=" + std::to_string(s.uptime_ms / 1000) + "s";
  for (const ComponentStats& c : s.components) {
    *out += ' ' + DisplayText(c.name) + '[';
    for (size_t i = 0; i < c.counters.size(); ++i) {
      if (i > 0) *out += ' ';
      *out += DisplayText(c.counters[i].first) + '=' +
              std::to_string(c.counters[i].second);
    }
    *out += ']';
  }
}

}  // namespace

std::string FormatConsoleEvent(const Event& event, bool color) {
  // "2026-11-23T15:04:05.123456Z" -> "15:04:05.123"
  std::string out = FormatEventTime(event.time_ns).substr(11, 12);
  out += ' ';
  const std::string_view label = Label(event.type);
  out += label;
  out.append(label.size() < 6 ? 7 - label.size() : 1, ' ');
  if (const auto* p = std::get_if<ProcessEvent>(&event.payload)) {
    AppendProcess(*p, event.type, &out);
  } else if (const auto* a = std::get_if<Alert>(&event.payload)) {
    AppendAlert(*a, color, &out);
  } else if (const auto* s = std::get_if<AgentStatus>(&event.payload)) {
    AppendStatus(*s, &out);
  } else if (const auto* st = std::get_if<Statistics>(&event.payload)) {
    AppendStatistics(*st, &out);
  } else if (const auto* n = std::get_if<NetworkEvent>(&event.payload)) {
    if (event.type == EventType::kNetworkListen) {
      AppendListen(*n, &out);
    } else {
      AppendConnection(*n, &out);
    }
  } else if (const auto* d = std::get_if<DnsEvent>(&event.payload)) {
    AppendDns(*d, &out);
  } else if (const auto* l = std::get_if<LoginEvent>(&event.payload)) {
    AppendLogin(*l, event.type, &out);
  } else if (const auto* pr = std::get_if<PostureResult>(&event.payload)) {
    AppendPostureResult(*pr, &out);
  } else if (const auto* ps = std::get_if<PostureSummary>(&event.payload)) {
    AppendPostureSummary(*ps, &out);
  } else if (const auto* h = std::get_if<Heartbeat>(&event.payload)) {
    out += "uptime=" + std::to_string(h->uptime_ms / 1000) +
           "s events=" + std::to_string(h->events) +
           " alerts=" + std::to_string(h->alerts);
  }
  out += '\n';
  return out;
}

StdoutSink::StdoutSink(const StdoutSinkConfig& config, int fd)
    : StdoutSink(config, fd,
                 isatty(fd) == 1 && std::getenv("NO_COLOR") == nullptr) {}

StdoutSink::StdoutSink(const StdoutSinkConfig& config, int fd, bool color)
    : config_(config), fd_(fd), color_(color) {}

StdoutSink::~StdoutSink() { Flush(); }

Status StdoutSink::Open() {
  const int flags = fcntl(fd_, F_GETFL);
  if (flags < 0) {
    return ErrnoStatus("console output fd " + std::to_string(fd_), errno);
  }
  if ((flags & O_ACCMODE) == O_RDONLY) {
    return Status::InvalidArgument("console output fd " + std::to_string(fd_) +
                                   " is not open for writing");
  }
  return Status::Ok();
}

void StdoutSink::Write(const Event& event) {
  if (!config_.show_events && event.type != EventType::kAlert &&
      event.type != EventType::kAgentStatus) {
    ++filtered_;
    return;
  }
  buffer_ += FormatConsoleEvent(event, color_);
  event_ends_.push_back(buffer_.size());
  if (buffer_.size() > kBufferBytes) Flush();
}

void StdoutSink::Flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  for (size_t end : event_ends_) {
    if (end <= done) {
      ++written_;
    } else {
      ++dropped_;
    }
  }
  buffer_.clear();
  event_ends_.clear();
}

ComponentStats StdoutSink::Stats() const {
  return ComponentStats{
      name(),
      {{"written", written_}, {"dropped", dropped_}, {"filtered", filtered_}}};
}

}  // namespace picket

#include "sinks/stdout_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

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

void AppendAlert(const Alert& a, bool color, std::string* out) {
  const std::string_view on = color ? SeverityColor(a.severity) : "";
  *out += on;
  *out += SeverityName(a.severity);
  *out += "  ";
  *out += DisplayText(a.type_id);
  *out += "  ";
  *out += DisplayText(a.title);
  if (a.evidence != nullptr) {
    if (const auto* p = std::get_if<ProcessEvent>(&a.evidence->payload)) {
      const std::string& what =
          p->process.exe.empty() ? p->process.comm : p->process.exe;
      *out += ": " + TruncateChars(DisplayText(what), kConsoleMaxCommandChars) +
              " (pid " + std::to_string(p->process.pid) + ")";
    }
  }
  if (!on.empty()) *out += "\x1b[0m";
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

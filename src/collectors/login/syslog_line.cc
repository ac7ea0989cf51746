#include "collectors/login/syslog_line.h"

#include <algorithm>
#include <array>
#include <limits>

namespace picket::login {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

// Reads exactly `n` digits at `pos`; false when any is missing.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

int MonthFromName(std::string_view m) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun",
      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (m == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

bool ValidClock(const LogTime& t) {
  return t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= 31 &&
         t.hour <= 23 && t.minute <= 59 && t.second <= 60;
}

// Splits off the next space-delimited token; `rest` loses the token and the
// spaces after it.
std::string_view NextToken(std::string_view* rest) {
  size_t end = rest->find(' ');
  std::string_view token = rest->substr(0, end);
  if (end == std::string_view::npos) {
    *rest = {};
  } else {
    size_t next = end;
    while (next < rest->size() && (*rest)[next] == ' ') ++next;
    rest->remove_prefix(next);
  }
  return token;
}

bool IsFacilityLevel(std::string_view token) {
  // BusyBox writes "<facility>.<level>" between host and program.
  size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= token.size()) {
    return false;
  }
  std::string_view facility = token.substr(0, dot);
  std::string_view level = token.substr(dot + 1);
  static constexpr std::array<std::string_view, 14> kFacilities = {
      "kern", "user", "mail", "daemon",   "auth", "syslog",   "lpr",
      "news", "uucp", "cron", "authpriv", "ftp",  "security", "mark"};
  static constexpr std::array<std::string_view, 11> kLevels = {
      "emerg",   "alert",  "crit", "err",   "error", "warn",
      "warning", "notice", "info", "debug", "panic"};
  bool fac = facility.size() == 6 && facility.starts_with("local") &&
             facility[5] >= '0' && facility[5] <= '7';
  for (std::string_view f : kFacilities) fac = fac || facility == f;
  if (!fac) return false;
  for (std::string_view l : kLevels) {
    if (level == l) return true;
  }
  return false;
}

// "sshd[123]:", "sshd:", "[sshd]:", "sshd(pam_unix)[9]:", "sshd[123]".
// Returns false when `token` is not a program token. `colon` tells whether
// it ended with ':'.
bool ParseProgramToken(std::string_view token, std::string_view* program,
                       int32_t* pid, bool* colon) {
  *colon = !token.empty() && token.back() == ':';
  if (*colon) token.remove_suffix(1);
  if (token.empty()) return false;
  *pid = 0;
  if (token.front() == '[' && token.back() == ']') {
    *program = token.substr(1, token.size() - 2);
    return !program->empty();
  }
  if (token.back() == ']') {
    size_t open = token.rfind('[');
    if (open == std::string_view::npos || open == 0) return false;
    int64_t v = 0;
    for (size_t i = open + 1; i + 1 < token.size(); ++i) {
      if (!IsDigit(token[i]) || v > 100000000) return false;
      v = v * 10 + (token[i] - '0');
    }
    *pid = static_cast<int32_t>(v);
    *program = token.substr(0, open);
    return true;
  }
  if (!*colon) return false;
  *program = token;
  return true;
}

// Host, optional BusyBox facility, program; for the forms with a time.
bool ParseAfterTime(std::string_view rest, SyslogLine* out) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  std::string_view probe = rest;
  std::string_view first = NextToken(&probe);
  bool colon = false;
  // A host never ends with ':' or is bracketed: then the line has no host.
  if (!first.empty() &&
      (first.back() == ':' || first.front() == '[' ||
       (first.back() == ']' && first.find('[') != std::string_view::npos)) &&
      ParseProgramToken(first, &out->program, &out->pid, &colon)) {
    out->message = probe;
    return true;
  }
  out->host = first;
  if (probe.empty()) {
    out->message = {};
    return !out->host.empty();
  }
  std::string_view after_host = probe;
  std::string_view second = NextToken(&probe);
  if (IsFacilityLevel(second)) {
    out->facility = second;
    after_host = probe;
    second = NextToken(&probe);
  }
  if (ParseProgramToken(second, &out->program, &out->pid, &colon)) {
    out->message = probe;
  } else {
    out->program = {};
    out->message = after_host;  // "-- MARK --" and the like
  }
  return true;
}

// RFC 5424 after "<PRI>1 ": TIMESTAMP HOST APP PROCID MSGID SD [MSG].
bool ParseRfc5424(std::string_view rest, SyslogLine* out) {
  out->format = SyslogLine::Format::kRfc5424;
  std::string_view ts = NextToken(&rest);
  if (ts != "-" && ParseIsoTime(ts, &out->time) != ts.size()) return false;
  std::string_view host = NextToken(&rest);
  std::string_view app = NextToken(&rest);
  std::string_view procid = NextToken(&rest);
  std::string_view msgid = NextToken(&rest);
  if (host.empty() || app.empty() || procid.empty() || msgid.empty()) {
    return false;
  }
  out->host = host == "-" ? std::string_view() : host;
  out->program = app == "-" ? std::string_view() : app;
  int64_t pid = 0;
  for (char c : procid) {
    if (!IsDigit(c) || pid > 100000000) {
      pid = 0;
      break;
    }
    pid = pid * 10 + (c - '0');
  }
  out->pid = static_cast<int32_t>(pid);
  // Structured data: "-" or "[id k="v" ...]..." with \" \] \\ escapes.
  if (rest.starts_with("-")) {
    rest.remove_prefix(1);
  } else {
    while (!rest.empty() && rest.front() == '[') {
      size_t i = 1;
      bool quoted = false;
      for (; i < rest.size(); ++i) {
        char c = rest[i];
        if (c == '\\' && quoted) {
          ++i;
        } else if (c == '"') {
          quoted = !quoted;
        } else if (c == ']' && !quoted) {
          break;
        }
      }
      if (i >= rest.size()) return false;
      rest.remove_prefix(i + 1);
    }
  }
  if (!rest.empty() && rest.front() != ' ') return false;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  out->message = rest;
  return true;
}

}  // namespace

size_t ParseClassicTime(std::string_view s, LogTime* out) {
  if (s.size() < 14) return 0;
  int month = MonthFromName(s.substr(0, 3));
  if (month == 0 || s[3] != ' ') return 0;
  size_t pos = 4;
  if (s[pos] == ' ') ++pos;  // "Feb  5"
  int day = 0;
  if (pos < s.size() && IsDigit(s[pos])) {
    day = s[pos] - '0';
    ++pos;
    if (pos < s.size() && IsDigit(s[pos])) {
      day = day * 10 + (s[pos] - '0');
      ++pos;
    }
  } else {
    return 0;
  }
  if (pos >= s.size() || s[pos] != ' ') return 0;
  ++pos;
  LogTime t;
  if (!Digits(s, pos, 2, &t.hour) || pos + 8 > s.size() || s[pos + 2] != ':' ||
      !Digits(s, pos + 3, 2, &t.minute) || s[pos + 5] != ':' ||
      !Digits(s, pos + 6, 2, &t.second)) {
    return 0;
  }
  pos += 8;
  // Some templates add sub-seconds to the classic form.
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    int64_t frac = 0;
    while (pos < s.size() && IsDigit(s[pos]) && pos - start < 9) {
      frac = frac * 10 + (s[pos] - '0');
      ++pos;
    }
    for (size_t n = pos - start; n < 9; ++n) frac *= 10;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    t.nanos = static_cast<int32_t>(frac);
  }
  if (pos < s.size() && s[pos] != ' ') return 0;
  t.month = month;
  t.day = day;
  if (!ValidClock(t)) return 0;
  t.valid = true;
  *out = t;
  return pos;
}

size_t ParseIsoTime(std::string_view s, LogTime* out) {
  LogTime t;
  if (!Digits(s, 0, 4, &t.year) || s.size() < 19 || s[4] != '-' ||
      !Digits(s, 5, 2, &t.month) || s[7] != '-' || !Digits(s, 8, 2, &t.day) ||
      (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, &t.hour) ||
      s[13] != ':' || !Digits(s, 14, 2, &t.minute) || s[16] != ':' ||
      !Digits(s, 17, 2, &t.second)) {
    return 0;
  }
  size_t pos = 19;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    size_t start = ++pos;
    int64_t frac = 0;
    while (pos < s.size() && IsDigit(s[pos]) && pos - start < 9) {
      frac = frac * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return 0;
    for (size_t n = pos - start; n < 9; ++n) frac *= 10;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    t.nanos = static_cast<int32_t>(frac);
  }
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    t.has_offset = true;
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!Digits(s, pos + 1, 2, &oh)) return 0;
    size_t mpos = pos + 3;
    if (mpos < s.size() && s[mpos] == ':') ++mpos;
    if (!Digits(s, mpos, 2, &om) || oh > 23 || om > 59) return 0;
    t.has_offset = true;
    t.utc_offset_s = sign * (oh * 3600 + om * 60);
    pos = mpos + 2;
  }
  if (pos < s.size() && s[pos] != ' ') return 0;
  if (!ValidClock(t)) return 0;
  t.has_year = true;
  t.valid = true;
  *out = t;
  return pos;
}

bool ParseSyslogLine(std::string_view line, SyslogLine* out) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
    line.remove_suffix(1);
  }
  *out = SyslogLine();
  // "<PRI>" when the daemon writes raw messages (or RFC 5424).
  if (line.size() > 2 && line[0] == '<') {
    size_t i = 1;
    while (i < line.size() && i <= 4 && IsDigit(line[i])) ++i;
    if (i > 1 && i < line.size() && line[i] == '>') {
      line.remove_prefix(i + 1);
      if (line.starts_with("1 ")) return ParseRfc5424(line.substr(2), out);
    }
  }
  if (size_t n = ParseClassicTime(line, &out->time); n > 0) {
    out->format = SyslogLine::Format::kRfc3164;
    return ParseAfterTime(line.substr(n), out);
  }
  if (size_t n = ParseIsoTime(line, &out->time); n > 0) {
    out->format = SyslogLine::Format::kIso;
    return ParseAfterTime(line.substr(n), out);
  }
  // Journal output without time: "host prog[pid]: msg". Only the strict
  // "name[pid]:" program form is taken, so a bare message ("Failed
  // password for ...") is never mistaken for a header.
  out->format = SyslogLine::Format::kNoTime;
  std::string_view rest = line;
  std::string_view host = NextToken(&rest);
  std::string_view prog = NextToken(&rest);
  if (host.empty() || prog.size() < 4 || prog.back() != ':' ||
      prog[prog.size() - 2] != ']' || !IsLower(prog.front())) {
    return false;
  }
  bool colon = false;
  if (!ParseProgramToken(prog, &out->program, &out->pid, &colon) ||
      out->pid == 0) {
    return false;
  }
  out->host = host;
  out->message = rest;
  return true;
}

int64_t DaysFromCivil(int y, int m, int d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t LogTimeToUnixNs(const LogTime& t, int year) {
  if (!t.valid) return 0;
  int y = t.has_year ? t.year : year;
  int64_t secs = DaysFromCivil(y, t.month, t.day) * 86400 + t.hour * 3600 +
                 t.minute * 60 + t.second;
  if (t.has_offset) secs -= t.utc_offset_s;
  // A log may carry any year from 0000 to 9999; int64 nanoseconds reach only
  // from 1677 to 2262.
  constexpr int64_t kMinSecs = std::numeric_limits<int64_t>::min() / 1000000000;
  constexpr int64_t kMaxSecs =
      (std::numeric_limits<int64_t>::max() - 999999999) / 1000000000;
  secs = std::clamp(secs, kMinSecs, kMaxSecs);
  return secs * 1000000000 + t.nanos;
}

}  // namespace picket::login

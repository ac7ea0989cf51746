#include "collectors/login/login_lines.h"

#include <string>

#include "collectors/login/auth_message.h"

namespace picket::login {

namespace {

constexpr int64_t kNsPerSecond = 1000000000;
constexpr int64_t kSecondsPerDay = 86400;

// Gregorian year of a Unix time (UTC).
int YearOf(int64_t unix_ns) {
  int64_t days = unix_ns / kNsPerSecond / kSecondsPerDay;
  int year = static_cast<int>(1970 + days / 365);
  while (year > 1 && DaysFromCivil(year, 1, 1) > days) --year;
  while (DaysFromCivil(year + 1, 1, 1) <= days) ++year;
  return year;
}

}  // namespace

int64_t ResolveLogTime(const LogTime& t, int64_t reference_ns,
                       int64_t utc_offset_s) {
  if (!t.valid) return 0;
  if (t.has_offset) return LogTimeToUnixNs(t, 0);
  LogTime utc = t;
  utc.has_offset = true;
  utc.utc_offset_s = static_cast<int32_t>(utc_offset_s);
  if (t.has_year) return LogTimeToUnixNs(utc, 0);
  int year = YearOf(reference_ns);
  int64_t ns = LogTimeToUnixNs(utc, year);
  if (ns > reference_ns + kSecondsPerDay * kNsPerSecond) {
    ns = LogTimeToUnixNs(utc, year - 1);
  }
  return ns;
}

bool HasBinary(std::string_view line) {
  for (unsigned char c : line) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

LineResult LoginLines::Add(std::string_view line, int64_t reference_ns,
                           int64_t utc_offset_s, bool context,
                           std::vector<LoginFact>* facts) {
  if (HasBinary(line)) return LineResult::kBinary;
  SyslogLine header;
  if (ParseSyslogLine(line, &header)) {
    AddMessage(header.program, header.pid, header.message, line,
               ResolveLogTime(header.time, reference_ns, utc_offset_s), context,
               facts);
    // A line with a header is a log line whether or not it is a login's.
    return LineResult::kRead;
  }
  // No header: a file of bare messages (`sshd -E FILE`), or garbage.
  return AddMessage("", 0, line, line, 0, context, facts)
             ? LineResult::kRead
             : LineResult::kUnparsed;
}

bool LoginLines::AddMessage(std::string_view program, int32_t pid,
                            std::string_view message, std::string_view line,
                            int64_t log_time_ns, bool context,
                            std::vector<LoginFact>* facts) {
  AuthRecord record;
  if (!ParseAuthMessage(program, message, &record)) return false;
  size_t first = facts->size();
  correlator_.Add(record, pid, facts);
  if (context) {
    facts->resize(first);  // reported before the restart
    return true;
  }
  for (size_t i = first; i < facts->size(); ++i) {
    LoginEvent& e = (*facts)[i].login;
    e.log_time_ns = log_time_ns;
    e.message = std::string(line.substr(0, kMaxLoginMessage));
  }
  return true;
}

}  // namespace picket::login

// The header of one log line as syslog daemons and the journal write it:
// time, host, program, pid, and the message that follows.
//
// Recognised forms (all optionally preceded by "<PRI>"):
//   RFC 3164 (rsyslog, sysklogd)  "Feb  5 14:10:21 host sshd[123]: msg"
//   ... without host              "Feb  5 14:10:21 sshd[123]: msg"
//   BusyBox syslogd               "Feb  5 14:10:21 host auth.info sshd[123]:
//   msg" ISO 8601 (rsyslog precise,    "2015-04-16T18:02:50.321974+00:00 host
//   sshd[1]: msg"
//     journalctl -o short-iso)    "2023-11-14T00:20:42+0100 host sshd[1]: msg"
//   RFC 5424                      "<38>1 2019-07-08T17:40:16.95-04:00 host sshd
//   57 - - msg" journal, no time              "host sshd[123]: msg"
// The program may be bracketed ("[sshd]:", old Solaris) or carry a PAM
// module ("sshd(pam_unix)[19939]:"). Pure functions over bytes: every
// string_view points into the caller's line. Thread-safe.
#ifndef PICKET_COLLECTORS_LOGIN_SYSLOG_LINE_H_
#define PICKET_COLLECTORS_LOGIN_SYSLOG_LINE_H_

#include <cstdint>
#include <string_view>

namespace picket::login {

// Broken-down time as written in the log. RFC 3164 carries neither year nor
// zone; ISO and RFC 5424 carry both (unless the zone is omitted).
struct LogTime {
  bool valid = false;
  bool has_year = false;
  bool has_offset = false;  // utc_offset_s is meaningful
  int year = 0;             // only when has_year
  int month = 0;            // 1..12
  int day = 0;              // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int32_t nanos = 0;
  int32_t utc_offset_s = 0;  // local = UTC + offset
};

struct SyslogLine {
  enum class Format : uint8_t { kRfc3164, kIso, kRfc5424, kNoTime };
  Format format = Format::kRfc3164;
  LogTime time;
  std::string_view host;      // empty when the line has none
  std::string_view facility;  // BusyBox "auth.info"; empty otherwise
  std::string_view program;   // "sshd", "sshd(pam_unix)", "pure-ftpd", ...
  int32_t pid = 0;            // 0 when absent
  std::string_view message;   // the rest, without leading space
};

// Parses `line` (no trailing newline; a trailing '\r' is ignored). Returns
// false when the line has no recognisable header; `out` is then unspecified.
bool ParseSyslogLine(std::string_view line, SyslogLine* out);

// Parses "Mon dd hh:mm:ss" at the start of `text` ("Feb  5", "Feb 5" and
// "Feb 05" alike); returns the bytes consumed, 0 when there is no such time.
size_t ParseClassicTime(std::string_view text, LogTime* out);

// Parses an ISO 8601 date-time with optional fraction and zone ("Z",
// "+hh:mm", "+hhmm"); returns the bytes consumed, 0 when there is none.
size_t ParseIsoTime(std::string_view text, LogTime* out);

// Days since 1970-01-01 of a proleptic Gregorian date (negative before).
int64_t DaysFromCivil(int year, int month, int day);

// Unix time in ns of `t`, taken as UTC when it has no offset; `year` is used
// when `t` has none. 0 when `t` is not valid. Times that int64 nanoseconds
// cannot hold (before 1677-09-22, after 2262-04-11) saturate at the nearest
// end of that range.
int64_t LogTimeToUnixNs(const LogTime& t, int year);

}  // namespace picket::login

#endif  // PICKET_COLLECTORS_LOGIN_SYSLOG_LINE_H_

// LoginLines: one auth log line to the login events it stands for.
//
// The pure half of the login collector's text path, shared with
// `picket replay --log`: binary lines refused, the syslog header parsed
// (classic, ISO 8601, BusyBox, or none: a file of bare messages as
// `sshd -E FILE` writes), the message parsed by the service parsers
// (auth_message.h) and fed to the stream's correlator, each resulting
// login event given the line's own time and the line as its message.
// Times without a zone are local time at `utc_offset_s`; a classic
// timestamp without a year takes the year of `reference_ns` unless that
// puts it more than a day after `reference_ns` (a December line read in
// January). Portable; one instance per stream (the correlator's state).
#ifndef PICKET_COLLECTORS_LOGIN_LOGIN_LINES_H_
#define PICKET_COLLECTORS_LOGIN_LOGIN_LINES_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "collectors/login/auth_correlator.h"
#include "collectors/login/syslog_line.h"

namespace picket::login {

// Bytes of the line kept as an event's message.
inline constexpr size_t kMaxLoginMessage = 512;

// Unix nanoseconds of a parsed log time, 0 when it has none (see above).
int64_t ResolveLogTime(const LogTime& t, int64_t reference_ns,
                       int64_t utc_offset_s);

// A control character other than a tab: not a text log line.
bool HasBinary(std::string_view line);

enum class LineResult {
  kRead,      // a syslog line, or a bare message of a login service
  kUnparsed,  // neither: garbage
  kBinary,    // control bytes: skipped
};

class LoginLines {
 public:
  explicit LoginLines(size_t max_sessions = AuthCorrelator::kDefaultMaxSessions)
      : correlator_(max_sessions) {}

  // Parses `line`; appends its events to `facts` (log time and message
  // filled in; origin left to the caller). With `context` the line only
  // feeds the correlator (it was reported before a restart).
  LineResult Add(std::string_view line, int64_t reference_ns,
                 int64_t utc_offset_s, bool context,
                 std::vector<LoginFact>* facts);

  // A message without a syslog header (the journal: identifier and pid
  // come with it); `log_time_ns` as given.
  bool AddMessage(std::string_view program, int32_t pid,
                  std::string_view message, std::string_view line,
                  int64_t log_time_ns, bool context,
                  std::vector<LoginFact>* facts);

  size_t sessions() const { return correlator_.sessions(); }

 private:
  AuthCorrelator correlator_;
};

}  // namespace picket::login

#endif  // PICKET_COLLECTORS_LOGIN_LOGIN_LINES_H_

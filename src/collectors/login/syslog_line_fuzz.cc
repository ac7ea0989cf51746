// libFuzzer target for one log line as the login collector reads it: the
// syslog header parser, then the auth message parser on the message (or on
// the whole line when it has no header, as in a file written by `sshd -E`).
// Log files hold whatever any local program (or a remote syslog sender)
// wrote. tests/fuzz/dict/syslog_line_fuzz.dict gives the fuzzer the headers
// and the services' phrases. Build with
//   clang++ -std=c++20 -fsanitize=fuzzer,address,undefined -Isrc
//     src/collectors/login/{syslog_line,auth_message}.cc
//     src/collectors/login/syslog_line_fuzz.cc
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/login/auth_message.h"
#include "collectors/login/syslog_line.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picket::login;  // NOLINT: a fuzz target's one function
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const char* begin = input.data();
  const char* end = begin + input.size();
  auto inside = [&](std::string_view v) {
    return v.empty() || (v.data() >= begin && v.data() + v.size() <= end);
  };
  SyslogLine h;
  std::string_view program;
  std::string_view message = input;
  if (ParseSyslogLine(input, &h)) {
    if (!inside(h.host) || !inside(h.program) || !inside(h.message) ||
        !inside(h.facility) || h.pid < 0) {
      __builtin_trap();
    }
    if (h.time.valid && (h.time.month < 1 || h.time.month > 12)) {
      __builtin_trap();
    }
    (void)LogTimeToUnixNs(h.time, 2025);
    program = h.program;
    message = h.message;
  }
  AuthRecord r;
  if (ParseAuthMessage(program, message, &r)) {
    if (r.kind == AuthKind::kNone || r.repeat == 0) __builtin_trap();
    // Only "root" may be named without being spelt in the line.
    if (!inside(r.user) && r.user != "root") __builtin_trap();
    if (!inside(r.address) || !inside(r.by_user) || !inside(r.tty)) {
      __builtin_trap();
    }
  } else if (r.kind != AuthKind::kNone) {
    __builtin_trap();
  }
  LogTime t;
  if (ParseClassicTime(input, &t) > input.size()) __builtin_trap();
  if (ParseIsoTime(input, &t) > input.size()) __builtin_trap();
  return 0;
}

// libFuzzer target for the syslog header parser: log files hold whatever
// any local program (or a remote syslog sender) wrote. Build with
//   clang++ -std=c++20 -fsanitize=fuzzer,address,undefined -Isrc
//     src/collectors/login/syslog_line.cc
//     src/collectors/login/syslog_line_fuzz.cc
#include <cstddef>
#include <cstdint>
#include <string_view>

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
  if (ParseSyslogLine(input, &h)) {
    if (!inside(h.host) || !inside(h.program) || !inside(h.message) ||
        !inside(h.facility) || h.pid < 0) {
      __builtin_trap();
    }
    if (h.time.valid && (h.time.month < 1 || h.time.month > 12)) {
      __builtin_trap();
    }
    (void)LogTimeToUnixNs(h.time, 2025);
  }
  LogTime t;
  if (ParseClassicTime(input, &t) > input.size()) __builtin_trap();
  if (ParseIsoTime(input, &t) > input.size()) __builtin_trap();
  return 0;
}

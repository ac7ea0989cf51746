// libFuzzer target for the utmp record parser and the positions file
// parser: both read files that may be corrupt (a crash mid-write, a disk
// error, or an attacker with write access to /var/log). Build with
//   clang++ -std=c++20 -fsanitize=fuzzer,address,undefined -Isrc
//     src/collectors/login/{utmp_record,positions}.cc
//     src/collectors/login/utmp_record_fuzz.cc
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/login/positions.h"
#include "collectors/login/utmp_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picket::login;  // NOLINT: a fuzz target's one function
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (size_t off = 0; off < input.size(); off += kUtmpRecordSize) {
    UtmpRecord r;
    UtmpParse p = ParseUtmpRecord(input.substr(off), &r);
    if (p == UtmpParse::kOk && (r.user.size() > 32 || r.line.size() > 32 ||
                                r.host.size() > 256 || r.time_ns < 0)) {
      __builtin_trap();
    }
  }
  int bad = 0;
  Positions pos = ParsePositions(input, &bad);
  // Whatever was read must survive a round trip unchanged.
  Positions again = ParsePositions(FormatPositions(pos), nullptr);
  if (again.files.size() > pos.files.size()) __builtin_trap();
  if (bad < 0) __builtin_trap();
  return 0;
}

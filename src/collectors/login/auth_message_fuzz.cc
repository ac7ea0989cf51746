// libFuzzer target for the auth message parser and the correlator: the user
// name in most messages is whatever a remote client sent. The first byte
// picks the program the message is attributed to. Build with
//   clang++ -std=c++20 -fsanitize=fuzzer,address,undefined -Isrc -Iinclude
//     src/collectors/login/{auth_message,auth_correlator}.cc
//     src/core/event.cc src/collectors/login/auth_message_fuzz.cc
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "collectors/login/auth_correlator.h"
#include "collectors/login/auth_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picket::login;  // NOLINT: a fuzz target's one function
  if (size == 0) return 0;
  static constexpr std::string_view kPrograms[] = {
      "",   "sshd", "sshd-session",   "dropbear", "login",
      "su", "sudo", "sshd(pam_unix)", "vsftpd",   "klogind"};
  std::string_view program = kPrograms[data[0] % std::size(kPrograms)];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  static AuthCorrelator correlator(64);  // state across inputs, bounded
  // Each line of the input is one message, as in a log file.
  std::vector<LoginFact> facts;
  int32_t pid = 1 + data[0] % 4;
  while (!input.empty()) {
    size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
    AuthRecord r;
    if (ParseAuthMessage(program, line, &r)) {
      // Views point into the line, except a user the message names without
      // spelling it: "ROOT LOGIN REFUSED", "ROOT LOGIN ON" give "root".
      auto inside = [&line](std::string_view v) {
        return v.empty() || (v.data() >= line.data() &&
                             v.data() + v.size() <= line.data() + line.size());
      };
      if (!inside(r.user) && r.user != "root") __builtin_trap();
      for (std::string_view v : {r.address, r.by_user, r.tty}) {
        if (!inside(v)) __builtin_trap();
      }
      facts.clear();
      correlator.Add(r, pid, &facts);
      if (facts.size() > AuthCorrelator::kMaxRepeat) __builtin_trap();
    }
  }
  if (correlator.sessions() > 64) __builtin_trap();
  return 0;
}

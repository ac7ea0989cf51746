// libFuzzer target for ParseDnsMessage. Any input must be rejected with a
// Corruption status naming the section, or parsed into names in the
// documented form (lowercase, no trailing dot, at most 255 bytes on the
// wire) and answers of the three kept types.
//
// Built by hand (one command line):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude
//     -Isrc src/collectors/net/dns_fuzz.cc src/collectors/net/dns.cc
//     src/collectors/net/packet.cc src/core/status.cc -o dns_fuzz
//   ./dns_fuzz -max_total_time=60 tests/fuzz/corpus/dns_fuzz
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "collectors/net/dns.h"

namespace {

void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

// Escaped text of a name of at most 255 wire bytes: each wire byte becomes
// at most four characters ("\DDD").
constexpr size_t kMaxNameText = 4 * 255;

void CheckName(const std::string& name) {
  if (name.size() > kMaxNameText) Fail("name too long", name);
  if (!name.empty() && name.back() == '.' &&
      (name.size() < 2 || name[name.size() - 2] != '\\')) {
    Fail("trailing dot", name);
  }
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') Fail("uppercase", name);
    if (static_cast<unsigned char>(c) <= ' ' ||
        static_cast<unsigned char>(c) >= 0x7f) {
      Fail("unescaped byte", name);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A private copy of exactly the message, so that a read past it is seen.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[size == 0 ? 1 : size]);
  std::copy(data, data + size, copy.get());
  picket::DnsMessage msg;
  const picket::Status st = picket::ParseDnsMessage(copy.get(), size, &msg);
  if (!st.ok()) {
    const std::string& m = st.message();
    if (st.code() != picket::Status::Code::kCorruption) {
      Fail("not Corruption", st.ToString());
    }
    if (m.rfind("header: ", 0) != 0 && m.rfind("question ", 0) != 0 &&
        m.rfind("answer ", 0) != 0) {
      Fail("error does not name the section", m);
    }
    return 0;
  }
  CheckName(msg.question);
  const size_t answer_count = size >= 8 ? (copy[6] << 8 | copy[7]) : 0;
  if (msg.answers.size() > answer_count) Fail("extra answers", "");
  for (const picket::DnsRecord& r : msg.answers) {
    CheckName(r.name);
    switch (r.type) {
      case 1:
        if (r.address.family != 4 || !r.target.empty()) Fail("bad A", r.name);
        break;
      case 28:
        if (r.address.family != 6 || !r.target.empty()) {
          Fail("bad AAAA", r.name);
        }
        break;
      case 5:
        if (r.address.family != 0) Fail("CNAME with address", r.name);
        CheckName(r.target);
        break;
      default:
        Fail("kept a record of another type", std::to_string(r.type));
    }
  }
  return 0;
}

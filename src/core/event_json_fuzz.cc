// libFuzzer target for the event reader. Any input must be rejected cleanly
// or read into an Event whose JSON reads back to the same JSON: the writer
// and the reader are exact inverses on what the writer produces.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined
//     -Iinclude -Isrc src/core/event_json_fuzz.cc src/core/event_json.cc
//     src/core/event.cc src/core/status.cc -o event_json_fuzz
//   ./event_json_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/event_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  picket::Event first;
  if (!picket::EventFromJson(input, &first).ok()) return 0;

  const std::string json = picket::EventToJson(first);
  picket::Event second;
  const picket::Status st = picket::EventFromJson(json, &second);
  if (!st.ok()) {
    std::fprintf(stderr, "written JSON does not read back: %s\n%s\n",
                 st.ToString().c_str(), json.c_str());
    std::abort();
  }
  const std::string again = picket::EventToJson(second);
  if (again != json) {
    std::fprintf(stderr, "round trip differs:\n%s\n%s\n", json.c_str(),
                 again.c_str());
    std::abort();
  }
  return 0;
}

// libFuzzer target: arbitrary bytes as one proc connector datagram.
#include <cstdint>
#include <cstring>
#include <vector>

#include "collectors/linux/proc_connector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Copy into aligned storage, as recv() into an aligned buffer would.
  std::vector<uint64_t> aligned((size + 7) / 8 + 1);
  if (size > 0) std::memcpy(aligned.data(), data, size);
  std::vector<picket::ProcConnEvent> out;
  uint64_t malformed = 0;
  picket::ParseProcConnectorDatagram(aligned.data(), size, &out, &malformed);
  for (const auto& ev : out) {
    if (ev.pid <= 0 || ev.tgid <= 0) __builtin_trap();
  }
  return 0;
}

// libFuzzer target: ParseConfig must survive any bytes without crashing,
// throwing or breaking its error-message contract.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  picket::Result<picket::Config> result = picket::ParseConfig(text, "f.yaml");
  if (result.ok()) return 0;
  // Tools split the message into lines: every line must be a complete
  // "f.yaml:<line>: ..." error, and the code must say "invalid content".
  const picket::Status& status = result.status();
  if (status.code() != picket::Status::Code::kInvalidArgument) std::abort();
  std::string_view message = status.message();
  while (true) {
    if (!message.starts_with("f.yaml:")) std::abort();
    size_t newline = message.find('\n');
    if (newline == std::string_view::npos) break;
    message.remove_prefix(newline + 1);
  }
  return 0;
}

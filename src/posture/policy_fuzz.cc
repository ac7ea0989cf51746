// libFuzzer target: ParsePolicy must survive any bytes without crashing,
// throwing or breaking its error-message contract, and a policy it accepts
// must evaluate without crashing on an empty root.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "posture/host.h"
#include "posture/policy.h"
#include "posture/scanner.h"
#include "testing/temp_dir.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  picket::Result<picket::Policy> result = picket::ParsePolicy(text, "f.yaml");
  if (!result.ok()) {
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
  // An accepted policy evaluates: against an empty directory every rule
  // meets missing facts, the paths least travelled. Commands never run
  // there (not the live root).
  static const picket::testing_util::TempDir empty_root("picket-policy-fuzz-");
  auto host = picket::NewLocalHost(empty_root.path());
  if (!host.ok()) return 0;
  picket::ScanReport report =
      picket::RunScan(*result, **host, picket::ScanOptions{});
  if (report.results.size() != result->checks.size()) std::abort();
  return 0;
}

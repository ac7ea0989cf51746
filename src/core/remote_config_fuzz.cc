// libFuzzer target: a remote configuration document from the network must
// never crash the agent; a rejection always says why, and an acceptance
// always carries a version.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/remote_config.h"

namespace {

constexpr char kBase[] = R"(
device:
  id: cam-01
detectors:
  brute_force:
    capacity: 7
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view doc(reinterpret_cast<const char*>(data), size);
  picket::RemoteConfigResult r =
      picket::ApplyRemoteConfig(kBase, "picket.yaml", doc);
  if (r.ok) {
    if (r.version.empty() || !r.errors.empty()) std::abort();
    if (r.config.device.id != "cam-01") std::abort();  // local-only kept
  } else {
    if (r.errors.empty()) std::abort();
    for (const auto& e : r.errors) {
      if (e.error.empty()) std::abort();
    }
  }
  std::string report = picket::RemoteConfigReportJson(r, "cam-01");
  if (report.empty() || report.front() != '{') std::abort();
  return 0;
}

#include "platform/linux/config_file.h"

#include "platform/linux/files.h"

namespace picket {

namespace {

// A config file is a few KiB; the cap keeps `--config /dev/zero` (or a log
// file passed by mistake) from eating the memory of a small device.
constexpr size_t kMaxConfigFileBytes = 1 << 20;

}  // namespace

Result<std::string> ReadConfigText(const std::string& path) {
  return ReadTrustedFile(path, kMaxConfigFileBytes, "configuration");
}

Result<Config> LoadConfigFile(const std::string& path) {
  Result<std::string> text = ReadConfigText(path);
  if (!text.ok()) return text.status();
  return ParseConfig(*text, path);
}

}  // namespace picket

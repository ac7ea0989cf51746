#include "sinks/mqtt/secrets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "platform/linux/files.h"

namespace picket {

Result<std::string> ReadSecretFile(const std::string& path,
                                   std::string_view what) {
  const std::string label = std::string(what) + " " + path;
  ScopedFd fd(
      open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd.valid()) return ErrnoStatus(label + ": cannot open", errno);
  struct stat st;
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(label + ": not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    return Status::PermissionDenied(label +
                                    ": readable by group or others (mode " +
                                    mode + "); run chmod 600 on it");
  }
  if (st.st_uid != geteuid() && st.st_uid != 0) {
    return Status::PermissionDenied(label + ": owned by another user");
  }
  std::string text(kMaxSecretBytes + 1, '\0');
  const ssize_t n = read(fd.get(), text.data(), text.size());
  if (n < 0) return ErrnoStatus(label, errno);
  if (static_cast<size_t>(n) > kMaxSecretBytes) {
    return Status::InvalidArgument(label + ": larger than 4 KiB");
  }
  text.resize(static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' ||
                           text.back() == ' ' || text.back() == '\t')) {
    text.pop_back();
  }
  if (text.empty()) return Status::InvalidArgument(label + ": empty");
  return text;
}

MqttCredentials::~MqttCredentials() {
  std::fill(password.begin(), password.end(), '\0');
}

Result<MqttCredentials> ReadMqttCredentials(const MqttSinkConfig& config,
                                            std::string_view device_id) {
  MqttCredentials c;
  c.client_id =
      config.client_id.empty() ? std::string(device_id) : config.client_id;
  c.host = config.host;
  c.tls = !config.ca_file.empty() || !config.ca_path.empty();
  c.username = config.username;
  if (!config.password_file.empty()) {
    auto secret = ReadSecretFile(config.password_file, "password_file");
    if (!secret.ok()) return secret.status();
    c.password = std::move(secret.value());
  }
  if (config.mode == "azure") {
    auto text =
        ReadSecretFile(config.connection_string_file, "connection_string_file");
    if (!text.ok()) return text.status();
    auto cs = ParseAzureConnectionString(*text);
    if (!cs.ok()) {
      return cs.status().WithContext("connection_string_file " +
                                     config.connection_string_file);
    }
    c.azure = std::move(cs.value());
    c.host = c.azure->gateway_host_name.empty() ? c.azure->host_name
                                                : c.azure->gateway_host_name;
    c.client_id = AzureClientId(*c.azure);
    c.username = AzureUsername(*c.azure);
    c.tls = true;
    if (c.azure->x509 && config.cert_file.empty()) {
      return Status::InvalidArgument(
          "azure mode with x509=true needs sinks.mqtt.cert_file and "
          "key_file");
    }
  }
  c.port =
      config.port != 0 ? static_cast<int>(config.port) : (c.tls ? 8883 : 1883);
  return c;
}

}  // namespace picket

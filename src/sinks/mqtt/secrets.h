// The MQTT sink's secrets: reading the files that hold them (the password,
// the Azure IoT Hub connection string) and resolving, with the
// configuration, where and as whom the sink connects.
//
// A secret file must be a regular file of the agent's user (or root) that
// group and others cannot read, the rule ssh applies to private keys. It is
// opened without following a symbolic link and without blocking, so a FIFO
// or a device put in its place is refused instead of stalling the agent.
// Messages name the file and what is wrong, never its content. The caller
// owns what is returned (and wipes the password when done, see
// MqttCredentials). Thread-safe: no state.
#ifndef PICKET_SINKS_MQTT_SECRETS_H_
#define PICKET_SINKS_MQTT_SECRETS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "picket/status.h"
#include "sinks/mqtt/azure.h"
#include "sinks/mqtt/mqtt_config.h"

namespace picket {

// The most a secret file may hold.
inline constexpr size_t kMaxSecretBytes = 4096;

// Reads a file holding one secret; trailing newlines, spaces and tabs are
// dropped. `what` names it in errors ("password_file"): cannot open
// (IOError/NotFound/PermissionDenied with errno's reason, ELOOP for a
// symlink), not a regular file or larger than 4 KiB or empty
// (InvalidArgument), readable by group or others or owned by another user
// (PermissionDenied).
Result<std::string> ReadSecretFile(const std::string& path,
                                   std::string_view what);

// Where and as whom an MQTT connection is made: from the configuration, or
// in azure mode from the connection string.
struct MqttCredentials {
  MqttCredentials() = default;
  MqttCredentials(MqttCredentials&&) = default;
  MqttCredentials& operator=(MqttCredentials&&) = default;
  ~MqttCredentials();  // wipes the password

  std::string host;
  int port = 0;  // the configured one, else 1883, or 8883 with TLS
  bool tls = false;
  std::string client_id;
  std::string username;  // empty: neither user name nor password is sent
  std::string password;  // from password_file; empty when none
  // Azure mode: the parsed connection string (its shared access key signs
  // each attempt's SAS token).
  std::optional<AzureConnectionString> azure;
};

// Resolves the credentials of `config` for device `device_id`, reading its
// secret files. Errors: those of ReadSecretFile, a connection string that
// does not parse (naming the file), azure's x509=true without cert_file.
Result<MqttCredentials> ReadMqttCredentials(const MqttSinkConfig& config,
                                            std::string_view device_id);

}  // namespace picket

#endif  // PICKET_SINKS_MQTT_SECRETS_H_

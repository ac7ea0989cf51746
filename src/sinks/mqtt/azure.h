// Azure IoT Hub conventions for the MQTT sink's "azure" mode.
//
// A device or module connects with its connection string
// (`HostName=hub.azure-devices.net;DeviceId=dev;[ModuleId=mod;]
// SharedAccessKey=base64` or `...;x509=true`). With a shared access key the
// MQTT password is a SAS token: HMAC-SHA256, keyed with the base64-decoded
// key, over "<URL-encoded resource URI>\n<expiry>", base64-encoded and
// URL-encoded into `SharedAccessSignature sr=...&sig=...&se=...`. User name,
// client id and topics follow IoT Hub's MQTT support. See docs/mqtt.md.
//
// Pure functions over strings (OpenSSL for HMAC and base64); no I/O.
// Error messages never contain the key.
#ifndef PICKET_SINKS_MQTT_AZURE_H_
#define PICKET_SINKS_MQTT_AZURE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "picket/status.h"

namespace picket {

// IoT Hub API version sent in the MQTT user name.
inline constexpr char kAzureApiVersion[] = "2021-04-12";

struct AzureConnectionString {
  std::string host_name;          // HostName
  std::string device_id;          // DeviceId
  std::string module_id;          // ModuleId, empty for a device identity
  std::string shared_access_key;  // SharedAccessKey (base64), empty with x509
  std::string shared_access_key_name;  // SharedAccessKeyName (policy), rare
  std::string gateway_host_name;       // GatewayHostName (IoT Edge), optional
  bool x509 = false;                   // x509=true
};

// Parses `Key=Value;Key=Value`. Keys are case-sensitive as IoT Hub writes
// them; values may contain '=' (base64 padding). Unknown keys are an error,
// as are a missing HostName or DeviceId, neither or both of SharedAccessKey
// and x509=true, a key that is not valid base64, and duplicate keys. Errors
// name the key, never its value when the key is SharedAccessKey.
Result<AzureConnectionString> ParseAzureConnectionString(std::string_view text);

// Percent-encodes everything but RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~), upper-case hex: "a/b c" -> "a%2Fb%20c".
std::string UrlEncode(std::string_view text);

// Standard base64 (with padding), by libcrypto. Decode fails on invalid
// input; both fail (Encode: empty) when libcrypto cannot be loaded.
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

// `<host>/devices/<device>` or `<host>/devices/<device>/modules/<module>`.
std::string AzureResourceUri(const AzureConnectionString& cs);

// The SAS token for `resource_uri` (not yet URL-encoded), valid until
// `expiry_unix_s`: "SharedAccessSignature sr=<enc uri>&sig=<enc sig>&se=<exp>"
// plus "&skn=<policy>" when `policy_name` is not empty.
Result<std::string> MakeSasToken(std::string_view resource_uri,
                                 std::string_view base64_key,
                                 int64_t expiry_unix_s,
                                 std::string_view policy_name = "");

// MQTT client id: "<device>" or "<device>/<module>".
std::string AzureClientId(const AzureConnectionString& cs);

// MQTT user name: "<host>/<client id>/?api-version=<kAzureApiVersion>".
std::string AzureUsername(const AzureConnectionString& cs);

// Telemetry topic: "devices/<device>/messages/events/" or
// "devices/<device>/modules/<module>/messages/events/", followed by
// `property_bag` (already encoded, e.g. "$.ct=application%2Fjson&$.ce=utf-8").
std::string AzureTelemetryTopic(const AzureConnectionString& cs,
                                std::string_view property_bag);

}  // namespace picket

#endif  // PICKET_SINKS_MQTT_AZURE_H_

#include "sinks/mqtt/azure.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <climits>
#include <string>

#include "platform/linux/lib_crypto.h"

namespace picket {

namespace {

// EVP_EncodeBlock/EVP_DecodeBlock take an int length; larger inputs are fed
// in chunks that end on a base64 group boundary.
constexpr size_t kEncodeChunk = 3 * 16384;
constexpr size_t kDecodeChunk = 4 * 16384;

// Unknown key names are echoed in errors only when they look like a key name:
// plain and shorter than the base64 of IoT Hub's smallest key (16 bytes: 22
// characters before the "=="). A key pasted on its own ("AbC...xyz=") would
// otherwise come back in the message.
constexpr size_t kMaxEchoedKey = 21;

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '+' ? 62 : 63;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Control characters and spaces never occur in IoT Hub host names, ids or
// keys; finding one means a copy-paste accident, better reported than sent.
bool HasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

std::string EchoKey(std::string_view key) {
  const bool plain = key.size() <= kMaxEchoedKey &&
                     std::all_of(key.begin(), key.end(), [](char c) {
                       return (c >= 'A' && c <= 'Z') ||
                              (c >= 'a' && c <= 'z') ||
                              (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                              c == '.' || c == ' ' || c == '\t';
                     });
  if (!plain) {
    return "(" + std::to_string(key.size()) + " characters, not shown)";
  }
  return "\"" + std::string(key) + "\"";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

// Overwrites a secret before its memory is released.
void Wipe(std::string* secret) {
  if (!secret->empty()) explicit_bzero(secret->data(), secret->size());
  secret->clear();
}

Status Invalid(std::string_view what) {
  return Status::InvalidArgument(std::string("Azure connection string: ") +
                                 std::string(what));
}

}  // namespace

// Whitespace: the text as a whole is trimmed (a trailing newline from a file
// or an environment variable is harmless), but none is allowed inside, since
// IoT Hub never writes any: "DeviceId = dev" is an error naming the key, not
// a silently different identity.
Result<AzureConnectionString> ParseAzureConnectionString(
    std::string_view text) {
  AzureConnectionString cs;
  text = Trim(text);
  if (text.empty()) return Invalid("empty");
  // One trailing ';' is tolerated (some tools print one); the empty segment
  // it leaves is not a key.
  if (text.back() == ';') text.remove_suffix(1);

  struct Field {
    const char* name;
    std::string* value;
    bool seen;
  };
  std::string x509;
  std::array<Field, 7> fields = {{
      {"HostName", &cs.host_name, false},
      {"DeviceId", &cs.device_id, false},
      {"ModuleId", &cs.module_id, false},
      {"SharedAccessKey", &cs.shared_access_key, false},
      {"SharedAccessKeyName", &cs.shared_access_key_name, false},
      {"GatewayHostName", &cs.gateway_host_name, false},
      {"x509", &x509, false},
  }};

  size_t index = 0;
  while (true) {
    ++index;
    const size_t semicolon = text.find(';');
    const std::string_view segment = text.substr(0, semicolon);
    const size_t equals = segment.find('=');
    if (equals == std::string_view::npos) {
      // No key to name; the segment itself may be a secret.
      return Invalid("part " + std::to_string(index) +
                     " is not Key=Value (no '=')");
    }
    const std::string_view key = segment.substr(0, equals);
    const std::string_view value = segment.substr(equals + 1);
    if (key.empty()) {
      return Invalid("part " + std::to_string(index) + " has an empty key");
    }
    auto field = std::find_if(fields.begin(), fields.end(),
                              [&](const Field& f) { return key == f.name; });
    if (field == fields.end() && Trim(key) != key) {
      return Invalid("key " + EchoKey(key) +
                     " has surrounding whitespace (none is allowed)");
    }
    if (field == fields.end() && key == "SharedAccessSignature") {
      return Invalid(
          "SharedAccessSignature (a ready-made token) is not supported; "
          "give SharedAccessKey or x509=true");
    }
    if (field == fields.end()) {
      return Invalid("unknown key " + EchoKey(key) +
                     " (keys are case-sensitive: HostName, DeviceId, "
                     "ModuleId, SharedAccessKey, SharedAccessKeyName, "
                     "GatewayHostName, x509)");
    }
    if (field->seen) return Invalid(std::string(key) + " given twice");
    field->seen = true;
    if (value.empty()) return Invalid(std::string(key) + " has an empty value");
    if (HasSpaceOrControl(value)) {
      return Invalid(std::string(key) +
                     " contains a space or control character");
    }
    *field->value = std::string(value);
    if (semicolon == std::string_view::npos) break;
    text.remove_prefix(semicolon + 1);
  }

  if (cs.host_name.empty()) return Invalid("HostName is missing");
  if (cs.device_id.empty()) return Invalid("DeviceId is missing");
  if (!x509.empty()) {
    if (EqualsIgnoreCase(x509, "true")) {
      cs.x509 = true;
    } else if (!EqualsIgnoreCase(x509, "false")) {
      return Invalid("x509 must be true or false");
    }
  }
  if (cs.x509 && !cs.shared_access_key.empty()) {
    return Invalid("SharedAccessKey and x509=true are exclusive; give one");
  }
  if (!cs.x509 && cs.shared_access_key.empty()) {
    return Invalid("SharedAccessKey or x509=true is required");
  }
  if (!cs.shared_access_key_name.empty() && cs.shared_access_key.empty()) {
    return Invalid("SharedAccessKeyName needs SharedAccessKey");
  }
  if (!cs.shared_access_key.empty()) {
    Result<std::string> key = Base64Decode(cs.shared_access_key);
    if (!key.ok()) {
      // Base64Decode's messages give offsets, never content.
      return Invalid("SharedAccessKey is not valid " + key.status().message());
    }
    Wipe(&key.value());
  }
  return cs;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  const Result<LibCryptoApi>& crypto = LibCrypto();
  if (!crypto.ok()) return {};
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  // One chunk's output plus EVP_EncodeBlock's terminating NUL.
  std::string buffer(kEncodeChunk / 3 * 4 + 1, '\0');
  while (!bytes.empty()) {
    const std::string_view chunk = bytes.substr(0, kEncodeChunk);
    const int n = crypto->EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(buffer.data()),
        reinterpret_cast<const unsigned char*>(chunk.data()),
        static_cast<int>(chunk.size()));
    out.append(buffer.data(), static_cast<size_t>(n));
    bytes.remove_prefix(chunk.size());
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  // EVP_DecodeBlock skips surrounding whitespace, accepts '=' anywhere in the
  // last group and counts padding as zero bytes, so the input is validated
  // here first and the padding subtracted afterwards.
  if (text.size() % 4 != 0) {
    return Status::InvalidArgument(
        "base64: length is not a multiple of 4 (padding missing?)");
  }
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  const std::string_view body = text.substr(0, text.size() - padding);
  for (size_t i = 0; i < body.size(); ++i) {
    if (!IsBase64Char(body[i])) {
      return Status::InvalidArgument("base64: invalid character at offset " +
                                     std::to_string(i));
    }
  }
  // The bits after the last byte must be zero, so that every byte string has
  // exactly one encoding ("QR==" is not "QQ==").
  if (padding > 0) {
    const int last = Base64Value(body.back());
    if ((padding == 1 && (last & 0x3) != 0) ||
        (padding == 2 && (last & 0xf) != 0)) {
      return Status::InvalidArgument("base64: non-zero bits in padding");
    }
  }

  const Result<LibCryptoApi>& crypto = LibCrypto();
  if (!crypto.ok()) return crypto.status();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::string buffer(kDecodeChunk / 4 * 3, '\0');
  while (!text.empty()) {
    const std::string_view chunk = text.substr(0, kDecodeChunk);
    const int n = crypto->EVP_DecodeBlock(
        reinterpret_cast<unsigned char*>(buffer.data()),
        reinterpret_cast<const unsigned char*>(chunk.data()),
        static_cast<int>(chunk.size()));
    if (n < 0) {
      Wipe(&buffer);
      Wipe(&out);
      return Status::InvalidArgument("base64: invalid input");
    }
    out.append(buffer.data(), static_cast<size_t>(n));
    text.remove_prefix(chunk.size());
  }
  Wipe(&buffer);
  out.resize(out.size() - padding);
  return out;
}

std::string AzureResourceUri(const AzureConnectionString& cs) {
  std::string uri = cs.host_name + "/devices/" + cs.device_id;
  if (!cs.module_id.empty()) uri += "/modules/" + cs.module_id;
  return uri;
}

Result<std::string> MakeSasToken(std::string_view resource_uri,
                                 std::string_view base64_key,
                                 int64_t expiry_unix_s,
                                 std::string_view policy_name) {
  if (resource_uri.empty()) {
    return Status::InvalidArgument("SAS token: empty resource URI");
  }
  if (expiry_unix_s < 0) {
    return Status::InvalidArgument("SAS token: negative expiry");
  }
  const Result<LibCryptoApi>& crypto = LibCrypto();
  if (!crypto.ok()) return crypto.status();
  Result<std::string> key = Base64Decode(base64_key);
  if (!key.ok()) {
    return Status::InvalidArgument("SAS token: key is not valid base64");
  }
  if (key->empty() || key->size() > static_cast<size_t>(INT_MAX)) {
    Wipe(&key.value());
    return Status::InvalidArgument("SAS token: empty or oversized key");
  }

  const std::string encoded_uri = UrlEncode(resource_uri);
  const std::string expiry = std::to_string(expiry_unix_s);
  const std::string to_sign = encoded_uri + "\n" + expiry;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  const unsigned char* ok = crypto->HMAC(
      crypto->EVP_sha256(), key->data(), static_cast<int>(key->size()),
      reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(),
      mac, &mac_len);
  Wipe(&key.value());
  if (ok == nullptr) {
    return Status::Unavailable("SAS token: HMAC-SHA256 failed in OpenSSL");
  }
  const std::string signature = Base64Encode(
      std::string_view(reinterpret_cast<const char*>(mac), mac_len));

  std::string token = "SharedAccessSignature sr=" + encoded_uri +
                      "&sig=" + UrlEncode(signature) + "&se=" + expiry;
  if (!policy_name.empty()) token += "&skn=" + UrlEncode(policy_name);
  return token;
}

std::string AzureClientId(const AzureConnectionString& cs) {
  if (cs.module_id.empty()) return cs.device_id;
  return cs.device_id + "/" + cs.module_id;
}

std::string AzureUsername(const AzureConnectionString& cs) {
  return cs.host_name + "/" + AzureClientId(cs) +
         "/?api-version=" + kAzureApiVersion;
}

std::string AzureTelemetryTopic(const AzureConnectionString& cs,
                                std::string_view property_bag) {
  std::string topic = "devices/" + cs.device_id;
  if (!cs.module_id.empty()) topic += "/modules/" + cs.module_id;
  topic += "/messages/events/";
  topic += property_bag;
  return topic;
}

}  // namespace picket

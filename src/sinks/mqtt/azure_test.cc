#include "sinks/mqtt/azure.h"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace picket {
namespace {

// base64("secret-key-material-1234567890"): distinctive enough that finding
// any 8-character piece of it in an error message is a leak.
constexpr char kSecretKey[] = "c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkw";

// True when `message` contains any `piece`-character substring of `secret`.
bool LeaksPieceOf(std::string_view message, std::string_view secret,
                  size_t piece = 8) {
  if (secret.size() < piece) return message.find(secret) != message.npos;
  for (size_t i = 0; i + piece <= secret.size(); ++i) {
    if (message.find(secret.substr(i, piece)) != message.npos) return true;
  }
  return false;
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(
          std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The value of `name` ("sr", "sig", "se", "skn") in a SAS token, or "".
std::string TokenField(std::string_view token, std::string_view name) {
  constexpr std::string_view kPrefix = "SharedAccessSignature ";
  if (!token.starts_with(kPrefix)) return "";
  token.remove_prefix(kPrefix.size());
  while (!token.empty()) {
    const size_t amp = token.find('&');
    const std::string_view field = token.substr(0, amp);
    const size_t eq = field.find('=');
    if (field.substr(0, eq) == name) return std::string(field.substr(eq + 1));
    if (amp == token.npos) break;
    token.remove_prefix(amp + 1);
  }
  return "";
}

// ---------------------------------------------------------------------------
// Connection strings.

TEST(AzureConnectionStringTest, DeviceForm) {
  Result<AzureConnectionString> cs = ParseAzureConnectionString(
      std::string("HostName=myiothub.azure-devices.net;DeviceId=my_device;"
                  "SharedAccessKey=") +
      kSecretKey);
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->host_name, "myiothub.azure-devices.net");
  EXPECT_EQ(cs->device_id, "my_device");
  EXPECT_EQ(cs->module_id, "");
  EXPECT_EQ(cs->shared_access_key, kSecretKey);
  EXPECT_EQ(cs->shared_access_key_name, "");
  EXPECT_EQ(cs->gateway_host_name, "");
  EXPECT_FALSE(cs->x509);
}

TEST(AzureConnectionStringTest, ModuleForm) {
  Result<AzureConnectionString> cs = ParseAzureConnectionString(
      "HostName=hub.azure-devices.net;DeviceId=gw-01;ModuleId=picket;"
      "SharedAccessKey=cGFzc3dvcmQ=");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->device_id, "gw-01");
  EXPECT_EQ(cs->module_id, "picket");
  EXPECT_EQ(cs->shared_access_key, "cGFzc3dvcmQ=");
}

TEST(AzureConnectionStringTest, X509Form) {
  Result<AzureConnectionString> cs = ParseAzureConnectionString(
      "HostName=hub.azure-devices.net;DeviceId=dev;x509=true");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_TRUE(cs->x509);
  EXPECT_EQ(cs->shared_access_key, "");
  // The SDKs compare the flag without regard to case.
  cs = ParseAzureConnectionString("HostName=h;DeviceId=d;x509=TRUE");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_TRUE(cs->x509);
  // x509=false is the default spelled out: a key is still needed.
  cs = ParseAzureConnectionString(
      "HostName=h;DeviceId=d;x509=false;SharedAccessKey=YWJjZA==");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_FALSE(cs->x509);
}

TEST(AzureConnectionStringTest, EdgeModuleWithGateway) {
  Result<AzureConnectionString> cs = ParseAzureConnectionString(
      "HostName=hub.azure-devices.net;DeviceId=edge1;ModuleId=picket;"
      "SharedAccessKey=YWJjZA==;GatewayHostName=edge1.local");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->gateway_host_name, "edge1.local");
  EXPECT_EQ(cs->host_name, "hub.azure-devices.net");
}

TEST(AzureConnectionStringTest, PolicyKeyName) {
  Result<AzureConnectionString> cs = ParseAzureConnectionString(
      "HostName=h.azure-devices.net;DeviceId=d;SharedAccessKeyName=device;"
      "SharedAccessKey=YWJjZA==");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->shared_access_key_name, "device");
}

TEST(AzureConnectionStringTest, ValuesMayContainEquals) {
  // Base64 padding ("==") and '=' inside an id: only the first '=' of a part
  // separates key from value.
  Result<AzureConnectionString> cs = ParseAzureConnectionString(
      "HostName=h;DeviceId=a=b;SharedAccessKey=YWJjZA==");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->device_id, "a=b");
  EXPECT_EQ(cs->shared_access_key, "YWJjZA==");
}

TEST(AzureConnectionStringTest, OrderDoesNotMatter) {
  Result<AzureConnectionString> cs = ParseAzureConnectionString(
      "SharedAccessKey=YWJjZA==;ModuleId=m;DeviceId=d;HostName=h");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->host_name, "h");
  EXPECT_EQ(cs->device_id, "d");
  EXPECT_EQ(cs->module_id, "m");
}

TEST(AzureConnectionStringTest, WhitespaceAroundTheWholeStringIsTrimmed) {
  // A trailing newline from a file or environment variable, and a trailing
  // ';' that some tools print, are harmless.
  Result<AzureConnectionString> cs = ParseAzureConnectionString(
      "  HostName=h;DeviceId=d;SharedAccessKey=YWJjZA==;\n");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->host_name, "h");
  EXPECT_EQ(cs->shared_access_key, "YWJjZA==");
}

TEST(AzureConnectionStringTest, WhitespaceInsideIsAnError) {
  // IoT Hub never writes any; accepting it would silently change an id.
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"HostName=h;DeviceId= d;x509=true", "DeviceId contains a space"},
      {"HostName=h;DeviceId=d ;x509=true", "DeviceId contains a space"},
      {"HostName=h; DeviceId=d;x509=true", "key \" DeviceId\" has surrounding"},
      {"HostName=h;DeviceId =d;x509=true", "key \"DeviceId \" has surrounding"},
      {"HostName=h;DeviceId=d\t1;x509=true", "DeviceId contains a space"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Result<AzureConnectionString> cs = ParseAzureConnectionString(c.text);
    ASSERT_FALSE(cs.ok());
    EXPECT_NE(cs.status().message().find(c.message), std::string::npos)
        << cs.status().message();
  }
}

TEST(AzureConnectionStringTest, ErrorsNameTheProblemAndNeverTheKey) {
  const std::string key = kSecretKey;
  struct Case {
    std::string text;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"", "empty"},
      {" \n", "empty"},
      {"DeviceId=d;SharedAccessKey=" + key, "HostName is missing"},
      {"HostName=h;SharedAccessKey=" + key, "DeviceId is missing"},
      {"HostName=h;DeviceId=d;x509=true;SharedAccessKey=" + key,
       "SharedAccessKey and x509=true are exclusive"},
      {"HostName=h;DeviceId=d", "SharedAccessKey or x509=true is required"},
      {"HostName=h;DeviceId=d;x509=false",
       "SharedAccessKey or x509=true is required"},
      {"HostName=h;DeviceId=d;x509=yes", "x509 must be true or false"},
      {"HostName=h;DeviceId=d;x509=true;SharedAccessKeyName=p",
       "SharedAccessKeyName needs SharedAccessKey"},
      {"HostName=h;DeviceId=d;Color=blue;SharedAccessKey=" + key,
       "unknown key \"Color\""},
      // Keys are case-sensitive; the value of a misspelt key is a secret too.
      {"HostName=h;DeviceId=d;sharedaccesskey=" + key,
       "unknown key \"sharedaccesskey\""},
      {"HostName=h;DeviceId=d;SharedAccessSignature=sr%3Dx&sig=" + key,
       "SharedAccessSignature (a ready-made token) is not supported"},
      {"HostName=h;DeviceId=a;DeviceId=b;x509=true", "DeviceId given twice"},
      {"HostName=h;DeviceId=d;SharedAccessKey=" + key +
           ";SharedAccessKey=" + key,
       "SharedAccessKey given twice"},
      {"HostName=h;DeviceId=;x509=true", "DeviceId has an empty value"},
      {"HostName=h;DeviceId=d;ModuleId=;x509=true",
       "ModuleId has an empty value"},
      {"HostName=h;DeviceId=d;SharedAccessKey=",
       "SharedAccessKey has an empty"},
      {"HostName=h;DeviceId=d;SharedAccessKey=" + key + "!",
       "SharedAccessKey is not valid base64"},
      {"HostName=h;DeviceId=d;SharedAccessKey=" + key.substr(1),
       "SharedAccessKey is not valid base64"},
      {"HostName=h;DeviceId=d;SharedAccessKey=" + key + " x",
       "SharedAccessKey contains a space"},
      // A part without '=' may be a pasted key: it is counted, not echoed.
      {"HostName=h;DeviceId=d;" + key, "part 3 is not Key=Value"},
      {"HostName=h;;DeviceId=d;x509=true", "part 2 is not Key=Value"},
      {"=" + key + ";HostName=h", "part 1 has an empty key"},
      // Only short, plain key names are echoed: a key pasted on its own
      // must not come back in the message.
      {key + "AA==", "unknown key (42 characters, not shown)"},
      {"HostName=h;" + key + key + "=1", "unknown key (80 characters"},
      {"HostName=h;DeviceId=d;SharedAccessKeyId=" + key,
       "unknown key \"SharedAccessKeyId\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Result<AzureConnectionString> cs = ParseAzureConnectionString(c.text);
    ASSERT_FALSE(cs.ok());
    EXPECT_EQ(cs.status().code(), Status::Code::kInvalidArgument);
    const std::string& message = cs.status().message();
    EXPECT_TRUE(message.starts_with("Azure connection string: ")) << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << message;
    EXPECT_FALSE(LeaksPieceOf(message, key)) << message;
  }
}

// ---------------------------------------------------------------------------
// UrlEncode and base64.

TEST(AzureUrlEncodeTest, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UrlEncode(""), "");
  EXPECT_EQ(UrlEncode("a/b c"), "a%2Fb%20c");
  EXPECT_EQ(UrlEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(UrlEncode("+=&%/?#"), "%2B%3D%26%25%2F%3F%23");
  EXPECT_EQ(UrlEncode("\xc3\xa9"), "%C3%A9");  // UTF-8 e-acute
  EXPECT_EQ(UrlEncode(std::string_view("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(UrlEncode("hub.azure-devices.net/devices/d1"),
            "hub.azure-devices.net%2Fdevices%2Fd1");
  for (int c = 0; c < 256; ++c) {
    const std::string one(1, static_cast<char>(c));
    const bool unreserved =
        std::isalnum(c) || one == "-" || one == "." || one == "_" || one == "~";
    EXPECT_EQ(UrlEncode(one).size(), unreserved ? 1u : 3u) << c;
    EXPECT_EQ(UrlDecode(UrlEncode(one)), one) << c;
  }
}

TEST(AzureBase64Test, Rfc4648Vectors) {
  // RFC 4648, section 10.
  const std::array<std::pair<const char*, const char*>, 7> vectors = {{
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  }};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    Result<std::string> decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(AzureBase64Test, PaddingIsNotDecodedAsZeroBytes) {
  // EVP_DecodeBlock alone returns 3 bytes per group, padding included.
  Result<std::string> one = Base64Decode("AA==");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::string(1, '\0'));
  Result<std::string> two = Base64Decode("AAA=");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, std::string(2, '\0'));
}

TEST(AzureBase64Test, RandomRoundTrips) {
  std::mt19937 rng(20240611);
  for (size_t size = 0; size < 300; ++size) {
    std::string bytes(size, '\0');
    for (char& b : bytes) b = static_cast<char>(rng());
    // Trailing zero bytes are where padding mistakes show.
    if (size % 5 == 0 && size > 0) bytes.back() = '\0';
    const std::string encoded = Base64Encode(bytes);
    EXPECT_EQ(encoded.size(), (size + 2) / 3 * 4);
    Result<std::string> decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(*decoded, bytes) << encoded;
  }
}

TEST(AzureBase64Test, LargeInputCrossesChunks) {
  // Larger than the chunk both functions hand to OpenSSL at a time.
  std::mt19937 rng(7);
  std::string bytes(200001, '\0');
  for (char& b : bytes) b = static_cast<char>(rng());
  const std::string encoded = Base64Encode(bytes);
  EXPECT_EQ(encoded.size(), (bytes.size() + 2) / 3 * 4);
  EXPECT_EQ(encoded.find('\n'), std::string::npos);
  Result<std::string> decoded = Base64Decode(encoded);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, bytes);
}

TEST(AzureBase64Test, RejectsInvalidInput) {
  const char* const invalid[] = {
      "Zg",        // padding missing
      "Zg=",       // length not a multiple of 4
      "Z===",      // too much padding
      "====",      // padding only
      "Zg==Zg==",  // padding in the middle
      "Zm9v!A==",  // invalid character
      "Zm9-",      // URL-safe alphabet is not standard base64
      "Zm9_",      //
      " Zg==",     // whitespace, which EVP_DecodeBlock would skip
      "Zg==\n",    //
      "Zm 9v",     //
      "Zh==",      // non-zero bits after the last byte
      "Zm9=",      //
  };
  for (const char* text : invalid) {
    Result<std::string> decoded = Base64Decode(text);
    EXPECT_FALSE(decoded.ok()) << "\"" << text << "\"";
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), Status::Code::kInvalidArgument);
    }
  }
  EXPECT_FALSE(Base64Decode(std::string_view("AA\0A", 4)).ok());
}

// ---------------------------------------------------------------------------
// Identity helpers.

AzureConnectionString Device() {
  AzureConnectionString cs;
  cs.host_name = "myiothub.azure-devices.net";
  cs.device_id = "my_device";
  cs.shared_access_key = "YWJjZA==";
  return cs;
}

AzureConnectionString Module() {
  AzureConnectionString cs = Device();
  cs.module_id = "my_module";
  return cs;
}

TEST(AzureIdentityTest, Device) {
  const AzureConnectionString cs = Device();
  EXPECT_EQ(AzureResourceUri(cs),
            "myiothub.azure-devices.net/devices/my_device");
  EXPECT_EQ(AzureClientId(cs), "my_device");
  EXPECT_EQ(AzureUsername(cs),
            "myiothub.azure-devices.net/my_device/?api-version=2021-04-12");
  EXPECT_EQ(AzureTelemetryTopic(cs, ""), "devices/my_device/messages/events/");
  EXPECT_EQ(AzureTelemetryTopic(cs, "$.ct=application%2Fjson&$.ce=utf-8"),
            "devices/my_device/messages/events/"
            "$.ct=application%2Fjson&$.ce=utf-8");
}

TEST(AzureIdentityTest, Module) {
  const AzureConnectionString cs = Module();
  EXPECT_EQ(AzureResourceUri(cs),
            "myiothub.azure-devices.net/devices/my_device/modules/my_module");
  EXPECT_EQ(AzureClientId(cs), "my_device/my_module");
  EXPECT_EQ(
      AzureUsername(cs),
      "myiothub.azure-devices.net/my_device/my_module/?api-version=2021-04-12");
  EXPECT_EQ(AzureTelemetryTopic(cs, "$.ct=application%2Fjson"),
            "devices/my_device/modules/my_module/messages/events/"
            "$.ct=application%2Fjson");
}

TEST(AzureIdentityTest, GatewayDoesNotChangeTheIdentity) {
  // With IoT Edge the client connects to the gateway, but the token and the
  // user name still name the hub.
  AzureConnectionString cs = Module();
  cs.gateway_host_name = "edge1.local";
  EXPECT_EQ(AzureResourceUri(cs),
            "myiothub.azure-devices.net/devices/my_device/modules/my_module");
  EXPECT_TRUE(AzureUsername(cs).starts_with("myiothub.azure-devices.net/"));
}

// ---------------------------------------------------------------------------
// SAS tokens.

// Key, resource URI and expiry with the resulting signature, from the Azure
// IoT Node.js SDK's own tests: Azure/azure-iot-sdk-node,
// common/core/test/_shared_access_signature_test.js ("populates sig with the
// signature generated from resourceUri and expiry", "returns a signature
// token"): key = base64("password"), resourceUri "uri", expiry 12345, sig
// "kcWxXAK2OAaAoq2oCkaGzX2NMqDB8nCyNuq2fPYCDhk%3D"; key name "encode('Me')"
// becomes skn "encode%28%27Me%27%29". (That SDK puts skn before se; IoT Hub
// reads the fields by name, and picket appends skn last as azure-sdk-for-c
// does, see below.)
TEST(AzureSasTokenTest, NodeSdkVector) {
  Result<std::string> token = MakeSasToken("uri", "cGFzc3dvcmQ=", 12345);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token,
            "SharedAccessSignature sr=uri&"
            "sig=kcWxXAK2OAaAoq2oCkaGzX2NMqDB8nCyNuq2fPYCDhk%3D&se=12345");

  token = MakeSasToken("uri", "cGFzc3dvcmQ=", 12345, "encode('Me')");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token,
            "SharedAccessSignature sr=uri&"
            "sig=kcWxXAK2OAaAoq2oCkaGzX2NMqDB8nCyNuq2fPYCDhk%3D&se=12345&"
            "skn=encode%28%27Me%27%29");
}

// Token layout for device and module identities from the Azure SDK for
// Embedded C's tests: Azure/azure-sdk-for-c,
// sdk/tests/iot/hub/test_az_iot_hub_client_sas.c (host
// "myiothub.azure-devices.net", device "my_device", module "my_module",
// expiry 1578941692, key name "iothubowner"): the string to sign is
// "myiothub.azure-devices.net%2Fdevices%2Fmy_device\n1578941692" and the
// password "SharedAccessSignature sr=<that URI>&sig=<sig>&se=1578941692"
// [+ "&skn=iothubowner"]. That test's signature is not derived from a key, so
// only the layout is compared here; the signature itself is checked against
// the openssl command line below.
TEST(AzureSasTokenTest, EmbeddedCSdkLayout) {
  struct Case {
    AzureConnectionString cs;
    const char* policy;
    const char* sr;
    const char* tail;
  };
  const Case cases[] = {
      {Device(), "", "myiothub.azure-devices.net%2Fdevices%2Fmy_device",
       "&se=1578941692"},
      {Module(), "",
       "myiothub.azure-devices.net%2Fdevices%2Fmy_device%2Fmodules%2Fmy_module",
       "&se=1578941692"},
      {Device(), "iothubowner",
       "myiothub.azure-devices.net%2Fdevices%2Fmy_device",
       "&se=1578941692&skn=iothubowner"},
      {Module(), "iothubowner",
       "myiothub.azure-devices.net%2Fdevices%2Fmy_device%2Fmodules%2Fmy_module",
       "&se=1578941692&skn=iothubowner"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sr);
    Result<std::string> token =
        MakeSasToken(AzureResourceUri(c.cs), kSecretKey, 1578941692, c.policy);
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    const std::string prefix =
        std::string("SharedAccessSignature sr=") + c.sr + "&sig=";
    EXPECT_TRUE(token->starts_with(prefix)) << *token;
    EXPECT_TRUE(token->ends_with(c.tail)) << *token;
    // 32-byte HMAC-SHA256: 44 base64 characters, '=' and maybe '+' or '/'
    // URL-encoded.
    const std::string sig = UrlDecode(TokenField(*token, "sig"));
    EXPECT_EQ(sig.size(), 44u) << *token;
    EXPECT_TRUE(sig.ends_with("=")) << sig;
    EXPECT_EQ(token->size(), prefix.size() + UrlEncode(sig).size() +
                                 std::string_view(c.tail).size());
  }
}

bool HaveOpenssl() {
  return std::system("command -v openssl >/dev/null 2>&1") == 0;
}

// base64(HMAC-SHA256(key, to_sign)) from the openssl command line.
std::string OpensslSignature(std::string_view key, std::string_view to_sign) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (char c : key) {
    hex += kHex[static_cast<unsigned char>(c) >> 4];
    hex += kHex[static_cast<unsigned char>(c) & 0xf];
  }
  // The string to sign holds only URL-encoded characters, '\n' and digits,
  // so single quotes keep the shell away from it.
  EXPECT_EQ(to_sign.find('\''), std::string_view::npos);
  const std::string command =
      "printf '%s' '" + std::string(to_sign) +
      "' | openssl dgst -sha256 -mac HMAC -macopt hexkey:" + hex +
      " -binary | openssl base64 -A";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string out;
  char buffer[256];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  if (pclose(pipe) != 0) return "openssl failed: " + out;
  return out;
}

TEST(AzureSasTokenTest, MatchesOpensslCommandLine) {
  if (!HaveOpenssl()) GTEST_SKIP() << "openssl not on PATH";
  std::mt19937_64 rng(1578941692);
  const std::string id_chars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
      "-.+%_#*?!(),:=@$";
  auto random_id = [&](size_t max_len) {
    std::string id(1 + rng() % max_len, '\0');
    for (char& c : id) c = id_chars[rng() % id_chars.size()];
    return id;
  };
  for (int i = 0; i < 8; ++i) {
    AzureConnectionString cs;
    cs.host_name = random_id(20) + ".azure-devices.net";
    cs.device_id = random_id(40);
    if (i % 2 == 1) cs.module_id = random_id(20);
    std::string key(16 + rng() % 49, '\0');  // IoT Hub keys: 16-64 bytes
    for (char& c : key) c = static_cast<char>(rng());
    const int64_t expiry = static_cast<int64_t>(rng() % 4102444800);
    const std::string policy = i % 4 == 3 ? "device" : "";
    const std::string uri = AzureResourceUri(cs);
    SCOPED_TRACE(uri);

    Result<std::string> token =
        MakeSasToken(uri, Base64Encode(key), expiry, policy);
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    EXPECT_EQ(TokenField(*token, "sr"), UrlEncode(uri));
    EXPECT_EQ(TokenField(*token, "se"), std::to_string(expiry));
    EXPECT_EQ(TokenField(*token, "skn"), policy);
    const std::string to_sign = UrlEncode(uri) + "\n" + std::to_string(expiry);
    EXPECT_EQ(UrlDecode(TokenField(*token, "sig")),
              OpensslSignature(key, to_sign));
  }
}

TEST(AzureSasTokenTest, Errors) {
  struct Case {
    std::string uri;
    std::string key;
    int64_t expiry;
  };
  const std::string key = kSecretKey;
  const Case cases[] = {
      {"h/devices/d", key + "!", 1},  // invalid base64
      {"h/devices/d", key + "=", 1},  // bad padding
      {"h/devices/d", "", 1},         // empty key
      {"", key, 1},                   // empty resource URI
      {"h/devices/d", key, -1},       // negative expiry
  };
  for (const Case& c : cases) {
    Result<std::string> token = MakeSasToken(c.uri, c.key, c.expiry);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.status().code(), Status::Code::kInvalidArgument);
    EXPECT_FALSE(LeaksPieceOf(token.status().message(), key))
        << token.status().message();
  }
}

}  // namespace
}  // namespace picket

// libFuzzer target: ParseAzureConnectionString and Base64Decode must survive
// any bytes, and keep their contracts: a parsed string is complete and its
// key decodes; an error message does not depend on the key's value; base64
// decoding is the exact inverse of encoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sinks/mqtt/azure.h"

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

// Replaces every base64 digit of the value of each part whose key looks like
// SharedAccessKey (any case, any surrounding whitespace) by another digit
// with the same low four bits. Validity, padding bits and the offset of the
// first invalid character stay the same, so an error message that changes
// shows that it depends on the key's content.
std::string TwinKeys(std::string_view text) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out(text);
  size_t start = 0;
  while (start <= out.size()) {
    size_t end = out.find(';', start);
    if (end == std::string::npos) end = out.size();
    const size_t eq = out.find('=', start);
    if (eq < end) {
      std::string_view key(out.data() + start, eq - start);
      while (!key.empty() && IsSpace(key.front())) key.remove_prefix(1);
      while (!key.empty() && IsSpace(key.back())) key.remove_suffix(1);
      if (EqualsIgnoreCase(key, "SharedAccessKey")) {
        for (size_t i = eq + 1; i < end; ++i) {
          const char* digit = std::char_traits<char>::find(kDigits, 64, out[i]);
          if (digit != nullptr) out[i] = kDigits[(digit - kDigits) ^ 0x10];
        }
      }
    }
    start = end + 1;
  }
  return out;
}

void CheckConnectionString(std::string_view text) {
  picket::Result<picket::AzureConnectionString> result =
      picket::ParseAzureConnectionString(text);
  const std::string twin_text = TwinKeys(text);
  picket::Result<picket::AzureConnectionString> twin =
      picket::ParseAzureConnectionString(twin_text);
  if (result.ok() != twin.ok()) std::abort();
  if (!result.ok()) {
    if (result.status().code() != picket::Status::Code::kInvalidArgument) {
      std::abort();
    }
    if (!result.status().message().starts_with("Azure connection string: ")) {
      std::abort();
    }
    if (result.status().message() != twin.status().message()) std::abort();
    return;
  }
  const picket::AzureConnectionString& cs = *result;
  if (cs.host_name.empty() || cs.device_id.empty()) std::abort();
  if (cs.x509 == !cs.shared_access_key.empty()) std::abort();
  if (cs.x509) return;
  if (!picket::Base64Decode(cs.shared_access_key).ok()) std::abort();
  // Whatever parses must also sign (expiry and URI are always valid here).
  if (!picket::MakeSasToken(picket::AzureResourceUri(cs), cs.shared_access_key,
                            1, cs.shared_access_key_name)
           .ok()) {
    std::abort();
  }
}

void CheckBase64(std::string_view text) {
  picket::Result<std::string> decoded = picket::Base64Decode(text);
  if (decoded.ok()) {
    if (picket::Base64Encode(*decoded) != text) std::abort();
  } else if (decoded.status().code() !=
             picket::Status::Code::kInvalidArgument) {
    std::abort();
  }
  picket::Result<std::string> round_trip =
      picket::Base64Decode(picket::Base64Encode(text));
  if (!round_trip.ok() || *round_trip != text) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckConnectionString(text);
  CheckBase64(text);
  return 0;
}

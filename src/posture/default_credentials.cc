#include "posture/default_credentials.h"

#include <crypt.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace picket {

namespace {

// Append only: the numbers are reported and must stay stable.
constexpr DefaultCredential kPairs[] = {
    {"root", "xc3511"},            // 1
    {"root", "vizxv"},             // 2
    {"root", "admin"},             // 3
    {"admin", "admin"},            // 4
    {"root", "888888"},            // 5
    {"root", "xmhdipc"},           // 6
    {"root", "default"},           // 7
    {"root", "juantech"},          // 8
    {"root", "123456"},            // 9
    {"root", "54321"},             // 10
    {"support", "support"},        // 11
    {"root", ""},                  // 12
    {"admin", "password"},         // 13
    {"root", "root"},              // 14
    {"root", "12345"},             // 15
    {"user", "user"},              // 16
    {"admin", ""},                 // 17
    {"root", "pass"},              // 18
    {"admin", "admin1234"},        // 19
    {"root", "1111"},              // 20
    {"admin", "smcadmin"},         // 21
    {"root", "666666"},            // 22
    {"root", "password"},          // 23
    {"root", "1234"},              // 24
    {"root", "klv123"},            // 25
    {"service", "service"},        // 26
    {"supervisor", "supervisor"},  // 27
    {"guest", "guest"},            // 28
    {"guest", "12345"},            // 29
    {"ubnt", "ubnt"},              // 30
    {"root", "Zte521"},            // 31
    {"root", "hi3518"},            // 32
    {"root", "7ujMko0admin"},      // 33
    {"root", "dreambox"},          // 34
    {"tech", "tech"},              // 35
    {"pi", "raspberry"},           // 36
};

}  // namespace

std::span<const DefaultCredential> DefaultCredentials() { return kPairs; }

CryptScratch::CryptScratch() : data_(std::calloc(1, sizeof(crypt_data))) {}
CryptScratch::~CryptScratch() { std::free(data_); }

CredentialTest TestDefaultCredentials(std::string_view user, bool uid0,
                                      std::string_view hash,
                                      CryptScratch* scratch, int* pair,
                                      const std::function<bool()>& keep_going) {
  std::string setting(hash);
  for (size_t i = 0; i < std::size(kPairs); ++i) {
    const DefaultCredential& c = kPairs[i];
    bool applies = user == c.user || (uid0 && std::strcmp(c.user, "root") == 0);
    if (!applies) continue;
    if (hash.empty()) {
      if (c.password[0] == '\0') {
        *pair = static_cast<int>(i + 1);
        return CredentialTest::kMatch;
      }
      continue;
    }
    if (keep_going && !keep_going()) return CredentialTest::kCancelled;
    auto* data = static_cast<crypt_data*>(scratch->data());
    std::memset(data, 0, sizeof *data);
    const char* out = crypt_r(c.password, setting.c_str(), data);
    // libxcrypt signals an unsupported or malformed setting with a result
    // starting with '*' (or NULL on other implementations).
    if (out == nullptr || out[0] == '*')
      return CredentialTest::kUnsupportedHash;
    if (setting == out) {
      *pair = static_cast<int>(i + 1);
      return CredentialTest::kMatch;
    }
  }
  return CredentialTest::kNoMatch;
}

}  // namespace picket

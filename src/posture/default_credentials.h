// Default credentials: the user/password pairs that IoT botnets try first.
//
// The built-in list ("iot-defaults") is taken from the credential table of
// the Mirai source code published in 2016, which later families (Satori,
// Okiru, Moobot, Gafgyt variants) reuse, plus pi/raspberry, the Raspberry Pi
// OS default that Linux.MulDrop.14 hunted. A device whose account accepts
// one of these is taken over within minutes of being reachable.
//
// Pairs are numbered from 1 and only ever appended to, so "pair #N" in a
// report means the same pair in every release. Reports name the account and
// the pair number, never the password: results travel to a fleet backend,
// and the number is enough for the operator to look the pair up here.
// Thread-safe; crypt_r keeps its state in caller-owned scratch space.
#ifndef PICKET_POSTURE_DEFAULT_CREDENTIALS_H_
#define PICKET_POSTURE_DEFAULT_CREDENTIALS_H_

#include <functional>
#include <memory>
#include <span>
#include <string_view>

namespace picket {

struct DefaultCredential {
  const char* user;
  const char* password;
};

inline constexpr char kDefaultCredentialList[] = "iot-defaults";

// The list, pair #1 first.
std::span<const DefaultCredential> DefaultCredentials();

// Scratch space for crypt_r (about 32 KiB with libxcrypt); reuse it across
// calls on one thread.
class CryptScratch {
 public:
  CryptScratch();
  ~CryptScratch();
  CryptScratch(const CryptScratch&) = delete;
  CryptScratch& operator=(const CryptScratch&) = delete;
  void* data() { return data_; }

 private:
  void* data_;
};

enum class CredentialTest { kNoMatch, kMatch, kUnsupportedHash, kCancelled };

// Tests the crypt(3) `hash` of account `user` against the pairs for that
// user name, and, when `uid0` is set, against every root pair as well.
// Stops at the first match and sets *pair to its number (1-based).
// `keep_going` (optional) is called before each attempt; false cancels.
// An empty `hash` (no password at all) matches the pairs with an empty
// password without calling crypt.
CredentialTest TestDefaultCredentials(std::string_view user, bool uid0,
                                      std::string_view hash,
                                      CryptScratch* scratch, int* pair,
                                      const std::function<bool()>& keep_going);

}  // namespace picket

#endif  // PICKET_POSTURE_DEFAULT_CREDENTIALS_H_

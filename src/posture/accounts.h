// Parsers for the local account databases: /etc/passwd, /etc/shadow and
// /etc/group, as written by shadow-utils and BusyBox alike. Pure functions
// over the file text; malformed lines are skipped and counted, never fatal,
// because one broken line must not hide the rest of the file from a check.
#ifndef PICKET_POSTURE_ACCOUNTS_H_
#define PICKET_POSTURE_ACCOUNTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace picket {

struct PasswdEntry {
  std::string name;
  std::string password;  // "x": in /etc/shadow; "": none; else a hash
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string gecos;
  std::string home;
  std::string shell;
  int line = 0;         // 1-based
  bool legacy = false;  // a NIS "+"/"-" entry: the other fields are unset
};

struct ShadowEntry {
  std::string name;
  std::string hash;  // "": no password; "!"/"*" prefixed: locked
  std::string max_days;
  int line = 0;
  bool legacy = false;
};

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
  int line = 0;
  bool legacy = false;
};

// Each returns the valid entries; `malformed`, if set, receives the number
// of lines that were neither blank, a comment, nor a valid entry.
std::vector<PasswdEntry> ParsePasswd(std::string_view text,
                                     int* malformed = nullptr);
std::vector<ShadowEntry> ParseShadow(std::string_view text,
                                     int* malformed = nullptr);
std::vector<GroupEntry> ParseGroup(std::string_view text,
                                   int* malformed = nullptr);

// True for a password field that permits no password login at all: locked
// ("!", "!!", "!<hash>", "*", "*LK*", "x" in shadow) rather than a usable
// crypt(3) hash or an empty field.
bool IsLockedPassword(std::string_view field);

// True for shells that refuse an interactive login (nologin, false, and the
// sync/shutdown/halt pseudo-shells).
bool IsNoLoginShell(std::string_view shell);

}  // namespace picket

#endif  // PICKET_POSTURE_ACCOUNTS_H_

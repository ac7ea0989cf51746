#include "posture/accounts.h"

#include <charconv>

namespace picket {

namespace {

// Splits on ':' keeping empty fields.
std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t colon = line.find(':', start);
    if (colon == std::string_view::npos) {
      out.push_back(line.substr(start));
      return out;
    }
    out.push_back(line.substr(start, colon - start));
    start = colon + 1;
  }
}

bool ParseId(std::string_view text, uint32_t* out) {
  if (text.empty()) return false;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Calls fn(line, number) for every line that is not blank or a comment.
template <typename Fn>
void ForEachEntryLine(std::string_view text, Fn fn) {
  int number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text =
        nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    fn(line, number);
  }
}

bool IsLegacy(std::string_view line) {
  return line[0] == '+' || line[0] == '-';
}

}  // namespace

std::vector<PasswdEntry> ParsePasswd(std::string_view text, int* malformed) {
  std::vector<PasswdEntry> out;
  int bad = 0;
  ForEachEntryLine(text, [&](std::string_view line, int number) {
    auto f = SplitFields(line);
    PasswdEntry e;
    e.line = number;
    if (IsLegacy(line)) {
      e.name = std::string(f[0]);
      e.legacy = true;
      out.push_back(std::move(e));
      return;
    }
    if (f.size() != 7 || f[0].empty() || !ParseId(f[2], &e.uid) ||
        !ParseId(f[3], &e.gid)) {
      ++bad;
      return;
    }
    e.name = std::string(f[0]);
    e.password = std::string(f[1]);
    e.gecos = std::string(f[4]);
    e.home = std::string(f[5]);
    e.shell = std::string(f[6]);
    out.push_back(std::move(e));
  });
  if (malformed != nullptr) *malformed = bad;
  return out;
}

std::vector<ShadowEntry> ParseShadow(std::string_view text, int* malformed) {
  std::vector<ShadowEntry> out;
  int bad = 0;
  ForEachEntryLine(text, [&](std::string_view line, int number) {
    auto f = SplitFields(line);
    ShadowEntry e;
    e.line = number;
    if (IsLegacy(line)) {
      e.name = std::string(f[0]);
      e.legacy = true;
      out.push_back(std::move(e));
      return;
    }
    // Nine fields normally; BusyBox and old files may stop after the hash.
    if (f.size() < 2 || f.size() > 9 || f[0].empty()) {
      ++bad;
      return;
    }
    e.name = std::string(f[0]);
    e.hash = std::string(f[1]);
    if (f.size() > 4) e.max_days = std::string(f[4]);
    out.push_back(std::move(e));
  });
  if (malformed != nullptr) *malformed = bad;
  return out;
}

std::vector<GroupEntry> ParseGroup(std::string_view text, int* malformed) {
  std::vector<GroupEntry> out;
  int bad = 0;
  ForEachEntryLine(text, [&](std::string_view line, int number) {
    auto f = SplitFields(line);
    GroupEntry e;
    e.line = number;
    if (IsLegacy(line)) {
      e.name = std::string(f[0]);
      e.legacy = true;
      out.push_back(std::move(e));
      return;
    }
    if (f.size() != 4 || f[0].empty() || !ParseId(f[2], &e.gid)) {
      ++bad;
      return;
    }
    e.name = std::string(f[0]);
    std::string_view members = f[3];
    while (!members.empty()) {
      size_t comma = members.find(',');
      std::string_view m = members.substr(0, comma);
      if (!m.empty()) e.members.emplace_back(m);
      if (comma == std::string_view::npos) break;
      members.remove_prefix(comma + 1);
    }
    out.push_back(std::move(e));
  });
  if (malformed != nullptr) *malformed = bad;
  return out;
}

bool IsLockedPassword(std::string_view field) {
  if (field.empty()) return false;
  // crypt(3) hashes use [./0-9A-Za-z$]; a leading '!' or '*' (or any other
  // character outside the salt alphabet) can never be produced by crypt, so
  // no password matches it.
  char c = field[0];
  bool salt_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || c == '.' || c == '/' || c == '$';
  if (!salt_char) return true;
  // "x" (and other too-short fields) cannot be a hash either: DES is 13.
  return field.size() < 13 && c != '$';
}

bool IsNoLoginShell(std::string_view shell) {
  size_t slash = shell.rfind('/');
  std::string_view base =
      slash == std::string_view::npos ? shell : shell.substr(slash + 1);
  return base == "nologin" || base == "false" || base == "sync" ||
         base == "shutdown" || base == "halt";
}

}  // namespace picket

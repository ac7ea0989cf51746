#include "collectors/login/positions.h"

#include <charconv>
#include <cstdio>

namespace picket::login {

namespace {

// Splits off the next space-delimited field.
std::string_view Field(std::string_view* rest) {
  size_t end = rest->find(' ');
  std::string_view f = rest->substr(0, end);
  rest->remove_prefix(end == std::string_view::npos ? rest->size() : end + 1);
  return f;
}

template <typename T>
bool Number(std::string_view text, T* out, int base = 10) {
  if (text.empty()) return false;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

uint64_t HeadHash(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string FormatPositions(const Positions& p) {
  std::string out = "# picket login positions v1\n";
  char buf[128];
  for (const FilePosition& f : p.files) {
    // A path with a newline could not be read back; such a file is simply
    // not remembered (it is re-read from its start after a restart).
    if (HasControl(f.path) || f.path.empty()) continue;
    std::snprintf(buf, sizeof buf, "file %llu %llu %llu %u %016llx ",
                  static_cast<unsigned long long>(f.dev),
                  static_cast<unsigned long long>(f.inode),
                  static_cast<unsigned long long>(f.offset), f.head_len,
                  static_cast<unsigned long long>(f.head_hash));
    out += buf;
    out += f.path;
    out += '\n';
  }
  if (!p.journal_cursor.empty() && !HasControl(p.journal_cursor) &&
      p.journal_cursor.find(' ') == std::string::npos) {
    out += "journal ";
    out += p.journal_cursor;
    out += '\n';
  }
  return out;
}

Positions ParsePositions(std::string_view text, int* bad_lines) {
  Positions p;
  int bad = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    std::string_view rest = line;
    std::string_view kind = Field(&rest);
    if (kind == "file") {
      FilePosition f;
      if (Number(Field(&rest), &f.dev) && Number(Field(&rest), &f.inode) &&
          Number(Field(&rest), &f.offset) &&
          Number(Field(&rest), &f.head_len) &&
          Number(Field(&rest), &f.head_hash, 16) && !rest.empty() &&
          f.head_len <= kHeadBytes) {
        f.path = std::string(rest);
        p.files.push_back(std::move(f));
        continue;
      }
    } else if (kind == "journal" && !rest.empty() &&
               rest.find(' ') == std::string_view::npos) {
      p.journal_cursor = std::string(rest);
      continue;
    }
    ++bad;
  }
  if (bad_lines != nullptr) *bad_lines = bad;
  return p;
}

}  // namespace picket::login

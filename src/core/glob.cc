#include "core/glob.h"

#include <cstddef>

namespace picket {
namespace {

// Matches a bracket class at pattern[*pi] (just past '[') against c.
// Returns false with *ok=false when the class is unterminated (then '['
// matches itself).
bool MatchClass(std::string_view p, size_t* pi, char c, bool* ok) {
  size_t i = *pi;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  while (i < p.size() && (first || p[i] != ']')) {
    first = false;
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) lo = p[++i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      if (hi == '\\' && i + 3 < p.size()) {
        hi = p[i + 3];
        ++i;
      }
      i += 2;
    }
    if (lo <= c && c <= hi) matched = true;
    ++i;
  }
  if (i >= p.size()) {
    *ok = false;
    return false;
  }
  *ok = true;
  *pi = i + 1;  // past ']'
  return c != '/' && (matched != negate);
}

bool Match(std::string_view p, std::string_view s, int depth) {
  if (depth > 64) return false;  // bounded recursion on "**/**/**..."
  size_t pi = 0, si = 0;
  // Backtrack point of the last single '*'.
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size() || pi < p.size()) {
    if (pi < p.size()) {
      char c = p[pi];
      // "**" as a whole component.
      if (c == '*' && pi + 1 < p.size() && p[pi + 1] == '*' &&
          (pi == 0 || p[pi - 1] == '/') &&
          (pi + 2 == p.size() || p[pi + 2] == '/')) {
        std::string_view rest = p.substr(pi + 2);
        if (rest.empty()) return true;  // "dir/**" matches everything below
        rest.remove_prefix(1);          // the '/'
        // "**/**/" is "**/": collapsing keeps the search linear in the
        // number of components instead of exponential in the '**'s.
        while (rest.starts_with("**/")) rest.remove_prefix(3);
        if (rest == "**") return true;
        // Zero components, or skip one component at a time.
        for (size_t k = si; k <= s.size(); ++k) {
          if (k == si || s[k - 1] == '/') {
            if (Match(rest, s.substr(k), depth + 1)) return true;
          }
        }
        return false;
      }
      if (c == '*') {
        star_p = pi++;
        star_s = si;
        continue;
      }
      if (si < s.size()) {
        if (c == '?' && s[si] != '/') {
          ++pi;
          ++si;
          continue;
        }
        if (c == '[') {
          size_t q = pi + 1;
          bool ok = true;
          bool m = MatchClass(p, &q, s[si], &ok);
          if (ok) {
            if (m) {
              pi = q;
              ++si;
              continue;
            }
          } else if (s[si] == '[') {
            ++pi;
            ++si;
            continue;
          }
        } else {
          char lit = c;
          size_t adv = 1;
          if (c == '\\' && pi + 1 < p.size()) {
            lit = p[pi + 1];
            adv = 2;
          }
          if (c != '?' && lit == s[si]) {
            pi += adv;
            ++si;
            continue;
          }
        }
      }
    }
    // Mismatch: let the last '*' take one more character, never a '/'.
    if (star_p != std::string_view::npos && star_s < s.size() &&
        s[star_s] != '/') {
      pi = star_p + 1;
      si = ++star_s;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view path) {
  return Match(pattern, path, 0);
}

bool HasWildcard(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '*' || c == '?' || c == '[') return true;
  }
  return false;
}

std::string_view GlobRoot(std::string_view pattern) {
  size_t end = pattern.size();
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '*' || c == '?' || c == '[') {
      end = i;
      break;
    }
  }
  if (end == pattern.size()) {
    size_t slash = pattern.rfind('/');
    if (slash == std::string_view::npos) return {};
    return slash == 0 ? pattern.substr(0, 1) : pattern.substr(0, slash);
  }
  size_t slash = pattern.rfind('/', end);
  if (slash == std::string_view::npos) return {};
  return slash == 0 ? pattern.substr(0, 1) : pattern.substr(0, slash);
}

}  // namespace picket

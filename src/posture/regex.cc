#include "posture/regex.h"

#include <regex.h>

#include <algorithm>

namespace picket {

namespace {

// regexec needs a NUL-terminated string; lines longer than this are matched
// on their first kMaxSubjectBytes only (configuration lines are short).
constexpr size_t kMaxSubjectBytes = 8192;
constexpr size_t kMaxGroups = 10;

}  // namespace

struct Regex::Matcher::Impl {
  regex_t re;
  bool compiled = false;
  size_t groups = 0;
};

Regex::Matcher::~Matcher() {
  if (impl_ && impl_->compiled) regfree(&impl_->re);
}

std::string TranslateRegexShorthands(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 16);
  bool in_bracket = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (in_bracket) {
      out += c;
      // "[]" and "[^]" open with a literal ']'; "[:alpha:]" holds one too.
      if (c == '[' && i + 1 < pattern.size() &&
          (pattern[i + 1] == ':' || pattern[i + 1] == '.' ||
           pattern[i + 1] == '=')) {
        char kind = pattern[i + 1];
        size_t close = pattern.find(std::string{kind, ']'}, i + 2);
        if (close != std::string_view::npos) {
          out.append(pattern.substr(i + 1, close + 1 - i));
          i = close + 1;
        }
      } else if (c == ']') {
        in_bracket = false;
      }
      continue;
    }
    if (c == '[') {
      in_bracket = true;
      out += c;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == '\\' && i + 1 < pattern.size()) {
      char n = pattern[i + 1];
      const char* replacement = nullptr;
      switch (n) {
        case 'd':
          replacement = "[0-9]";
          break;
        case 'D':
          replacement = "[^0-9]";
          break;
        case 's':
          replacement = "[[:space:]]";
          break;
        case 'S':
          replacement = "[^[:space:]]";
          break;
        case 'w':
          replacement = "[[:alnum:]_]";
          break;
        case 'W':
          replacement = "[^[:alnum:]_]";
          break;
        default:
          break;
      }
      if (replacement != nullptr) {
        out += replacement;
      } else {
        out += c;
        out += n;
      }
      ++i;
      continue;
    }
    out += c;
  }
  return out;
}

Result<std::shared_ptr<const Regex>> Regex::Compile(std::string_view pattern,
                                                    bool ignore_case) {
  if (pattern.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("regular expression contains a NUL");
  }
  std::shared_ptr<Regex> re(new Regex());
  re->pattern_ = std::string(pattern);
  re->translated_ = TranslateRegexShorthands(pattern);
  re->ignore_case_ = ignore_case;
  regex_t compiled;
  int flags = REG_EXTENDED | (ignore_case ? REG_ICASE : 0);
  int rc = regcomp(&compiled, re->translated_.c_str(), flags);
  if (rc != 0) {
    char message[256];
    regerror(rc, &compiled, message, sizeof message);
    return Status::InvalidArgument(std::string("invalid regular expression: ") +
                                   message);
  }
  regfree(&compiled);
  return std::shared_ptr<const Regex>(std::move(re));
}

std::unique_ptr<Regex::Matcher> Regex::NewMatcher() const {
  std::unique_ptr<Matcher> m(new Matcher());
  m->impl_ = std::make_unique<Matcher::Impl>();
  int flags = REG_EXTENDED | (ignore_case_ ? REG_ICASE : 0);
  if (regcomp(&m->impl_->re, translated_.c_str(), flags) == 0) {
    m->impl_->compiled = true;
    m->impl_->groups = m->impl_->re.re_nsub;
  }
  return m;
}

bool Regex::Search(std::string_view text,
                   std::vector<std::string>* groups) const {
  return NewMatcher()->Search(text, groups);
}

bool Regex::Matcher::Search(std::string_view text,
                            std::vector<std::string>* groups) const {
  if (!impl_->compiled) return false;
  if (text.size() > kMaxSubjectBytes) text = text.substr(0, kMaxSubjectBytes);
  // Embedded NULs would end the subject early; configuration text has none,
  // and a binary file matching less is harmless.
  std::string subject(text);
  regmatch_t match[kMaxGroups];
  size_t n = std::min(impl_->groups + 1, kMaxGroups);
  if (regexec(&impl_->re, subject.c_str(), n, match, 0) != 0) return false;
  if (groups != nullptr) {
    groups->clear();
    for (size_t i = 0; i < n; ++i) {
      if (match[i].rm_so < 0) {
        groups->emplace_back();
      } else {
        groups->push_back(
            subject.substr(match[i].rm_so, match[i].rm_eo - match[i].rm_so));
      }
    }
  }
  return true;
}

}  // namespace picket

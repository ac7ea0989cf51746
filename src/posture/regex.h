// Regex: a POSIX extended regular expression (regcomp/regexec).
//
// Policies match configuration lines with regular expressions. POSIX ERE is
// used instead of std::regex: the C library's matcher is already in every
// process, adds nothing to the binary, and does not recurse per character
// (std::regex overflows the stack on long lines). For convenience the Perl
// shorthands \d \D \s \S \w \W are accepted outside bracket expressions and
// rewritten to their POSIX classes before compiling, so policies read the
// same on glibc and musl. A Regex is immutable after Compile() and may be
// shared between threads; a Matcher belongs to one thread.
#ifndef PICKET_POSTURE_REGEX_H_
#define PICKET_POSTURE_REGEX_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "picket/status.h"

namespace picket {

class Regex {
 public:
  // Checks that `pattern` is a valid ERE (after the shorthand rewrite);
  // InvalidArgument with the C library's reason when it is not.
  static Result<std::shared_ptr<const Regex>> Compile(std::string_view pattern,
                                                      bool ignore_case);

  // The compiled form, for matching many lines. A compiled ERE costs 10 to
  // 50 KiB with glibc, so a policy keeps only the checked patterns and each
  // rule evaluation compiles what it uses and frees it afterwards: the
  // agent's steady-state memory does not grow with the policy's regexes.
  class Matcher {
   public:
    ~Matcher();
    Matcher(const Matcher&) = delete;
    Matcher& operator=(const Matcher&) = delete;
    // True when `text` contains a match. On a match, `groups` (if not
    // null) receives the whole match followed by each capture group; a
    // group that did not take part is empty.
    bool Search(std::string_view text,
                std::vector<std::string>* groups = nullptr) const;

   private:
    friend class Regex;
    Matcher() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };

  // Compiles for a run of matches. Never null for a Regex that Compile()
  // accepted, except when memory runs out: then a Matcher that matches
  // nothing.
  std::unique_ptr<Matcher> NewMatcher() const;

  // One-off match (compiles, matches, frees).
  bool Search(std::string_view text,
              std::vector<std::string>* groups = nullptr) const;

  const std::string& pattern() const { return pattern_; }

 private:
  Regex() = default;
  std::string pattern_;     // as written in the policy
  std::string translated_;  // what regcomp sees
  bool ignore_case_ = false;
};

// Rewrites the Perl shorthands named above into POSIX bracket expressions;
// exposed for tests.
std::string TranslateRegexShorthands(std::string_view pattern);

}  // namespace picket

#endif  // PICKET_POSTURE_REGEX_H_

// Small text helpers shared by the posture rule evaluators (rules.cc) and
// the fact cache (scan_context.cc). Pure functions, thread-safe.
#ifndef PICKET_POSTURE_TEXT_H_
#define PICKET_POSTURE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "picket/status.h"

namespace picket {

// The most a rule reads of one configuration file (sshd_config, login.defs,
// modprobe.d, a file_content target).
inline constexpr size_t kMaxConfigBytes = 1 << 20;

// `s` without leading and trailing spaces, tabs, CR and LF.
std::string_view Trim(std::string_view s);

// The decimal number that is all of `text`; false (and `*out` unspecified)
// for anything else, including an empty text or an overflow.
bool ParseUint(std::string_view text, uint32_t* out);

// `items` separated by `sep`.
std::string Join(const std::vector<std::string>& items, std::string_view sep);

// The status's message, made actionable for a permission error: most of
// the files a policy reads are root-only.
std::string Explain(const Status& st);

}  // namespace picket

#endif  // PICKET_POSTURE_TEXT_H_

// Small text helpers shared by the parsers of line-oriented files
// (/proc/net tables, resolv.conf, routes, system files). Pure functions
// over views; portable and thread-safe.
#ifndef PICKET_CORE_TEXT_H_
#define PICKET_CORE_TEXT_H_

#include <string_view>
#include <vector>

namespace picket {

// The words of `line`, separated by runs of spaces and tabs; no empty
// words.
std::vector<std::string_view> SplitBlanks(std::string_view line);

// Calls `fn(line)` for each line of `text` ('\n'-separated, a trailing '\r'
// dropped); a final line without '\n' counts, an empty text has none.
template <typename Fn>
void ForEachLine(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace picket

#endif  // PICKET_CORE_TEXT_H_

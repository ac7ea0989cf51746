#include "core/yaml_errors.h"

#include <algorithm>

namespace picket {

void ErrorList::Add(const YAML::Mark& mark, std::string_view path,
                    std::string_view message) {
  int line = mark.line < 0 ? 1 : mark.line + 1;
  std::string text = file_name_ + ":" + std::to_string(line) + ": ";
  if (!path.empty()) {
    text += path;
    text += ": ";
  }
  text += message;
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  errors_.push_back({line, std::move(text)});
}

Status ErrorList::ToStatus() {
  std::stable_sort(
      errors_.begin(), errors_.end(),
      [](const Error& a, const Error& b) { return a.line < b.line; });
  std::string joined;
  for (const Error& error : errors_) {
    if (!joined.empty()) joined += '\n';
    joined += error.text;
  }
  return Status::InvalidArgument(joined);
}

bool ParseYamlBool(std::string_view text, bool* out) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (lower == "true" || lower == "yes" || lower == "on") {
    *out = true;
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "off") {
    *out = false;
    return true;
  }
  return false;
}

std::string JoinChoices(std::initializer_list<std::string_view> choices) {
  std::string out;
  for (std::string_view choice : choices) {
    if (!out.empty()) out += ", ";
    out += choice;
  }
  return out;
}

bool AddNulByteError(std::string_view text, ErrorList* errors) {
  const size_t nul = text.find('\0');
  if (nul == std::string_view::npos) return false;
  YAML::Mark mark = YAML::Mark::null_mark();
  mark.pos = static_cast<int>(nul);
  mark.line = 0;
  size_t line_start = 0;
  for (size_t i = 0; i < nul; ++i) {
    if (text[i] == '\n') {
      ++mark.line;
      line_start = i + 1;
    }
  }
  mark.column = static_cast<int>(nul - line_start);
  errors->Add(mark, "",
              "NUL byte at line " + std::to_string(mark.line + 1) +
                  ", column " + std::to_string(mark.column + 1) +
                  " (not a text file?)");
  return true;
}

}  // namespace picket

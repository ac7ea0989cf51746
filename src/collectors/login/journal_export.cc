#include "collectors/login/journal_export.h"

#include <charconv>

namespace picket::login {

namespace {

bool IsFieldName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && p == text.data() + text.size();
}

void Keep(std::string_view name, std::string_view value, JournalExportEntry* e,
          bool* have_syslog_id, bool* have_syslog_pid) {
  if (name == "MESSAGE") {
    e->message.assign(value);
  } else if (name == "SYSLOG_IDENTIFIER") {
    e->identifier.assign(value);
    *have_syslog_id = true;
  } else if (name == "_COMM" && !*have_syslog_id) {
    e->identifier.assign(value);
  } else if (name == "SYSLOG_PID") {
    *have_syslog_pid = ParseNumber(value, &e->pid);
  } else if (name == "_PID" && !*have_syslog_pid) {
    (void)ParseNumber(value, &e->pid);
  } else if (name == "__REALTIME_TIMESTAMP") {
    int64_t usec = 0;
    if (ParseNumber(value, &usec) && usec >= 0 && usec < INT64_MAX / 1000) {
      e->realtime_ns = usec * 1000;
    }
  }
}

}  // namespace

bool LooksLikeJournalExport(std::string_view data) {
  size_t eq = data.find('=');
  size_t nl = data.find('\n');
  if (eq == std::string_view::npos ||
      (nl != std::string_view::npos && nl < eq)) {
    return false;
  }
  std::string_view name = data.substr(0, eq);
  return name.starts_with("__") && IsFieldName(name);
}

void JournalExportReader::SkipToNextEntry() {
  size_t end = data_.find("\n\n", pos_);
  pos_ = end == std::string_view::npos ? data_.size() : end + 2;
}

JournalExportReader::Next JournalExportReader::Read(JournalExportEntry* out) {
  // Empty lines between entries.
  while (pos_ < data_.size() && data_[pos_] == '\n') ++pos_;
  if (pos_ >= data_.size()) return Next::kEnd;
  *out = JournalExportEntry();
  out->offset = pos_;
  bool have_syslog_id = false, have_syslog_pid = false;
  size_t fields = 0;
  auto fail = [&](size_t at, const std::string& what) {
    error_ = "byte " + std::to_string(at) + ": " + what;
    pos_ = at;
    SkipToNextEntry();
    return Next::kError;
  };
  while (pos_ < data_.size() && data_[pos_] != '\n') {
    if (++fields > kMaxJournalFields) {
      return fail(pos_, "more than " + std::to_string(kMaxJournalFields) +
                            " fields in one entry");
    }
    const size_t line_start = pos_;
    size_t nl = data_.find('\n', pos_);
    if (nl == std::string_view::npos) nl = data_.size();
    std::string_view line = data_.substr(pos_, nl - pos_);
    size_t eq = line.find('=');
    if (eq != std::string_view::npos) {
      std::string_view name = line.substr(0, eq);
      if (!IsFieldName(name)) {
        return fail(line_start, "not a field name: \"" +
                                    std::string(name.substr(0, 64)) + "\"");
      }
      std::string_view value = line.substr(eq + 1);
      if (value.size() > kMaxJournalValue) {
        return fail(line_start, "value of " + std::string(name) +
                                    " longer than " +
                                    std::to_string(kMaxJournalValue));
      }
      Keep(name, value, out, &have_syslog_id, &have_syslog_pid);
      pos_ = nl < data_.size() ? nl + 1 : nl;
      continue;
    }
    // Binary-safe field: NAME\n, 64-bit LE length, data, \n.
    if (!IsFieldName(line)) {
      return fail(line_start,
                  "not a field: \"" + std::string(line.substr(0, 64)) + "\"");
    }
    size_t len_at = nl + 1;
    if (len_at + 8 > data_.size()) return fail(line_start, "length cut short");
    uint64_t len = 0;
    for (int i = 7; i >= 0; --i) {
      len = (len << 8) | static_cast<uint8_t>(data_[len_at + i]);
    }
    if (len > kMaxJournalValue) {
      return fail(line_start, "value of " + std::string(line) +
                                  " longer than " +
                                  std::to_string(kMaxJournalValue));
    }
    size_t value_at = len_at + 8;
    if (value_at + len + 1 > data_.size() || data_[value_at + len] != '\n') {
      return fail(line_start,
                  "value of " + std::string(line) + " runs past the input");
    }
    Keep(line, data_.substr(value_at, len), out, &have_syslog_id,
         &have_syslog_pid);
    pos_ = value_at + len + 1;
  }
  return Next::kEntry;
}

}  // namespace picket::login

// The systemd journal's export format (`journalctl -o export`), read from a
// file: entries of FIELD=VALUE lines separated by an empty line; a field
// whose value holds a newline or is binary is written as the name, a
// newline, a 64-bit little-endian length, the bytes and a newline
// (systemd's "Journal Export Format" documentation). For
// `picket replay --log`: the fields a login parser needs are kept.
// Portable and bounded: a value longer than kMaxJournalValue, an entry with
// more than kMaxJournalFields fields, or a length running past the input
// is an error naming the byte offset; the reader then resynchronises at
// the next empty line.
#ifndef PICKET_COLLECTORS_LOGIN_JOURNAL_EXPORT_H_
#define PICKET_COLLECTORS_LOGIN_JOURNAL_EXPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace picket::login {

inline constexpr size_t kMaxJournalValue = 64 << 10;
inline constexpr size_t kMaxJournalFields = 512;

struct JournalExportEntry {
  std::string identifier;   // SYSLOG_IDENTIFIER, else _COMM
  int32_t pid = 0;          // SYSLOG_PID, else _PID
  std::string message;      // MESSAGE
  int64_t realtime_ns = 0;  // __REALTIME_TIMESTAMP (microseconds) * 1000
  uint64_t offset = 0;      // byte offset of the entry in the input
};

class JournalExportReader {
 public:
  explicit JournalExportReader(std::string_view data) : data_(data) {}

  enum class Next { kEntry, kError, kEnd };
  // The next entry; on kError `error()` says what and where, and the
  // reader has moved past the bad entry.
  Next Read(JournalExportEntry* out);
  const std::string& error() const { return error_; }

 private:
  void SkipToNextEntry();

  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

// True when `data` begins like an export (a FIELD=VALUE line whose name is
// upper case, as "__CURSOR=" or "__REALTIME_TIMESTAMP=").
bool LooksLikeJournalExport(std::string_view data);

}  // namespace picket::login

#endif  // PICKET_COLLECTORS_LOGIN_JOURNAL_EXPORT_H_

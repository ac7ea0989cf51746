// JournalReader: the systemd journal's entries of the login services, read
// in order from a saved cursor, woken by the journal's own fd.
//
// Built with libsystemd when PICKET_WITH_JOURNAL is on (see
// build_config.h); otherwise Open() returns NotSupported and the collector
// falls back to syslog files. Entries are filtered by SYSLOG_IDENTIFIER
// (sshd, sshd-session, login, su, sudo, dropbear, ...). Not thread-safe.
#ifndef PICKET_COLLECTORS_LOGIN_LINUX_JOURNAL_READER_H_
#define PICKET_COLLECTORS_LOGIN_LINUX_JOURNAL_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "picket/status.h"

namespace picket::login {

struct JournalEntry {
  std::string_view identifier;  // SYSLOG_IDENTIFIER
  int32_t pid = 0;              // _PID (SYSLOG_PID when absent)
  std::string_view message;     // MESSAGE
  int64_t realtime_ns = 0;      // when journald received it
  std::string_view cursor;      // the entry's cursor (sd_journal_get_cursor)
};

class JournalReader {
 public:
  // At most this many entries per ReadAvailable(); more() tells the rest.
  // Fewer than the pipeline's queue holds (it is drained between reads).
  static constexpr size_t kMaxEntriesPerRead = 1024;

  // True when the system under `root` runs journald (its socket exists)
  // and keeps a journal (a journal directory with files), and this build
  // can read it.
  static bool Available(const std::string& root);

  // Opens the journal under `root` ("/" for the running system), matching
  // `identifiers`. Resumes after `cursor` when it is non-empty and still in
  // the journal; otherwise starts at the end (start_at_end) or the start.
  static Result<std::unique_ptr<JournalReader>> Open(
      const std::string& root, const std::vector<std::string>& identifiers,
      const std::string& cursor, bool start_at_end);

  virtual ~JournalReader() = default;

  // The fd to watch for readability (inotify on the journal files).
  virtual int fd() const = 0;

  // Calls `fn` for each new entry. Errors are I/O errors of the journal.
  virtual Status ReadAvailable(
      const std::function<void(const JournalEntry&)>& fn) = 0;

  virtual bool more() const = 0;

  // The cursor of the last entry read (empty before the first).
  virtual std::string cursor() const = 0;
};

}  // namespace picket::login

#endif  // PICKET_COLLECTORS_LOGIN_LINUX_JOURNAL_READER_H_

#include "collectors/login/linux/journal_reader.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdlib>

#include "picket/build_config.h"

#if PICKET_WITH_JOURNAL
#include "platform/linux/lib_journal.h"
#endif

namespace picket::login {

namespace {

std::string Prefix(const std::string& root) {
  return root == "/" ? std::string() : root;
}

bool DirHasEntries(const std::string& path) {
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return false;
  bool any = false;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') {
      any = true;
      break;
    }
  }
  closedir(d);
  return any;
}

}  // namespace

#if PICKET_WITH_JOURNAL

namespace {

// libsystemd's functions; only called once Open() has loaded the library.
const LibSystemdApi& Sd() { return *LibSystemd(); }

// The value of FIELD=value data, or empty.
std::string_view Field(sd_journal* j, const char* field) {
  const void* data = nullptr;
  size_t len = 0;
  if (Sd().sd_journal_get_data(j, field, &data, &len) < 0) return {};
  std::string_view v(static_cast<const char*>(data), len);
  size_t eq = v.find('=');
  return eq == std::string_view::npos ? std::string_view() : v.substr(eq + 1);
}

class SdJournalReader final : public JournalReader {
 public:
  explicit SdJournalReader(sd_journal* j) : j_(j) {}
  ~SdJournalReader() override { Sd().sd_journal_close(j_); }

  int fd() const override { return fd_; }
  bool more() const override { return more_; }
  std::string cursor() const override { return cursor_; }

  Status Init(const std::string& cursor, bool start_at_end) {
    fd_ = Sd().sd_journal_get_fd(j_);
    if (fd_ < 0) return ErrnoStatus("sd_journal_get_fd", -fd_);
    if (!cursor.empty() &&
        Sd().sd_journal_seek_cursor(j_, cursor.c_str()) >= 0) {
      cursor_ = cursor;
      // On the cursor's own entry, read before the restart, the next read
      // starts after it. When that entry is gone (a volatile journal after
      // a reboot, files vacuumed), next() lands on the first unread entry:
      // seek to that entry itself, so the next read starts with it.
      // sd_journal_previous() cannot step back before the first entry of
      // the journal, and that entry would be skipped.
      if (Sd().sd_journal_next(j_) > 0 &&
          Sd().sd_journal_test_cursor(j_, cursor.c_str()) <= 0) {
        char* first = nullptr;
        int r = Sd().sd_journal_get_cursor(j_, &first);
        if (r < 0) return ErrnoStatus("sd_journal_get_cursor", -r);
        r = Sd().sd_journal_seek_cursor(j_, first);
        free(first);
        if (r < 0) return ErrnoStatus("sd_journal_seek_cursor", -r);
      }
      return Status::Ok();
    }
    if (!start_at_end) {
      Sd().sd_journal_seek_head(j_);
      return Status::Ok();
    }
    // previous() makes the newest matching entry current, the next read
    // starts after it. With no matching entry yet (a fresh journal, no
    // login so far) the position stays "tail", from which libsystemd's
    // next() jumps to the newest entry, skipping those that came before it
    // in the same batch (systemd issue #9934): everything matching is new
    // then, so read from the head.
    Sd().sd_journal_seek_tail(j_);
    int r = Sd().sd_journal_previous(j_);
    if (r < 0) return ErrnoStatus("sd_journal_previous", -r);
    if (r == 0) Sd().sd_journal_seek_head(j_);
    return Status::Ok();
  }

  Status ReadAvailable(
      const std::function<void(const JournalEntry&)>& fn) override {
    Sd().sd_journal_process(j_);
    more_ = false;
    size_t n = 0;
    while (true) {
      if (n >= kMaxEntriesPerRead) {
        more_ = true;
        break;
      }
      int r = Sd().sd_journal_next(j_);
      if (r < 0) return ErrnoStatus("sd_journal_next", -r);
      if (r == 0) break;
      ++n;
      JournalEntry e;
      // Each view below is valid only until the next sd_journal_get_data()
      // call: what is kept is copied at once.
      std::string identifier(Field(j_, "SYSLOG_IDENTIFIER"));
      e.identifier = identifier;
      std::string_view pid = Field(j_, "_PID");
      if (pid.empty()) pid = Field(j_, "SYSLOG_PID");
      int64_t p = 0;
      for (char c : pid) {
        if (c < '0' || c > '9' || p > 100000000) break;
        p = p * 10 + (c - '0');
      }
      e.pid = static_cast<int32_t>(p);
      uint64_t usec = 0;
      if (Sd().sd_journal_get_realtime_usec(j_, &usec) >= 0) {
        e.realtime_ns = static_cast<int64_t>(usec) * 1000;
      }
      char* c = nullptr;
      if (Sd().sd_journal_get_cursor(j_, &c) >= 0 && c != nullptr) {
        cursor_ = c;
        free(c);
      }
      e.cursor = cursor_;
      e.message = Field(j_, "MESSAGE");  // last: used by fn() as it is
      fn(e);
    }
    return Status::Ok();
  }

 private:
  sd_journal* j_;
  int fd_ = -1;
  bool more_ = false;
  std::string cursor_;
};

}  // namespace

bool JournalReader::Available(const std::string& root) {
  std::string p = Prefix(root);
  // A journal directory left behind (an image built with systemd, run
  // without it) must not win over the syslog files: journald must run.
  struct stat st;
  if (stat((p + "/run/systemd/journal/socket").c_str(), &st) != 0) {
    return false;
  }
  if (!DirHasEntries(p + "/var/log/journal") &&
      !DirHasEntries(p + "/run/log/journal")) {
    return false;
  }
  // Without libsystemd on the device, the syslog files are read instead.
  return LibSystemd().ok();
}

Result<std::unique_ptr<JournalReader>> JournalReader::Open(
    const std::string& root, const std::vector<std::string>& identifiers,
    const std::string& cursor, bool start_at_end) {
  if (!LibSystemd().ok()) return LibSystemd().status();
  sd_journal* j = nullptr;
  int r = root == "/" || root.empty()
              ? Sd().sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY)
              : Sd().sd_journal_open_directory(&j, root.c_str(),
                                               SD_JOURNAL_OS_ROOT);
  if (r < 0) return ErrnoStatus("sd_journal_open", -r);
  auto reader = std::make_unique<SdJournalReader>(j);
  for (const std::string& id : identifiers) {
    std::string match = "SYSLOG_IDENTIFIER=" + id;
    r = Sd().sd_journal_add_match(j, match.data(), match.size());
    if (r < 0) return ErrnoStatus("sd_journal_add_match", -r);
  }
  Status st = reader->Init(cursor, start_at_end);
  if (!st.ok()) return st;
  return std::unique_ptr<JournalReader>(std::move(reader));
}

#else  // !PICKET_WITH_JOURNAL

bool JournalReader::Available(const std::string& root) {
  (void)DirHasEntries;
  (void)Prefix;
  return false;
}

Result<std::unique_ptr<JournalReader>> JournalReader::Open(
    const std::string&, const std::vector<std::string>&, const std::string&,
    bool) {
  return Status::NotSupported("built without libsystemd (PICKET_WITH_JOURNAL)");
}

#endif  // PICKET_WITH_JOURNAL

}  // namespace picket::login

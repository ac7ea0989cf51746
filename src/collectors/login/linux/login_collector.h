// LoginCollector: every login attempt on the device as login.success,
// login.failure and login.logout events, from whatever logging it has.
//
// Sources, chosen at Start() (see LoginCollectorConfig and
// docs/login-monitoring.md):
//  - journal: the systemd journal's entries of sshd, sshd-session, login,
//    su, sudo, dropbear (and a few more), read from a saved cursor;
//  - syslog: log files (auth.log, secure, messages; rsyslog, sysklogd and
//    BusyBox formats) followed with inotify through rotation (FileTailer);
//  - utmp: wtmp (logins, logouts) and btmp (failed logins) records, the
//    fallback for systems that log neither.
// In "auto" mode only the best available source is used, so one attempt is
// never reported twice by two sources. Each stream has its own
// AuthCorrelator (one event per attempt). Successes of users whose login
// shell is nologin/false are marked reason "no_shell" (from <root>/etc/
// passwd), for LoginAlertsDetector. Reading positions (file identity and
// offset, journal cursor) are saved in <state_dir>/login-positions once a
// second when they changed and at Stop(): a clean restart reads no line
// twice and skips none; after a crash at most the last second is re-read,
// and its events carry the ids they had (derived from the file's identity
// and the line's offset, or the journal entry's sequence number), so a
// receiver drops them as duplicates.
// Garbage, binary and over-long lines are counted and skipped; a file that
// disappears or becomes unreadable is reported (agent.status) and retried
// every recheck_interval; corrupt utmp records are counted and skipped.
// All methods run on the event-loop thread.
#ifndef PICKET_COLLECTORS_LOGIN_LINUX_LOGIN_COLLECTOR_H_
#define PICKET_COLLECTORS_LOGIN_LINUX_LOGIN_COLLECTOR_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collectors/login/auth_correlator.h"
#include "collectors/login/linux/file_tailer.h"
#include "collectors/login/linux/journal_reader.h"
#include "collectors/login/login_lines.h"
#include "collectors/login/syslog_line.h"
#include "collectors/login/utmp_record.h"
#include "core/clock.h"
#include "core/config.h"
#include "picket/collector.h"
#include "platform/linux/files.h"

namespace picket {

class LoginCollector final : public Collector {
 public:
  // Program names whose journal entries are read.
  static const std::vector<std::string>& JournalIdentifiers();

  // `root` prefixes the log, utmp and passwd paths ("/" on a live system);
  // `state_dir` holds the positions file. `clock` must outlive the
  // collector.
  LoginCollector(LoginCollectorConfig config, std::string root,
                 std::string state_dir, const Clock* clock);
  ~LoginCollector() override;

  std::string name() const override { return "collector.login"; }
  Status Start(EventLoop& loop, EventSubmitter& out) override;
  void Stop() override;
  // Notes the positions reached: what the once-a-second save writes, so a
  // saved position never runs ahead of the events written to the sinks.
  void OnDrained() override;
  ComponentStats Stats() const override;

  // "journal", "syslog", "utmp" joined by '+', once started.
  const std::string& sources() const { return sources_; }

  // Reads every source now (tests, and after inotify or the timer).
  void PollAll();
  // Writes the current positions if anything moved; false on error.
  bool SavePositions();

  // JournalAt() for tests: {key, position} of the entry at `cursor`.
  struct JournalPosition {
    uint64_t key = 0;
    uint64_t position = 0;
  };
  static JournalPosition JournalAtForTest(std::string_view cursor) {
    At at = JournalAt(cursor);
    return {at.key, at.position};
  }

 private:
  enum class StreamKind { kSyslog, kWtmp, kBtmp };

  struct Stream {
    StreamKind kind = StreamKind::kSyslog;
    std::string origin;  // "syslog:/var/log/auth.log", "wtmp", ...
    std::unique_ptr<login::FileTailer> tailer;
    login::LoginLines lines;
    bool was_reading = false;  // for "source_restored" status events
  };

  // Where a line came from, for the ids of its events (docs/events.md):
  // the source's key and the line's position in it. A context line (read
  // again after a restart, reported before) feeds the correlator only.
  struct At {
    uint64_t key = 0;
    uint64_t position = 0;
    bool context = false;
  };

  // The source position of the journal entry whose cursor is `cursor`.
  static At JournalAt(std::string_view cursor);

  void OpenStreams(const login::Positions& saved);
  void PollStream(Stream& s);
  void OnLine(Stream& s, const login::FileTailer::Line& line);
  void OnRecord(Stream& s, const login::FileTailer::Line& record);
  void OnJournal();
  login::Positions CurrentPositions();
  // Replaces the positions file with `p`; false on error.
  bool WritePositions(const login::Positions& p);
  // Submits the events a line stood for (facts_), from `origin`.
  void SubmitFacts(const std::string& origin, const At& at);
  // `id`: the event's id, derived from where it was read.
  void SubmitLogin(EventType type, LoginEvent login, std::string id);
  void EmitStatus(const std::string& state, const std::string& detail);
  void WatchDirs();
  void OnInotify();
  // This machine's UTC offset, cached for a minute (DST changes are rare;
  // localtime per line is not cheap).
  int64_t UtcOffsetS(int64_t now_s);
  bool UserHasNoShell(const std::string& user);
  std::string Path(const std::string& configured) const;
  void SchedulePoll();

  LoginCollectorConfig config_;
  std::string root_;
  std::string state_dir_;
  StateDir state_;  // opened at Start; invalid when refused
  const Clock* clock_;
  EventLoop* loop_ = nullptr;
  EventSubmitter* out_ = nullptr;
  std::string sources_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::unique_ptr<login::JournalReader> journal_;
  login::LoginLines journal_lines_;
  int inotify_fd_ = -1;
  std::unordered_map<int, std::string> watched_dirs_;   // wd -> dir
  std::unordered_map<int, std::string> watched_files_;  // wd -> path
  uint64_t inotify_wakeups_ = 0;
  std::vector<EventLoop::TimerId> timers_;
  EventLoop::TimerId repoll_timer_ = 0;
  // Positions moved since the last OnDrained(); the positions it noted are
  // not saved yet.
  bool dirty_ = false;
  bool drained_unsaved_ = false;
  login::Positions drained_;
  std::vector<login::LoginFact> facts_;  // scratch

  // Local time zone offset cache, for timestamps without a zone.
  int64_t tz_checked_s_ = -1;
  int64_t tz_offset_s_ = 0;

  // user -> has no login shell, from <root>/etc/passwd.
  std::unordered_map<std::string, bool> no_shell_;
  int64_t passwd_mtime_ns_ = -1;
  int64_t passwd_checked_ms_ = -1000000;

  uint64_t events_ = 0;
  uint64_t dropped_ = 0;
  uint64_t lines_ = 0;
  uint64_t binary_ = 0;
  uint64_t unparsed_ = 0;
  uint64_t journal_entries_ = 0;
  uint64_t utmp_records_ = 0;
  uint64_t utmp_corrupt_ = 0;
  uint64_t positions_saved_ = 0;
  uint64_t position_errors_ = 0;
  std::unordered_map<std::string, std::string> tty_user_;  // wtmp logouts
  login::FileTailer::Stats retired_;  // of streams closed by Stop()
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_LOGIN_LINUX_LOGIN_COLLECTOR_H_

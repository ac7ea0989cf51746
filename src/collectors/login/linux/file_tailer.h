// FileTailer: follows one growing log file (or a file of fixed-size
// records, like wtmp) through rotation, truncation and restarts.
//
// Poll() reads whatever was appended since the last call and hands over each
// complete line (without its newline and without a trailing '\r') or record.
// It notices, on every call:
//  - rotation by rename (logrotate's default): the path now names another
//    inode. The old file is kept open and drained for kDrainMs after its last
//    growth, since the writer keeps appending to it until it reopens; lines
//    from the old file are delivered before those of the new one;
//  - rotation by copytruncate: the file shrank below the read position; it
//    is read again from its start;
//  - a file that disappears or cannot be opened: state() says so and it is
//    retried at every Poll(), and read from its start when it returns;
//  - a partial last line: kept until its newline arrives (and re-read after
//    a restart, since the saved offset is the end of the last whole line);
//  - an over-long line (more than max_line bytes): skipped and counted.
// Position() is what to save; Restore() resumes from it after a restart,
// handing over the last kContextBytes before the saved position again,
// marked as context: the caller rebuilds what it correlates across lines
// (one sshd attempt is several lines) without reporting them twice. Every
// line comes with its offset and a key for its file (SourceKey()), so that
// an event made from it has the same id however often it is read.
// The owner calls Poll() when inotify reports a change in the file's
// directory and from a periodic timer. Not thread-safe; Linux only.
#ifndef PICKET_COLLECTORS_LOGIN_LINUX_FILE_TAILER_H_
#define PICKET_COLLECTORS_LOGIN_LINUX_FILE_TAILER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "collectors/login/positions.h"

namespace picket::login {

class FileTailer {
 public:
  // The rotated-away file is closed after this long without growth.
  static constexpr int64_t kDrainMs = 5000;
  // At most this many bytes per Poll(); more() tells that more is waiting.
  // 128 KiB is about 1,400 auth lines: fewer than the pipeline's queue
  // holds, which is drained between two polls, so a long backlog (a burst,
  // a restart far behind) is read at full speed without overflowing it.
  static constexpr size_t kMaxBytesPerPoll = 128 << 10;
  // Read again before a restored position, as context (a few dozen lines:
  // the lines of one login attempt are seconds apart).
  static constexpr uint64_t kContextBytes = 4096;

  struct Options {
    size_t max_line = 8192;    // longer lines are skipped
    size_t record_size = 0;    // 0: lines; else fixed-size records
    bool start_at_end = true;  // no saved position: skip what exists now
  };

  enum class State { kNotOpened, kReading, kMissing, kUnreadable };

  struct Stats {
    uint64_t lines = 0;  // lines or records delivered
    uint64_t bytes = 0;
    uint64_t overlong = 0;
    uint64_t rotations = 0;
    uint64_t truncations = 0;
    uint64_t read_errors = 0;
  };

  // One line (without its newline) or record, as Poll() hands it over.
  struct Line {
    std::string_view data;
    uint64_t offset = 0;      // where it starts in its file
    uint64_t source_key = 0;  // the file's identity, see SourceKey()
    // Handed over before the restart already: for context only.
    bool context = false;
  };
  using LineFn = std::function<void(const Line&)>;

  // The identity of a file for event ids: 64-bit FNV-1a (core/event_id.h)
  // of its inode number in decimal, a newline, and its first line with its
  // newline (or its first kHeadBytes bytes when the line is longer; for
  // record files always the first kHeadBytes). These bytes never change
  // once the first line is complete, so a file keeps its key across
  // restarts and rotation by rename; a new file (another inode, or the same
  // inode with another first line) gets another key. The device number is
  // left out: it may change at reboot.
  static uint64_t SourceKey(uint64_t inode, std::string_view head,
                            bool records);

  FileTailer(std::string path, Options options);
  ~FileTailer();
  FileTailer(const FileTailer&) = delete;
  FileTailer& operator=(const FileTailer&) = delete;

  // Resumes from a saved position; call before the first Poll(). A position
  // whose file identity no longer matches the path is looked for among the
  // rotated siblings ("auth.log.1", "auth.log-20250101"), drained from its
  // offset, and the current file is then read from its start.
  void Restore(const FilePosition& saved);

  // Reads new data and calls `fn` for each line or record. `now_ms` is a
  // monotonic clock. Returns true when the state changed (see state()).
  bool Poll(int64_t now_ms, const LineFn& fn);

  // True when the last Poll() stopped at kMaxBytesPerPoll.
  bool more() const { return more_; }

  // The position to save: identity of the current file and the end of the
  // last whole line delivered from it.
  FilePosition Position();

  const std::string& path() const { return path_; }
  State state() const { return state_; }
  const std::string& error() const { return error_; }  // why missing/unreadable
  const Stats& stats() const { return stats_; }

 private:
  struct Source {
    int fd = -1;
    uint64_t dev = 0;
    uint64_t inode = 0;
    uint64_t offset = 0;    // end of the last whole line delivered
    std::string partial;    // bytes after offset, no newline yet
    bool skipping = false;  // inside an over-long line
    int64_t last_growth_ms = 0;
    // The file's first bytes as read: if they change, the file was cut and
    // rewritten (copytruncate) even when it is already longer than offset.
    std::string head;
    uint64_t key = 0;  // SourceKey(), once a line was delivered
    bool key_known = false;
    // Lines starting before this offset were delivered before a restart.
    uint64_t context_end = 0;
    // Resuming inside a line (kContextBytes back): drop up to its newline.
    bool skip_to_newline = false;
  };

  // Positions `s` (open, offset set to a saved position) to re-read up to
  // kContextBytes before it as context.
  void StartWithContext(Source* s) const;
  // SourceKey() of `s`, computed on first use.
  uint64_t KeyOf(Source* s) const;

  // True when `s`'s file no longer starts with the bytes it started with.
  bool HeadChanged(const Source& s) const;
  // Remembers the first bytes of `s`'s file once they have been read.
  void RememberHead(Source* s) const;

  bool Open(int64_t now_ms, bool from_start);
  // Reads `s` to its end (or the byte budget); true when it grew.
  bool Drain(Source* s, size_t* budget, int64_t now_ms, const LineFn& fn);
  void Deliver(Source* s, std::string_view data, const LineFn& fn);
  // Hands one line or record of `s`, starting at s->offset, to `fn`.
  void Emit(Source* s, std::string_view data, const LineFn& fn);
  void FlushPartial(Source* s, const LineFn& fn);
  void Close(Source* s);
  void SetState(State state, std::string error);
  bool MatchesHead(int fd, const FilePosition& pos) const;

  std::string path_;
  Options options_;
  Source current_;
  Source old_;  // the rotated-away file, while it drains
  bool restored_ = false;
  FilePosition saved_;
  bool opened_once_ = false;
  bool more_ = false;
  State state_ = State::kNotOpened;
  bool state_changed_ = false;
  std::string error_;
  Stats stats_;
};

}  // namespace picket::login

#endif  // PICKET_COLLECTORS_LOGIN_LINUX_FILE_TAILER_H_

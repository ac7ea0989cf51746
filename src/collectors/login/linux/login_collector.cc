#include "collectors/login/linux/login_collector.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include "collectors/login/auth_message.h"
#include "collectors/login/positions.h"
#include "core/event_id.h"

namespace picket {

namespace {

constexpr char kPositionsName[] = "login-positions";

constexpr int64_t kSaveEveryMs = 1000;
constexpr int64_t kPasswdCheckMs = 5000;
// A followed file's directory is watched for names coming and going
// (rotation, a log that appears), the file itself for writes: a directory
// watch for writes would wake the agent for every line of every other log
// there (/var/log/syslog, the agent's own JSONL when it writes beside).
constexpr uint32_t kDirEvents =
    IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;
constexpr uint32_t kFileEvents =
    IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF;

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// "" when unreadable, not a regular file, or larger than `cap`.
std::string ReadSmallFile(const std::string& path, size_t cap) {
  Result<std::string> text = ReadInputFile(path, cap, "");
  return text.ok() ? std::move(text.value()) : std::string();
}

bool IsNoLoginShell(std::string_view shell) {
  if (shell.empty()) return false;  // empty means /bin/sh to login(1)
  size_t slash = shell.rfind('/');
  std::string_view base =
      slash == std::string_view::npos ? shell : shell.substr(slash + 1);
  return base == "nologin" || base == "false" || base == "sync" ||
         base == "halt" || base == "shutdown";
}

// The value of `field` ("s", "i") in a journal cursor
// "s=<seqnum id>;i=<seqnum, hex>;b=...;m=...;t=...;x=...", or empty.
std::string_view CursorField(std::string_view cursor, std::string_view field) {
  while (!cursor.empty()) {
    size_t semi = cursor.find(';');
    std::string_view part = cursor.substr(0, semi);
    if (part.size() > field.size() && part.starts_with(field) &&
        part[field.size()] == '=') {
      return part.substr(field.size() + 1);
    }
    if (semi == std::string_view::npos) break;
    cursor.remove_prefix(semi + 1);
  }
  return {};
}

}  // namespace

LoginCollector::At LoginCollector::JournalAt(std::string_view cursor) {
  // An entry is identified by its sequence number within the journal's
  // sequence-number space (the "s" id, new when the journal is recreated);
  // the rest of the cursor (boot id, times) does not change for an entry
  // either, but is longer and adds nothing.
  At at;
  std::string_view space = CursorField(cursor, "s");
  std::string_view seqnum = CursorField(cursor, "i");
  uint64_t n = 0;
  bool ok = !space.empty() && !seqnum.empty() && seqnum.size() <= 16;
  for (char c : seqnum) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0) ok = false;
    n = n * 16 + static_cast<uint64_t>(d < 0 ? 0 : d);
  }
  if (ok) {
    at.key = Fnv1a64(space, Fnv1a64("journal\n"));
    at.position = n;
  } else {
    at.key = Fnv1a64(cursor, Fnv1a64("journal cursor\n"));
  }
  return at;
}

const std::vector<std::string>& LoginCollector::JournalIdentifiers() {
  static const std::vector<std::string> ids = {
      "sshd", "sshd-session", "dropbear",   "login",   "su",
      "sudo", "telnetd",      "in.telnetd", "busybox", "systemd-logind"};
  return ids;
}

LoginCollector::LoginCollector(LoginCollectorConfig config, std::string root,
                               std::string state_dir, const Clock* clock)
    : config_(std::move(config)),
      root_(std::move(root)),
      state_dir_(std::move(state_dir)),
      clock_(clock) {}

LoginCollector::~LoginCollector() { Stop(); }

std::string LoginCollector::Path(const std::string& configured) const {
  if (root_.empty() || root_ == "/") return configured;
  return root_ + configured;
}

Status LoginCollector::Start(EventLoop& loop, EventSubmitter& out) {
  loop_ = &loop;
  out_ = &out;
  login::Positions saved;
  int bad = 0;
  std::string positions_path = state_dir_ + "/" + kPositionsName;
  Result<StateDir> dir = StateDir::Open(state_dir_);
  if (!dir.ok()) {
    // Without a trusted state directory the positions are neither read nor
    // saved: every start begins at start_at.
    EmitStatus("error",
               dir.status().message() + " (reading positions are not kept)");
  } else {
    state_ = std::move(dir.value());
    Result<std::string> text = state_.ReadFile(kPositionsName, 1 << 20);
    if (text.ok()) {
      saved = login::ParsePositions(*text, &bad);
    } else if (text.status().code() != Status::Code::kNotFound) {
      EmitStatus("error", text.status().message() +
                              " (starting without saved positions)");
    }
  }
  if (bad > 0) {
    EmitStatus("error", positions_path + ": " + std::to_string(bad) +
                            " malformed lines ignored");
  }
  bool from_start = config_.start_at == "beginning";
  std::vector<std::string> used;
  std::string notes;

  if (config_.journal != "off") {
    bool available = login::JournalReader::Available(root_);
    if (config_.journal == "on" || available) {
      auto reader = login::JournalReader::Open(
          root_, JournalIdentifiers(), saved.journal_cursor, !from_start);
      if (reader.ok()) {
        journal_ = std::move(reader.value());
        PICKET_RETURN_IF_ERROR(
            loop.AddFd(journal_->fd(), [this] { OnJournal(); }));
        used.push_back("journal");
      } else if (config_.journal == "on") {
        return reader.status().WithContext("login collector (journal: on)");
      } else {
        notes += "; journal unavailable: " + reader.status().message();
      }
    }
  }
  OpenStreams(saved);
  bool have_syslog = false;
  bool have_utmp = false;
  for (const auto& s : streams_) {
    if (s->kind == StreamKind::kSyslog) have_syslog = true;
    if (s->kind != StreamKind::kSyslog) have_utmp = true;
  }
  if (have_syslog) {
    std::string files;
    for (const auto& s : streams_) {
      if (s->kind != StreamKind::kSyslog) continue;
      if (!files.empty()) files += ",";
      files += s->tailer->path();
    }
    used.push_back("syslog");
    notes = " (" + files + ")" + notes;
  }
  if (have_utmp) used.push_back("utmp");
  for (const std::string& u : used) {
    if (!sources_.empty()) sources_ += "+";
    sources_ += u;
  }
  if (used.empty()) {
    EmitStatus("mode",
               "no login source found (no journal, none of the "
               "syslog files, utmp off)" +
                   notes);
  } else {
    EmitStatus("mode", "sources: " + sources_ + notes);
  }

  if (!streams_.empty()) {
    inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ >= 0) {
      PICKET_RETURN_IF_ERROR(loop.AddFd(inotify_fd_, [this] { OnInotify(); }));
      WatchDirs();
    } else {
      EmitStatus("mode", std::string("inotify unavailable (") +
                             strerror(errno) + "): files are polled every " +
                             std::to_string(config_.recheck_interval_ms) +
                             " ms");
    }
  }
  timers_.push_back(loop.AddTimer(config_.recheck_interval_ms,
                                  config_.recheck_interval_ms, [this] {
                                    if (inotify_fd_ >= 0) WatchDirs();
                                    PollAll();
                                  }));
  timers_.push_back(loop.AddTimer(kSaveEveryMs, kSaveEveryMs, [this] {
    if (drained_unsaved_ && WritePositions(drained_)) {
      drained_unsaved_ = false;
    }
  }));
  PollAll();
  if (journal_) OnJournal();
  return Status::Ok();
}

void LoginCollector::OpenStreams(const login::Positions& saved) {
  bool from_start = config_.start_at == "beginning";
  auto add = [&](StreamKind kind, const std::string& path,
                 const std::string& origin) {
    login::FileTailer::Options opts;
    opts.max_line = config_.max_line_bytes;
    opts.record_size = kind == StreamKind::kSyslog ? 0 : login::kUtmpRecordSize;
    opts.start_at_end = !from_start;
    auto stream = std::make_unique<Stream>();
    stream->kind = kind;
    stream->origin = origin;
    stream->tailer = std::make_unique<login::FileTailer>(path, opts);
    for (const login::FilePosition& p : saved.files) {
      if (p.path == path) stream->tailer->Restore(p);
    }
    streams_.push_back(std::move(stream));
  };
  bool syslog = false;
  if (config_.syslog == "on" || (config_.syslog == "auto" && !journal_)) {
    for (const std::string& file : config_.syslog_files) {
      std::string path = Path(file);
      if (config_.syslog == "auto" && !FileExists(path)) continue;
      add(StreamKind::kSyslog, path, "syslog:" + file);
      syslog = true;
      if (config_.syslog == "auto") break;  // the first that exists
    }
  }
  if (config_.utmp == "on" ||
      (config_.utmp == "auto" && !journal_ && !syslog)) {
    add(StreamKind::kWtmp, Path(config_.wtmp_path), "wtmp");
    add(StreamKind::kBtmp, Path(config_.btmp_path), "btmp");
  }
}

void LoginCollector::Stop() {
  if (loop_ == nullptr) return;
  SavePositions();
  for (auto id : timers_) loop_->CancelTimer(id);
  timers_.clear();
  if (repoll_timer_ != 0) loop_->CancelTimer(repoll_timer_);
  repoll_timer_ = 0;
  if (journal_) {
    loop_->RemoveFd(journal_->fd());
    journal_.reset();
  }
  if (inotify_fd_ >= 0) {
    loop_->RemoveFd(inotify_fd_);
    close(inotify_fd_);
    inotify_fd_ = -1;
  }
  watched_dirs_.clear();
  watched_files_.clear();
  // Their counters outlive them: the final statistics come after Stop().
  for (const auto& s : streams_) {
    const auto& st = s->tailer->stats();
    retired_.overlong += st.overlong;
    retired_.rotations += st.rotations;
    retired_.truncations += st.truncations;
    retired_.read_errors += st.read_errors;
  }
  streams_.clear();
  loop_ = nullptr;
}

void LoginCollector::WatchDirs() {
  for (const auto& s : streams_) {
    std::string dir = DirOf(s->tailer->path());
    bool watched = false;
    for (const auto& [wd, d] : watched_dirs_) watched = watched || d == dir;
    if (watched) continue;
    int wd = inotify_add_watch(inotify_fd_, dir.c_str(), kDirEvents);
    if (wd >= 0) watched_dirs_[wd] = dir;  // else: the timer retries
  }
  // The file now at each path (a rotated file keeps its watch until it is
  // deleted; watching a file already watched returns its watch).
  for (const auto& s : streams_) {
    int wd =
        inotify_add_watch(inotify_fd_, s->tailer->path().c_str(), kFileEvents);
    if (wd >= 0) watched_files_[wd] = s->tailer->path();
  }
}

void LoginCollector::OnInotify() {
  alignas(struct inotify_event) char buf[16384];
  bool any = false;
  bool names = false;
  while (true) {
    ssize_t n = read(inotify_fd_, buf, sizeof buf);
    if (n <= 0) break;
    any = true;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      if (ev->mask & IN_IGNORED) {
        watched_dirs_.erase(ev->wd);
        watched_files_.erase(ev->wd);
      } else if (watched_dirs_.count(ev->wd) != 0) {
        names = true;
      }
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
  if (any) ++inotify_wakeups_;
  // A name came or went: watch the file now at each path.
  if (names) WatchDirs();
  // Polling every stream costs a few syscalls, cheaper than matching names
  // (rotated names vary).
  if (any) PollAll();
}

void LoginCollector::SchedulePoll() {
  if (repoll_timer_ != 0 || loop_ == nullptr) return;
  repoll_timer_ = loop_->AddTimer(0, 0, [this] {
    repoll_timer_ = 0;
    PollAll();
  });
}

void LoginCollector::PollAll() {
  for (auto& s : streams_) PollStream(*s);
}

void LoginCollector::PollStream(Stream& s) {
  int64_t now = loop_ != nullptr ? loop_->NowMs() : clock_->MonotonicMs();
  uint64_t before = s.tailer->stats().lines;
  bool changed = s.tailer->Poll(now, [&](const login::FileTailer::Line& l) {
    if (s.kind == StreamKind::kSyslog) {
      OnLine(s, l);
    } else {
      OnRecord(s, l);
    }
  });
  if (s.tailer->stats().lines != before) dirty_ = true;
  if (s.tailer->more()) SchedulePoll();
  if (!changed) return;
  dirty_ = true;
  using State = login::FileTailer::State;
  switch (s.tailer->state()) {
    case State::kReading:
      if (s.was_reading) {
        EmitStatus("source_restored", s.tailer->path() + " readable again");
      }
      s.was_reading = true;
      break;
    case State::kMissing:
      EmitStatus("source_missing", s.tailer->path() + ": " + s.tailer->error() +
                                       "; watching for its return");
      s.was_reading = true;
      break;
    case State::kUnreadable:
      EmitStatus("source_unreadable",
                 s.tailer->path() + ": " + s.tailer->error() +
                     "; retrying every " +
                     std::to_string(config_.recheck_interval_ms) + " ms");
      s.was_reading = true;
      break;
    case State::kNotOpened:
      break;
  }
}

void LoginCollector::OnLine(Stream& s, const login::FileTailer::Line& l) {
  std::string_view line = l.data;
  At at{l.source_key, l.offset, l.context};
  // Context lines were counted when they were first read.
  if (!at.context) ++lines_;
  const int64_t now_ns = clock_->RealtimeNs();
  facts_.clear();
  switch (s.lines.Add(line, now_ns, UtcOffsetS(now_ns / 1000000000), at.context,
                      &facts_)) {
    case login::LineResult::kBinary:
      if (!at.context) ++binary_;
      return;
    case login::LineResult::kUnparsed:
      if (!at.context) ++unparsed_;
      return;
    case login::LineResult::kRead:
      break;
  }
  SubmitFacts(s.origin, at);
}

void LoginCollector::SubmitFacts(const std::string& origin, const At& at) {
  uint32_t index = 0;
  for (login::LoginFact& fact : facts_) {
    LoginEvent& e = fact.login;
    e.origin = origin;
    if (fact.type == EventType::kLoginSuccess && config_.resolve_shells &&
        e.reason.empty() && UserHasNoShell(e.user)) {
      e.reason = login::kReasonNoShell;
    }
    SubmitLogin(fact.type, std::move(e),
                SourcePositionId(at.key, at.position, index++));
  }
}

void LoginCollector::OnRecord(Stream& s, const login::FileTailer::Line& l) {
  login::UtmpRecord r;
  if (login::ParseUtmpRecord(l.data, &r) != login::UtmpParse::kOk) {
    if (!l.context) ++utmp_corrupt_;
    return;
  }
  // A record yields at most one event.
  std::string id = SourcePositionId(l.source_key, l.offset, 0);
  if (l.context) {
    // Reported before the restart; only the logins that logouts name.
    if (s.kind == StreamKind::kWtmp &&
        r.type == login::UtmpType::kUserProcess) {
      tty_user_[r.line] = r.user;
      if (tty_user_.size() > 4096) tty_user_.clear();
    }
    return;
  }
  ++utmp_records_;
  LoginEvent e;
  e.origin = s.origin;
  e.user = r.user;
  e.tty = r.line;
  e.pid = r.pid;
  e.source_address = !r.address.empty() ? r.address : r.host;
  e.log_time_ns = r.time_ns;
  if (r.line.starts_with("ssh")) {
    e.service = "sshd";
  } else if (e.source_address.empty()) {
    e.service = "login";
  } else {
    e.service = "remote";  // wtmp does not say which daemon
  }
  if (s.kind == StreamKind::kBtmp) {
    if (r.type != login::UtmpType::kLoginProcess &&
        r.type != login::UtmpType::kUserProcess) {
      return;
    }
    e.reason = r.user == "UNKNOWN" ? login::kReasonInvalidUser
                                   : login::kReasonBadPassword;
    SubmitLogin(EventType::kLoginFailure, std::move(e), std::move(id));
    return;
  }
  if (r.type == login::UtmpType::kUserProcess) {
    tty_user_[r.line] = r.user;
    if (tty_user_.size() > 4096) tty_user_.clear();
    if (config_.resolve_shells && UserHasNoShell(e.user)) {
      e.reason = login::kReasonNoShell;
    }
    SubmitLogin(EventType::kLoginSuccess, std::move(e), std::move(id));
  } else if (r.type == login::UtmpType::kDeadProcess && !r.line.empty()) {
    auto it = tty_user_.find(r.line);
    if (it == tty_user_.end()) return;  // not a login we saw
    e.user = it->second;
    tty_user_.erase(it);
    SubmitLogin(EventType::kLogout, std::move(e), std::move(id));
  }
}

void LoginCollector::OnJournal() {
  if (!journal_) return;
  Status st = journal_->ReadAvailable([this](const login::JournalEntry& e) {
    ++journal_entries_;
    // Journal entries are single lines already; the message is the line.
    const At at = JournalAt(e.cursor);
    facts_.clear();
    if (journal_lines_.AddMessage(e.identifier, e.pid, e.message, e.message,
                                  e.realtime_ns, at.context, &facts_)) {
      SubmitFacts("journal", at);
    }
  });
  if (!st.ok()) EmitStatus("error", "journal: " + st.message());
  dirty_ = true;
  if (journal_->more()) {
    loop_->AddTimer(0, 0, [this] { OnJournal(); });
  }
}

void LoginCollector::SubmitLogin(EventType type, LoginEvent login,
                                 std::string id) {
  Event event;
  event.id = std::move(id);
  event.time_ns = clock_->RealtimeNs();
  event.type = type;
  event.priority =
      type == EventType::kLoginFailure ? Priority::kLow : Priority::kMedium;
  event.payload = std::move(login);
  if (out_->Submit(std::move(event))) {
    ++events_;
  } else {
    ++dropped_;
  }
}

void LoginCollector::EmitStatus(const std::string& state,
                                const std::string& detail) {
  Event event = MakeStatusEvent(clock_->RealtimeNs(), name(), state, detail);
  if (out_->Submit(std::move(event))) {
    ++events_;
  } else {
    ++dropped_;
  }
}

int64_t LoginCollector::UtcOffsetS(int64_t now_s) {
  if (tz_checked_s_ < 0 || now_s - tz_checked_s_ >= 60) {
    time_t now_t = static_cast<time_t>(now_s);
    struct tm local;
    localtime_r(&now_t, &local);
    tz_offset_s_ = local.tm_gmtoff;
    tz_checked_s_ = now_s;
  }
  return tz_offset_s_;
}

bool LoginCollector::UserHasNoShell(const std::string& user) {
  if (user.empty()) return false;
  int64_t now = clock_->MonotonicMs();
  if (now - passwd_checked_ms_ >= kPasswdCheckMs) {
    passwd_checked_ms_ = now;
    std::string path = Path("/etc/passwd");
    struct stat st;
    int64_t mtime = -1;
    if (stat(path.c_str(), &st) == 0) {
      mtime = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    }
    if (mtime != passwd_mtime_ns_) {
      passwd_mtime_ns_ = mtime;
      no_shell_.clear();
      std::string text = ReadSmallFile(path, 4 << 20);
      std::string_view rest = text;
      while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
        // name:passwd:uid:gid:gecos:home:shell
        size_t colon = line.find(':');
        size_t last = line.rfind(':');
        int colons = 0;
        for (char c : line) colons += c == ':';
        if (colon == std::string_view::npos || colons != 6) continue;
        no_shell_[std::string(line.substr(0, colon))] =
            IsNoLoginShell(line.substr(last + 1));
      }
    }
  }
  auto it = no_shell_.find(user);
  return it != no_shell_.end() && it->second;
}

void LoginCollector::OnDrained() {
  if (!dirty_ || loop_ == nullptr) return;
  dirty_ = false;
  drained_ = CurrentPositions();
  drained_unsaved_ = true;
}

login::Positions LoginCollector::CurrentPositions() {
  login::Positions p;
  for (const auto& s : streams_) p.files.push_back(s->tailer->Position());
  if (journal_) p.journal_cursor = journal_->cursor();
  return p;
}

bool LoginCollector::SavePositions() {
  if (!dirty_ && !drained_unsaved_) return true;
  if (!WritePositions(CurrentPositions())) return false;
  dirty_ = false;
  drained_unsaved_ = false;
  return true;
}

bool LoginCollector::WritePositions(const login::Positions& p) {
  std::string text = login::FormatPositions(p);
  Status st =
      state_.valid()
          ? state_.WriteFileAtomically(kPositionsName, text)
          : Status::Unavailable("no trusted state directory " + state_dir_);
  if (!st.ok()) {
    if (position_errors_++ == 0) {
      EmitStatus("error", "cannot save reading positions: " + st.message() +
                              " (lines may be read again after a restart)");
    }
    return false;
  }
  ++positions_saved_;
  return true;
}

ComponentStats LoginCollector::Stats() const {
  uint64_t overlong = retired_.overlong, rotations = retired_.rotations,
           truncations = retired_.truncations,
           read_errors = retired_.read_errors;
  for (const auto& s : streams_) {
    const auto& st = s->tailer->stats();
    overlong += st.overlong;
    rotations += st.rotations;
    truncations += st.truncations;
    read_errors += st.read_errors;
  }
  return {name(),
          {{"events", events_},
           {"dropped", dropped_},
           {"lines", lines_},
           {"lines_binary", binary_},
           {"lines_unparsed", unparsed_},
           {"lines_overlong", overlong},
           {"rotations", rotations},
           {"truncations", truncations},
           {"read_errors", read_errors},
           {"journal_entries", journal_entries_},
           {"utmp_records", utmp_records_},
           {"utmp_corrupt", utmp_corrupt_},
           {"positions_saved", positions_saved_},
           {"position_errors", position_errors_},
           {"inotify_wakeups", inotify_wakeups_}}};
}

}  // namespace picket

#include "collectors/login/linux/file_tailer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "core/event_id.h"

namespace picket::login {

namespace {

constexpr size_t kReadChunk = 64 << 10;

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool Compressed(std::string_view name) {
  return name.ends_with(".gz") || name.ends_with(".xz") ||
         name.ends_with(".bz2") || name.ends_with(".zst") ||
         name.ends_with(".lz4");
}

}  // namespace

FileTailer::FileTailer(std::string path, Options options)
    : path_(std::move(path)), options_(options) {
  if (options_.max_line == 0) options_.max_line = 1;
}

FileTailer::~FileTailer() {
  Close(&current_);
  Close(&old_);
}

uint64_t FileTailer::SourceKey(uint64_t inode, std::string_view head,
                               bool records) {
  if (head.size() > kHeadBytes) head = head.substr(0, kHeadBytes);
  if (!records) {
    size_t nl = head.find('\n');
    if (nl != std::string_view::npos) head = head.substr(0, nl + 1);
  }
  return Fnv1a64(head, Fnv1a64(std::to_string(inode) + "\n"));
}

uint64_t FileTailer::KeyOf(Source* s) const {
  if (!s->key_known) {
    char head[kHeadBytes];
    ssize_t n = s->fd < 0 ? 0 : pread(s->fd, head, sizeof head, 0);
    s->key = SourceKey(
        s->inode, std::string_view(head, n > 0 ? static_cast<size_t>(n) : 0),
        options_.record_size > 0);
    s->key_known = true;
  }
  return s->key;
}

void FileTailer::StartWithContext(Source* s) const {
  uint64_t resume = s->offset;
  uint64_t start = 0;
  if (options_.record_size > 0) {
    uint64_t rs = options_.record_size;
    uint64_t back = std::min(resume / rs, kContextBytes / rs);
    start = resume - back * rs;
  } else if (resume > kContextBytes) {
    // One byte more, so that a line starting exactly there is whole: the
    // skip then drops just the newline before it.
    start = resume - kContextBytes - 1;
    s->skip_to_newline = true;
  }
  s->context_end = resume;
  s->offset = start;
  lseek(s->fd, static_cast<off_t>(start), SEEK_SET);
}

void FileTailer::Restore(const FilePosition& saved) {
  restored_ = true;
  saved_ = saved;
}

void FileTailer::Close(Source* s) {
  if (s->fd >= 0) close(s->fd);
  *s = Source();
}

void FileTailer::SetState(State state, std::string error) {
  if (state != state_) state_changed_ = true;
  state_ = state;
  error_ = std::move(error);
}

bool FileTailer::HeadChanged(const Source& s) const {
  if (s.fd < 0 || s.head.empty()) return false;
  std::string now(s.head.size(), '\0');
  ssize_t n = pread(s.fd, now.data(), now.size(), 0);
  return n != static_cast<ssize_t>(now.size()) || now != s.head;
}

void FileTailer::RememberHead(Source* s) const {
  if (s->fd < 0 || s->head.size() >= kHeadBytes) return;
  uint64_t want = s->offset < kHeadBytes ? s->offset : kHeadBytes;
  if (want <= s->head.size()) return;
  std::string head(want, '\0');
  ssize_t n = pread(s->fd, head.data(), want, 0);
  if (n == static_cast<ssize_t>(want)) s->head = std::move(head);
}

bool FileTailer::MatchesHead(int fd, const FilePosition& pos) const {
  std::string head(pos.head_len, '\0');
  ssize_t n = pos.head_len == 0 ? 0 : pread(fd, head.data(), pos.head_len, 0);
  if (n != static_cast<ssize_t>(pos.head_len)) return false;
  return HeadHash(head) == pos.head_hash;
}

bool FileTailer::Open(int64_t now_ms, bool from_start) {
  int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    SetState(err == ENOENT ? State::kMissing : State::kUnreadable,
             std::string(strerror(err)));
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    SetState(State::kUnreadable, "not a regular file");
    return false;
  }
  Close(&current_);
  current_.fd = fd;
  current_.dev = st.st_dev;
  current_.inode = st.st_ino;
  current_.last_growth_ms = now_ms;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t start = 0;
  bool resumed = false;
  if (!from_start && restored_) {
    restored_ = false;
    if (saved_.dev == current_.dev && saved_.inode == current_.inode &&
        saved_.offset <= size && MatchesHead(fd, saved_)) {
      start = saved_.offset;
      resumed = start > 0;
    } else {
      // Rotated while we were not running: finish the old file first.
      std::string dir = DirOf(path_);
      std::string base = BaseOf(path_);
      if (DIR* d = opendir(dir.c_str())) {
        while (struct dirent* e = readdir(d)) {
          std::string_view name = e->d_name;
          if (name.size() <= base.size() || !name.starts_with(base) ||
              Compressed(name)) {
            continue;
          }
          std::string sibling = dir + "/" + std::string(name);
          int sfd = open(sibling.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
          if (sfd < 0) continue;
          struct stat sst;
          if (fstat(sfd, &sst) == 0 && sst.st_dev == saved_.dev &&
              sst.st_ino == saved_.inode &&
              static_cast<uint64_t>(sst.st_size) >= saved_.offset &&
              MatchesHead(sfd, saved_)) {
            Close(&old_);
            old_.fd = sfd;
            old_.dev = sst.st_dev;
            old_.inode = sst.st_ino;
            old_.offset = saved_.offset;
            old_.last_growth_ms = now_ms;
            StartWithContext(&old_);
            ++stats_.rotations;
            break;
          }
          close(sfd);
        }
        closedir(d);
      }
    }
  } else if (!from_start && options_.start_at_end) {
    start = size;
  }
  if (options_.record_size > 0) start -= start % options_.record_size;
  current_.offset = start;
  if (resumed) {
    StartWithContext(&current_);
  } else {
    lseek(fd, static_cast<off_t>(start), SEEK_SET);
  }
  SetState(State::kReading, "");
  return true;
}

void FileTailer::Emit(Source* s, std::string_view data, const LineFn& fn) {
  Line line;
  line.data = data;
  line.offset = s->offset;
  line.source_key = KeyOf(s);
  line.context = s->offset < s->context_end;
  fn(line);
  if (!line.context) ++stats_.lines;
}

void FileTailer::Deliver(Source* s, std::string_view data, const LineFn& fn) {
  stats_.bytes += data.size();
  if (options_.record_size > 0) {
    size_t rs = options_.record_size;
    if (!s->partial.empty()) {
      size_t need = rs - s->partial.size();
      size_t take = std::min(need, data.size());
      s->partial.append(data.substr(0, take));
      data.remove_prefix(take);
      if (s->partial.size() < rs) return;
      Emit(s, s->partial, fn);
      s->offset += rs;
      s->partial.clear();
    }
    while (data.size() >= rs) {
      Emit(s, data.substr(0, rs), fn);
      s->offset += rs;
      data.remove_prefix(rs);
    }
    s->partial.assign(data);
    return;
  }
  if (s->skip_to_newline) {
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      s->offset += data.size();
      return;
    }
    s->offset += nl + 1;
    data.remove_prefix(nl + 1);
    s->skip_to_newline = false;
  }
  while (!data.empty()) {
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      if (s->skipping) {
        s->offset += data.size();
      } else {
        s->partial.append(data);
        if (s->partial.size() > options_.max_line) {
          ++stats_.overlong;
          s->skipping = true;
          s->offset += s->partial.size();
          s->partial.clear();
        }
      }
      return;
    }
    std::string_view piece = data.substr(0, nl);
    data.remove_prefix(nl + 1);
    if (s->skipping) {
      s->skipping = false;
      s->offset += piece.size() + 1;
      continue;
    }
    std::string_view line = piece;
    if (!s->partial.empty()) {
      s->partial.append(piece);
      line = s->partial;
    }
    size_t consumed = line.size() + 1;
    if (line.size() > options_.max_line) {
      if (s->offset >= s->context_end) ++stats_.overlong;
    } else {
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      Emit(s, line, fn);
    }
    s->offset += consumed;
    s->partial.clear();
  }
}

void FileTailer::FlushPartial(Source* s, const LineFn& fn) {
  if (options_.record_size == 0 && !s->partial.empty() && !s->skipping) {
    std::string_view line = s->partial;
    if (line.back() == '\r') line.remove_suffix(1);
    Emit(s, line, fn);
    s->offset += s->partial.size();
  }
  s->partial.clear();
}

bool FileTailer::Drain(Source* s, size_t* budget, int64_t now_ms,
                       const LineFn& fn) {
  bool grew = false;
  char buf[kReadChunk];
  while (s->fd >= 0) {
    if (*budget == 0) {
      more_ = true;
      break;
    }
    ssize_t n = read(s->fd, buf, std::min(sizeof buf, *budget));
    if (n > 0) {
      grew = true;
      s->last_growth_ms = now_ms;
      *budget -= static_cast<size_t>(n);
      Deliver(s, std::string_view(buf, static_cast<size_t>(n)), fn);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) ++stats_.read_errors;
    break;
  }
  RememberHead(s);
  return grew;
}

bool FileTailer::Poll(int64_t now_ms, const LineFn& fn) {
  more_ = false;
  state_changed_ = false;
  size_t budget = kMaxBytesPerPoll;
  bool opened = current_.fd >= 0;
  if (!opened) {
    bool from_start = opened_once_ || state_ != State::kNotOpened;
    opened = Open(now_ms, from_start);
    opened_once_ = opened_once_ || opened;
  }
  // The rotated-away file first: its lines are older.
  if (old_.fd >= 0) {
    bool grew = Drain(&old_, &budget, now_ms, fn);
    if (!grew && now_ms - old_.last_growth_ms >= kDrainMs) {
      FlushPartial(&old_, fn);
      Close(&old_);
    }
  }
  if (!opened) return state_changed_;
  struct stat st;
  // A copytruncate followed by fast writes can leave the file longer than
  // our offset: compare its first bytes before trusting the offset.
  if (HeadChanged(current_) ||
      (fstat(current_.fd, &st) == 0 &&
       static_cast<uint64_t>(st.st_size) <
           current_.offset + current_.partial.size())) {
    // copytruncate (or an editor) cut the file: read it again from 0.
    ++stats_.truncations;
    current_.offset = 0;
    current_.partial.clear();
    current_.skipping = false;
    current_.head.clear();
    current_.key_known = false;  // new content: a new file for the ids
    current_.context_end = 0;
    current_.skip_to_newline = false;
    lseek(current_.fd, 0, SEEK_SET);
  }
  Drain(&current_, &budget, now_ms, fn);

  if (stat(path_.c_str(), &st) != 0) {
    int err = errno;
    // Renamed or deleted: keep reading what we have open until the path
    // returns (the writer may still append to the open file).
    SetState(err == ENOENT ? State::kMissing : State::kUnreadable,
             err == ENOENT ? "deleted or renamed" : strerror(err));
    return state_changed_;
  }
  if (st.st_dev != current_.dev || st.st_ino != current_.inode) {
    // Rotated by rename: a new file took the name.
    ++stats_.rotations;
    if (old_.fd >= 0) {
      FlushPartial(&old_, fn);
      Close(&old_);
    }
    old_ = std::move(current_);
    current_ = Source();
    old_.last_growth_ms = now_ms;
    if (Open(now_ms, true)) Drain(&current_, &budget, now_ms, fn);
    return state_changed_;
  }
  SetState(State::kReading, "");
  return state_changed_;
}

FilePosition FileTailer::Position() {
  FilePosition p;
  p.path = path_;
  if (current_.fd < 0) {
    if (restored_) return saved_;  // never opened: keep what we had
    return p;
  }
  p.dev = current_.dev;
  p.inode = current_.inode;
  // Still inside the context re-read: what follows it was delivered before.
  p.offset = std::max(current_.offset, current_.context_end);
  char head[kHeadBytes];
  ssize_t n = pread(current_.fd, head, sizeof head, 0);
  if (n > 0) {
    p.head_len = static_cast<uint32_t>(n);
    p.head_hash = HeadHash(std::string_view(head, static_cast<size_t>(n)));
  } else {
    p.head_hash = HeadHash("");
  }
  return p;
}

}  // namespace picket::login

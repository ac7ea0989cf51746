#include "sinks/jsonl_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "core/event_json.h"
#include "platform/linux/files.h"

namespace picket {

namespace {

constexpr mode_t kFileMode = 0600;

size_t CountLines(std::string_view data) {
  return static_cast<size_t>(std::count(data.begin(), data.end(), '\n'));
}

// Reads through a separate descriptor: the log is opened write-only. An
// unreadable file counts as ending well, so nothing is added to it.
bool EndsWithNewline(const StateDir& dir, const std::string& name, off_t size) {
  Result<ScopedFd> fd = dir.OpenFile(name, O_RDONLY);
  if (!fd.ok()) return true;
  char last = '\n';
  const bool read_ok = pread(fd->get(), &last, 1, size - 1) == 1;
  return !read_ok || last == '\n';
}

std::string RotatedName(const std::string& name, uint32_t n) {
  return name + "." + std::to_string(n);
}

}  // namespace

JsonlSink::JsonlSink(const JsonlSinkConfig& config) : config_(config) {}

JsonlSink::~JsonlSink() {
  Flush();
  CloseFile();
}

Status JsonlSink::Open() {
  CloseFile();
  return OpenFile();
}

Status JsonlSink::OpenFile() {
  if (!dir_.valid()) {
    // Opened once and kept: every later open and rename happens under this
    // descriptor, so a directory swapped for a link later changes nothing.
    std::string dir;
    SplitPath(config_.path, &dir, &name_);
    Result<StateDir> opened = StateDir::Open(dir);
    if (!opened.ok()) return opened.status();
    dir_ = std::move(opened.value());
  }
  // The file may predate us with a looser mode: OpenFile narrows it rather
  // than leave command lines readable by other users; a symlink or another
  // user's file in its place is refused.
  Result<ScopedFd> fd =
      dir_.OpenFile(name_, O_WRONLY | O_CREAT | O_APPEND, kFileMode);
  if (!fd.ok()) {
    // The directory may have been removed: look it up again next time.
    if (fd.status().code() == Status::Code::kNotFound) dir_ = StateDir();
    return fd.status();
  }
  struct stat st;
  if (fstat(fd->get(), &st) != 0) {
    return ErrnoStatus("fstat " + config_.path, errno);
  }
  fd_ = fd->Release();
  file_size_ = static_cast<uint64_t>(st.st_size);
  // A crash or a failed write may have left half a line; end it so that the
  // next line is not glued to it and readers lose one line, not two.
  if (file_size_ > 0 && !EndsWithNewline(dir_, name_, st.st_size)) {
    size_t done = 0;
    if (WriteAll("\n", &done)) {
      file_size_ += 1;
      bytes_ += 1;
    }
  }
  return Status::Ok();
}

void JsonlSink::CloseFile() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  file_size_ = 0;
}

bool JsonlSink::Rotate() {
  if (!dir_.valid()) return false;
  if (config_.max_files == 0) {
    if (!dir_.Unlink(name_).ok()) return false;
  } else {
    // Missing copies (fewer rotations so far) are expected: ENOENT is fine.
    for (uint32_t n = config_.max_files - 1; n >= 1; --n) {
      (void)dir_.Rename(RotatedName(name_, n), RotatedName(name_, n + 1));
    }
    if (!dir_.Rename(name_, RotatedName(name_, 1)).ok()) return false;
  }
  ++rotations_;
  CloseFile();
  return OpenFile().ok();
}

bool JsonlSink::WriteAll(std::string_view data, size_t* written) {
  *written = 0;
  while (*written < data.size()) {
    const ssize_t n =
        write(fd_, data.data() + *written, data.size() - *written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    *written += static_cast<size_t>(n);
  }
  return true;
}

void JsonlSink::DropLines(std::string_view data) {
  dropped_ += CountLines(data);
}

void JsonlSink::Write(const Event& event) {
  // alerts_only keeps agent.status too: starts, stops and failures are what
  // tells an alert-only reader that silence means "nothing happened".
  if (config_.alerts_only && event.type != EventType::kAlert &&
      event.type != EventType::kAgentStatus) {
    ++filtered_;
    return;
  }
  buffer_ += EventToJson(event);
  buffer_ += '\n';
  if (buffer_.size() > kJsonlBufferBytes) Flush();
}

void JsonlSink::Flush() {
  if (buffer_.empty()) return;
  std::string_view pending = buffer_;
  if (fd_ < 0 && !OpenFile().ok()) {
    DropLines(pending);
    buffer_.clear();
    return;
  }
  const uint64_t max_bytes = config_.max_bytes;
  bool rotated = false;  // at most one rotation per line written
  while (!pending.empty()) {
    if (fd_ < 0) {  // a rotation could not reopen the file
      DropLines(pending);
      break;
    }
    size_t chunk = pending.size();
    if (max_bytes > 0 && file_size_ + chunk > max_bytes) {
      // Whole lines that still fit in the current file.
      chunk = 0;
      if (file_size_ < max_bytes) {
        const size_t room = static_cast<size_t>(max_bytes - file_size_);
        const size_t newline = pending.rfind('\n', room - 1);
        if (newline != std::string_view::npos) chunk = newline + 1;
      }
      if (chunk == 0) {
        if (file_size_ > 0 && !rotated) {
          rotated = true;
          // On failure with the file closed, the loop top drops the rest.
          if (Rotate() || fd_ < 0) continue;
        }
        // The line is larger than max_bytes (it goes alone into the fresh
        // file) or the file cannot be rotated (better too big than lost).
        chunk = pending.find('\n') + 1;
      }
    }
    size_t done = 0;
    const bool ok = WriteAll(pending.substr(0, chunk), &done);
    written_ += CountLines(pending.substr(0, done));
    bytes_ += done;
    file_size_ += done;
    pending.remove_prefix(done);
    if (!ok) {
      // Partial line included: the next open terminates it.
      DropLines(pending);
      CloseFile();
      break;
    }
    rotated = false;
  }
  buffer_.clear();
}

ComponentStats JsonlSink::Stats() const {
  return ComponentStats{name(),
                        {{"written", written_},
                         {"bytes", bytes_},
                         {"rotations", rotations_},
                         {"dropped", dropped_},
                         {"filtered", filtered_}}};
}

}  // namespace picket

#include "sinks/jsonl_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "core/event_json.h"
#include "sinks/private_dirs.h"

namespace picket {

namespace {

constexpr mode_t kFileMode = 0600;

size_t CountLines(std::string_view data) {
  return static_cast<size_t>(std::count(data.begin(), data.end(), '\n'));
}

// Reads through a separate descriptor: the log is opened write-only. An
// unreadable file counts as ending well, so nothing is added to it.
bool EndsWithNewline(const std::string& path, off_t size) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  char last = '\n';
  const bool read_ok = pread(fd, &last, 1, size - 1) == 1;
  close(fd);
  return !read_ok || last == '\n';
}

std::string RotatedName(const std::string& path, uint32_t n) {
  return path + "." + std::to_string(n);
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
  PICKET_RETURN_IF_ERROR(MakePrivateDirs(ParentDir(config_.path)));
  const int fd = open(config_.path.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, kFileMode);
  if (fd < 0) return ErrnoStatus("open " + config_.path, errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return ErrnoStatus("fstat " + config_.path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(config_.path + ": not a regular file");
  }
  // The file may predate us with a looser mode; refuse to log into it rather
  // than leave command lines readable by other users.
  if ((st.st_mode & 077) != 0 && fchmod(fd, kFileMode) != 0) {
    const int err = errno;
    close(fd);
    return ErrnoStatus("chmod 0600 " + config_.path, err);
  }
  fd_ = fd;
  file_size_ = static_cast<uint64_t>(st.st_size);
  // A crash or a failed write may have left half a line; end it so that the
  // next line is not glued to it and readers lose one line, not two.
  if (file_size_ > 0 && !EndsWithNewline(config_.path, st.st_size)) {
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
  const std::string& path = config_.path;
  if (config_.max_files == 0) {
    if (unlink(path.c_str()) != 0 && errno != ENOENT) return false;
  } else {
    // Missing copies (fewer rotations so far) are expected: ENOENT is fine.
    for (uint32_t n = config_.max_files - 1; n >= 1; --n) {
      rename(RotatedName(path, n).c_str(), RotatedName(path, n + 1).c_str());
    }
    if (rename(path.c_str(), RotatedName(path, 1).c_str()) != 0) return false;
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

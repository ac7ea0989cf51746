// JsonlSink: events as JSON lines in a local file, rotated by size.
//
// Each event becomes one line of EventToJson output (docs/events.md). Lines
// are buffered in memory and written on Flush(), or sooner when the buffer
// passes kJsonlBufferBytes. The file is created 0600 and its directory 0700,
// because argv and paths may carry secrets. I/O failures never stop the
// pipeline: lost lines are counted as "dropped" and the file is reopened on
// the next Flush(). The sink owns its file descriptor. Not thread-safe: the
// event-loop thread owns it, as for every Sink.
#ifndef PICKET_SINKS_JSONL_SINK_H_
#define PICKET_SINKS_JSONL_SINK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"
#include "picket/sink.h"
#include "platform/linux/files.h"

namespace picket {

// Buffered bytes that trigger a write before the next Flush(). Bounds the
// sink's memory and how much a crash can lose.
inline constexpr size_t kJsonlBufferBytes = 64 * 1024;

class JsonlSink : public Sink {
 public:
  // Takes the path, rotation limits and alerts_only from `config` (the
  // `enabled` flag is the caller's business). max_bytes 0 never rotates;
  // max_files 0 keeps no rotated copy, so rotating just starts a new file.
  explicit JsonlSink(const JsonlSinkConfig& config);
  // Flushes what is buffered and closes the file.
  ~JsonlSink() override;

  JsonlSink(const JsonlSink&) = delete;
  JsonlSink& operator=(const JsonlSink&) = delete;

  std::string name() const override { return "sink.jsonl"; }

  // Creates the file's directory (and missing parents, mode 0700), opens the
  // file for appending, and narrows an existing file wider than 0600 to
  // 0600. A failure is returned for the caller to report, but the sink stays
  // usable: each Flush() retries, and lines that cannot be written meanwhile
  // are counted as dropped. A path that is not a regular file is an error.
  Status Open() override;

  // Buffers one line; with alerts_only, non-alert events are counted as
  // "filtered" and ignored.
  void Write(const Event& event) override;

  // Appends the buffered lines to the file, rotating first whenever the next
  // line would push the file past max_bytes: path.(N-1) becomes path.N (the
  // old path.N is dropped) ... path becomes path.1, and a fresh path is
  // opened. A single line larger than max_bytes is written alone to a fresh
  // file. On a write error the remaining buffered lines are dropped, counted,
  // and the file is reopened on the next call.
  void Flush() override;

  // "written" (lines in the file), "bytes", "rotations", "dropped" (lines
  // lost to I/O errors), "filtered" (skipped by alerts_only).
  ComponentStats Stats() const override;

 private:
  // Creates the directory (0700) and opens it once as dir_ (refused when a
  // symlink or writable by others), then opens the file under it with
  // O_NOFOLLOW; sets fd_ and file_size_.
  Status OpenFile();
  void CloseFile();
  // Shifts the rotated copies and reopens a fresh file. Returns false when
  // the current file could not be moved away (writing then continues in it)
  // or the fresh file could not be opened (fd_ is then closed).
  bool Rotate();
  // Writes `data` fully, retrying short writes; returns false on error with
  // *written bytes done.
  bool WriteAll(std::string_view data, size_t* written);
  void DropLines(std::string_view data);

  const JsonlSinkConfig config_;
  StateDir dir_;      // the file's directory, once opened
  std::string name_;  // the file's name in it
  int fd_ = -1;
  uint64_t file_size_ = 0;
  std::string buffer_;

  uint64_t written_ = 0;
  uint64_t bytes_ = 0;
  uint64_t rotations_ = 0;
  uint64_t dropped_ = 0;
  uint64_t filtered_ = 0;
};

}  // namespace picket

#endif  // PICKET_SINKS_JSONL_SINK_H_

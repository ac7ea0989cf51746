// StdoutSink: a human-readable event stream for `picket run --console`.
//
// One line per event (an alert adds an indented remediation line), times in
// UTC to match the JSON lines:
//
//   15:04:05.123 exec   pid=1234 ppid=1 user=root /usr/bin/curl curl -s x
//   15:04:05.200 ALERT  high  process.exec_from_temp  Program executed ...
//                remediation: Find out which service wrote the file ...
//
// The format is for people and may change; machines read the JSON lines.
// Every byte that comes from the device (argv, paths) is made printable, so a
// hostile command line cannot move the cursor or forge lines on the operator's
// terminal. Output is buffered and written on Flush(); a blocked terminal
// blocks the loop, which is acceptable for an interactive mode. The sink does
// not own the fd. Not thread-safe: the event-loop thread owns it.
#ifndef PICKET_SINKS_STDOUT_SINK_H_
#define PICKET_SINKS_STDOUT_SINK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "picket/sink.h"

namespace picket {

// Longest command line (exe and argv) shown, in characters; the rest is cut
// and marked with "...", keeping each event on one line of a terminal.
inline constexpr size_t kConsoleMaxCommandChars = 200;

// Formats `event` as StdoutSink prints it, ending in '\n'. `color` wraps an
// alert's first line in the ANSI colour of its severity.
std::string FormatConsoleEvent(const Event& event, bool color);

class StdoutSink : public Sink {
 public:
  // Writes to `fd`, in colour when it is a terminal and NO_COLOR is unset.
  explicit StdoutSink(const StdoutSinkConfig& config, int fd = 1);
  StdoutSink(const StdoutSinkConfig& config, int fd, bool color);
  // Flushes what is buffered; the fd stays open.
  ~StdoutSink() override;

  StdoutSink(const StdoutSink&) = delete;
  StdoutSink& operator=(const StdoutSink&) = delete;

  std::string name() const override { return "sink.stdout"; }

  // Fails when the fd is not open for writing.
  Status Open() override;

  // Buffers the event's text. With show_events false only alerts and
  // agent.status are shown; the rest are counted as "filtered".
  void Write(const Event& event) override;

  // Writes the buffer; events it could not write are counted as "dropped".
  void Flush() override;

  // "written", "dropped", "filtered".
  ComponentStats Stats() const override;

 private:
  const StdoutSinkConfig config_;
  const int fd_;
  const bool color_;
  std::string buffer_;
  std::vector<size_t> event_ends_;  // offset in buffer_ after each event

  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  uint64_t filtered_ = 0;
};

}  // namespace picket

#endif  // PICKET_SINKS_STDOUT_SINK_H_

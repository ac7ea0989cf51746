// `picket replay`: a capture file, an auth log or recorded events through
// the same parsers and detectors as the live agent, writing the same JSON
// lines. Detectors run on the events' own times, so a replay gives the same
// alerts on every run.
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/registry.h"
#include "collectors/login/journal_export.h"
#include "collectors/login/login_lines.h"
#include "collectors/net/linux/capture.h"
#include "collectors/net/network_engine.h"
#include "core/clock.h"
#include "core/event_id.h"
#include "core/event_json.h"
#include "engine/pipeline.h"
#include "intel/linux/intel_provider.h"
#include "platform/linux/files.h"
#include "sinks/jsonl_sink.h"

namespace picket {

namespace {

// Writes each event as one JSON line to a descriptor (stdout).
class FdJsonLinesSink final : public Sink {
 public:
  explicit FdJsonLinesSink(int fd) : fd_(fd) {}
  std::string name() const override { return "sink.replay"; }
  Status Open() override { return Status::Ok(); }
  void Write(const Event& event) override {
    buffer_ += EventToJson(event);
    buffer_ += '\n';
    ++written_;
    if (buffer_.size() > (64 << 10)) WriteOut();
  }
  ~FdJsonLinesSink() override { WriteOut(); }
  // The pipeline flushes after every batch (a replay's is one line):
  // written out in 64 KiB pieces, the rest at the end.
  void Flush() override {
    if (buffer_.size() > (64 << 10)) WriteOut();
  }
  void WriteOut() {
    size_t off = 0;
    while (off < buffer_.size()) {
      ssize_t n = write(fd_, buffer_.data() + off, buffer_.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    buffer_.clear();
  }
  ComponentStats Stats() const override {
    return {name(), {{"written", written_}}};
  }

 private:
  int fd_;
  std::string buffer_;
  uint64_t written_ = 0;
};

// What of the pipeline's output is written: everything but the end-of-input
// heartbeat, or (for recorded events, which are the input) the alerts only.
class ReplayOutput final : public Sink {
 public:
  ReplayOutput(std::shared_ptr<Sink> next, bool alerts_only)
      : next_(std::move(next)), alerts_only_(alerts_only) {}
  std::string name() const override { return next_->name(); }
  Status Open() override { return Status::Ok(); }
  void Write(const Event& event) override {
    if (event.type == EventType::kHeartbeat) return;
    if (alerts_only_ && event.type != EventType::kAlert) return;
    next_->Write(event);
  }
  void Flush() override { next_->Flush(); }
  ComponentStats Stats() const override { return next_->Stats(); }

 private:
  std::shared_ptr<Sink> next_;
  bool alerts_only_;
};

// Counts the alerts written, by type, for the summary.
class AlertTally final : public Sink {
 public:
  std::string name() const override { return "sink.tally"; }
  Status Open() override { return Status::Ok(); }
  void Write(const Event& event) override {
    if (const auto* a = std::get_if<Alert>(&event.payload)) {
      ++by_type[a->type_id];
    }
  }
  void Flush() override {}
  ComponentStats Stats() const override { return {name(), {}}; }
  std::map<std::string, uint64_t> by_type;
};

// After the input: far enough on that every detector's quiet period
// (bounded by the 30-day option maximum) has passed, so open attacks and
// campaigns are summarised.
constexpr int64_t kEndOfInputNs = 31LL * 86400 * 1000000000;

// The time the detectors see last: an agent.statistics event that far
// after the input's last event, which ends what is still open.
void EndOfInput(Pipeline& pipeline, ManualClock& clock, int64_t last_ns) {
  Event end;
  end.time_ns = last_ns + kEndOfInputNs;
  end.type = EventType::kHeartbeat;
  end.priority = Priority::kLow;
  end.payload = Heartbeat{};
  clock.SetRealtimeNs(last_ns + kEndOfInputNs);
  pipeline.Submit(std::move(end));
  pipeline.Drain();
}

int64_t LocalUtcOffsetS(int64_t at_ns) {
  time_t t = static_cast<time_t>(at_ns / 1000000000);
  struct tm local;
  localtime_r(&t, &local);
  return local.tm_gmtoff;
}

struct LogReplay {
  uint64_t lines = 0, unparsed = 0, binary = 0, entries = 0, bad_entries = 0;
  uint64_t failures = 0, successes = 0, logouts = 0;
  int64_t last_ns = 0;
  bool cut_short = false;  // a read error ended the input early
};

void SubmitLogin(Pipeline& pipeline, ManualClock& clock, login::LoginFact f,
                 const std::string& origin, std::string id, LogReplay* r) {
  Event e;
  e.id = std::move(id);
  // Arrival is the log's own time: a replay is the log as it was written.
  e.time_ns = f.login.log_time_ns != 0 ? f.login.log_time_ns : r->last_ns;
  if (e.time_ns > r->last_ns) r->last_ns = e.time_ns;
  clock.SetRealtimeNs(e.time_ns);
  e.type = f.type;
  e.priority =
      f.type == EventType::kLoginFailure ? Priority::kLow : Priority::kMedium;
  if (f.type == EventType::kLoginFailure) ++r->failures;
  if (f.type == EventType::kLoginSuccess) ++r->successes;
  if (f.type == EventType::kLogout) ++r->logouts;
  f.login.origin = origin;
  e.payload = std::move(f.login);
  pipeline.Submit(std::move(e));
}

// Reads a log in chunks (the log may be far larger than memory should
// be): `Next` gives the next bytes, empty at the end.
class ChunkReader {
 public:
  explicit ChunkReader(int fd) : fd_(fd) {}
  // Appends up to kChunk bytes to `buf`; false at the end of input, or on
  // an error (error() non-empty).
  bool Append(std::string* buf) {
    const size_t old = buf->size();
    buf->resize(old + kChunk);
    ssize_t n;
    do {
      n = read(fd_, buf->data() + old, kChunk);
    } while (n < 0 && errno == EINTR);
    buf->resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
    if (n < 0) error_ = std::strerror(errno);
    return n > 0;
  }
  const std::string& error() const { return error_; }

 private:
  static constexpr size_t kChunk = 1 << 20;
  int fd_;
  std::string error_;
};

// A journal export in memory whole (its binary fields can hold blank
// lines, so entries are only found by reading from the start).
constexpr size_t kMaxJournalExport = 1ull << 30;

int ReplayJournal(const std::string& path, std::string data, Pipeline& pipeline,
                  ManualClock& clock, uint64_t key, LogReplay* r) {
  login::LoginLines lines;
  std::vector<login::LoginFact> facts;
  login::JournalExportReader reader(data);
  login::JournalExportEntry entry;
  for (;;) {
    auto next = reader.Read(&entry);
    if (next == login::JournalExportReader::Next::kEnd) break;
    if (next == login::JournalExportReader::Next::kError) {
      ++r->bad_entries;
      if (r->bad_entries <= 10) {
        std::fprintf(stderr, "picket replay: %s: %s\n", path.c_str(),
                     reader.error().c_str());
      }
      continue;
    }
    ++r->entries;
    facts.clear();
    lines.AddMessage(entry.identifier, entry.pid, entry.message, entry.message,
                     entry.realtime_ns, false, &facts);
    uint32_t index = 0;
    for (auto& f : facts) {
      SubmitLogin(pipeline, clock, std::move(f), "journal",
                  SourcePositionId(key, entry.offset, index++), r);
    }
    pipeline.Drain();
  }
  return kExitOk;
}

// The log's lines (or journal entries) through the login parsers. `path`
// "-" is standard input.
int ReplayLog(const std::string& path, const std::string& format,
              Pipeline& pipeline, ManualClock& clock, LogReplay* r) {
  ScopedFd owned;
  int fd = 0;
  if (path != "-") {
    Result<ScopedFd> opened = OpenInputFile(path, "log");
    if (!opened.ok()) {
      std::fprintf(stderr, "picket replay: %s\n",
                   opened.status().message().c_str());
      return kExitFailure;
    }
    owned = std::move(*opened);
    fd = owned.get();
  }
  struct stat st;
  // A year-less timestamp takes the year of the file's last change (now,
  // for a pipe).
  int64_t reference_ns =
      fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
          ? static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000
          : static_cast<int64_t>(time(nullptr)) * 1000000000;
  const int64_t utc_offset_s = LocalUtcOffsetS(reference_ns);
  ChunkReader in(fd);
  std::string buf;
  // Enough of the start to decide the format and name the input.
  while (buf.find('\n') == std::string::npos && buf.size() < (1u << 20) &&
         in.Append(&buf)) {
  }
  // Ids from the content, not the file name: the same log under another
  // name (a copy, a rotated file) gives the same event ids.
  const uint64_t key = Fnv1a64(std::string_view(buf).substr(0, buf.find('\n')),
                               Fnv1a64("replay\n"));
  const bool journal = format == "journal-export" ||
                       (format == "auto" && login::LooksLikeJournalExport(buf));
  if (journal) {
    while (buf.size() <= kMaxJournalExport && in.Append(&buf)) {
    }
    if (buf.size() > kMaxJournalExport) {
      std::fprintf(stderr,
                   "picket replay: %s: a journal export larger than "
                   "1 GiB (replay it in parts)\n",
                   path.c_str());
      return kExitFailure;
    }
    if (!in.error().empty()) {
      std::fprintf(stderr, "picket replay: %s: %s\n", path.c_str(),
                   in.error().c_str());
      return kExitFailure;
    }
    return ReplayJournal(path, std::move(buf), pipeline, clock, key, r);
  }
  const std::string origin = "syslog:" + path;
  login::LoginLines lines;
  std::vector<login::LoginFact> facts;
  uint64_t base = 0;  // file offset of buf[0]
  size_t pos = 0;
  bool more = true;
  for (;;) {
    size_t nl = buf.find('\n', pos);
    if (nl == std::string::npos) {
      if (more) {
        // Keep the partial line, read on.
        buf.erase(0, pos);
        base += pos;
        pos = 0;
        more = in.Append(&buf);
        continue;
      }
      if (pos >= buf.size()) break;
      nl = buf.size();  // a last line without a newline
    }
    std::string_view line(buf.data() + pos, nl - pos);
    const uint64_t offset = base + pos;
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    ++r->lines;
    facts.clear();
    switch (lines.Add(line, reference_ns, utc_offset_s, false, &facts)) {
      case login::LineResult::kBinary:
        ++r->binary;
        continue;
      case login::LineResult::kUnparsed:
        ++r->unparsed;
        continue;
      case login::LineResult::kRead:
        break;
    }
    uint32_t index = 0;
    for (auto& f : facts) {
      SubmitLogin(pipeline, clock, std::move(f), origin,
                  SourcePositionId(key, offset, index++), r);
    }
    if (!facts.empty()) pipeline.Drain();
  }
  if (!in.error().empty()) {
    std::fprintf(stderr, "picket replay: %s: %s (replayed up to byte %llu)\n",
                 path.c_str(), in.error().c_str(),
                 static_cast<unsigned long long>(base + pos));
    r->cut_short = true;
  }
  return kExitOk;
}

struct EventsReplay {
  uint64_t lines = 0, malformed = 0, replayed = 0, skipped = 0;
  int64_t last_ns = 0;
};

// Recorded events (JSON lines as the agent writes them) through the
// detectors; recorded alerts and the agent's own events are skipped (the
// detectors raise their alerts anew).
int ReplayEvents(const std::string& path, Pipeline& pipeline,
                 ManualClock& clock, EventsReplay* r) {
  Result<std::string> text = ReadInputFile(path, 4ull << 30, "");
  if (!text.ok()) {
    std::fprintf(stderr, "picket replay: %s\n",
                 text.status().message().c_str());
    return kExitFailure;
  }
  const std::string_view data = *text;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    size_t end = nl == std::string_view::npos ? data.size() : nl;
    std::string_view line = data.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    ++r->lines;
    Event e;
    if (Status st = EventFromJson(line, &e); !st.ok()) {
      ++r->malformed;
      if (r->malformed <= 10) {
        std::fprintf(stderr, "picket replay: %s: line %llu: %s\n", path.c_str(),
                     static_cast<unsigned long long>(r->lines),
                     st.message().c_str());
      }
      continue;
    }
    if (e.type == EventType::kAlert || e.type == EventType::kAgentStatus ||
        e.type == EventType::kStatistics) {
      ++r->skipped;
      continue;
    }
    ++r->replayed;
    if (e.time_ns > r->last_ns) r->last_ns = e.time_ns;
    clock.SetRealtimeNs(e.time_ns);
    pipeline.Submit(std::move(e));
    pipeline.Drain();
  }
  return kExitOk;
}

void PrintAlerts(const AlertTally& tally) {
  uint64_t total = 0;
  std::string list;
  for (const auto& [type, n] : tally.by_type) {
    total += n;
    list += " " + type + "=" + std::to_string(n);
  }
  std::fprintf(stderr, "picket replay: %llu alerts%s\n",
               static_cast<unsigned long long>(total), list.c_str());
}

}  // namespace

int ReplayCommand(int argc, char** argv) {
  CLI::App app{
      "Replay a capture file (pcap or pcapng), an auth log or recorded "
      "events through the same parsers and detectors as the agent, writing "
      "events and alerts as JSON lines (for --events: the alerts only) and "
      "a summary on standard error. Detectors run on the input's own "
      "times; at the end of the input what is still open is summarised. "
      "Exit 0 when the whole input was read, 1 when it could not be read "
      "or was cut short (events up to that point are written), 2 on a "
      "usage or configuration error.",
      "picket replay"};
  std::string pcap_path;
  std::string log_path;
  std::string events_path;
  std::string log_format = "auto";
  std::string config_path;
  std::string output = "-";
  auto* pcap_opt =
      app.add_option("--pcap", pcap_path, "capture file to replay");
  auto* log_opt = app.add_option(
      "--log", log_path,
      "auth log to replay through the login parsers and detectors, - for "
      "standard input (syslog "
      "files, bare sshd -E messages, or journalctl -o export)");
  auto* events_opt = app.add_option(
      "--events", events_path,
      "recorded events (the agent's JSON lines) to run through the "
      "detectors with this configuration");
  pcap_opt->excludes(log_opt)->excludes(events_opt);
  log_opt->excludes(events_opt);
  app.add_option("--format", log_format,
                 "format of --log: auto (default), syslog, journal-export")
      ->check(CLI::IsMember({"auto", "syslog", "journal-export"}));
  app.add_option("-c,--config", config_path,
                 "configuration (detector settings, report interval); "
                 "default: built-in defaults");
  app.add_option("-o,--output", output,
                 "JSON-lines output file, '-' for stdout (default)");
  bool alerts_only = false;
  app.add_flag("--alerts-only", alerts_only,
               "write the alerts only (always so for --events)");
  std::string intel_path;
  app.add_option("--intel", intel_path,
                 "compiled intel file to match against (default: the "
                 "configuration's intel.path when a --config is given and the "
                 "file exists)");
  if (int rc = ParseCli(app, argc, argv); rc >= 0) return rc;
  if (pcap_path.empty() && log_path.empty() && events_path.empty()) {
    std::fprintf(stderr,
                 "picket replay: one of --pcap, --log or --events is "
                 "needed\n");
    return kExitUsage;
  }

  Config config;
  if (!config_path.empty()) {
    if (int rc = LoadConfigOrExplain(config_path, &config); rc >= 0) {
      return rc;
    }
  }
  ManualClock clock;
  PipelineOptions popts;
  popts.device_id = "replay";
  popts.run_id = "replay";
  popts.queue_capacity = 1 << 20;
  popts.dedup_window_ms = config.engine.alert_dedup_window_ms;
  popts.alert_budget = config.engine.alert_budget;
  Pipeline pipeline(popts, &clock);
  // The configuration's intel file, like the agent's, may be missing (no
  // intel matching); one named by --intel must be there.
  if (intel_path.empty() && !config_path.empty() &&
      access(config.intel.path.c_str(), F_OK) == 0) {
    intel_path = config.intel.path;
  }
  std::unique_ptr<IntelHandle> intel;
  if (!intel_path.empty()) {
    intel = std::make_unique<IntelHandle>(intel_path);
    if (Status st = intel->Load(); !st.ok()) {
      std::fprintf(stderr, "picket replay: intel: %s\n", st.message().c_str());
      return kExitFailure;
    }
  }
  HandleIntelProvider provider(intel.get());
  DetectorContext dctx;
  dctx.intel = &provider;
  // Only the configured allow list: the device's own infrastructure is
  // not this machine's.
  IntelAllowList allow;
  for (const std::string& item : config.intel.allow) {
    std::string error;
    (void)allow.Add(item, &error);  // validated with the configuration
  }
  dctx.intel_allow = &allow;
  for (auto& d : BuildDetectors(config, dctx)) {
    pipeline.AddDetector(std::move(d));
  }
  auto tally = std::make_shared<AlertTally>();
  pipeline.AddSink(tally);
  // Recorded events are the input: only the alerts are new.
  std::shared_ptr<Sink> out_sink;
  if (output == "-") {
    out_sink = std::make_shared<FdJsonLinesSink>(1);
  } else {
    JsonlSinkConfig jc;
    jc.path = output;
    jc.max_bytes = 0;  // one file, no rotation
    // A replay's output is that replay's alone (the agent's sink appends).
    if (truncate(output.c_str(), 0) != 0 && errno != ENOENT) {
      std::fprintf(stderr, "picket replay: %s: %s\n", output.c_str(),
                   std::strerror(errno));
      return kExitFailure;
    }
    auto sink = std::make_shared<JsonlSink>(jc);
    if (Status st = sink->Open(); !st.ok()) {
      std::fprintf(stderr, "picket replay: %s\n", st.message().c_str());
      return kExitFailure;
    }
    out_sink = std::move(sink);
  }
  pipeline.AddSink(std::make_shared<ReplayOutput>(
      out_sink, alerts_only || !events_path.empty()));

  if (!log_path.empty()) {
    LogReplay r;
    int rc = ReplayLog(log_path, log_format, pipeline, clock, &r);
    if (rc != kExitOk) return rc;
    EndOfInput(pipeline, clock, r.last_ns);
    if (r.entries > 0 || r.bad_entries > 0) {
      std::fprintf(stderr,
                   "picket replay: %s: %llu journal entries (%llu "
                   "malformed)\n",
                   log_path.c_str(), static_cast<unsigned long long>(r.entries),
                   static_cast<unsigned long long>(r.bad_entries));
    } else {
      std::fprintf(stderr,
                   "picket replay: %s: %llu lines (%llu not parsed, %llu "
                   "binary)\n",
                   log_path.c_str(), static_cast<unsigned long long>(r.lines),
                   static_cast<unsigned long long>(r.unparsed),
                   static_cast<unsigned long long>(r.binary));
    }
    std::fprintf(stderr,
                 "picket replay: %llu failed logins, %llu successful, %llu "
                 "logouts\n",
                 static_cast<unsigned long long>(r.failures),
                 static_cast<unsigned long long>(r.successes),
                 static_cast<unsigned long long>(r.logouts));
    PrintAlerts(*tally);
    return r.cut_short ? kExitFailure : kExitOk;
  }
  if (!events_path.empty()) {
    EventsReplay r;
    int rc = ReplayEvents(events_path, pipeline, clock, &r);
    if (rc != kExitOk) return rc;
    EndOfInput(pipeline, clock, r.last_ns);
    std::fprintf(stderr,
                 "picket replay: %s: %llu lines, %llu events replayed, %llu "
                 "recorded alerts and agent events skipped, %llu "
                 "malformed\n",
                 events_path.c_str(), static_cast<unsigned long long>(r.lines),
                 static_cast<unsigned long long>(r.replayed),
                 static_cast<unsigned long long>(r.skipped),
                 static_cast<unsigned long long>(r.malformed));
    PrintAlerts(*tally);
    return r.malformed > 0 ? kExitFailure : kExitOk;
  }

  auto capture = Capture::OpenFile(pcap_path);
  if (!capture.ok()) {
    std::fprintf(stderr, "picket replay: %s\n",
                 capture.status().message().c_str());
    return kExitFailure;
  }
  NetworkEngineOptions eopts;
  eopts.report_interval_ms = config.collectors.network.report_interval_ms;
  eopts.max_flows = config.collectors.network.max_flows;
  eopts.source = "replay";
  NetworkEngine engine(eopts, [&](Event e) { pipeline.Submit(std::move(e)); });

  const int link = (*capture)->link_type();
  const int64_t interval_ns = eopts.report_interval_ms * 1000000;
  int64_t next_flush_ns = 0;
  uint64_t packets = 0, malformed = 0, unsupported = 0;
  Status read_status;
  for (;;) {
    auto n = (*capture)->Dispatch(
        1024, [&](const uint8_t* data, size_t caplen, int64_t time_ns) {
          ++packets;
          clock.SetRealtimeNs(time_ns);
          if (next_flush_ns == 0) next_flush_ns = time_ns + interval_ns;
          while (time_ns >= next_flush_ns) {
            engine.Flush(next_flush_ns);
            next_flush_ns += interval_ns;
          }
          DecodedPacket p;
          switch (DecodePacket(link, data, caplen, &p)) {
            case DecodeResult::kOk:
              engine.OnPacket(p, time_ns);
              break;
            case DecodeResult::kMalformed:
              ++malformed;
              break;
            case DecodeResult::kUnsupported:
              ++unsupported;
              break;
          }
        });
    pipeline.Drain();
    if (!n.ok()) {
      read_status = n.status();
      break;
    }
    if (*n == 0) break;
  }
  engine.Flush(clock.RealtimeNs());
  pipeline.Drain();
  PrintAlerts(*tally);
  std::fprintf(stderr,
               "picket replay: %s: %llu packets (%llu malformed, %llu not "
               "IP/TCP/UDP/ICMP)\n",
               pcap_path.c_str(), static_cast<unsigned long long>(packets),
               static_cast<unsigned long long>(malformed),
               static_cast<unsigned long long>(unsupported));
  if (!read_status.ok()) {
    std::fprintf(stderr, "picket replay: %s: %s\n", pcap_path.c_str(),
                 read_status.message().c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace picket

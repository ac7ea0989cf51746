// Login parsing throughput (docs/PERFORMANCE.md, "Login monitoring").
//
// Replicates every line of ../shared/data/authlogs (sshd of many versions,
// dropbear, PAM, journal exports, loghub's 4000 real lines) to 1,000,000
// lines, then measures, per line: the syslog header alone, header + auth
// message, header + message + correlator (what the collector does per
// line, minus building the event), and the same from a file on disk through
// FileTailer. items_per_second is lines per second on one core.
//   build/<dir>/bench/login_parse [--benchmark_filter=...]
// PICKET_AUTHLOGS overrides the fixture directory.
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "collectors/login/auth_correlator.h"
#include "collectors/login/auth_message.h"
#include "collectors/login/linux/file_tailer.h"
#include "collectors/login/syslog_line.h"

namespace {

using namespace picket::login;  // NOLINT: benchmark file

constexpr size_t kLines = 1000000;

std::string FixtureDir() {
  const char* env = std::getenv("PICKET_AUTHLOGS");
  if (env != nullptr) return env;
  return std::string(PICKET_SOURCE_DIR) + "/../shared/data/authlogs";
}

void ReadLines(const std::string& path, std::vector<std::string>* out) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] != '#') out->push_back(line);
  }
}

const std::vector<std::string>& Corpus() {
  static const std::vector<std::string>* corpus = [] {
    std::vector<std::string> base;
    for (const std::string& dir : {FixtureDir(), FixtureDir() + "/crowdsec"}) {
      DIR* d = opendir(dir.c_str());
      if (d == nullptr) continue;
      while (struct dirent* e = readdir(d)) {
        std::string name = e->d_name;
        if (name.size() > 4 && name.ends_with(".log")) {
          ReadLines(dir + "/" + name, &base);
        }
      }
      closedir(d);
    }
    if (base.empty()) {
      std::fprintf(stderr, "no fixtures under %s\n", FixtureDir().c_str());
      std::exit(1);
    }
    auto* lines = new std::vector<std::string>();
    lines->reserve(kLines);
    for (size_t i = 0; lines->size() < kLines; ++i) {
      lines->push_back(base[i % base.size()]);
    }
    return lines;
  }();
  return *corpus;
}

void BM_SyslogHeader(benchmark::State& state) {
  const auto& lines = Corpus();
  size_t ok = 0;
  for (auto _ : state) {
    for (const std::string& l : lines) {
      SyslogLine h;
      ok += ParseSyslogLine(l, &h);
    }
  }
  benchmark::DoNotOptimize(ok);
  state.SetItemsProcessed(state.iterations() * lines.size());
}
BENCHMARK(BM_SyslogHeader)->Unit(benchmark::kMillisecond);

void BM_HeaderAndMessage(benchmark::State& state) {
  const auto& lines = Corpus();
  size_t recognised = 0;
  for (auto _ : state) {
    for (const std::string& l : lines) {
      SyslogLine h;
      std::string_view program, message = l;
      if (ParseSyslogLine(l, &h)) {
        program = h.program;
        message = h.message;
      }
      AuthRecord r;
      recognised += ParseAuthMessage(program, message, &r);
    }
  }
  benchmark::DoNotOptimize(recognised);
  state.SetItemsProcessed(state.iterations() * lines.size());
}
BENCHMARK(BM_HeaderAndMessage)->Unit(benchmark::kMillisecond);

void BM_HeaderMessageCorrelator(benchmark::State& state) {
  const auto& lines = Corpus();
  size_t events = 0;
  for (auto _ : state) {
    AuthCorrelator correlator;
    std::vector<LoginFact> facts;
    for (const std::string& l : lines) {
      SyslogLine h;
      std::string_view program, message = l;
      int32_t pid = 0;
      if (ParseSyslogLine(l, &h)) {
        program = h.program;
        message = h.message;
        pid = h.pid;
      }
      AuthRecord r;
      if (!ParseAuthMessage(program, message, &r)) continue;
      facts.clear();
      events += correlator.Add(r, pid, &facts);
    }
  }
  benchmark::DoNotOptimize(events);
  state.counters["events_per_pass"] =
      static_cast<double>(events) / state.iterations();
  state.SetItemsProcessed(state.iterations() * lines.size());
}
BENCHMARK(BM_HeaderMessageCorrelator)->Unit(benchmark::kMillisecond);

void BM_FileTailerAndParse(benchmark::State& state) {
  const auto& lines = Corpus();
  char tmpl[] = "/tmp/picket-bench-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) {
    state.SkipWithError("mkstemp");
    return;
  }
  close(fd);
  {
    std::ofstream out(tmpl, std::ios::binary);
    for (const std::string& l : lines) out << l << '\n';
  }
  size_t events = 0;
  for (auto _ : state) {
    FileTailer::Options opts;
    opts.start_at_end = false;
    FileTailer tailer(tmpl, opts);
    AuthCorrelator correlator;
    std::vector<LoginFact> facts;
    auto on_line = [&](std::string_view l) {
      SyslogLine h;
      std::string_view program, message = l;
      int32_t pid = 0;
      if (ParseSyslogLine(l, &h)) {
        program = h.program;
        message = h.message;
        pid = h.pid;
      }
      AuthRecord r;
      if (!ParseAuthMessage(program, message, &r)) return;
      facts.clear();
      events += correlator.Add(r, pid, &facts);
    };
    do {
      tailer.Poll(0, on_line);
    } while (tailer.more());
  }
  unlink(tmpl);
  benchmark::DoNotOptimize(events);
  state.SetItemsProcessed(state.iterations() * lines.size());
}
BENCHMARK(BM_FileTailerAndParse)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

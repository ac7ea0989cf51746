// Intel store benchmarks (Google Benchmark) on the budget's workload:
// 1,000,000 random IPv4 addresses, 100,000 CIDRs and 100,000 domains
// (intel_workload.h). Figures and commands are in docs/PERFORMANCE.md.
//
//   BM_Compile          parse the three feeds' text and build the file image
//   BM_Load             mmap + validate (checksum, bounds) the written file
//   BM_LookupIpv4/...   single-core lookups; items_per_second is the figure
//   BM_LookupDomain     names of 3 to 5 labels, a third under listed names
//
// The compiled file is written to $TMPDIR (default /tmp) once per run.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "intel/compiler.h"
#include "intel/linux/intel_file.h"
#include "intel/store.h"
#include "intel_workload.h"

namespace picket::bench {
namespace {

// With --benchmark_repetitions=N: the best repetition. The machine these
// run on is shared, and interference only ever makes a run slower.
double Min(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

const IntelWorkload& Workload() {
  static const IntelWorkload w =
      MakeIntelWorkload(kBudgetIpv4, kBudgetCidrs, kBudgetDomains, 1);
  return w;
}

std::vector<uint8_t> CompileWorkload() {
  const IntelWorkload& w = Workload();
  Result<std::vector<uint8_t>> image = CompileFeeds(
      {{w.ipv4_text, FeedFormat::kPlain, "bench_ipv4",
        IntelCategory::kBotnetC2},
       {w.cidr_text, FeedFormat::kPlain, "bench_cidrs", IntelCategory::kDrop},
       {w.domain_text, FeedFormat::kPlain, "bench_domains",
        IntelCategory::kMinerPool}},
      0, nullptr);
  if (!image.ok()) {
    std::fprintf(stderr, "compile: %s\n", image.status().ToString().c_str());
    std::abort();
  }
  return std::move(image.value());
}

const std::string& FilePath() {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string p = std::string(tmp ? tmp : "/tmp") + "/picket-intel-bench-" +
                    std::to_string(::getpid()) + ".pint";
    Status st = WriteFileAtomically(p, CompileWorkload());
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.ToString().c_str());
      std::abort();
    }
    std::atexit([] { std::remove(FilePath().c_str()); });
    return p;
  }();
  return path;
}

const IntelFile& File() {
  static std::shared_ptr<const IntelFile> file = [] {
    Result<std::shared_ptr<const IntelFile>> f = IntelFile::Open(FilePath());
    if (!f.ok()) {
      std::fprintf(stderr, "%s\n", f.status().ToString().c_str());
      std::abort();
    }
    return f.value();
  }();
  return *file;
}

void BM_Compile(benchmark::State& state) {
  Workload();
  size_t bytes = 0;
  for (auto _ : state) {
    std::vector<uint8_t> image = CompileWorkload();
    bytes = image.size();
    benchmark::DoNotOptimize(image.data());
  }
  state.counters["file_bytes"] = double(bytes);
  state.counters["bytes_per_ipv4"] = double(bytes) / double(kBudgetIpv4);
}
BENCHMARK(BM_Compile)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_Load(benchmark::State& state) {
  const std::string& path = FilePath();
  for (auto _ : state) {
    Result<std::shared_ptr<const IntelFile>> f = IntelFile::Open(path);
    if (!f.ok()) state.SkipWithError(f.status().ToString().c_str());
    benchmark::DoNotOptimize(f);
  }
  const IntelStore& s = File().store();
  state.counters["file_bytes"] = double(s.file_size());
  state.counters["ipv4"] = double(s.count(IndicatorKind::kIpv4));
  state.counters["bytes_per_ipv4"] =
      double(s.file_size()) / double(s.count(IndicatorKind::kIpv4));
}
BENCHMARK(BM_Load)
    ->Unit(benchmark::kMillisecond)
    ->ComputeStatistics("min", Min);

// Lookups of `queries` (cycled); counts matches so none is optimised away.
template <typename Q, typename Fn>
void RunLookups(benchmark::State& state, const std::vector<Q>& queries,
                Fn lookup) {
  size_t i = 0, hits = 0;
  const size_t n = queries.size();
  for (auto _ : state) {
    hits += lookup(queries[i]) ? 1 : 0;
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.counters["hit_ratio"] = double(hits) / double(state.iterations());
}

std::vector<uint32_t> RandomIps(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> q(n);
  for (uint32_t& ip : q) ip = uint32_t(rng());
  return q;
}

// Uniformly random addresses: mostly misses on the exact set, some CIDR
// hits.
void BM_LookupIpv4Random(benchmark::State& state) {
  const IntelStore& s = File().store();
  std::vector<uint32_t> q = RandomIps(1 << 20, 2);
  RunLookups(state, q, [&](uint32_t ip) { return s.LookupIpv4(ip); });
}
BENCHMARK(BM_LookupIpv4Random)->ComputeStatistics("min", Min);

// Listed addresses, in random order: every lookup is an exact hit.
void BM_LookupIpv4Listed(benchmark::State& state) {
  const IntelStore& s = File().store();
  std::vector<uint32_t> q = Workload().ipv4;
  std::shuffle(q.begin(), q.end(), std::mt19937_64(3));
  RunLookups(state, q, [&](uint32_t ip) { return s.LookupIpv4(ip); });
}
BENCHMARK(BM_LookupIpv4Listed)->ComputeStatistics("min", Min);

// Half listed, half random: what a busy gateway would see is far more
// misses than this.
void BM_LookupIpv4Mixed(benchmark::State& state) {
  const IntelStore& s = File().store();
  std::vector<uint32_t> q = RandomIps(1 << 20, 4);
  const std::vector<uint32_t>& listed = Workload().ipv4;
  std::mt19937_64 rng(5);
  for (size_t i = 0; i < q.size(); i += 2) q[i] = listed[rng() % listed.size()];
  RunLookups(state, q, [&](uint32_t ip) { return s.LookupIpv4(ip); });
}
BENCHMARK(BM_LookupIpv4Mixed)->ComputeStatistics("min", Min);

// Through the IpAddress entry point the detectors use.
void BM_LookupIpAddress(benchmark::State& state) {
  const IntelStore& s = File().store();
  std::vector<IpAddress> q;
  for (uint32_t ip : RandomIps(1 << 20, 6)) q.push_back(IpAddress::V4(ip));
  RunLookups(state, q, [&](const IpAddress& a) { return s.LookupIp(a); });
}
BENCHMARK(BM_LookupIpAddress)->ComputeStatistics("min", Min);

void BM_LookupDomain(benchmark::State& state) {
  const IntelStore& s = File().store();
  const std::vector<std::string>& listed = Workload().domains;
  std::mt19937_64 rng(7);
  std::vector<std::string> q;
  for (size_t i = 0; i < (1 << 18); ++i) {
    switch (i % 3) {
      case 0:
        q.push_back("www.cdn." + listed[rng() % listed.size()]);
        break;
      case 1:
        q.push_back("api" + std::to_string(rng() % 1000) + ".example.com");
        break;
      default:
        q.push_back("a.b.c.unlisted" + std::to_string(rng() % 100000) + ".net");
    }
  }
  RunLookups(state, q, [&](const std::string& n) { return s.LookupDomain(n); });
}
BENCHMARK(BM_LookupDomain)->ComputeStatistics("min", Min);

}  // namespace
}  // namespace picket::bench

BENCHMARK_MAIN();

// `picket intel`: compile threat-intelligence feeds, look indicators up,
// describe a compiled file. See docs/intel.md.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "intel/compiler.h"
#include "intel/feed.h"
#include "intel/indicator.h"
#include "intel/linux/intel_file.h"
#include "intel/store.h"

namespace picket {

namespace {

// `intel lookup`: at least one value had no match.
constexpr int kExitNoMatch = 3;

std::string KindList() {
  std::string out;
  for (int i = 0; i < kFeedFormatCount; ++i) {
    if (!out.empty()) out += ", ";
    out += FeedFormatName(static_cast<FeedFormat>(i));
  }
  return out;
}

std::string CategoryList() {
  std::string out;
  for (int i = 0; i < kIntelCategoryCount; ++i) {
    if (!out.empty()) out += ", ";
    out += IntelCategoryName(static_cast<IntelCategory>(i));
  }
  return out;
}

// "dir/coinbl_hosts.ipset" -> "coinbl_hosts".
std::string FeedNameFromPath(const std::string& path) {
  std::string base = path.substr(path.rfind('/') + 1);
  size_t dot = base.rfind('.');
  if (dot != std::string::npos && dot > 0) base.resize(dot);
  return base.empty() ? path : base;
}

struct FeedSpec {
  std::string path;
  std::string format, name, category;  // empty: not given
};

// PATH[:FORMAT[:NAME[:CATEGORY]]]; a spec that names an existing file is
// all path.
FeedSpec ParseFeedSpec(const std::string& spec) {
  FeedSpec out;
  struct stat st;
  size_t colon = spec.find(':');
  if (::stat(spec.c_str(), &st) == 0 || colon == std::string::npos) {
    out.path = spec;
    return out;
  }
  out.path = spec.substr(0, colon);
  std::string rest = spec.substr(colon + 1);
  std::string* fields[] = {&out.format, &out.name, &out.category};
  for (std::string* field : fields) {
    size_t c = rest.find(':');
    *field = rest.substr(0, c);
    if (c == std::string::npos) break;
    rest = rest.substr(c + 1);
  }
  return out;
}

std::string WithCommas(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = int(s.size()) - 3; i > 0; i -= 3) s.insert(size_t(i), ",");
  return s;
}

void PrintReport(const FeedReport& r, const std::string& name,
                 IntelCategory category, size_t max_errors) {
  std::printf(
      "%s: %s, feed %s, category %s: %zu accepted, %zu skipped, %zu "
      "rejected (%zu lines)\n",
      r.source.c_str(), std::string(FeedFormatName(r.format)).c_str(),
      name.c_str(), std::string(IntelCategoryName(category)).c_str(),
      r.accepted_total(), r.skipped, r.rejected, r.lines);
  if (r.accepted_total() > 0) {
    std::printf("  accepted:");
    const char* sep = " ";
    for (int k = 0; k < kIndicatorKindCount; ++k) {
      if (r.accepted[k] == 0) continue;
      std::printf("%s%s %zu", sep,
                  std::string(IndicatorKindName(IndicatorKind(k))).c_str(),
                  r.accepted[k]);
      sep = ", ";
    }
    std::printf("\n");
  }
  if (r.skipped > 0) {
    std::printf("  skipped:");
    const char* sep = " ";
    for (const auto& [reason, n] : r.skipped_by_reason) {
      std::printf("%s%s %zu", sep, reason.c_str(), n);
      sep = ", ";
    }
    std::printf("\n");
  }
  if (r.dropped_special + r.dropped_sink > 0) {
    std::printf("  dropped: special-purpose range %zu, sink address %zu\n",
                r.dropped_special, r.dropped_sink);
  }
  size_t shown = std::min(max_errors, r.errors.size());
  for (size_t i = 0; i < shown; ++i) {
    std::fprintf(stderr, "%s\n", r.Format(r.errors[i]).c_str());
  }
  if (r.rejected > shown) {
    std::fprintf(stderr, "%s: ... and %zu more rejected lines\n",
                 r.source.c_str(), r.rejected - shown);
  }
}

int Compile(int argc, char** argv) {
  CLI::App app{
      "Compile threat-intelligence feeds into one intel file for the agent.\n"
      "FEED is PATH[:FORMAT[:NAME[:CATEGORY]]]; empty fields fall back to "
      "--format (else detected from the content), --feed-name (else the "
      "file name without extension) and --category (else guessed from the "
      "feed name). Files with the same feed name form one feed. Malformed "
      "lines are reported as file:line: reason on stderr and skipped. The "
      "output is replaced atomically (temporary file, fsync, rename).\n"
      "Formats: " +
          KindList() + ".\nCategories: " + CategoryList() +
          ".\nExit 0 written, 1 a feed unreadable or the output not written, "
          "2 usage error (unknown format or category, undetectable format).\n"
          "CIDRs in or over special-purpose ranges (RFC 6890: private, "
          "loopback, link-local, documentation, multicast, reserved) and the "
          "sink addresses 0.0.0.0, 127.0.0.1, 255.255.255.255, ::, ::1 are "
          "dropped and counted per feed, unless --keep-special.",
      "picket intel compile"};
  std::vector<std::string> feeds;
  std::string output, format_name, feed_name, category_name;
  size_t max_errors = 5;
  bool keep_special = false;
  app.add_option("FEED", feeds, "feed files")->required();
  app.add_option("-o,--output", output, "compiled intel file to write")
      ->required();
  app.add_option("--format", format_name, "format of every FEED");
  app.add_option("--feed-name", feed_name, "feed name for every FEED");
  app.add_option("--category", category_name, "category for every FEED");
  app.add_option("--max-errors", max_errors,
                 "rejected lines shown per feed (default 5)");
  app.add_flag("--keep-special", keep_special,
               "keep special-purpose CIDRs and sink addresses as indicators");
  if (int rc = ParseCli(app, argc, argv); rc >= 0) return rc;

  auto started = std::chrono::steady_clock::now();
  IntelCompiler compiler;
  size_t total_rejected = 0, total_dropped = 0;
  for (const std::string& spec_text : feeds) {
    FeedSpec spec = ParseFeedSpec(spec_text);
    std::string fmt = spec.format.empty() ? format_name : spec.format;
    std::string name = !spec.name.empty()   ? spec.name
                       : !feed_name.empty() ? feed_name
                                            : FeedNameFromPath(spec.path);
    std::string cat = spec.category.empty() ? category_name : spec.category;
    IntelCategory category = DefaultCategoryForFeed(name);
    if (!cat.empty() && !ParseIntelCategory(cat, &category)) {
      std::fprintf(stderr,
                   "picket intel compile: %s: unknown category '%s' (one of "
                   "%s)\n",
                   spec.path.c_str(), cat.c_str(), CategoryList().c_str());
      return kExitUsage;
    }
    FeedFormat format = FeedFormat::kPlain;
    if (!fmt.empty() && fmt != "auto" && !ParseFeedFormat(fmt, &format)) {
      std::fprintf(stderr,
                   "picket intel compile: %s: unknown format '%s' (one of "
                   "%s)\n",
                   spec.path.c_str(), fmt.c_str(), KindList().c_str());
      return kExitUsage;
    }
    Result<std::string> text = ReadWholeFile(spec.path);
    if (!text.ok()) {
      std::fprintf(stderr, "picket intel compile: %s\n",
                   text.status().ToString().c_str());
      return kExitFailure;
    }
    if (fmt.empty() || fmt == "auto") {
      std::string why;
      if (!DetectFeedFormat(*text, &format, &why)) {
        std::fprintf(stderr,
                     "picket intel compile: %s: cannot tell the feed format: "
                     "%s; name it with --format or PATH:FORMAT\n",
                     spec.path.c_str(), why.c_str());
        return kExitUsage;
      }
    }
    Result<uint16_t> id = compiler.AddFeed(name, format, category);
    if (!id.ok()) {
      std::fprintf(stderr, "picket intel compile: %s: %s\n", spec.path.c_str(),
                   id.status().ToString().c_str());
      return kExitUsage;
    }
    FeedReport report;
    report.source = spec.path;
    report.keep_special = keep_special;
    ParseFeed(*text, format, category, compiler.Sink(*id), &report);
    compiler.SetRejected(*id, report.rejected);
    total_rejected += report.rejected;
    total_dropped += report.dropped_special + report.dropped_sink;
    PrintReport(report, name, category, max_errors);
  }

  Result<std::vector<uint8_t>> image =
      compiler.Build(static_cast<uint64_t>(std::time(nullptr)));
  if (!image.ok()) {
    std::fprintf(stderr, "picket intel compile: %s\n",
                 image.status().ToString().c_str());
    return kExitFailure;
  }
  // Never write what the agent would refuse.
  Result<IntelStore> check = IntelStore::Open(*image);
  if (!check.ok()) {
    std::fprintf(stderr, "picket intel compile: internal error: %s\n",
                 check.status().ToString().c_str());
    return kExitFailure;
  }
  if (Status st = WriteFileAtomically(output, *image); !st.ok()) {
    std::fprintf(stderr, "picket intel compile: %s\n", st.ToString().c_str());
    return kExitFailure;
  }
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  const IntelStore& s = *check;
  uint64_t unique = 0;
  for (int k = 0; k < kIndicatorKindCount; ++k) {
    unique += s.count(IndicatorKind(k));
  }
  std::printf("wrote %s: %s bytes, %s unique indicators (", output.c_str(),
              WithCommas(image->size()).c_str(), WithCommas(unique).c_str());
  for (int k = 0; k < kIndicatorKindCount; ++k) {
    std::printf("%s%s %s", k ? ", " : "",
                std::string(IndicatorKindName(IndicatorKind(k))).c_str(),
                WithCommas(s.count(IndicatorKind(k))).c_str());
  }
  std::printf("), %zu feeds, %zu rejected lines, %zu dropped, %.2f s\n",
              s.feed_count(), total_rejected, total_dropped, secs);
  return kExitOk;
}

Result<std::shared_ptr<const IntelFile>> OpenOrExplain(const std::string& path,
                                                       const char* cmd) {
  Result<std::shared_ptr<const IntelFile>> file = IntelFile::Open(path);
  if (!file.ok()) {
    std::fprintf(stderr, "picket intel %s: %s\n", cmd,
                 file.status().ToString().c_str());
  }
  return file;
}

int Lookup(int argc, char** argv) {
  CLI::App app{
      "Look values up in a compiled intel file: IPv4/IPv6 addresses (exact, "
      "then the longest listed CIDR), SHA-256 digests (64 hex digits) and "
      "domain names (the name or its nearest listed parent). Prints one "
      "line per value.\nExit 0 every value matched, 3 at least one did not, "
      "1 the file cannot be read or is corrupt, 2 usage error.",
      "picket intel lookup"};
  std::string path;
  std::vector<std::string> values;
  app.add_option("FILE", path, "compiled intel file")->required();
  app.add_option("VALUE", values, "addresses, domains, SHA-256 digests")
      ->required();
  if (int rc = ParseCli(app, argc, argv); rc >= 0) return rc;
  Result<std::shared_ptr<const IntelFile>> file = OpenOrExplain(path, "lookup");
  if (!file.ok()) return kExitFailure;
  const IntelStore& store = (*file)->store();
  bool all = true;
  for (const std::string& v : values) {
    IpAddress ip;
    std::array<uint8_t, 32> digest;
    std::optional<IntelMatch> m;
    if (ParseIpAddress(v, &ip)) {
      m = store.LookupIp(ip);
    } else if (ParseSha256Hex(v, &digest)) {
      m = store.LookupSha256(digest);
    } else {
      m = store.LookupDomain(v);
    }
    if (!m) {
      all = false;
      std::printf("%s: no match\n", v.c_str());
      continue;
    }
    std::printf("%s: match %s (%s)", v.c_str(), m->indicator().c_str(),
                std::string(IndicatorKindName(m->kind())).c_str());
    for (size_t i = 0; i < m->source_count(); ++i) {
      IntelSource src = m->source(i);
      std::printf("%s feed=%.*s category=%s", i ? ";" : "",
                  int(src.feed.size()), src.feed.data(),
                  std::string(IntelCategoryName(src.category)).c_str());
    }
    std::printf("\n");
  }
  return all ? kExitOk : kExitNoMatch;
}

int Info(int argc, char** argv) {
  CLI::App app{
      "Describe a compiled intel file: header, sections, indicator counts "
      "and feeds. Exit 0, or 1 when the file cannot be read or is corrupt.",
      "picket intel info"};
  std::string path;
  app.add_option("FILE", path, "compiled intel file")->required();
  if (int rc = ParseCli(app, argc, argv); rc >= 0) return rc;
  Result<std::shared_ptr<const IntelFile>> file = OpenOrExplain(path, "info");
  if (!file.ok()) return kExitFailure;
  const IntelStore& s = (*file)->store();
  char when[32] = "unknown";
  time_t created = static_cast<time_t>(s.created_unix());
  struct tm tm;
  if (created != 0 && gmtime_r(&created, &tm)) {
    std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  std::printf(
      "file: %s\nformat version: %u\nsize: %s bytes\n"
      "checksum: xxh64 %016" PRIx64 "\ncreated: %s\n",
      path.c_str(), s.version(), WithCommas(s.file_size()).c_str(),
      s.checksum(), when);
  uint64_t total = 0;
  std::printf("indicators:");
  for (int k = 0; k < kIndicatorKindCount; ++k) {
    total += s.count(IndicatorKind(k));
    std::printf(" %s %s",
                std::string(IndicatorKindName(IndicatorKind(k))).c_str(),
                WithCommas(s.count(IndicatorKind(k))).c_str());
  }
  std::printf(" (total %s)\nsource sets: %zu\nsections:\n",
              WithCommas(total).c_str(), s.source_set_count());
  for (const IntelSectionInfo& sec : s.sections()) {
    std::printf(
        "  %-17.*s offset %10" PRIu64 "  size %10" PRIu64 "  count %10" PRIu64
        "%s\n",
        int(sec.name.size()), sec.name.data(), sec.offset, sec.size, sec.count,
        sec.param ? (" bits " + std::to_string(sec.param)).c_str() : "");
  }
  std::printf("feeds: %zu\n", s.feed_count());
  for (size_t i = 0; i < s.feed_count(); ++i) {
    IntelFeedInfo f = s.feed(i);
    std::printf("  %.*s: format %s, category %s,", int(f.name.size()),
                f.name.data(), std::string(FeedFormatName(f.format)).c_str(),
                std::string(IntelCategoryName(f.category)).c_str());
    for (int k = 0; k < kIndicatorKindCount; ++k) {
      std::printf(" %s %u",
                  std::string(IndicatorKindName(IndicatorKind(k))).c_str(),
                  f.counts[k]);
    }
    std::printf(", rejected %u\n", f.rejected);
  }
  return kExitOk;
}

struct IntelSubcommand {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
};

constexpr IntelSubcommand kSubcommands[] = {
    {"compile", "compile feeds into an intel file (FEED... -o FILE)", Compile},
    {"lookup", "look addresses, domains and SHA-256 digests up (FILE VALUE...)",
     Lookup},
    {"info", "describe a compiled intel file (FILE)", Info},
};

void PrintIntelUsage(FILE* out) {
  std::fprintf(out,
               "usage: picket intel <subcommand> [options]\n"
               "       picket intel <subcommand> --help\n\nsubcommands:\n");
  for (const IntelSubcommand& c : kSubcommands) {
    std::fprintf(out, "  %-9s %s\n", c.name, c.summary);
  }
  std::fprintf(out, "\nformats, categories and examples: docs/intel.md\n");
}

}  // namespace

int IntelCommand(int argc, char** argv) {
  if (argc < 2) {
    PrintIntelUsage(stderr);
    return kExitUsage;
  }
  const char* sub = argv[1];
  if (!std::strcmp(sub, "--help") || !std::strcmp(sub, "-h") ||
      !std::strcmp(sub, "help")) {
    PrintIntelUsage(stdout);
    return kExitOk;
  }
  for (const IntelSubcommand& c : kSubcommands) {
    if (!std::strcmp(sub, c.name)) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "picket intel: unknown subcommand '%s'\n\n", sub);
  PrintIntelUsage(stderr);
  return kExitUsage;
}

}  // namespace picket

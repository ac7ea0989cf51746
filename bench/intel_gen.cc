// Writes the intel benchmark's synthetic feeds as files, for timing the real
// command (docs/PERFORMANCE.md):
//
//   intel_gen DIR [IPV4 CIDRS DOMAINS [SEED]]
//   time picket intel compile DIR/ipv4.txt DIR/cidrs.txt DIR/domains.txt \
//       -o DIR/bench.pint
//
// Defaults: 1,000,000 addresses, 100,000 CIDRs, 100,000 domains, seed 1.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "intel_workload.h"

namespace {

bool Write(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace picket::bench;  // NOLINT: a tool's main
  if (argc != 2 && argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: intel_gen DIR [IPV4 CIDRS DOMAINS [SEED]]\n");
    return 2;
  }
  std::string dir = argv[1];
  size_t ipv4 = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : kBudgetIpv4;
  size_t cidrs = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : kBudgetCidrs;
  size_t domains =
      argc > 4 ? std::strtoul(argv[4], nullptr, 10) : kBudgetDomains;
  uint64_t seed = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 1;
  IntelWorkload w = MakeIntelWorkload(ipv4, cidrs, domains, seed);
  if (!Write(dir + "/ipv4.txt", w.ipv4_text) ||
      !Write(dir + "/cidrs.txt", w.cidr_text) ||
      !Write(dir + "/domains.txt", w.domain_text)) {
    std::perror(dir.c_str());
    return 1;
  }
  std::printf(
      "wrote %s/{ipv4,cidrs,domains}.txt: %zu addresses, %zu CIDRs, "
      "%zu domains\n",
      dir.c_str(), ipv4, cidrs, domains);
  return 0;
}

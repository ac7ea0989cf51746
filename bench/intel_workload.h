// The intel benchmark's synthetic feeds: random IPv4 addresses, CIDRs and
// domain names, as feed text (what `picket intel compile` reads) and as
// values (for lookups). Deterministic for a given seed.
#ifndef PICKET_BENCH_INTEL_WORKLOAD_H_
#define PICKET_BENCH_INTEL_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace picket::bench {

struct IntelWorkload {
  std::string ipv4_text;             // one dotted quad per line
  std::string cidr_text;             // one "a.b.c.d/len" per line, len 16..28
  std::string domain_text;           // one name per line, 2 to 4 labels
  std::vector<uint32_t> ipv4;        // the listed addresses
  std::vector<std::string> domains;  // the listed names
};

IntelWorkload MakeIntelWorkload(size_t ipv4, size_t cidrs, size_t domains,
                                uint64_t seed);

// The figures the budget speaks of: 1,000,000 IPv4, 100,000 CIDRs,
// 100,000 domains.
inline constexpr size_t kBudgetIpv4 = 1000000;
inline constexpr size_t kBudgetCidrs = 100000;
inline constexpr size_t kBudgetDomains = 100000;

}  // namespace picket::bench

#endif  // PICKET_BENCH_INTEL_WORKLOAD_H_

// libFuzzer target for IntelStore: Open must refuse or accept any bytes
// without reading outside them, and the lookups of an accepted store must
// stay inside them too. Random bytes rarely carry a valid checksum, so each
// input is also tried with its checksum recomputed, which takes the fuzzer
// past the checksum into the structural checks.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "intel/intel_format.h"
#include "intel/store.h"
#include "intel/xxhash.h"

namespace {

void Exercise(const std::vector<uint8_t>& bytes) {
  using namespace picket;  // NOLINT: a fuzz target's helper
  Result<IntelStore> store = IntelStore::Open(bytes);
  if (!store.ok()) {
    if (store.status().message().empty()) __builtin_trap();
    return;
  }
  const IntelStore& s = *store;
  auto use = [](const std::optional<IntelMatch>& m) {
    if (!m) return;
    (void)m->indicator();
    for (size_t i = 0; i < m->source_count(); ++i) (void)m->source(i).feed;
  };
  for (uint32_t ip : {0u, 1u, 0x0A000001u, 0x7F000001u, 0xC0000201u,
                      0xC6336401u, 0x80000000u, 0xFFFFFFFFu}) {
    use(s.LookupIpv4(ip));
  }
  for (const char* v6 :
       {"::", "::1", "2001:db8::1", "ffff::", "::ffff:1.2.3.4"}) {
    IpAddress a;
    if (ParseIpAddress(v6, &a)) use(s.LookupIp(a));
  }
  for (const char* name : {"a.b.pool.example", "example", "x.c2.example."}) {
    use(s.LookupDomain(name));
  }
  use(s.LookupSha256(std::array<uint8_t, 32>{}));
  for (size_t i = 0; i < s.feed_count(); ++i) (void)s.feed(i).name;
  for (const IntelSectionInfo& sec : s.sections()) (void)sec.name;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace f = picket::intel_format;
  std::vector<uint8_t> bytes(data, data + size);
  Exercise(bytes);
  if (size >= f::kHeaderSize) {
    // Make the header agree with the input's length and checksum.
    f::Store<uint64_t>(bytes.data() + f::kFileSizeOffset, size);
    f::Store<uint64_t>(bytes.data() + f::kChecksumOffset,
                       picket::Xxh64(bytes.data() + f::kChecksummedFrom,
                                     size - f::kChecksummedFrom, 0));
    Exercise(bytes);
  }
  return 0;
}

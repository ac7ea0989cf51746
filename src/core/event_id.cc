#include "core/event_id.h"

#include <cstdio>

namespace picket {

uint64_t Fnv1a64(std::string_view bytes, uint64_t h) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string SourcePositionId(uint64_t source_key, uint64_t position,
                             uint32_t index) {
  char buf[64];
  int n = index == 0
              ? std::snprintf(buf, sizeof buf, "%016llx-%llu",
                              static_cast<unsigned long long>(source_key),
                              static_cast<unsigned long long>(position))
              : std::snprintf(buf, sizeof buf, "%016llx-%llu.%u",
                              static_cast<unsigned long long>(source_key),
                              static_cast<unsigned long long>(position),
                              static_cast<unsigned>(index));
  return std::string(buf, static_cast<size_t>(n));
}

std::string DerivedAlertId(std::string_view evidence_id,
                           std::string_view type_id,
                           std::string_view occurrence) {
  uint64_t h = Fnv1a64(occurrence, Fnv1a64("\n", Fnv1a64(type_id)));
  // Fold to 32 bits: few alerts share one evidence event.
  uint32_t folded = static_cast<uint32_t>(h ^ (h >> 32));
  char tag[16];
  std::snprintf(tag, sizeof tag, ":%08x", static_cast<unsigned>(folded));
  std::string id(evidence_id);
  id += tag;
  return id;
}

}  // namespace picket

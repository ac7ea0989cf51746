// XXH64: the 64-bit xxHash of Yann Collet, written from its specification
// (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md).
//
// Used as the intel file checksum and as the domain-name key. Fast (several
// GB/s on one core) and portable; not a cryptographic hash. Pure function,
// safe from any thread.
#ifndef PICKET_INTEL_XXHASH_H_
#define PICKET_INTEL_XXHASH_H_

#include <cstddef>
#include <cstdint>

namespace picket {

uint64_t Xxh64(const void* data, size_t size, uint64_t seed);

}  // namespace picket

#endif  // PICKET_INTEL_XXHASH_H_

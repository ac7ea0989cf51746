// CRC-32C (Castagnoli): the checksum of spool records and the spool cursor.
//
// Reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF,
// as in iSCSI, ext4 and leveldb; CRC-32C("123456789") is 0xE3069283.
// Table-driven and portable (no CPU-specific instructions). Pure function,
// safe from any thread.
#ifndef PICKET_CORE_CRC32C_H_
#define PICKET_CORE_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace picket {

// Returns the CRC-32C of `data[0, n)`. Incremental: passing the CRC of a
// prefix as `crc` continues it, so Crc32c(b, nb, Crc32c(a, na)) is the CRC of
// a followed by b. `data` may be null when `n` is 0.
uint32_t Crc32c(const void* data, size_t n, uint32_t crc = 0);

}  // namespace picket

#endif  // PICKET_CORE_CRC32C_H_

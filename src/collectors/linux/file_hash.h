// SHA-256 of an open file, for executable hashing. Blocking: call it on the
// worker thread, never on the event loop. Thread-safe.
#ifndef PICKET_COLLECTORS_LINUX_FILE_HASH_H_
#define PICKET_COLLECTORS_LINUX_FILE_HASH_H_

#include <cstdint>
#include <string>

#include "picket/status.h"

namespace picket {

// Lowercase hex SHA-256 of the whole file behind `fd`, read with pread from
// offset 0 (the fd's position is untouched). ResourceExhausted when the file
// is larger than `max_bytes`; IOError on a read failure; Unavailable when
// libnettle cannot be loaded.
Result<std::string> Sha256OfFd(int fd, uint64_t max_bytes);

// Lowercase hex SHA-256 of a byte string; empty when libnettle cannot be
// loaded.
std::string Sha256Hex(const void* data, size_t len);

}  // namespace picket

#endif  // PICKET_COLLECTORS_LINUX_FILE_HASH_H_

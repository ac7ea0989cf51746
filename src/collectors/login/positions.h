// The login collector's saved reading positions: where each tailed file and
// the journal were read up to, so that after a restart no line is read
// twice and none is skipped.
//
// Text file `<state_dir>/login-positions`, mode 0600, replaced atomically
// (written to a temporary file, fsync'ed, renamed). One entry per line:
//
//   # picket login positions v1
//   file <dev> <inode> <offset> <head_len> <head_hash> <path>
//   journal <cursor>
//
// A file is identified by device and inode plus a hash of its first
// head_len bytes (up to kHeadBytes): an inode number reused by a new file
// after rotation then does not match, and the new file is read from its
// start. head_hash is 16 lowercase hex digits of 64-bit FNV-1a. The path
// (which may hold spaces) runs to the end of the line. Unknown or malformed
// lines are skipped and counted. Pure functions; thread-safe.
#ifndef PICKET_COLLECTORS_LOGIN_POSITIONS_H_
#define PICKET_COLLECTORS_LOGIN_POSITIONS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace picket::login {

inline constexpr uint32_t kHeadBytes = 256;

struct FilePosition {
  std::string path;
  uint64_t dev = 0;
  uint64_t inode = 0;
  uint64_t offset = 0;     // bytes consumed (end of the last whole line)
  uint32_t head_len = 0;   // bytes hashed, min(kHeadBytes, file size)
  uint64_t head_hash = 0;  // FNV-1a of those bytes
};

struct Positions {
  std::vector<FilePosition> files;
  std::string journal_cursor;  // empty: none saved
};

std::string FormatPositions(const Positions& positions);

// `bad_lines` (may be null) receives the number of lines skipped.
Positions ParsePositions(std::string_view text, int* bad_lines);

// 64-bit FNV-1a.
uint64_t HeadHash(std::string_view bytes);

}  // namespace picket::login

#endif  // PICKET_COLLECTORS_LOGIN_POSITIONS_H_

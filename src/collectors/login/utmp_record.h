// Parser of utmp/wtmp/btmp records: the login accounting files that login,
// sshd, dropbear and telnetd write (wtmp: logins and logouts; btmp: failed
// logins; utmp: who is logged in now).
//
// The record is glibc's `struct utmp`, which is also what uClibc-ng and
// BusyBox write on Linux. Its layout is the same 384 bytes on x86_64,
// i386, arm, aarch64, mips and riscv (glibc keeps 32-bit time fields in it
// on 64-bit targets for compatibility); all numbers are in the machine's
// byte order (little-endian on every target picket ships for):
//
//   offset size field
//        0    2 ut_type     (EMPTY 0 .. ACCOUNTING 9)
//        4    4 ut_pid
//        8   32 ut_line     tty name without "/dev/", NUL-padded
//       40    4 ut_id
//       44   32 ut_user
//       76  256 ut_host     remote host, NUL-padded
//      332    4 ut_exit     (termination, exit: 2 x int16)
//      336    4 ut_session
//      340    4 ut_tv.tv_sec
//      344    4 ut_tv.tv_usec
//      348   16 ut_addr_v6  (IPv4 in the first word, network order)
//      364   20 unused
//
// musl's utmpx is 400 bytes on 64-bit targets and is not read here (musl
// writes no wtmp by default). The parser is pure and never trusts the
// bytes: a record with an unknown type, a negative pid, an impossible time
// or non-text in its strings is reported as corrupt so the caller can skip
// it. Thread-safe.
#ifndef PICKET_COLLECTORS_LOGIN_UTMP_RECORD_H_
#define PICKET_COLLECTORS_LOGIN_UTMP_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace picket::login {

inline constexpr size_t kUtmpRecordSize = 384;

enum class UtmpType : int16_t {
  kEmpty = 0,
  kRunLevel = 1,
  kBootTime = 2,
  kNewTime = 3,
  kOldTime = 4,
  kInitProcess = 5,
  kLoginProcess = 6,
  kUserProcess = 7,
  kDeadProcess = 8,
  kAccounting = 9,
};

struct UtmpRecord {
  UtmpType type = UtmpType::kEmpty;
  int32_t pid = 0;
  std::string line;  // "pts/0", "ttyS0", "ssh:notty"
  std::string user;
  std::string host;
  std::string address;  // textual ut_addr_v6 when set (IPv4 or IPv6)
  int64_t time_ns = 0;
};

enum class UtmpParse { kOk, kCorrupt, kShort };

// Parses one record from the first kUtmpRecordSize bytes of `bytes`.
// kShort when fewer bytes are given (a record still being written).
UtmpParse ParseUtmpRecord(std::string_view bytes, UtmpRecord* out);

// Builds the bytes of a record (for tests and the benchmark's generator).
std::string EncodeUtmpRecord(const UtmpRecord& record);

}  // namespace picket::login

#endif  // PICKET_COLLECTORS_LOGIN_UTMP_RECORD_H_

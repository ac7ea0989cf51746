// Pure parsers for the text files of Linux procfs and /etc/passwd.
//
// Every function here takes the bytes of a file the caller already read and
// touches no file, clock or global state, so the parsers can be unit-tested
// on captured content and fuzzed. Input is untrusted: a process controls its
// own comm and argv, and a fixture tree may hold anything. No function
// crashes, throws or reads outside the given view on any input; malformed
// input yields `false`, an empty result, or skipped lines as documented.
// All functions are thread-safe.
#ifndef PICKET_COLLECTORS_LINUX_PROCFS_H_
#define PICKET_COLLECTORS_LINUX_PROCFS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace picket::procfs {

// The fields picket needs from /proc/PID/stat.
struct Stat {
  int32_t pid = 0;
  std::string comm;  // raw: may hold spaces, ')' and newlines
  char state = 0;    // 'R', 'S', 'Z', ...
  int32_t ppid = 0;
  uint32_t flags = 0;        // field 9: the kernel's PF_* task flags
  uint64_t start_ticks = 0;  // field 22: clock ticks after boot
};

// PF_EXITING in Stat::flags: the process is tearing itself down (its memory,
// so its argv, may already be gone).
inline constexpr uint32_t kTaskExiting = 0x4;

// Parses /proc/PID/stat. The comm ends at the LAST ')' because a process may
// name itself "a) S 1 (b". Returns false, leaving `out` unspecified, when the
// pid, comm, state, ppid, flags or start time is missing or not a number.
bool ParseStat(std::string_view content, Stat* out);

// The ids from /proc/PID/status. uid/gid are the real ids, euid the
// effective one (they differ for setuid programs).
struct StatusIds {
  int32_t tgid = 0;
  int32_t ppid = 0;
  uint32_t uid = 0;
  uint32_t euid = 0;
  uint32_t gid = 0;
};

// Parses the Tgid:, PPid:, Uid: and Gid: lines of /proc/PID/status. Returns
// false when any of them is missing or malformed.
bool ParseStatus(std::string_view content, StatusIds* out);

// Limits on what ParseCmdline keeps: a process may have megabytes of argv,
// and an event must stay small.
inline constexpr size_t kMaxArgs = 256;
inline constexpr size_t kMaxCmdlineBytes = 32 * 1024;

// Splits /proc/PID/cmdline at NUL bytes. Each NUL ends one argument, so
// "sh\0-c\0\0" is {"sh", "-c", ""}; a final argument without its NUL (a
// process that rewrote its argv) is kept. Empty input (kernel threads,
// zombies) gives {}. Only the first kMaxCmdlineBytes bytes and kMaxArgs
// arguments are kept; the rest is dropped silently.
std::vector<std::string> ParseCmdline(std::string_view raw);

// The target of the /proc/PID/exe symlink.
struct ExeLink {
  std::string path;  // without the " (deleted)" suffix
  bool deleted = false;
};

// Splits readlink(/proc/PID/exe) text into path and deleted flag. The text
// alone cannot tell a deleted file from one really named "x (deleted)";
// ProcReader resolves that case with stat().
ExeLink ParseExeLink(std::string_view link_text);

// Finds the `btime` line (boot time, Unix seconds) of /proc/stat. Returns
// false when there is none or it is not a number.
bool ParseBootTime(std::string_view proc_stat, int64_t* btime_s);

// One line of /proc/self/mountinfo, reduced to what picket judges.
struct MountEntry {
  std::string mount_point;  // unescaped: "\040" is back to ' '
  std::string fs_type;      // "ext4", "tmpfs", "squashfs", ...
};

// Parses /proc/self/mountinfo in file order (which is mount order). Lines
// that do not have the documented shape (see proc(5)) are skipped and, when
// `bad_lines` is not null, counted into it (it is set, not added to).
std::vector<MountEntry> ParseMountinfo(std::string_view content,
                                       int* bad_lines = nullptr);

// Returns the fs type of the mount that holds absolute `path`: the longest
// mount point that is a whole-component prefix of it (/tmpfoo is not under
// /tmp); of equal mount points the later one wins because it hides the
// earlier. `path` is taken literally (no "..", symlink resolution). Returns
// "" for a relative path or when no mount matches.
std::string FsTypeForPath(const std::vector<MountEntry>& mounts,
                          std::string_view path);

// Maps uid to user name from /etc/passwd content. Comment, blank and
// malformed lines (fewer than four fields, empty name, non-numeric uid) are
// skipped. When a uid appears twice the first line wins, as in getpwuid().
std::unordered_map<uint32_t, std::string> ParsePasswd(std::string_view content);

}  // namespace picket::procfs

#endif  // PICKET_COLLECTORS_LINUX_PROCFS_H_

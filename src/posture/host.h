// Host: the posture scanner's only access to the system it inspects.
//
// Every path a rule names is a path on the device ("/etc/shadow"); a Host
// resolves it under its root. LocalHost on root "/" is the live system; on
// any other root (a test fixture, a mounted firmware image) paths resolve
// inside that directory, symlinks included (openat2 RESOLVE_IN_ROOT), and
// facts that only the running kernel knows come from what the root persists
// (the firewall from saved rulesets). The seam exists so that other sources
// can stand in: the network collector's socket table for Listeners(), a
// fake in tests. Methods are const and thread-compatible: a Host may be used
// by one scan at a time on any thread.
#ifndef PICKET_POSTURE_HOST_H_
#define PICKET_POSTURE_HOST_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "picket/status.h"
#include "posture/firewall.h"
#include "posture/sockets.h"

namespace picket {

struct FileInfo {
  enum class Type : uint8_t { kOther, kFile, kDirectory, kSymlink };
  Type type = Type::kOther;
  uint32_t mode = 0;  // permission bits with setuid/setgid/sticky (07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  uint64_t dev = 0;
};

struct WalkOptions {
  std::vector<std::string> exclude;  // device paths whose subtree is skipped
  uint64_t max_entries = 2000000;    // beyond: ResourceExhausted
  int max_depth = 48;
  // Called every 1024 entries; returning false stops the walk with
  // Unavailable (a cancelled scan). Also where a paced scan sleeps.
  std::function<bool()> keep_going;
};

// Called for every entry below the start directory (not for the start
// itself) with its device path; symlinks are skipped, never followed.
using WalkFn = std::function<void(const std::string& path, const FileInfo&)>;

struct CommandOutput {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;  // killed at the timeout (with its process group)
  bool truncated = false;  // output beyond the limit was discarded
  std::string output;      // stdout and stderr, interleaved
};

class Host {
 public:
  virtual ~Host() = default;

  // "/" for the live system.
  virtual const std::string& root() const = 0;
  bool live() const { return root() == "/"; }

  // The whole file. NotFound when it does not exist; ResourceExhausted when
  // it is larger than `max_bytes`.
  virtual Result<std::string> ReadFile(const std::string& path,
                                       size_t max_bytes) const = 0;

  // Streams a file of any size line by line (without the newline) through a
  // small buffer; lines longer than 64 KiB are cut.
  virtual Status ForEachLine(
      const std::string& path,
      const std::function<void(std::string_view)>& fn) const = 0;

  // `follow`: the target of a symlink rather than the link.
  virtual Result<FileInfo> Stat(const std::string& path, bool follow) const = 0;

  // Entry names of a directory, sorted, without "." and "..".
  virtual Result<std::vector<std::string>> ListDir(
      const std::string& path) const = 0;

  virtual Result<std::string> ReadLink(const std::string& path) const = 0;

  // Depth-first walk below `path` that stays on path's file system.
  // Unreadable subdirectories are skipped; `*unreadable` counts them.
  virtual Status Walk(const std::string& path, const WalkOptions& options,
                      const WalkFn& fn, uint64_t* unreadable) const = 0;

  // Runs argv (argv[0] absolute, no shell, stdin /dev/null, a minimal
  // environment) in its own process group; kills the group at the timeout.
  // NotFound when argv[0] does not exist.
  virtual Result<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                           int64_t timeout_ms,
                                           size_t max_output) const = 0;

  // The packet filter state: the kernel's on the live system, else the
  // rulesets persisted under the root. NotFound when an offline root has
  // none.
  virtual Result<FirewallState> Firewall() const = 0;

  // Listening TCP and bound UDP sockets (IPv4 and IPv6).
  virtual Result<std::vector<Listener>> Listeners() const = 0;
};

// A Host on the local file system under `root` ("/" or "": the live
// system). NotFound when root is not a directory.
Result<std::unique_ptr<Host>> NewLocalHost(std::string root);

// Device paths matching a glob pattern ('*', '?', '[...]' in any component;
// a leading '.' must be matched explicitly), sorted. A pattern without
// wildcards yields itself when it exists. Empty when nothing matches.
Result<std::vector<std::string>> GlobPaths(const Host& host,
                                           const std::string& pattern);

// Hands freed heap memory back to the OS (glibc's malloc_trim; a no-op
// with other C libraries). Loading a policy and walking a file system leave
// megabytes of freed but still resident heap behind; an agent that scans
// twice a day should not carry them in between.
void ReleaseFreeMemory();

// True when `path` is `prefix` or lies below it ("/proc" covers
// "/proc/1" but not "/process").
bool PathUnder(std::string_view path, std::string_view prefix);

}  // namespace picket

#endif  // PICKET_POSTURE_HOST_H_

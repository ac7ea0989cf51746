// ScanContext: the facts of one posture scan, read once and shared.
//
// A ScanContext holds the facts of one scan (accounts, sockets, packages,
// the sshd configuration, file-system walks, ...). Each is read from the
// Host the first time a rule needs it and shared by every later rule, so a
// policy of 80 checks reads /etc/passwd once. A fact that cannot be read is
// remembered as an error and every rule that needs it yields kError with
// that reason; the scan goes on. The Host must outlive the context. A
// ScanContext belongs to one scan on one thread.
#ifndef PICKET_POSTURE_SCAN_CONTEXT_H_
#define PICKET_POSTURE_SCAN_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "picket/status.h"
#include "posture/accounts.h"
#include "posture/host.h"
#include "posture/policy.h"
#include "posture/sshd_config.h"
#include "posture/system_files.h"

namespace picket {

struct AccountDb {
  std::vector<PasswdEntry> passwd;
  std::vector<ShadowEntry> shadow;
  std::vector<GroupEntry> groups;
  bool has_shadow = false;   // /etc/shadow exists and was read
  std::string shadow_error;  // set when it exists but cannot be read
  uint32_t uid_min = 1000;   // login.defs UID_MIN
};

struct ProcessSummary {
  int pid = 0;
  std::string comm;
  std::string exe;      // may be empty (kernel thread, no permission)
  std::string cmdline;  // argv joined by spaces
};

class ScanContext {
 public:
  // `keep_going` (may be empty) is consulted during long operations; when
  // it returns false the current rule ends with an error "cancelled".
  ScanContext(const Host& host, std::function<bool()> keep_going);
  ~ScanContext();

  const Host& host() const { return host_; }
  bool KeepGoing() const { return !keep_going_ || keep_going_(); }

  const Result<OsRelease>& Os();
  const Result<AccountDb>& Accounts();
  const Result<std::vector<Listener>>& Listeners();
  const Result<FirewallState>& Firewall();
  // Installed package names and the databases they came from.
  const Result<std::set<std::string>>& Packages();
  const std::string& package_sources() const { return package_sources_; }
  const Result<std::vector<ProcessSummary>>& Processes();
  const Result<std::vector<MountEntry>>& Mounts();
  const Result<SshdConfig>& Sshd();
  const std::set<std::string>& LoadedModules();
  // Modules the kernel has as loadable files, and those built in.
  const std::set<std::string>& AvailableModules();
  const std::set<std::string>& BuiltinModules();
  const ModprobeConfig& Modprobe();

  // "sshd (pid 812)" for a socket inode, or "" when unknown.
  std::string SocketOwner(uint64_t inode);

  struct Found {
    std::string path;
    Finding finding;
    FileInfo info;
  };
  struct WalkResult {
    Status status;
    bool missing = false;  // the start directory does not exist
    uint64_t dev = 0;      // file system of the start directory
    std::vector<Found> found;
    uint64_t entries = 0;
    uint64_t unreadable = 0;
  };
  // Everything of interest below `path` (cached per path and exclusions).
  const WalkResult& Walk(const std::string& path,
                         const std::vector<std::string>& exclude);

 private:
  const Host& host_;
  std::function<bool()> keep_going_;
  std::optional<Result<OsRelease>> os_;
  std::optional<Result<AccountDb>> accounts_;
  std::optional<Result<std::vector<Listener>>> listeners_;
  std::optional<Result<FirewallState>> firewall_;
  std::optional<Result<std::set<std::string>>> packages_;
  std::string package_sources_;
  std::optional<Result<std::vector<ProcessSummary>>> processes_;
  std::optional<Result<std::vector<MountEntry>>> mounts_;
  std::optional<Result<SshdConfig>> sshd_;
  std::optional<std::set<std::string>> loaded_modules_;
  std::optional<std::set<std::string>> available_modules_;
  std::optional<std::set<std::string>> builtin_modules_;
  std::optional<ModprobeConfig> modprobe_;
  std::optional<std::map<uint64_t, std::string>> socket_owners_;
  std::map<std::string, WalkResult> walks_;
};

}  // namespace picket

#endif  // PICKET_POSTURE_SCAN_CONTEXT_H_

// SocketOwners: which process owns a socket inode, from the "socket:[N]"
// links in /proc/<pid>/fd. A full scan costs one readlink per open
// descriptor on the system, so an unknown inode is first looked for among
// the processes already known to own sockets (cheap, and usually right;
// once per poll), and only then by a full scan, at most once per
// `min_rescan_ms`. An inode that a full scan did not find (a socket of
// another namespace's process, or one no process holds any more) is
// remembered as unowned while polls keep seeing it, so that an idle system
// is not rescanned on every poll. Used on the event-loop thread.
#ifndef PICKET_COLLECTORS_NET_LINUX_SOCKET_OWNERS_H_
#define PICKET_COLLECTORS_NET_LINUX_SOCKET_OWNERS_H_

#include <cstdint>
#include <string>
#include <unordered_map>

#include "collectors/net/network_engine.h"

namespace picket {

class SocketOwners {
 public:
  // `root` prefixes /proc ("" or "/" for the live system).
  SocketOwners(std::string root, int64_t min_rescan_ms);

  // Lookups between BeginPoll() and EndPoll() belong to one full socket
  // dump; EndPoll() forgets unowned inodes that the dump no longer held.
  // BeginLookups() starts a batch for a partial dump (one port's sockets).
  // Each batch reads the known owners' descriptor tables at most once.
  void BeginPoll();
  void EndPoll();
  void BeginLookups();

  // Fills *out for `inode`; rescans /proc on a miss when allowed at
  // `now_ms`. Returns false when the owner stays unknown.
  bool Lookup(uint64_t inode, int64_t now_ms, SocketOwner* out);

  // Rebuilds the inode map now.
  void Rescan();

  uint64_t rescans() const { return rescans_; }
  // Descriptor tables read (one per process per scan).
  uint64_t pid_scans() const { return pid_scans_; }
  size_t unowned() const { return unowned_.size(); }

 private:
  // Adds the sockets of one process (and the process as an owner).
  void ScanPid(int32_t pid);

  std::string root_;
  int64_t min_rescan_ms_;
  int64_t last_rescan_ms_ = -1000000000;
  std::unordered_map<uint64_t, int32_t> inode_pid_;
  std::unordered_map<int32_t, SocketOwner> owners_;  // pid -> owner
  // Inodes a full scan did not find -> the full dump that last listed them.
  std::unordered_map<uint64_t, uint64_t> unowned_;
  uint64_t dump_ = 0;                 // full dumps begun
  uint64_t batch_ = 0;                // lookup batches begun (any dump)
  uint64_t known_scanned_batch_ = 0;  // batch of the last known-owners scan
  uint64_t rescanned_batch_ = 0;      // batch of the last full scan
  uint64_t rescans_ = 0;
  uint64_t pid_scans_ = 0;
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_NET_LINUX_SOCKET_OWNERS_H_

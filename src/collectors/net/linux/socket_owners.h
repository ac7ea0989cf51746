// SocketOwners: which process owns a socket inode, from the "socket:[N]"
// links in /proc/<pid>/fd. A full scan costs one readlink per open
// descriptor on the system, so an unknown inode is first looked for among
// the processes already known to own sockets (cheap, and usually right),
// and only then by a full scan, at most once per `min_rescan_ms`. Used on
// the event-loop thread.
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

  // Fills *out for `inode`; rescans /proc on a miss when allowed at
  // `now_ms`. Returns false when the owner stays unknown.
  bool Lookup(uint64_t inode, int64_t now_ms, SocketOwner* out);

  // Rebuilds the inode map now.
  void Rescan();

  uint64_t rescans() const { return rescans_; }

 private:
  // Adds the sockets of one process (and the process as an owner).
  void ScanPid(int32_t pid);

  std::string root_;
  int64_t min_rescan_ms_;
  int64_t last_rescan_ms_ = -1000000000;
  std::unordered_map<uint64_t, int32_t> inode_pid_;
  std::unordered_map<int32_t, SocketOwner> owners_;  // pid -> owner
  uint64_t rescans_ = 0;
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_NET_LINUX_SOCKET_OWNERS_H_

#include "collectors/net/linux/socket_owners.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace picket {

namespace {

bool AllDigits(const char* s) {
  if (*s == '\0') return false;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9') return false;
  }
  return true;
}

}  // namespace

SocketOwners::SocketOwners(std::string root, int64_t min_rescan_ms)
    : root_(root == "/" ? "" : std::move(root)),
      min_rescan_ms_(min_rescan_ms) {}

void SocketOwners::BeginPoll() {
  ++dump_;
  ++batch_;
}

void SocketOwners::BeginLookups() { ++batch_; }

void SocketOwners::EndPoll() {
  for (auto it = unowned_.begin(); it != unowned_.end();) {
    it = it->second == dump_ ? std::next(it) : unowned_.erase(it);
  }
}

bool SocketOwners::Lookup(uint64_t inode, int64_t now_ms, SocketOwner* out) {
  if (inode == 0) return false;
  auto it = inode_pid_.find(inode);
  if (it == inode_pid_.end()) {
    if (auto miss = unowned_.find(inode); miss != unowned_.end()) {
      miss->second = dump_;
      return false;
    }
    // A new socket most often belongs to a process that already has some:
    // re-reading just their descriptor tables is cheap, and once per batch
    // finds every new socket they opened.
    if (known_scanned_batch_ != batch_ || batch_ == 0) {
      known_scanned_batch_ = batch_;
      std::vector<int32_t> known;
      known.reserve(owners_.size());
      for (const auto& [pid, owner] : owners_) known.push_back(pid);
      for (int32_t pid : known) ScanPid(pid);
      it = inode_pid_.find(inode);
    }
  }
  if (it == inode_pid_.end()) {
    // After a full scan in this batch, a miss is an answer.
    if (batch_ != 0 && rescanned_batch_ == batch_) {
      unowned_[inode] = dump_;
      return false;
    }
    if (now_ms - last_rescan_ms_ < min_rescan_ms_) return false;
    last_rescan_ms_ = now_ms;
    Rescan();
    rescanned_batch_ = batch_;
    it = inode_pid_.find(inode);
    if (it == inode_pid_.end()) {
      if (batch_ != 0) unowned_[inode] = dump_;
      return false;
    }
  }
  auto owner = owners_.find(it->second);
  if (owner == owners_.end()) return false;
  *out = owner->second;
  return true;
}

void SocketOwners::Rescan() {
  ++rescans_;
  inode_pid_.clear();
  owners_.clear();
  std::string proc = root_ + "/proc";
  DIR* dir = opendir(proc.c_str());
  if (dir == nullptr) return;
  while (dirent* e = readdir(dir)) {
    if (!AllDigits(e->d_name)) continue;
    ScanPid(std::atoi(e->d_name));
  }
  closedir(dir);
}

void SocketOwners::ScanPid(int32_t pid) {
  ++pid_scans_;
  std::string base = root_ + "/proc/" + std::to_string(pid);
  std::string fd_path = base + "/fd";
  int fd_dir = open(fd_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_dir < 0) {
    owners_.erase(pid);
    return;
  }
  DIR* fds = fdopendir(fd_dir);
  if (fds == nullptr) {
    close(fd_dir);
    return;
  }
  char link[64];
  bool has_socket = false;
  while (dirent* f = readdir(fds)) {
    if (f->d_name[0] == '.') continue;
    ssize_t n = readlinkat(fd_dir, f->d_name, link, sizeof link - 1);
    if (n < 9 || std::memcmp(link, "socket:[", 8) != 0) continue;
    link[n] = '\0';
    uint64_t inode = std::strtoull(link + 8, nullptr, 10);
    if (inode != 0) {
      inode_pid_[inode] = pid;
      has_socket = true;
    }
  }
  closedir(fds);
  if (!has_socket || owners_.count(pid)) return;
  SocketOwner owner;
  owner.pid = pid;
  char exe[PATH_MAX];
  ssize_t n = readlink((base + "/exe").c_str(), exe, sizeof exe);
  if (n > 0) {
    std::string_view v(exe, static_cast<size_t>(n));
    constexpr std::string_view kDeleted = " (deleted)";
    if (v.size() > kDeleted.size() &&
        v.substr(v.size() - kDeleted.size()) == kDeleted) {
      v.remove_suffix(kDeleted.size());
    }
    owner.exe = std::string(v);
  }
  struct stat st;
  if (stat(base.c_str(), &st) == 0) owner.uid = st.st_uid;
  owners_.emplace(pid, std::move(owner));
}

}  // namespace picket

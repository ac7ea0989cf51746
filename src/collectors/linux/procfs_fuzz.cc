// libFuzzer target for the procfs parsers. Every parser sees the same
// bytes: a process controls its comm and argv, and a fixture tree may hold
// anything, so each must survive any input. Build with
//   clang++ -std=c++20 -fsanitize=fuzzer,address,undefined -Isrc
//     src/collectors/linux/procfs.cc src/collectors/linux/procfs_fuzz.cc
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "collectors/linux/procfs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picket::procfs;  // NOLINT: a fuzz target's one function
  std::string_view input(reinterpret_cast<const char*>(data), size);

  Stat stat;
  (void)ParseStat(input, &stat);
  StatusIds ids;
  (void)ParseStatus(input, &ids);
  int64_t btime = 0;
  (void)ParseBootTime(input, &btime);

  std::vector<std::string> args = ParseCmdline(input);
  if (args.size() > kMaxArgs) __builtin_trap();
  size_t total = 0;
  for (const std::string& arg : args) total += arg.size();
  if (total > kMaxCmdlineBytes) __builtin_trap();

  ExeLink link = ParseExeLink(input);
  if (link.path.size() > input.size()) __builtin_trap();

  int bad_lines = 0;
  std::vector<MountEntry> mounts = ParseMountinfo(input, &bad_lines);
  if (bad_lines < 0) __builtin_trap();
  // The input doubles as the path: it exercises the prefix matching on
  // mount points that came from the same bytes.
  (void)FsTypeForPath(mounts, input);
  for (const MountEntry& mount : mounts) {
    (void)FsTypeForPath(mounts, mount.mount_point);
  }

  (void)ParsePasswd(input);
  return 0;
}

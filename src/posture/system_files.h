// Parsers for the system files posture rules read: os-release, the kernel
// module lists and modprobe configuration, the mount table, and the three
// package databases of the devices picket targets (dpkg on Debian-class
// systems, opkg on OpenWrt/Yocto, apk on Alpine). Pure functions over text,
// so tests and the fuzzer never touch the file system.
#ifndef PICKET_POSTURE_SYSTEM_FILES_H_
#define PICKET_POSTURE_SYSTEM_FILES_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace picket {

// /etc/os-release (or /usr/lib/os-release). Missing fields keep the
// defaults os-release(5) specifies: ID is "linux".
struct OsRelease {
  std::string id = "linux";
  std::vector<std::string> id_like;
  std::string version_id;
  std::string pretty_name;
};
OsRelease ParseOsRelease(std::string_view text);

// Module names are compared with '-' and '_' equivalent, as modprobe does;
// this returns the '_' spelling.
std::string NormalizeModuleName(std::string_view name);

// /proc/modules: the loaded modules' names, normalised.
std::set<std::string> ParseProcModules(std::string_view text);

// modules.dep or modules.builtin: the names of the modules a kernel has
// (first field, base name without ".ko" and a compression suffix).
void ParseModuleList(std::string_view text, std::set<std::string>* out);

// What modprobe.d files say about modules (normalised names).
struct ModprobeConfig {
  std::set<std::string> blacklisted;
  std::map<std::string, std::string> install;  // name -> command
};
void ParseModprobeConf(std::string_view text, ModprobeConfig* out);

// True when an "install" command keeps the module from loading
// (/bin/false, /bin/true, /usr/bin/false, /usr/bin/true, "true", "false").
bool InstallCommandDisables(std::string_view command);

// /proc/self/mounts (fstab syntax); octal escapes like \040 are decoded.
struct MountEntry {
  std::string device;
  std::string mount_point;
  std::string fs_type;
  std::vector<std::string> options;
};
std::vector<MountEntry> ParseMounts(std::string_view text);

// Package databases, fed one line at a time (the dpkg status file of a
// desktop-sized system is megabytes; it is streamed, not loaded).
class PackageDbParser {
 public:
  enum class Format { kDpkg, kOpkg, kApk };
  explicit PackageDbParser(Format format) : format_(format) {}

  // One line without its newline.
  void Feed(std::string_view line);
  // Ends the last stanza; call once after the last line.
  void Finish();

  // Names of the installed packages seen so far.
  const std::set<std::string>& installed() const { return installed_; }

 private:
  void EndStanza();

  Format format_;
  std::string name_;
  bool installed_flag_ = false;
  std::set<std::string> installed_;
};

}  // namespace picket

#endif  // PICKET_POSTURE_SYSTEM_FILES_H_

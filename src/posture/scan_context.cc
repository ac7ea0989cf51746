#include "posture/scan_context.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "posture/text.h"

namespace picket {

ScanContext::ScanContext(const Host& host, std::function<bool()> keep_going)
    : host_(host), keep_going_(std::move(keep_going)) {}

ScanContext::~ScanContext() = default;

const Result<OsRelease>& ScanContext::Os() {
  if (!os_) {
    auto text = host_.ReadFile("/etc/os-release", 64 << 10);
    if (!text.ok()) text = host_.ReadFile("/usr/lib/os-release", 64 << 10);
    if (text.ok()) {
      os_ = ParseOsRelease(*text);
    } else if (text.status().code() == Status::Code::kNotFound) {
      os_ = OsRelease();  // os-release(5): ID defaults to "linux"
    } else {
      os_ = text.status();
    }
  }
  return *os_;
}

const Result<AccountDb>& ScanContext::Accounts() {
  if (accounts_) return *accounts_;
  auto passwd = host_.ReadFile("/etc/passwd", 8 << 20);
  if (!passwd.ok()) {
    accounts_ = passwd.status();
    return *accounts_;
  }
  AccountDb db;
  db.passwd = ParsePasswd(*passwd);
  auto shadow = host_.ReadFile("/etc/shadow", 8 << 20);
  if (shadow.ok()) {
    db.shadow = ParseShadow(*shadow);
    db.has_shadow = true;
  } else if (shadow.status().code() != Status::Code::kNotFound) {
    db.shadow_error = Explain(shadow.status());
  }
  auto group = host_.ReadFile("/etc/group", 8 << 20);
  if (group.ok()) db.groups = ParseGroup(*group);
  auto login_defs = host_.ReadFile("/etc/login.defs", kMaxConfigBytes);
  if (login_defs.ok()) {
    std::string_view rest = *login_defs;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = Trim(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view()
                                          : rest.substr(nl + 1);
      if (line.starts_with("UID_MIN")) {
        uint32_t v = 0;
        if (ParseUint(Trim(line.substr(7)), &v)) db.uid_min = v;
      }
    }
  }
  accounts_ = std::move(db);
  return *accounts_;
}

const Result<std::vector<Listener>>& ScanContext::Listeners() {
  if (!listeners_) listeners_ = host_.Listeners();
  return *listeners_;
}

const Result<FirewallState>& ScanContext::Firewall() {
  if (!firewall_) firewall_ = host_.Firewall();
  return *firewall_;
}

const Result<std::set<std::string>>& ScanContext::Packages() {
  if (packages_) return *packages_;
  static constexpr std::pair<const char*, PackageDbParser::Format> kDbs[] = {
      {"/var/lib/dpkg/status", PackageDbParser::Format::kDpkg},
      {"/usr/lib/opkg/status", PackageDbParser::Format::kOpkg},
      {"/var/lib/opkg/status", PackageDbParser::Format::kOpkg},
      {"/lib/apk/db/installed", PackageDbParser::Format::kApk}};
  std::set<std::string> all;
  std::vector<std::string> sources;
  for (const auto& [path, format] : kDbs) {
    PackageDbParser parser(format);
    Status st =
        host_.ForEachLine(path, [&](std::string_view l) { parser.Feed(l); });
    if (st.code() == Status::Code::kNotFound) continue;
    if (!st.ok()) {
      packages_ = st;
      return *packages_;
    }
    parser.Finish();
    all.insert(parser.installed().begin(), parser.installed().end());
    sources.push_back(path);
  }
  if (sources.empty()) {
    packages_ = Status::NotFound("no package database");
  } else {
    package_sources_ = Join(sources, ", ");
    packages_ = std::move(all);
  }
  return *packages_;
}

const Result<std::vector<ProcessSummary>>& ScanContext::Processes() {
  if (processes_) return *processes_;
  auto names = host_.ListDir("/proc");
  if (!names.ok()) {
    processes_ = names.status();
    return *processes_;
  }
  std::vector<ProcessSummary> out;
  for (const std::string& name : *names) {
    ProcessSummary p;
    uint32_t pid = 0;
    if (!ParseUint(name, &pid)) continue;
    p.pid = static_cast<int>(pid);
    std::string dir = "/proc/" + name;
    auto comm = host_.ReadFile(dir + "/comm", 4096);
    if (!comm.ok()) continue;  // exited meanwhile
    p.comm = std::string(Trim(*comm));
    auto cmdline = host_.ReadFile(dir + "/cmdline", 64 << 10);
    if (cmdline.ok()) {
      std::string args = *cmdline;
      while (!args.empty() && args.back() == '\0') args.pop_back();
      std::replace(args.begin(), args.end(), '\0', ' ');
      p.cmdline = std::move(args);
    }
    auto exe = host_.ReadLink(dir + "/exe");
    if (exe.ok()) p.exe = *exe;
    out.push_back(std::move(p));
  }
  processes_ = std::move(out);
  return *processes_;
}

const Result<std::vector<MountEntry>>& ScanContext::Mounts() {
  if (mounts_) return *mounts_;
  auto text = host_.ReadFile("/proc/self/mounts", 4 << 20);
  if (!text.ok()) text = host_.ReadFile("/proc/mounts", 4 << 20);
  if (text.ok()) {
    mounts_ = ParseMounts(*text);
  } else {
    mounts_ = text.status();
  }
  return *mounts_;
}

const Result<SshdConfig>& ScanContext::Sshd() {
  if (sshd_) return *sshd_;
  const std::string main = "/etc/ssh/sshd_config";
  auto text = host_.ReadFile(main, kMaxConfigBytes);
  if (!text.ok()) {
    sshd_ = text.status();
    return *sshd_;
  }
  SshdConfig config;
  auto include = [this](const std::string& pattern) {
    std::vector<std::pair<std::string, std::string>> files;
    auto paths = GlobPaths(host_, pattern);
    if (!paths.ok()) return files;
    for (const std::string& path : *paths) {
      auto body = host_.ReadFile(path, kMaxConfigBytes);
      if (body.ok()) files.emplace_back(path, std::move(body.value()));
    }
    return files;
  };
  ParseSshdConfig(*text, main, include, &config);
  sshd_ = std::move(config);
  return *sshd_;
}

const std::set<std::string>& ScanContext::LoadedModules() {
  if (!loaded_modules_) {
    auto text = host_.ReadFile("/proc/modules", 4 << 20);
    // No /proc/modules: a kernel without module support loads nothing.
    loaded_modules_ =
        text.ok() ? ParseProcModules(*text) : std::set<std::string>();
  }
  return *loaded_modules_;
}

namespace {

// /lib/modules/<release> of the running kernel, or of every kernel present
// when the release is unknown (an offline root).
std::vector<std::string> ModuleDirs(const Host& host) {
  auto release = host.ReadFile("/proc/sys/kernel/osrelease", 4096);
  if (release.ok()) {
    std::string dir = "/lib/modules/" + std::string(Trim(*release));
    if (host.Stat(dir, true).ok()) return {dir};
  }
  std::vector<std::string> out;
  auto names = host.ListDir("/lib/modules");
  if (names.ok()) {
    for (const std::string& n : *names) out.push_back("/lib/modules/" + n);
  }
  return out;
}

}  // namespace

const std::set<std::string>& ScanContext::AvailableModules() {
  if (!available_modules_) {
    std::set<std::string> out;
    for (const std::string& dir : ModuleDirs(host_)) {
      (void)host_.ForEachLine(dir + "/modules.dep", [&](std::string_view l) {
        ParseModuleList(l, &out);
      });
    }
    available_modules_ = std::move(out);
  }
  return *available_modules_;
}

const std::set<std::string>& ScanContext::BuiltinModules() {
  if (!builtin_modules_) {
    std::set<std::string> out;
    for (const std::string& dir : ModuleDirs(host_)) {
      (void)host_.ForEachLine(
          dir + "/modules.builtin",
          [&](std::string_view l) { ParseModuleList(l, &out); });
    }
    builtin_modules_ = std::move(out);
  }
  return *builtin_modules_;
}

const ModprobeConfig& ScanContext::Modprobe() {
  if (!modprobe_) {
    ModprobeConfig conf;
    for (const char* dir : {"/etc/modprobe.d", "/run/modprobe.d",
                            "/usr/lib/modprobe.d", "/lib/modprobe.d"}) {
      auto names = host_.ListDir(dir);
      if (!names.ok()) continue;
      for (const std::string& name : *names) {
        if (!name.ends_with(".conf")) continue;
        auto text =
            host_.ReadFile(std::string(dir) + "/" + name, kMaxConfigBytes);
        if (text.ok()) ParseModprobeConf(*text, &conf);
      }
    }
    auto legacy = host_.ReadFile("/etc/modprobe.conf", kMaxConfigBytes);
    if (legacy.ok()) ParseModprobeConf(*legacy, &conf);
    modprobe_ = std::move(conf);
  }
  return *modprobe_;
}

std::string ScanContext::SocketOwner(uint64_t inode) {
  if (!socket_owners_) {
    socket_owners_.emplace();
    const auto& processes = Processes();
    if (processes.ok()) {
      std::string want_prefix = "socket:[";
      for (const ProcessSummary& p : *processes) {
        std::string fd_dir = "/proc/" + std::to_string(p.pid) + "/fd";
        auto fds = host_.ListDir(fd_dir);
        if (!fds.ok()) continue;
        for (const std::string& fd : *fds) {
          auto link = host_.ReadLink(fd_dir + "/" + fd);
          if (!link.ok() || !link->starts_with(want_prefix)) continue;
          uint64_t ino = 0;
          std::string_view digits = std::string_view(*link).substr(8);
          if (!digits.empty() && digits.back() == ']') digits.remove_suffix(1);
          auto [end, ec] = std::from_chars(digits.data(),
                                           digits.data() + digits.size(), ino);
          if (ec != std::errc()) continue;
          socket_owners_->emplace(ino,
                                  p.comm + " pid " + std::to_string(p.pid));
        }
      }
    }
  }
  auto it = socket_owners_->find(inode);
  return it == socket_owners_->end() ? "" : it->second;
}

const ScanContext::WalkResult& ScanContext::Walk(
    const std::string& path, const std::vector<std::string>& exclude) {
  std::string key = path;
  for (const std::string& e : exclude) key += "\n" + e;
  auto cached = walks_.find(key);
  if (cached != walks_.end()) return cached->second;
  WalkResult& result = walks_[key];
  // A start that is a symlink (/bin -> usr/bin on merged-/usr systems) is
  // covered by its target's own walk; following it would report every file
  // twice under two names.
  auto start = host_.Stat(path, false);
  if (start.ok() && start->type == FileInfo::Type::kSymlink) {
    result.missing = true;
    return result;
  }
  if (!start.ok()) {
    if (start.status().code() == Status::Code::kNotFound) {
      result.missing = true;
    } else {
      result.status = start.status();
    }
    return result;
  }
  result.dev = start->dev;
  std::set<uint32_t> uids, gids;
  const auto& db = Accounts();
  if (db.ok()) {
    for (const PasswdEntry& e : db->passwd) uids.insert(e.uid);
    for (const GroupEntry& e : db->groups) gids.insert(e.gid);
  }
  // Without an account database every file would look unowned.
  bool know_users = !uids.empty();
  bool know_groups = !gids.empty();
  WalkOptions options;
  options.exclude = exclude;
  options.keep_going = [this] { return KeepGoing(); };
  result.status = host_.Walk(
      path, options,
      [&](const std::string& p, const FileInfo& info) {
        ++result.entries;
        bool file = info.type == FileInfo::Type::kFile;
        bool dir = info.type == FileInfo::Type::kDirectory;
        if (file && (info.mode & 0002)) {
          result.found.push_back({p, Finding::kWorldWritableFile, info});
        }
        if (dir && (info.mode & 0002) && !(info.mode & 01000)) {
          result.found.push_back({p, Finding::kWorldWritableDirectory, info});
        }
        if (file && (info.mode & 04000)) {
          result.found.push_back({p, Finding::kSuid, info});
        }
        if (file && (info.mode & 02000)) {
          result.found.push_back({p, Finding::kSgid, info});
        }
        if (info.type != FileInfo::Type::kSymlink &&
            ((know_users && !uids.count(info.uid)) ||
             (know_groups && !gids.count(info.gid)))) {
          result.found.push_back({p, Finding::kUnowned, info});
        }
      },
      &result.unreadable);
  return result;
}

}  // namespace picket

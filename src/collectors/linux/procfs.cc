#include "collectors/linux/procfs.h"

#include <charconv>
#include <system_error>
#include <utility>

namespace picket::procfs {

namespace {

// Parses all of `text` as a non-negative decimal number. from_chars alone
// would accept "-1" for signed types and stop at trailing junk; both mean
// the field is not what the kernel writes.
template <typename T>
bool ParseDecimal(std::string_view text, T* out) {
  if (text.empty() || text.front() == '-') return false;
  T value{};
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  *out = value;
  return true;
}

// Takes the next '\n'-terminated line off `*rest`; the last line may lack
// its newline. Returns false once `*rest` is empty.
bool NextLine(std::string_view* rest, std::string_view* line) {
  if (rest->empty()) return false;
  size_t end = rest->find('\n');
  if (end == std::string_view::npos) {
    *line = *rest;
    rest->remove_prefix(rest->size());
  } else {
    *line = rest->substr(0, end);
    rest->remove_prefix(end + 1);
  }
  return true;
}

// Takes the next run of non-separator characters off `*rest`, skipping
// leading separators. Returns false when only separators remain.
bool NextToken(std::string_view* rest, std::string_view separators,
               std::string_view* token) {
  size_t begin = rest->find_first_not_of(separators);
  if (begin == std::string_view::npos) {
    rest->remove_prefix(rest->size());
    return false;
  }
  rest->remove_prefix(begin);
  size_t end = rest->find_first_of(separators);
  if (end == std::string_view::npos) end = rest->size();
  *token = rest->substr(0, end);
  rest->remove_prefix(end);
  return true;
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

// Undoes the kernel's mangle() of mountinfo paths: space, tab, newline and
// backslash are written as a backslash and three octal digits. Anything
// else after a backslash is kept as it is.
std::string UnescapeOctal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && text.size() - i >= 4 && IsOctal(text[i + 1]) &&
        IsOctal(text[i + 2]) && IsOctal(text[i + 3])) {
      int value = (text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                  (text[i + 3] - '0');
      if (value <= 0xff) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// Parses one mountinfo line into `out`. The shape is (proc(5)):
//   id parent major:minor root mount_point options [optional...] - fstype
//   source super_options
bool ParseMountinfoLine(std::string_view line,
                        std::vector<std::string_view>* fields,
                        MountEntry* out) {
  fields->clear();
  std::string_view token;
  while (NextToken(&line, " ", &token)) fields->push_back(token);

  // The separator comes after at least the six fixed fields, and the fs
  // type must follow it.
  size_t separator = 0;
  for (size_t i = 6; i < fields->size(); ++i) {
    if ((*fields)[i] == "-") {
      separator = i;
      break;
    }
  }
  if (separator == 0 || separator + 1 >= fields->size()) return false;

  uint32_t id = 0;
  uint32_t parent = 0;
  if (!ParseDecimal((*fields)[0], &id) || !ParseDecimal((*fields)[1], &parent))
    return false;
  std::string_view dev = (*fields)[2];
  size_t colon = dev.find(':');
  uint32_t major = 0;
  uint32_t minor = 0;
  if (colon == std::string_view::npos ||
      !ParseDecimal(dev.substr(0, colon), &major) ||
      !ParseDecimal(dev.substr(colon + 1), &minor))
    return false;

  out->mount_point = UnescapeOctal((*fields)[4]);
  if (out->mount_point.empty() || out->mount_point.front() != '/') return false;
  out->fs_type = UnescapeOctal((*fields)[separator + 1]);
  return true;
}

}  // namespace

bool ParseStat(std::string_view content, Stat* out) {
  // The comm is the only field that may hold spaces or parentheses, and it
  // cannot hide the pid before it or the numeric fields after it, so the
  // first '(' and the last ')' delimit it.
  size_t open = content.find('(');
  size_t close = content.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos ||
      close < open || open < 2 || content[open - 1] != ' ')
    return false;
  if (!ParseDecimal(content.substr(0, open - 1), &out->pid)) return false;
  out->comm.assign(content.substr(open + 1, close - open - 1));

  // Fields after the comm, numbered as in proc(5): 3 is state, 4 is ppid,
  // 9 the flags, 22 is starttime.
  std::string_view rest = content.substr(close + 1);
  std::string_view token;
  for (int field = 3; field <= 22; ++field) {
    if (!NextToken(&rest, " \n", &token)) return false;
    if (field == 3) {
      if (token.size() != 1) return false;
      out->state = token.front();
    } else if (field == 4) {
      if (!ParseDecimal(token, &out->ppid)) return false;
    } else if (field == 9) {
      if (!ParseDecimal(token, &out->flags)) return false;
    } else if (field == 22) {
      if (!ParseDecimal(token, &out->start_ticks)) return false;
    }
  }
  return true;
}

bool ParseStatus(std::string_view content, StatusIds* out) {
  bool have_tgid = false;
  bool have_ppid = false;
  bool have_uid = false;
  bool have_gid = false;
  std::string_view line;
  while (NextLine(&content, &line)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view values = line.substr(colon + 1);
    std::string_view first;
    std::string_view second;
    if (!NextToken(&values, " \t", &first)) continue;

    // The first occurrence counts: the kernel writes each key once, and
    // a value smuggled in later (it cannot be, Name: is escaped) must not
    // override it.
    if (key == "Tgid" && !have_tgid) {
      if (!ParseDecimal(first, &out->tgid)) return false;
      have_tgid = true;
    } else if (key == "PPid" && !have_ppid) {
      if (!ParseDecimal(first, &out->ppid)) return false;
      have_ppid = true;
    } else if (key == "Uid" && !have_uid) {
      // Real, effective, saved, filesystem.
      if (!ParseDecimal(first, &out->uid) ||
          !NextToken(&values, " \t", &second) ||
          !ParseDecimal(second, &out->euid))
        return false;
      have_uid = true;
    } else if (key == "Gid" && !have_gid) {
      if (!ParseDecimal(first, &out->gid)) return false;
      have_gid = true;
    }
    if (have_tgid && have_ppid && have_uid && have_gid) return true;
  }
  return false;
}

std::vector<std::string> ParseCmdline(std::string_view raw) {
  std::vector<std::string> args;
  if (raw.size() > kMaxCmdlineBytes) raw = raw.substr(0, kMaxCmdlineBytes);
  while (!raw.empty() && args.size() < kMaxArgs) {
    size_t nul = raw.find('\0');
    if (nul == std::string_view::npos) {
      args.emplace_back(raw);
      break;
    }
    args.emplace_back(raw.substr(0, nul));
    raw.remove_prefix(nul + 1);
  }
  return args;
}

ExeLink ParseExeLink(std::string_view link_text) {
  constexpr std::string_view kDeleted = " (deleted)";
  ExeLink link;
  if (link_text.size() > kDeleted.size() && link_text.ends_with(kDeleted)) {
    link_text.remove_suffix(kDeleted.size());
    link.deleted = true;
  }
  link.path.assign(link_text);
  return link;
}

bool ParseBootTime(std::string_view proc_stat, int64_t* btime_s) {
  constexpr std::string_view kKey = "btime ";
  std::string_view line;
  while (NextLine(&proc_stat, &line)) {
    if (!line.starts_with(kKey)) continue;
    line.remove_prefix(kKey.size());
    std::string_view value;
    if (!NextToken(&line, " ", &value)) return false;
    return ParseDecimal(value, btime_s);
  }
  return false;
}

std::vector<MountEntry> ParseMountinfo(std::string_view content,
                                       int* bad_lines) {
  std::vector<MountEntry> mounts;
  std::vector<std::string_view> fields;
  int bad = 0;
  std::string_view line;
  while (NextLine(&content, &line)) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    MountEntry entry;
    if (ParseMountinfoLine(line, &fields, &entry)) {
      mounts.push_back(std::move(entry));
    } else {
      ++bad;
    }
  }
  if (bad_lines != nullptr) *bad_lines = bad;
  return mounts;
}

std::string FsTypeForPath(const std::vector<MountEntry>& mounts,
                          std::string_view path) {
  if (path.empty() || path.front() != '/') return "";
  const MountEntry* best = nullptr;
  size_t best_length = 0;
  for (const MountEntry& mount : mounts) {
    std::string_view point = mount.mount_point;
    // "/" becomes "" so that it is a prefix of every absolute path.
    while (!point.empty() && point.back() == '/') point.remove_suffix(1);
    if (!path.starts_with(point)) continue;
    if (path.size() != point.size() && path[point.size()] != '/') continue;
    if (best == nullptr || point.size() >= best_length) {
      best = &mount;
      best_length = point.size();
    }
  }
  return best == nullptr ? "" : best->fs_type;
}

std::unordered_map<uint32_t, std::string> ParsePasswd(
    std::string_view content) {
  std::unordered_map<uint32_t, std::string> users;
  std::string_view line;
  while (NextLine(&content, &line)) {
    if (line.empty() || line.front() == '#') continue;
    // name:password:uid:gid:gecos:home:shell
    std::string_view fields[4];
    size_t count = 0;
    std::string_view rest = line;
    while (count < 4) {
      size_t colon = rest.find(':');
      if (colon == std::string_view::npos) {
        fields[count++] = rest;
        break;
      }
      fields[count++] = rest.substr(0, colon);
      rest.remove_prefix(colon + 1);
    }
    uint32_t uid = 0;
    if (count < 4 || fields[0].empty() || !ParseDecimal(fields[2], &uid))
      continue;
    users.emplace(uid, std::string(fields[0]));
  }
  return users;
}

}  // namespace picket::procfs

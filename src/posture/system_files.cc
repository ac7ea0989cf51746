#include "posture/system_files.h"

#include "core/text.h"

namespace picket {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsBlank(s.front()) || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// os-release values: shell-like quoting with backslash escapes.
std::string Unquote(std::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

std::string DecodeOctalEscapes(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' &&
        s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
        s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                               (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

OsRelease ParseOsRelease(std::string_view text) {
  OsRelease out;
  ForEachLine(text, [&](std::string_view line) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') return;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return;
    std::string_view key = line.substr(0, eq);
    std::string value = Unquote(line.substr(eq + 1));
    if (key == "ID" && !value.empty()) {
      out.id = value;
    } else if (key == "ID_LIKE") {
      for (std::string_view word : SplitBlanks(value)) {
        out.id_like.emplace_back(word);
      }
    } else if (key == "VERSION_ID") {
      out.version_id = value;
    } else if (key == "PRETTY_NAME") {
      out.pretty_name = value;
    }
  });
  return out;
}

std::string NormalizeModuleName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

std::set<std::string> ParseProcModules(std::string_view text) {
  std::set<std::string> out;
  ForEachLine(text, [&](std::string_view line) {
    auto words = SplitBlanks(line);
    if (!words.empty()) out.insert(NormalizeModuleName(words[0]));
  });
  return out;
}

void ParseModuleList(std::string_view text, std::set<std::string>* out) {
  ForEachLine(text, [&](std::string_view line) {
    std::string_view path = line.substr(0, line.find(':'));
    path = Trim(path);
    size_t slash = path.rfind('/');
    std::string_view base =
        slash == std::string_view::npos ? path : path.substr(slash + 1);
    size_t ko = base.find(".ko");
    if (ko == std::string_view::npos || ko == 0) return;
    out->insert(NormalizeModuleName(base.substr(0, ko)));
  });
}

void ParseModprobeConf(std::string_view text, ModprobeConfig* out) {
  std::string joined;  // lines ending in '\' continue
  ForEachLine(text, [&](std::string_view raw) {
    if (!raw.empty() && raw.back() == '\\') {
      joined.append(raw.substr(0, raw.size() - 1));
      return;
    }
    joined.append(raw);
    std::string_view line = Trim(joined);
    if (!line.empty() && line[0] != '#') {
      auto words = SplitBlanks(line);
      if (words.size() >= 2 && words[0] == "blacklist") {
        out->blacklisted.insert(NormalizeModuleName(words[1]));
      } else if (words.size() >= 3 && words[0] == "install") {
        size_t start = words[2].data() - line.data();
        out->install[NormalizeModuleName(words[1])] =
            std::string(Trim(line.substr(start)));
      }
    }
    joined.clear();
  });
}

bool InstallCommandDisables(std::string_view command) {
  auto words = SplitBlanks(Trim(command));
  if (words.empty()) return false;
  std::string_view program = words[0];
  return program == "/bin/false" || program == "/bin/true" ||
         program == "/usr/bin/false" || program == "/usr/bin/true" ||
         program == "false" || program == "true";
}

std::vector<MountEntry> ParseMounts(std::string_view text) {
  std::vector<MountEntry> out;
  ForEachLine(text, [&](std::string_view line) {
    auto words = SplitBlanks(line);
    if (words.size() < 4 || words[0][0] == '#') return;
    MountEntry e;
    e.device = DecodeOctalEscapes(words[0]);
    e.mount_point = DecodeOctalEscapes(words[1]);
    e.fs_type = std::string(words[2]);
    std::string_view options = words[3];
    while (!options.empty()) {
      size_t comma = options.find(',');
      e.options.emplace_back(options.substr(0, comma));
      if (comma == std::string_view::npos) break;
      options.remove_prefix(comma + 1);
    }
    out.push_back(std::move(e));
  });
  return out;
}

void PackageDbParser::Feed(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) {
    EndStanza();
    return;
  }
  if (format_ == Format::kApk) {
    // apk's installed database: "P:name" opens a package; every package
    // listed there is installed.
    if (line.starts_with("P:")) {
      name_ = std::string(Trim(line.substr(2)));
      installed_flag_ = true;
    }
    return;
  }
  if (line.starts_with("Package:")) {
    name_ = std::string(Trim(line.substr(8)));
  } else if (line.starts_with("Status:")) {
    // "want flag status": only the third word says what is on disk.
    auto words = SplitBlanks(line.substr(7));
    installed_flag_ = words.size() == 3 && words[2] == "installed";
  }
}

void PackageDbParser::Finish() { EndStanza(); }

void PackageDbParser::EndStanza() {
  if (!name_.empty() && installed_flag_) installed_.insert(name_);
  name_.clear();
  installed_flag_ = false;
}

}  // namespace picket

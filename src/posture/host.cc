#include "posture/host.h"

#include <fnmatch.h>

#include <algorithm>

namespace picket {

namespace {

bool HasWildcard(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

}  // namespace

bool PathUnder(std::string_view path, std::string_view prefix) {
  while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix == "/") return true;
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

Result<std::vector<std::string>> GlobPaths(const Host& host,
                                           const std::string& pattern) {
  if (pattern.empty() || pattern[0] != '/') {
    return Status::InvalidArgument("not an absolute path: " + pattern);
  }
  if (!HasWildcard(pattern)) {
    auto st = host.Stat(pattern, false);
    if (st.ok()) return std::vector<std::string>{pattern};
    if (st.status().code() == Status::Code::kNotFound) {
      return std::vector<std::string>{};
    }
    return st.status();
  }
  std::vector<std::string> components;
  size_t start = 1;
  while (start <= pattern.size()) {
    size_t slash = pattern.find('/', start);
    if (slash == std::string::npos) slash = pattern.size();
    if (slash > start)
      components.push_back(pattern.substr(start, slash - start));
    start = slash + 1;
  }
  std::vector<std::string> current = {""};
  for (size_t i = 0; i < components.size(); ++i) {
    const std::string& component = components[i];
    bool last = i + 1 == components.size();
    std::vector<std::string> next;
    for (const std::string& dir : current) {
      if (!HasWildcard(component)) {
        std::string path = dir + "/" + component;
        if (last) {
          if (host.Stat(path, false).ok()) next.push_back(path);
        } else {
          next.push_back(path);
        }
        continue;
      }
      auto names = host.ListDir(dir.empty() ? "/" : dir);
      if (!names.ok()) continue;  // missing or unreadable: no match there
      for (const std::string& name : *names) {
        if (fnmatch(component.c_str(), name.c_str(), FNM_PERIOD) == 0) {
          next.push_back(dir + "/" + name);
        }
      }
    }
    current = std::move(next);
    if (current.empty()) break;
  }
  std::sort(current.begin(), current.end());
  return current;
}

}  // namespace picket

#include "posture/sshd_config.h"

namespace picket {

namespace {

// Include nesting beyond this is a loop (sshd itself stops at 16).
constexpr int kMaxIncludeDepth = 16;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Splits a line into words: whitespace separated, double quotes group, and
// the keyword may be followed by '=' instead of whitespace.
std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    // After the keyword, one '=' may stand in for (or sit among) the blanks.
    while (i < line.size() &&
           (IsSpace(line[i]) || (out.size() == 1 && line[i] == '='))) {
      ++i;
    }
    if (i >= line.size() || line[i] == '#') break;
    std::string word;
    if (line[i] == '"') {
      size_t close = line.find('"', i + 1);
      if (close == std::string_view::npos) close = line.size();
      word = std::string(line.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      while (i < line.size() && !IsSpace(line[i]) &&
             !(out.empty() && line[i] == '=')) {
        word += line[i++];
      }
    }
    out.push_back(std::move(word));
  }
  return out;
}

// Old names sshd still accepts, mapped to the keyword they set.
std::string Canonical(std::string keyword) {
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"challengeresponseauthentication", "kbdinteractiveauthentication"},
      {"dsaauthentication", "pubkeyauthentication"},
      {"skeyauthentication", "kbdinteractiveauthentication"},
  };
  for (const auto& [alias, name] : kAliases) {
    if (keyword == alias) return std::string(name);
  }
  return keyword;
}

void Parse(std::string_view text, std::string_view file_name,
           const SshdIncludeFn& include, int depth, bool* in_match,
           SshdConfig* config) {
  int number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text =
        nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    std::vector<std::string> words = Words(line);
    if (words.empty()) continue;
    std::string keyword = Canonical(Lower(words[0]));
    if (keyword == "match") {
      *in_match = true;
      continue;
    }
    if (*in_match) continue;
    if (keyword == "include") {
      if (depth >= kMaxIncludeDepth) {
        config->problems.push_back(std::string(file_name) + ":" +
                                   std::to_string(number) +
                                   ": Include nested too deeply");
        continue;
      }
      for (size_t w = 1; w < words.size(); ++w) {
        std::string pattern = words[w];
        if (pattern.empty()) continue;
        if (pattern[0] != '/') pattern = "/etc/ssh/" + pattern;
        for (const auto& [path, body] : include(pattern)) {
          Parse(body, path, include, depth + 1, in_match, config);
        }
      }
      continue;
    }
    std::string value;
    for (size_t w = 1; w < words.size(); ++w) {
      if (!value.empty()) value += ' ';
      value += words[w];
    }
    config->settings.emplace(
        keyword, SshdSetting{std::move(value), std::string(file_name) + ":" +
                                                   std::to_string(number)});
  }
}

}  // namespace

void ParseSshdConfig(std::string_view text, std::string_view file_name,
                     const SshdIncludeFn& include, SshdConfig* config) {
  bool in_match = false;
  Parse(text, file_name, include, 0, &in_match, config);
}

const char* SshdDefault(std::string_view keyword) {
  // OpenSSH 8.x/9.x sshd(8) defaults (servconf.c fill_default_server_
  // options), for the keywords hardening guides look at.
  static constexpr std::pair<std::string_view, const char*> kDefaults[] = {
      {"allowagentforwarding", "yes"},
      {"allowtcpforwarding", "yes"},
      {"banner", "none"},
      {"clientalivecountmax", "3"},
      {"clientaliveinterval", "0"},
      {"compression", "yes"},
      {"disableforwarding", "no"},
      {"gatewayports", "no"},
      {"hostbasedauthentication", "no"},
      {"ignorerhosts", "yes"},
      {"kbdinteractiveauthentication", "yes"},
      {"logingracetime", "120"},
      {"loglevel", "INFO"},
      {"maxauthtries", "6"},
      {"maxsessions", "10"},
      {"maxstartups", "10:30:100"},
      {"passwordauthentication", "yes"},
      {"permitemptypasswords", "no"},
      {"permitrootlogin", "prohibit-password"},
      {"permittunnel", "no"},
      {"permituserenvironment", "no"},
      {"port", "22"},
      {"protocol", "2"},
      {"pubkeyauthentication", "yes"},
      {"strictmodes", "yes"},
      {"usedns", "no"},
      {"usepam", "no"},
      {"x11forwarding", "no"},
  };
  for (const auto& [name, value] : kDefaults) {
    if (keyword == name) return value;
  }
  return nullptr;
}

std::optional<SshdSetting> SshdConfig::Find(std::string_view keyword) const {
  std::string key = Canonical(Lower(keyword));
  auto it = settings.find(key);
  if (it != settings.end()) return it->second;
  if (const char* value = SshdDefault(key)) {
    return SshdSetting{value, "default"};
  }
  return std::nullopt;
}

}  // namespace picket

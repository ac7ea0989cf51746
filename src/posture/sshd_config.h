// The effective global configuration of an OpenSSH server, computed from
// sshd_config the way sshd itself reads it: keywords are case-insensitive,
// the first value obtained for a keyword wins, "Include" splices files in
// place (globs, paths relative to /etc/ssh), and everything after a "Match"
// line belongs to that Match block and does not change the global values.
// Keywords the files leave unset take OpenSSH's compiled-in default (recent
// releases; see SshdDefault). Pure functions; reading the files is the
// caller's business (the include callback).
#ifndef PICKET_POSTURE_SSHD_CONFIG_H_
#define PICKET_POSTURE_SSHD_CONFIG_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace picket {

struct SshdSetting {
  std::string value;   // arguments joined by one space, quotes removed
  std::string origin;  // "/etc/ssh/sshd_config:32" or "default"
};

struct SshdConfig {
  std::map<std::string, SshdSetting> settings;  // key: lowercase keyword
  std::vector<std::string> problems;            // e.g. an include loop

  // The effective value of `keyword` (any case): the configured one, else
  // the default; nullopt when neither exists.
  std::optional<SshdSetting> Find(std::string_view keyword) const;
};

// Files an Include pattern names, in the order sshd reads them (sorted glob
// matches): each is (path, text). Unreadable files are left out.
using SshdIncludeFn =
    std::function<std::vector<std::pair<std::string, std::string>>(
        const std::string& pattern)>;

// Adds the settings of one file's text to `config` (existing keywords are
// kept: the first value wins). `include` resolves Include patterns;
// relative patterns are passed already prefixed with "/etc/ssh/".
void ParseSshdConfig(std::string_view text, std::string_view file_name,
                     const SshdIncludeFn& include, SshdConfig* config);

// OpenSSH's compiled-in default for a lowercase keyword, or nullptr.
const char* SshdDefault(std::string_view keyword);

}  // namespace picket

#endif  // PICKET_POSTURE_SSHD_CONFIG_H_

// The login-alerts detector's configuration (`detectors.login_alerts`),
// declared once: the fields with their defaults and Options() with keys, ranges
// and docs (core/options.h). Portable.
#ifndef PICKET_DETECTORS_LOGIN_ALERTS_CONFIG_H_
#define PICKET_DETECTORS_LOGIN_ALERTS_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"

namespace picket {

struct LoginAlertsDetectorConfig {
  bool enabled = true;
  bool root_network_login = true;  // alert on root logging in remotely
  std::vector<std::string> root_allowed_sources = {};  // exact addresses
  bool no_shell_login = true;  // alert on logins of users without a shell
  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "run the detector");
    v.Bool("root_network_login", &root_network_login,
           "alert when root logs in from a remote address");
    v.StringList("root_allowed_sources", &root_allowed_sources,
                 StringKind::kNonEmpty,
                 "exact addresses exempt from that alert");
    v.Bool("no_shell_login", &no_shell_login,
           "alert when an account without a login shell logs in");
  }
};

}  // namespace picket

#endif  // PICKET_DETECTORS_LOGIN_ALERTS_CONFIG_H_

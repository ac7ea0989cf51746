// LoginAlertsDetector: single logins that deserve attention on their own.
//  - login.root_network_login: root logged in from a remote address (ssh,
//    telnet, dropbear). On a device, root should log in from the console
//    or not at all; a network login as root is how botnets take over.
//    Addresses in root_allowed_sources are exempt.
//  - login.no_shell_user: a user whose account has no login shell
//    (nologin, false, none) logged in. Service accounts (www-data, mysql,
//    ftp) never log in interactively, so a success means their password is
//    known to someone (or a backdoor account was planted). The collector
//    resolves the shell and marks such successes with reason "no_shell";
//    this detector never looks at the OS.
// Dedup keys: "<source>" for root logins, "<user>@<source>" for no-shell
// logins (the pipeline's dedup window then limits repeats).
#ifndef PICKET_DETECTORS_LOGIN_ALERTS_H_
#define PICKET_DETECTORS_LOGIN_ALERTS_H_

#include <string>

#include "core/config.h"
#include "picket/detector.h"

namespace picket {

inline constexpr char kAlertRootNetworkLogin[] = "login.root_network_login";
inline constexpr char kAlertNoShellUser[] = "login.no_shell_user";

class LoginAlertsDetector final : public Detector {
 public:
  explicit LoginAlertsDetector(LoginAlertsDetectorConfig config);

  std::string name() const override { return "detector.login_alerts"; }
  void OnEvent(const Event& event, AlertEmitter& out) override;
  ComponentStats Stats() const override;

 private:
  LoginAlertsDetectorConfig config_;
  uint64_t successes_ = 0;
  uint64_t alerts_ = 0;
};

}  // namespace picket

#endif  // PICKET_DETECTORS_LOGIN_ALERTS_H_

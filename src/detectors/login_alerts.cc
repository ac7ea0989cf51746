#include "detectors/login_alerts.h"

#include <algorithm>
#include <utility>

namespace picket {

LoginAlertsDetector::LoginAlertsDetector(LoginAlertsDetectorConfig config)
    : config_(std::move(config)) {}

void LoginAlertsDetector::OnEvent(const Event& event, AlertEmitter& out) {
  if (event.type != EventType::kLoginSuccess) return;
  const auto* login = std::get_if<LoginEvent>(&event.payload);
  if (login == nullptr) return;
  ++successes_;
  const std::string service = login->service.empty() ? "login" : login->service;
  const std::string& source = login->source_address;
  if (config_.root_network_login && login->user == "root" && !source.empty() &&
      std::find(config_.root_allowed_sources.begin(),
                config_.root_allowed_sources.end(),
                source) == config_.root_allowed_sources.end()) {
    Alert alert = MakeAlert(
        event, kAlertRootNetworkLogin, Severity::kMedium,
        "root logged in over the network from " + source + " (" + service + ")",
        "root logged in with " +
            (login->method.empty() ? std::string("an unknown method")
                                   : login->method) +
            " over " + service + " from " + source +
            ". Remote root logins give an attacker who guessed or stole the "
            "password the whole device at once.",
        "Disable remote root logins (PermitRootLogin no, dropbear -w, no "
        "root over telnet), log in as a user and elevate; if this login was "
        "not expected, treat the device as compromised.",
        source);
    alert.details = {{"source", source},
                     {"user", login->user},
                     {"service", service},
                     {"method", login->method}};
    ++alerts_;
    out.Emit(std::move(alert));
  }
  if (config_.no_shell_login && login->reason == "no_shell") {
    const std::string where = source.empty() ? "locally" : "from " + source;
    Alert alert = MakeAlert(
        event, kAlertNoShellUser, Severity::kHigh,
        "Login by " + login->user + ", an account without a login shell, " +
            where,
        login->user + " logged in over " + service + " " + where +
            ", but the account has no login shell: it is a service account "
            "that never logs in, so its password is known to someone or the "
            "account was added as a backdoor.",
        "Lock the account (passwd -l) and set its shell to nologin, check "
        "/etc/passwd and /etc/shadow for accounts you did not create, and "
        "review what the session did.",
        login->user + "@" + source);
    alert.details = {{"source", source},
                     {"user", login->user},
                     {"service", service},
                     {"method", login->method}};
    ++alerts_;
    out.Emit(std::move(alert));
  }
}

ComponentStats LoginAlertsDetector::Stats() const {
  return {name(), {{"successes", successes_}, {"alerts", alerts_}}};
}

}  // namespace picket

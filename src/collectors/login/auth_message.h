// Parser of the messages that authentication services log: OpenSSH (sshd,
// sshd-session, every format from 3.x to 9.x), dropbear, login (shadow,
// util-linux, BusyBox; also run by telnetd), su (util-linux, shadow,
// BusyBox), sudo, and PAM modules (pam_unix and kin, old "(pam_unix)" style
// too) for any service.
//
// One message gives one AuthRecord: what happened (a success, a failed
// attempt, a connection that ended before authenticating, a logout, or a
// fact that only adds context), with the user, source address and port,
// method, tty and the reason of a failure. It does not decide how records of
// one connection add up to attempts (sshd logs one password try as two or
// three lines): that is AuthCorrelator's job. Pure functions over bytes:
// every string_view points into the message or into static storage.
// Thread-safe.
#ifndef PICKET_COLLECTORS_LOGIN_AUTH_MESSAGE_H_
#define PICKET_COLLECTORS_LOGIN_AUTH_MESSAGE_H_

#include <cstdint>
#include <string_view>

namespace picket::login {

enum class AuthKind : uint8_t {
  kNone,        // not a login fact
  kSuccess,     // authentication accepted / session started (service's line)
  kFailure,     // one failed attempt (service's own line)
  kProbe,       // sshd "Invalid user X from A": the user probe of an attempt
  kPreauthEnd,  // connection ended before authenticating (gave up, max
                // tries, scanner, negotiation failure)
  kLogout,      // a session ended (service's line)
  kPamFailure,  // a PAM module's authentication failure
  kPamOpen,     // a PAM session opened
  kPamClose,    // a PAM session closed
  kConnect,     // a connection opened: context for later lines of the pid
  kContext,     // anything else worth remembering (user of a pid, ...)
};

// Failure reasons, as in LoginEvent::reason.
inline constexpr char kReasonBadPassword[] = "bad_password";
inline constexpr char kReasonInvalidUser[] = "invalid_user";
inline constexpr char kReasonPreauth[] = "preauth_disconnect";
inline constexpr char kReasonKeyRefused[] = "key_refused";
inline constexpr char kReasonMaxAttempts[] = "max_attempts";
inline constexpr char kReasonNoShell[] = "no_shell";
inline constexpr char kReasonOther[] = "other";

struct AuthRecord {
  AuthKind kind = AuthKind::kNone;
  // "sshd", "dropbear", "login", "telnet", "su", "sudo", or for other
  // programs the PAM service or the program name.
  std::string_view service;
  std::string_view user;     // may be empty (unknown) or attacker-chosen
  std::string_view by_user;  // su/sudo: who asked
  // Remote address: IPv4, IPv6 (IPv4-mapped IPv6 unwrapped to IPv4), or a
  // host name when the service resolved it. Empty when local or unknown.
  std::string_view address;
  uint16_t port = 0;
  std::string_view method;  // "password", "publickey", "keyboard-interactive"
  std::string_view tty;
  std::string_view reason;    // for failures: one of kReason*
  uint32_t repeat = 1;        // syslog "message repeated N times"
  bool invalid_user = false;  // the service said the user does not exist
};

// Parses `message` as logged by `program` (the syslog program name:
// "sshd", "sshd-session", "sshd(pam_unix)", "dropbear", ...; empty when the
// line had no header, as in a file written by `sshd -E`: then every known
// format is tried). Returns false (and kind kNone) when the message says
// nothing about logins.
bool ParseAuthMessage(std::string_view program, std::string_view message,
                      AuthRecord* out);

// The service a program name stands for: "sshd-session" and
// "sshd(pam_unix)" are "sshd"; unknown programs map to themselves.
std::string_view ServiceOfProgram(std::string_view program);

// "::ffff:1.2.3.4" -> "1.2.3.4"; anything else unchanged.
std::string_view UnmapIpv4(std::string_view address);

}  // namespace picket::login

#endif  // PICKET_COLLECTORS_LOGIN_AUTH_MESSAGE_H_

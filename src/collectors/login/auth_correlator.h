// AuthCorrelator: turns the AuthRecords of one log stream into login events,
// one event per attempt.
//
// Services log one attempt in several lines: sshd writes "Invalid user X",
// then PAM's "authentication failure", then its own "Failed password"; a
// connection then ends with "Connection closed ... [preauth]". Counting every
// line would triple a brute force; counting only sshd's own line would miss
// every attempt on systems that log only PAM's (old Red Hat /var/log/messages
// has only "sshd(pam_unix)" lines). The correlator keeps a little state per
// connection (by service and pid, or by address and port when lines carry no
// pid, as in `sshd -E` files) and per stream:
//  - the first line of an attempt is the event (the earliest, so alerts are
//    not delayed by PAM's fail delay); the later lines of the same attempt
//    fill in nothing and emit nothing;
//  - once a stream has shown a service's own failure lines, PAM failure
//    lines of that service are context only (the service's line counts);
//  - a connection that ends before authenticating ("[preauth]", negotiation
//    failures, dropbear's "Exit before auth") is one failed attempt only
//    when nothing else of it was counted (scanners, clients that give up);
//  - a success and a logout are reported once per connection;
//  - su tries once per process, so one failure per pid at most;
//  - after a connection ended, an attempt under the same pid starts afresh.
// Lines without an address take the connection's. Memory is bounded: at
// most `max_sessions` connections are remembered (oldest forgotten first).
// Not thread-safe; one instance per stream.
#ifndef PICKET_COLLECTORS_LOGIN_AUTH_CORRELATOR_H_
#define PICKET_COLLECTORS_LOGIN_AUTH_CORRELATOR_H_

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "collectors/login/auth_message.h"
#include "picket/event.h"

namespace picket::login {

// One login event the correlator decided on. `login` has the service's
// facts; origin, log time and message are the caller's to fill in.
struct LoginFact {
  EventType type = EventType::kLoginFailure;
  LoginEvent login;
};

class AuthCorrelator {
 public:
  static constexpr size_t kDefaultMaxSessions = 4096;
  // At most this many events for one "message repeated N times" line.
  static constexpr uint32_t kMaxRepeat = 1000;

  explicit AuthCorrelator(size_t max_sessions = kDefaultMaxSessions);

  // Adds the record of one line logged by process `pid` (0 when unknown)
  // and appends the events it stands for to `out`. Returns how many.
  size_t Add(const AuthRecord& record, int32_t pid,
             std::vector<LoginFact>* out);

  size_t sessions() const { return sessions_.size(); }

 private:
  struct Session {
    std::string address;
    uint16_t port = 0;
    std::string user;
    bool invalid_user = false;
    bool failed = false;     // a failure was counted for this connection
    bool succeeded = false;  // a success was reported
    bool logged_out = false;
    // The connection ended (logout, or ended before authenticating): a
    // later attempt under the same key is a new connection (pid reuse).
    bool ended = false;
    // Lines of the service that restate an attempt already counted.
    enum class Pending : uint8_t {
      kNone,
      kProbe,
      kPam
    } pending = Pending::kNone;
  };

  Session* Find(const AuthRecord& r, int32_t pid, bool create);
  void Emit(EventType type, const AuthRecord& r, const Session* s, int32_t pid,
            uint32_t count, std::vector<LoginFact>* out);

  size_t max_sessions_;
  std::unordered_map<uint64_t, Session> sessions_;
  std::deque<uint64_t> order_;  // insertion order, for eviction
  // Services whose own failure lines this stream has shown (bit per
  // service index: sshd, login, su, dropbear).
  uint32_t native_failures_seen_ = 0;
};

}  // namespace picket::login

#endif  // PICKET_COLLECTORS_LOGIN_AUTH_CORRELATOR_H_

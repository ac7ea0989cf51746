#include "collectors/login/auth_correlator.h"

#include <algorithm>
#include <string_view>

namespace picket::login {

namespace {

// Services that log their own failure line for each attempt; their PAM
// failure lines become context once the stream has shown one.
uint32_t NativeBit(std::string_view service) {
  if (service == "sshd") return 1u << 0;
  if (service == "login" || service == "telnet") return 1u << 1;
  if (service == "su") return 1u << 2;
  if (service == "dropbear") return 1u << 3;
  return 0;
}

uint64_t Fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// An IPv4 or IPv6 literal, as opposed to a host name.
bool IsIpLiteral(std::string_view a) {
  if (a.find(':') != std::string_view::npos) return true;
  for (char c : a) {
    if (c != '.' && (c < '0' || c > '9')) return false;
  }
  return !a.empty();
}

}  // namespace

AuthCorrelator::AuthCorrelator(size_t max_sessions)
    : max_sessions_(std::max<size_t>(max_sessions, 1)) {}

AuthCorrelator::Session* AuthCorrelator::Find(const AuthRecord& r, int32_t pid,
                                              bool create) {
  uint64_t key;
  std::string_view service = r.service == "telnet" ? "login" : r.service;
  if (pid > 0) {
    key = Fnv1a(service) ^ (static_cast<uint64_t>(pid) << 1);
  } else if (!r.address.empty() && r.port != 0) {
    key = Fnv1a(r.address, Fnv1a(service)) ^
          (static_cast<uint64_t>(r.port) << 1) ^ 1;
  } else {
    return nullptr;
  }
  auto it = sessions_.find(key);
  if (it != sessions_.end()) return &it->second;
  if (!create) return nullptr;
  while (sessions_.size() >= max_sessions_ && !order_.empty()) {
    sessions_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(key);
  return &sessions_[key];
}

void AuthCorrelator::Emit(EventType type, const AuthRecord& r, const Session* s,
                          int32_t pid, uint32_t count,
                          std::vector<LoginFact>* out) {
  LoginFact fact;
  fact.type = type;
  LoginEvent& e = fact.login;
  e.service = r.service;
  e.user = r.user;
  if (e.user.empty() && s != nullptr) e.user = s->user;
  e.by_user = r.by_user;
  // The connection's address wins over a PAM rhost that is a name: sshd
  // gives the IP, PAM a reverse-resolved name when UseDNS is on.
  if (s != nullptr && !s->address.empty() &&
      (r.address.empty() ||
       (r.kind == AuthKind::kPamFailure && !IsIpLiteral(r.address)))) {
    e.source_address = s->address;
    e.source_port = r.port != 0 ? r.port : s->port;
  } else {
    e.source_address = r.address;
    e.source_port = r.port;
  }
  e.method = r.method;
  e.tty = r.tty;
  e.pid = pid;
  if (type == EventType::kLoginFailure) {
    bool invalid = r.invalid_user || (s != nullptr && s->invalid_user);
    e.reason = r.reason.empty() ? kReasonOther : r.reason;
    if (invalid && e.reason == kReasonBadPassword)
      e.reason = kReasonInvalidUser;
  }
  for (uint32_t i = 0; i < count; ++i) out->push_back(fact);
}

size_t AuthCorrelator::Add(const AuthRecord& r, int32_t pid,
                           std::vector<LoginFact>* out) {
  size_t before = out->size();
  if (r.kind == AuthKind::kNone) return 0;
  Session* s = Find(r, pid, true);
  bool starts_activity =
      r.kind == AuthKind::kConnect || r.kind == AuthKind::kProbe ||
      r.kind == AuthKind::kFailure || r.kind == AuthKind::kPamFailure ||
      r.kind == AuthKind::kSuccess || r.kind == AuthKind::kPamOpen;
  if (s != nullptr && s->ended && starts_activity) *s = Session();
  if (s != nullptr) {
    if (!r.address.empty() &&
        (s->address.empty() || r.kind != AuthKind::kPamFailure ||
         IsIpLiteral(r.address))) {
      s->address = r.address;
      if (r.port != 0) s->port = r.port;
    }
    if (!r.user.empty() && r.kind != AuthKind::kPamOpen &&
        r.kind != AuthKind::kPamClose) {
      s->user = r.user;
    }
    if (r.invalid_user) s->invalid_user = true;
  }
  uint32_t repeat = std::min(std::max<uint32_t>(r.repeat, 1), kMaxRepeat);
  uint32_t native = NativeBit(r.service);

  switch (r.kind) {
    case AuthKind::kNone:
    case AuthKind::kConnect:
    case AuthKind::kContext:
      break;

    case AuthKind::kProbe:
      // "Invalid user X": counted now; sshd's "Failed ... for invalid user
      // X" of the same attempt follows.
      Emit(EventType::kLoginFailure, r, s, pid, repeat, out);
      if (s != nullptr) {
        s->failed = true;
        s->pending = Session::Pending::kProbe;
      }
      break;

    case AuthKind::kPamFailure:
      if (native != 0 && (native_failures_seen_ & native) != 0) break;
      if (s != nullptr && s->pending == Session::Pending::kProbe) {
        s->pending = Session::Pending::kPam;  // same attempt as the probe
        break;
      }
      Emit(EventType::kLoginFailure, r, s, pid, repeat, out);
      if (s != nullptr) {
        s->failed = true;
        if (native != 0) s->pending = Session::Pending::kPam;
      }
      break;

    case AuthKind::kFailure: {
      native_failures_seen_ |= native;
      uint32_t count = repeat;
      if (s != nullptr && s->pending != Session::Pending::kNone) {
        s->pending = Session::Pending::kNone;
        --count;  // its first line was counted already
      }
      if (s != nullptr && r.service == "su" && s->failed) count = 0;
      Emit(EventType::kLoginFailure, r, s, pid, count, out);
      if (s != nullptr) s->failed = true;
      break;
    }

    case AuthKind::kPreauthEnd: {
      if (s != nullptr && (s->failed || s->succeeded || s->ended)) {
        s->ended = true;
        break;
      }
      bool has_address =
          !r.address.empty() || (s != nullptr && !s->address.empty());
      if (!has_address) break;  // nothing to attribute it to
      Emit(EventType::kLoginFailure, r, s, pid, repeat, out);
      if (s != nullptr) {
        s->failed = true;
        s->ended = true;
      }
      break;
    }

    case AuthKind::kSuccess:
    case AuthKind::kPamOpen:
      if (s != nullptr && s->succeeded) break;
      Emit(EventType::kLoginSuccess, r, s, pid, 1, out);
      if (s != nullptr) {
        s->succeeded = true;
        s->pending = Session::Pending::kNone;
      }
      break;

    case AuthKind::kLogout:
    case AuthKind::kPamClose:
      if (s != nullptr && s->logged_out) break;
      Emit(EventType::kLogout, r, s, pid, 1, out);
      if (s != nullptr) {
        s->logged_out = true;
        s->ended = true;
      }
      break;
  }
  return out->size() - before;
}

}  // namespace picket::login

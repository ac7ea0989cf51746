#include "collectors/login/auth_message.h"

namespace picket::login {

namespace {

using sv = std::string_view;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAddressChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || c == '.' || c == ':' || c == '-' ||
         c == '_' || c == '%';
}

bool IsAddress(sv s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s) {
    if (!IsAddressChar(c)) return false;
  }
  return true;
}

bool ParsePort(sv s, uint16_t* out) {
  if (s.empty() || s.size() > 5) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > 65535) return false;
  *out = static_cast<uint16_t>(v);
  return true;
}

bool Consume(sv* s, sv prefix) {
  if (!s->starts_with(prefix)) return false;
  s->remove_prefix(prefix.size());
  return true;
}

bool ConsumeSuffix(sv* s, sv suffix) {
  if (!s->ends_with(suffix)) return false;
  s->remove_suffix(suffix.size());
  return true;
}

sv TrimRight(sv s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

sv TrimLeft(sv s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  return s;
}

bool Contains(sv s, sv part) { return s.find(part) != sv::npos; }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

bool StartsWithNoCase(sv s, sv prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[i]) != Lower(prefix[i])) return false;
  }
  return true;
}

// Splits off the next space-delimited token.
sv Token(sv* s) {
  size_t end = s->find(' ');
  sv t = s->substr(0, end);
  s->remove_prefix(end == sv::npos ? s->size() : end + 1);
  return t;
}

// Drops a trailing " [preauth]" (and trailing blanks); true when present.
bool StripPreauth(sv* s) {
  *s = TrimRight(*s);
  return ConsumeSuffix(s, " [preauth]") || ConsumeSuffix(s, "[preauth]");
}

// Strips what some loggers put before the service's own words: "error: ",
// "fatal: ", Solaris "[ID 800047 auth.info] ", a kernel-time prefix that
// journal exports sometimes carry, dropbear's "[pid] Mon dd hh:mm:ss ".
sv StripMessagePrefixes(sv m) {
  for (int round = 0; round < 4; ++round) {
    m = TrimLeft(m);
    if (Consume(&m, "error: ") || Consume(&m, "fatal: ")) continue;
    if (m.starts_with("[ID ")) {
      size_t close = m.find("] ");
      if (close != sv::npos) {
        m.remove_prefix(close + 2);
        continue;
      }
    }
    if (m.starts_with("kernel:")) {
      sv rest = TrimLeft(m.substr(7));
      if (rest.starts_with("[")) {
        size_t close = rest.find(']');
        if (close != sv::npos) {
          rest.remove_prefix(close + 1);
          Consume(&rest, ":");
          m = rest;
          continue;
        }
      }
    }
    if (m.size() > 3 && m[0] == '[' && IsDigit(m[1])) {
      // dropbear under the journal: "[825] Jul 10 23:53:52 Bad password..."
      size_t close = m.find("] ");
      if (close != sv::npos && close < 12) {
        sv rest = m.substr(close + 2);
        // "Mon dd hh:mm:ss " is 16 characters.
        if (rest.size() > 16 && rest[3] == ' ' && rest[15] == ' ' &&
            rest[9] == ':' && rest[12] == ':') {
          rest.remove_prefix(16);
        }
        m = rest;
        continue;
      }
    }
    break;
  }
  return m;
}

// After the address of "from <A>": optional " port N", " on B[ port M]",
// " via B", " sshN", " [preauth]". Returns what follows.
sv ParseAddressTail(sv tail, uint16_t* port) {
  if (Consume(&tail, " port ")) {
    sv p = tail.substr(0, tail.find_first_of(" :"));
    if (ParsePort(p, port)) tail.remove_prefix(p.size());
  }
  if (Consume(&tail, " on ")) {
    size_t space = tail.find(' ');
    tail = space == sv::npos ? sv() : tail.substr(space);
    if (Consume(&tail, " port ")) {
      size_t end = tail.find(' ');
      tail = end == sv::npos ? sv() : tail.substr(end);
    }
  }
  if (Consume(&tail, " via ")) {
    size_t space = tail.find(' ');
    tail = space == sv::npos ? sv() : tail.substr(space);
  }
  if (tail.starts_with(" ssh")) {
    size_t i = 4;
    while (i < tail.size() && IsDigit(tail[i])) ++i;
    if (i == tail.size() || tail[i] == ' ' || tail[i] == ':') {
      tail.remove_prefix(i);
    }
  }
  tail = TrimRight(tail);
  ConsumeSuffix(&tail, "[preauth]");
  return TrimRight(tail);
}

// Splits "<user> from <A>[ port N]...": the user may contain anything (the
// client chose it), so each " from " is tried in turn. As in fail2ban, a
// user without spaces may be followed by ": <auth info>"; a user with
// spaces must reach the end of the message, so an injected " from X" in
// either place cannot move the source address.
bool SplitUserFrom(sv text, sv* user, sv* address, uint16_t* port) {
  size_t search = 0;
  while (true) {
    size_t pos = text.find(" from ", search);
    if (pos == sv::npos) return false;
    search = pos + 1;
    sv candidate_user = text.substr(0, pos);
    sv tail = text.substr(pos + 6);
    size_t end = tail.find(' ');
    sv addr = tail.substr(0, end);
    uint16_t p = 0;
    // "from 1.2.3.4: 11: Bye" (old disconnect form) has a colon glued on.
    if (!IsAddress(addr)) continue;
    sv rest = ParseAddressTail(tail.substr(addr.size()), &p);
    bool simple_user = candidate_user.find(' ') == sv::npos;
    if (rest.empty() || (simple_user && rest.front() == ':')) {
      *user = candidate_user;
      *address = UnmapIpv4(addr);
      *port = p;
      return true;
    }
  }
}

// "<prefix> <A> port <N>" or "<prefix> <A>": the address is the last token.
// `prefix` receives what precedes it ("authenticating user root", "").
bool SplitTrailingAddress(sv text, sv* prefix, sv* address, uint16_t* port) {
  text = TrimRight(text);
  size_t port_pos = text.rfind(" port ");
  if (port_pos != sv::npos && ParsePort(text.substr(port_pos + 6), port)) {
    text = text.substr(0, port_pos);
  }
  size_t space = text.rfind(' ');
  sv addr = space == sv::npos ? text : text.substr(space + 1);
  if (!IsAddress(addr)) return false;
  *address = UnmapIpv4(addr);
  *prefix = space == sv::npos ? sv() : text.substr(0, space);
  return true;
}

// "authenticating user U", "invalid user U", "user U": the user part.
void UserFromPrefix(sv prefix, AuthRecord* out) {
  size_t pos = prefix.find("user ");
  if (pos == sv::npos) {
    if (prefix == "user") out->user = sv();
    return;
  }
  out->user = prefix.substr(pos + 5);
  if (prefix.substr(0, pos).ends_with("invalid ")) out->invalid_user = true;
}

// dropbear's "A:P" (IPv6 too: the port follows the last colon).
bool SplitHostPort(sv text, sv* address, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == sv::npos || colon == 0) return false;
  if (!ParsePort(text.substr(colon + 1), port)) return false;
  sv addr = text.substr(0, colon);
  if (!IsAddress(addr)) return false;
  *address = UnmapIpv4(addr);
  return true;
}

// The text between the quotes of the first '...' in `s`.
sv Quoted(sv s, size_t from = 0) {
  size_t open = s.find('\'', from);
  if (open == sv::npos) return {};
  size_t close = s.find('\'', open + 1);
  if (close == sv::npos) return {};
  return s.substr(open + 1, close - open - 1);
}

sv FailureReason(sv method, bool invalid) {
  if (invalid) return kReasonInvalidUser;
  if (method == "publickey" || method == "hostbased") return kReasonKeyRefused;
  return kReasonBadPassword;
}

// ---------------------------------------------------------------- OpenSSH

bool ParseSshd(sv m, AuthRecord* out) {
  out->service = "sshd";
  sv rest = m;
  if (Consume(&rest, "Accepted ") || Consume(&rest, "Failed ")) {
    bool accepted = m.front() == 'A';
    sv method = Token(&rest);
    if (!Consume(&rest, "for ")) return false;
    bool invalid =
        Consume(&rest, "invalid user ") || Consume(&rest, "illegal user ");
    if (!SplitUserFrom(rest, &out->user, &out->address, &out->port)) {
      return false;
    }
    if (out->user == "<invalid username>") invalid = true;
    out->method = method;
    out->invalid_user = invalid;
    if (accepted) {
      out->kind = AuthKind::kSuccess;
    } else {
      out->kind = AuthKind::kFailure;
      out->reason = FailureReason(method, invalid);
    }
    return true;
  }
  if (Consume(&rest, "Invalid user ") || Consume(&rest, "Illegal user ")) {
    // An empty user leaves " from A" right at the start; that still splits.
    if (!SplitUserFrom(rest, &out->user, &out->address, &out->port)) {
      return false;
    }
    out->kind = AuthKind::kProbe;
    out->reason = kReasonInvalidUser;
    out->invalid_user = true;
    return true;
  }
  if (Consume(&rest, "User ")) {
    size_t because = rest.find(" not allowed because ");
    if (because == sv::npos) return false;
    sv who = rest.substr(0, because);
    sv why = rest.substr(because + 21);
    size_t from = who.rfind(" from ");
    if (from == sv::npos) {
      out->user = who;
      out->kind = AuthKind::kContext;
      return true;
    }
    sv addr = who.substr(from + 6);
    if (!IsAddress(addr)) return false;
    out->user = who.substr(0, from);
    out->address = UnmapIpv4(addr);
    out->kind = AuthKind::kFailure;
    out->reason = Contains(why, "shell") ? kReasonNoShell : kReasonOther;
    return true;
  }
  if (Consume(&rest, "ROOT LOGIN REFUSED FROM ")) {
    StripPreauth(&rest);
    sv addr = Token(&rest);
    if (!IsAddress(addr)) return false;
    out->address = UnmapIpv4(addr);
    if (Consume(&rest, "port ")) ParsePort(Token(&rest), &out->port);
    out->user = "root";
    out->kind = AuthKind::kFailure;
    out->reason = kReasonOther;
    return true;
  }
  if (Consume(&rest, "refused connect from ")) {
    // tcp wrappers: "refused connect from NAME (ADDR)".
    size_t open = rest.rfind(" (");
    if (open == sv::npos || !rest.ends_with(")")) return false;
    sv addr = rest.substr(open + 2, rest.size() - open - 3);
    if (!IsAddress(addr)) return false;
    out->address = UnmapIpv4(addr);
    // Each refusal is a connection of its own (tcp wrappers, sshd's
    // MaxStartups/PerSourcePenalties): one attempt each.
    out->kind = AuthKind::kFailure;
    out->reason = kReasonOther;
    return true;
  }
  if (Consume(&rest, "PAM: ")) {
    // sshd's own report of a PAM failure.
    bool invalid = false;
    if (Consume(&rest,
                "User not known to the underlying authentication "
                "module for ")) {
      invalid = true;
      if (!Consume(&rest, "illegal user ")) Consume(&rest, "invalid user ");
    } else if (StartsWithNoCase(rest, "authentication failure for ") ||
               StartsWithNoCase(rest, "authentication error for ")) {
      rest.remove_prefix(rest.find(" for ") + 5);
      if (Consume(&rest, "illegal user ") || Consume(&rest, "invalid user ")) {
        invalid = true;
      }
    } else {
      return false;
    }
    if (!SplitUserFrom(rest, &out->user, &out->address, &out->port)) {
      return false;
    }
    out->kind = AuthKind::kFailure;
    out->method = "password";
    out->invalid_user = invalid;
    out->reason = invalid ? kReasonInvalidUser : kReasonBadPassword;
    return true;
  }
  if (Consume(&rest, "Disconnecting")) {
    bool preauth = StripPreauth(&rest);
    (void)preauth;
    out->kind = AuthKind::kPreauthEnd;
    out->reason = Contains(rest, "Too many authentication failures")
                      ? kReasonMaxAttempts
                      : kReasonPreauth;
    if (Consume(&rest, ": Too many authentication failures")) {
      Consume(&rest, " for ");
      out->user = rest;
      return true;
    }
    if (Consume(&rest, ": ")) return true;  // no address: the pid has it
    // "Disconnecting invalid user U A port N: why"
    rest = TrimLeft(rest);
    size_t colon = rest.find(": ");
    sv who = rest.substr(0, colon);
    sv prefix;
    if (!SplitTrailingAddress(who, &prefix, &out->address, &out->port)) {
      return false;
    }
    UserFromPrefix(prefix, out);
    return true;
  }
  if (Consume(&rest, "maximum authentication attempts exceeded for ")) {
    bool invalid = Consume(&rest, "invalid user ");
    StripPreauth(&rest);
    if (!SplitUserFrom(rest, &out->user, &out->address, &out->port)) {
      return false;
    }
    out->invalid_user = invalid;
    out->kind = AuthKind::kPreauthEnd;
    out->reason = kReasonMaxAttempts;
    return true;
  }
  bool closed = Consume(&rest, "Connection closed by ");
  bool reset = !closed && Consume(&rest, "Connection reset by ");
  bool disconnected = !closed && !reset && Consume(&rest, "Disconnected from ");
  if (closed || reset || disconnected) {
    bool preauth = StripPreauth(&rest);
    sv prefix;
    if (!SplitTrailingAddress(rest, &prefix, &out->address, &out->port)) {
      return false;
    }
    UserFromPrefix(prefix, out);
    if (preauth) {
      out->kind = AuthKind::kPreauthEnd;
      out->reason = kReasonPreauth;
    } else if (disconnected && prefix.starts_with("user ")) {
      out->kind = AuthKind::kLogout;  // "Disconnected from user U A port N"
    } else {
      out->kind = AuthKind::kContext;
    }
    return true;
  }
  if (Consume(&rest, "Received disconnect from ")) {
    bool preauth = StripPreauth(&rest);
    // "A port N:11: text" or "A: 11: text" (IPv6 never has ": ").
    size_t port_pos = rest.find(" port ");
    size_t colon = rest.find(": ");
    sv addr;
    if (port_pos != sv::npos && (colon == sv::npos || port_pos < colon)) {
      addr = rest.substr(0, port_pos);
      sv after = rest.substr(port_pos + 6);
      size_t c = after.find(':');
      ParsePort(after.substr(0, c), &out->port);
      rest = c == sv::npos ? sv() : after.substr(c + 1);
    } else if (colon != sv::npos) {
      addr = rest.substr(0, colon);
      rest = rest.substr(colon + 2);
    } else {
      return false;
    }
    if (!IsAddress(addr)) return false;
    out->address = UnmapIpv4(addr);
    bool auth_gave_up = Contains(rest, "Auth fail") ||
                        Contains(rest, "No supported authentication methods") ||
                        Contains(rest, "No authentication methods available") ||
                        Contains(rest, "No more user authentication methods");
    if (preauth || auth_gave_up) {
      out->kind = AuthKind::kPreauthEnd;
      out->reason = kReasonPreauth;
    } else {
      out->kind = AuthKind::kContext;
    }
    return true;
  }
  if (Consume(&rest, "Did not receive identification string from ") ||
      Consume(&rest, "Timeout before authentication for ")) {
    StripPreauth(&rest);
    Consume(&rest, "connection from ");
    sv addr = Token(&rest);
    if (!IsAddress(addr)) return false;
    out->address = UnmapIpv4(addr);
    if (Consume(&rest, "port ")) ParsePort(Token(&rest), &out->port);
    out->kind = AuthKind::kPreauthEnd;
    out->reason = kReasonPreauth;
    return true;
  }
  if (Consume(&rest, "Bad protocol version identification ")) {
    StripPreauth(&rest);
    size_t from = rest.rfind(" from ");
    if (from == sv::npos) return false;
    sv tail = rest.substr(from + 6);
    sv addr = Token(&tail);
    if (!IsAddress(addr)) return false;
    out->address = UnmapIpv4(addr);
    if (Consume(&tail, "port ")) ParsePort(Token(&tail), &out->port);
    out->kind = AuthKind::kPreauthEnd;
    out->reason = kReasonPreauth;
    return true;
  }
  if (Consume(&rest, "banner exchange: Connection from ") ||
      Consume(&rest, "ssh_dispatch_run_fatal: Connection from ") ||
      Consume(&rest, "Unable to negotiate with ")) {
    sv addr = Token(&rest);
    if (addr.ends_with(":")) addr.remove_suffix(1);
    if (!IsAddress(addr)) return false;
    out->address = UnmapIpv4(addr);
    if (Consume(&rest, "port ")) {
      sv p = Token(&rest);
      if (p.ends_with(":")) p.remove_suffix(1);
      ParsePort(p, &out->port);
    }
    out->kind = AuthKind::kPreauthEnd;
    out->reason = kReasonPreauth;
    return true;
  }
  if (rest.starts_with("Unable to negotiate a key exchange method") ||
      rest.starts_with("no matching ") ||
      rest.starts_with("kex_exchange_identification: ") ||
      rest.starts_with("Read from socket failed: ") ||
      rest.starts_with("Write failed: ") ||
      rest.starts_with("ssh_dispatch_run_fatal: ") ||
      rest.starts_with("Connection closed by remote host")) {
    // No address: the pid's connection has it, if anything does.
    out->kind = AuthKind::kPreauthEnd;
    out->reason = kReasonPreauth;
    return true;
  }
  if (Consume(&rest, "Magic value check failed")) {
    size_t from = rest.rfind(" from ");
    if (from == sv::npos) return false;
    sv tail = rest.substr(from + 6);
    sv addr = Token(&tail);
    if (!IsAddress(addr)) return false;
    out->address = UnmapIpv4(addr);
    if (Consume(&tail, "port ")) ParsePort(Token(&tail), &out->port);
    out->kind = AuthKind::kPreauthEnd;
    out->reason = kReasonPreauth;
    return true;
  }
  if (Consume(&rest, "Connection from ")) {
    sv addr = Token(&rest);
    if (!IsAddress(addr)) return false;
    out->address = UnmapIpv4(addr);
    if (Consume(&rest, "port ")) ParsePort(Token(&rest), &out->port);
    out->kind = AuthKind::kConnect;
    return true;
  }
  if (rest.starts_with("SSH: Server;Ltype: ")) {
    // Old Red Hat audit-ish form: "...;Remote: 127.0.0.1-1780;...".
    size_t r = rest.find(";Remote: ");
    if (r == sv::npos) return false;
    sv remote = rest.substr(r + 9);
    remote = remote.substr(0, remote.find(';'));
    size_t dash = remote.rfind('-');
    if (dash == sv::npos) return false;
    sv addr = remote.substr(0, dash);
    if (!IsAddress(addr)) return false;
    out->address = UnmapIpv4(addr);
    ParsePort(remote.substr(dash + 1), &out->port);
    out->kind = AuthKind::kConnect;
    size_t name = rest.find(";Name: ");
    if (name != sv::npos) {
      sv user = rest.substr(name + 7);
      StripPreauth(&user);
      out->user = user.substr(0, user.find(';'));
    }
    return true;
  }
  if (Consume(&rest, "input_userauth_request: invalid user ")) {
    StripPreauth(&rest);
    out->user = rest;
    out->invalid_user = true;
    out->kind = AuthKind::kContext;
    return true;
  }
  if (Consume(&rest, "Postponed ")) {
    Token(&rest);
    if (!Consume(&rest, "for ")) return false;
    StripPreauth(&rest);
    if (!SplitUserFrom(rest, &out->user, &out->address, &out->port)) {
      return false;
    }
    out->kind = AuthKind::kContext;
    return true;
  }
  return false;
}

// --------------------------------------------------------------- dropbear

bool ParseDropbear(sv m, AuthRecord* out) {
  out->service = "dropbear";
  sv rest = m;
  bool bad = Consume(&rest, "Bad password attempt for ") ||
             Consume(&rest, "bad password attempt for ") ||
             Consume(&rest, "Bad PAM password attempt for ");
  if (bad) {
    out->user = Quoted(rest);
    size_t from = rest.rfind(" from ");
    if (from == sv::npos ||
        !SplitHostPort(rest.substr(from + 6), &out->address, &out->port)) {
      return false;
    }
    out->kind = AuthKind::kFailure;
    out->method = "password";
    out->reason = kReasonBadPassword;
    return true;
  }
  if (Consume(&rest, "Login attempt for nonexistent user") ||
      Consume(&rest, "login attempt for nonexistent user")) {
    out->user = Quoted(rest);
    size_t from = rest.rfind(" from ");
    if (from == sv::npos ||
        !SplitHostPort(rest.substr(from + 6), &out->address, &out->port)) {
      return false;
    }
    out->kind = AuthKind::kFailure;
    out->invalid_user = true;
    out->reason = kReasonInvalidUser;
    return true;
  }
  if (Consume(&rest, "Pubkey auth bad signature for ")) {
    out->user = Quoted(rest);
    size_t from = rest.rfind(" from ");
    if (from == sv::npos ||
        !SplitHostPort(rest.substr(from + 6), &out->address, &out->port)) {
      return false;
    }
    out->kind = AuthKind::kFailure;
    out->method = "publickey";
    out->reason = kReasonKeyRefused;
    return true;
  }
  if (Consume(&rest, "Exit before auth")) {
    out->kind = AuthKind::kPreauthEnd;
    out->reason = Contains(rest, "Max auth tries reached") ? kReasonMaxAttempts
                                                           : kReasonPreauth;
    if (Consume(&rest, " from <")) {
      size_t close = rest.find('>');
      if (close == sv::npos) return false;
      SplitHostPort(rest.substr(0, close), &out->address, &out->port);
      rest.remove_prefix(close + 1);
    }
    size_t u = rest.find("user '");
    if (u != sv::npos) out->user = Quoted(rest, u);
    if (out->user == "is invalid") {
      out->user = {};
      out->invalid_user = true;
    }
    size_t from = rest.rfind(" from ");
    if (out->address.empty() && from != sv::npos) {
      SplitHostPort(rest.substr(from + 6), &out->address, &out->port);
    }
    return true;
  }
  if (Consume(&rest, "Password auth succeeded for ") ||
      Consume(&rest, "Pubkey auth succeeded for ")) {
    out->method = m.front() == 'P' && m[1] == 'a' ? "password" : "publickey";
    out->user = Quoted(rest);
    size_t from = rest.rfind(" from ");
    if (from == sv::npos ||
        !SplitHostPort(rest.substr(from + 6), &out->address, &out->port)) {
      return false;
    }
    out->kind = AuthKind::kSuccess;
    return true;
  }
  if (Consume(&rest, "Exit (")) {
    size_t close = rest.find(')');
    if (close == sv::npos) return false;
    out->user = rest.substr(0, close);
    rest.remove_prefix(close + 1);
    if (Consume(&rest, " from <")) {
      size_t end = rest.find('>');
      if (end != sv::npos) {
        SplitHostPort(rest.substr(0, end), &out->address, &out->port);
      }
    }
    out->kind = AuthKind::kLogout;
    return true;
  }
  if (Consume(&rest, "Child connection from ")) {
    if (!SplitHostPort(TrimRight(rest), &out->address, &out->port)) {
      return false;
    }
    out->kind = AuthKind::kConnect;
    return true;
  }
  if (Consume(&rest, "User '") || Consume(&rest, "user '") ||
      Consume(&rest, "User account '")) {
    size_t close = rest.find('\'');
    if (close == sv::npos) return false;
    out->user = rest.substr(0, close);
    sv why = rest.substr(close + 1);
    out->kind = AuthKind::kFailure;
    out->reason =
        Contains(why, "invalid shell") ? kReasonNoShell : kReasonOther;
    return Contains(why, "rejected") || Contains(why, "locked");
  }
  return false;
}

// ------------------------------------------------------------------ PAM

// "pam_unix(S:auth): authentication failure; ...", "(pam_unix) ...",
// "pam_unix: ...", and the old "sshd(pam_unix)" program with a bare body.
bool ParsePam(sv program, sv m, AuthRecord* out) {
  sv pam_service;
  sv body;
  sv rest = m;
  bool module_in_program = program.ends_with(")") && Contains(program, "(pam_");
  if (rest.starts_with("pam_")) {
    size_t open = rest.find('(');
    size_t colon_space = rest.find(": ");
    if (open != sv::npos && (colon_space == sv::npos || open < colon_space)) {
      size_t close = rest.find("): ", open);
      if (close == sv::npos) return false;
      sv inside = rest.substr(open + 1, close - open - 1);  // "sshd:auth"
      size_t colon = inside.find(':');
      // "pam_unix(auth)" names only the type; the program is the service.
      if (colon != sv::npos) pam_service = inside.substr(0, colon);
      body = rest.substr(close + 3);
    } else if (colon_space != sv::npos) {
      body = rest.substr(colon_space + 2);
    } else {
      return false;
    }
  } else if (rest.starts_with("(pam_")) {
    size_t close = rest.find(") ");
    if (close == sv::npos) return false;
    body = rest.substr(close + 2);
  } else if (module_in_program) {
    body = rest;
  } else {
    return false;
  }
  if (pam_service.empty()) pam_service = ServiceOfProgram(program);
  // PAM service names: "su-l" is su, "sudo-i" is sudo, "sshd" is sshd.
  if (pam_service == "su-l") pam_service = "su";
  if (pam_service == "sudo-i") pam_service = "sudo";
  out->service = pam_service.empty() ? ServiceOfProgram(program) : pam_service;

  sv b = body;
  if (Consume(&b, "authentication failure; ")) {
    // "logname=L uid=0 euid=0 tty=T ruser=R rhost=H  user=U": user= comes
    // last and holds whatever the client sent, so it is split off first.
    size_t user_pos = b.find(" user=");
    sv fields = b;
    if (user_pos != sv::npos) {
      out->user = TrimRight(b.substr(user_pos + 6));
      fields = b.substr(0, user_pos);
    }
    size_t rhost = fields.rfind("rhost=");
    if (rhost != sv::npos) {
      sv host = TrimRight(fields.substr(rhost + 6));
      host = host.substr(0, host.find(' '));
      if (IsAddress(host)) out->address = UnmapIpv4(host);
      fields = fields.substr(0, rhost);
    }
    sv ruser;
    size_t ru = fields.find("ruser=");
    if (ru != sv::npos) ruser = TrimRight(fields.substr(ru + 6));
    size_t tty = fields.find("tty=");
    if (tty != sv::npos) {
      sv t = fields.substr(tty + 4);
      out->tty = t.substr(0, t.find(' '));
      if (out->tty == "ssh" || out->tty == "NODEVssh") out->tty = {};
    }
    sv logname;
    size_t ln = fields.find("logname=");
    if (ln != sv::npos) {
      sv l = fields.substr(ln + 8);
      logname = l.substr(0, l.find(' '));
    }
    if (out->user.empty()) out->user = ruser;
    if (out->service == "su" || out->service == "sudo") {
      out->by_user = !ruser.empty() ? ruser : logname;
    }
    out->kind = AuthKind::kPamFailure;
    out->method = "password";
    out->reason = kReasonBadPassword;
    return true;
  }
  if (Consume(&b, "session opened for user ")) {
    size_t by = b.find(" by ");
    sv user = b.substr(0, by);
    out->user = user.substr(0, user.find('('));
    if (by != sv::npos) {
      sv who = b.substr(by + 4);
      who = who.substr(0, who.find('('));
      if (who != "LOGIN") out->by_user = who;
    }
    out->kind = AuthKind::kPamOpen;
    return true;
  }
  if (Consume(&b, "session closed for user ")) {
    sv user = TrimRight(b);
    out->user = user.substr(0, user.find('('));
    out->kind = AuthKind::kPamClose;
    return true;
  }
  if (b.starts_with("check pass; user unknown")) {
    out->invalid_user = true;
    out->kind = AuthKind::kContext;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- login

bool ParseLogin(sv m, AuthRecord* out) {
  out->service = "login";
  sv rest = m;
  auto finish = [&] {
    if (!out->address.empty()) out->service = "telnet";
  };
  if (Consume(&rest, "FAILED LOGIN ")) {
    if (rest.starts_with("SESSION")) {
      out->kind = AuthKind::kContext;  // util-linux's final summary
      return true;
    }
    // shadow:     "(1) on '/dev/pts/1' from 'HOST' FOR 'root', why"
    // util-linux: "1 FROM HOST FOR root, why"
    size_t on = rest.find(" on '");
    if (on != sv::npos) out->tty = Quoted(rest, on);
    size_t from = rest.find(" from '");
    if (from != sv::npos) {
      sv host = Quoted(rest, from);
      if (IsAddress(host)) out->address = UnmapIpv4(host);
    } else if ((from = rest.find(" FROM ")) != sv::npos) {
      sv tail = rest.substr(from + 6);
      sv host = Token(&tail);
      if (IsAddress(host) && host != "(null)") out->address = UnmapIpv4(host);
    }
    size_t for_pos = rest.find(" FOR ");
    if (for_pos == sv::npos) return false;
    sv who = rest.substr(for_pos + 5);
    size_t comma = who.rfind(", ");
    sv why = comma == sv::npos ? sv() : who.substr(comma + 2);
    who = who.substr(0, comma);
    if (who.size() >= 2 && who.front() == '\'' && who.back() == '\'') {
      who = who.substr(1, who.size() - 2);
    }
    out->user = who;
    out->invalid_user = Contains(why, "User not known");
    out->kind = AuthKind::kFailure;
    out->method = "password";
    out->reason = out->invalid_user ? kReasonInvalidUser : kReasonBadPassword;
    finish();
    return true;
  }
  if (Consume(&rest, "invalid password for ")) {
    // BusyBox: "invalid password for 'U' on 'pts/0' from 'HOST'".
    out->user = Quoted(rest);
    size_t on = rest.find(" on '");
    if (on != sv::npos) out->tty = Quoted(rest, on);
    size_t from = rest.find(" from '");
    if (from != sv::npos) {
      sv host = Quoted(rest, from);
      if (IsAddress(host)) out->address = UnmapIpv4(host);
    }
    out->kind = AuthKind::kFailure;
    out->method = "password";
    out->reason =
        out->user == "UNKNOWN" ? kReasonInvalidUser : kReasonBadPassword;
    finish();
    return true;
  }
  bool root = Consume(&rest, "ROOT LOGIN") || Consume(&rest, "root login");
  bool user_login = !root && Consume(&rest, "LOGIN ON ");
  if (root || user_login) {
    if (root) out->user = "root";
    rest = TrimLeft(rest);
    if (Consume(&rest, "on '") || Consume(&rest, "ON ")) {
      if (rest.size() > 0 && m.find(" on '") != sv::npos) {
        out->tty = rest.substr(0, rest.find('\''));
      } else {
        out->tty = Token(&rest);
      }
    } else if (user_login) {
      out->tty = Token(&rest);
    }
    size_t by = rest.find("BY ");
    if (by != sv::npos) {
      sv tail = rest.substr(by + 3);
      out->user = Token(&tail);
    }
    size_t from = m.find(" from '");
    if (from != sv::npos) {
      sv host = Quoted(m, from);
      if (IsAddress(host)) out->address = UnmapIpv4(host);
    } else if ((from = m.find(" FROM ")) != sv::npos) {
      sv tail = m.substr(from + 6);
      sv host = Token(&tail);
      if (IsAddress(host)) out->address = UnmapIpv4(host);
    }
    if (out->user.empty()) return false;
    out->kind = AuthKind::kSuccess;
    out->method = "password";
    finish();
    return true;
  }
  if (rest.starts_with("TOO MANY LOGIN TRIES")) {
    out->kind = AuthKind::kContext;
    return true;
  }
  return false;
}

// ------------------------------------------------------------------- su

bool ParseSu(sv m, AuthRecord* out) {
  out->service = "su";
  sv rest = m;
  bool failed = Consume(&rest, "FAILED SU ") || Consume(&rest, "FAILED su ");
  if (Consume(&rest, "(to ")) {
    // util-linux: "(to root) alice on pts/0"
    size_t close = rest.find(") ");
    if (close == sv::npos) return false;
    out->user = rest.substr(0, close);
    rest.remove_prefix(close + 2);
    out->by_user = Token(&rest);
    if (Consume(&rest, "on ")) out->tty = Token(&rest);
  } else if (Consume(&rest, "for ") ||
             (!failed && Consume(&rest, "Successful su for "))) {
    // shadow: "Successful su for root by alice", "FAILED su for root by a"
    size_t by = rest.find(" by ");
    if (by == sv::npos) return false;
    out->user = rest.substr(0, by);
    out->by_user = TrimRight(rest.substr(by + 4));
  } else if (!failed && (m.starts_with("+ ") || m.starts_with("- "))) {
    // shadow and BusyBox: "+ /dev/pts/0 alice:root", "- pts/0 alice:root"
    failed = m.front() == '-';
    rest = m.substr(2);
    out->tty = Token(&rest);
    size_t colon = rest.find(':');
    if (colon == sv::npos) return false;
    out->by_user = rest.substr(0, colon);
    out->user = TrimRight(rest.substr(colon + 1));
  } else {
    return false;
  }
  if (out->tty.starts_with("/dev/")) out->tty.remove_prefix(5);
  out->method = "password";
  if (failed) {
    out->kind = AuthKind::kFailure;
    out->reason = kReasonBadPassword;
  } else {
    out->kind = AuthKind::kSuccess;
  }
  return true;
}

// ----------------------------------------------------------------- sudo

// "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls"
bool ParseSudo(sv m, AuthRecord* out) {
  out->service = "sudo";
  sv rest = TrimLeft(m);
  size_t sep = rest.find(" : ");
  if (sep == sv::npos) return false;
  sv who = rest.substr(0, sep);
  sv fields = rest.substr(sep + 3);
  auto field = [&](sv name) -> sv {
    size_t pos = fields.find(name);
    if (pos == sv::npos) return {};
    sv v = fields.substr(pos + name.size());
    return TrimRight(v.substr(0, v.find(" ;")));
  };
  out->by_user = who;
  out->user = field("USER=");
  out->tty = field("TTY=");
  if (out->tty == "unknown") out->tty = {};
  if (fields.starts_with("TTY=") || fields.starts_with("PWD=")) {
    if (field("COMMAND=").empty()) return false;
    out->kind = AuthKind::kSuccess;
    return true;
  }
  if (Contains(fields, "incorrect password attempt") ||
      fields.starts_with("command not allowed")) {
    out->kind = AuthKind::kContext;  // the PAM lines counted each attempt
    return true;
  }
  if (fields.starts_with("user NOT in sudoers") ||
      fields.starts_with("user NOT authorized on host")) {
    out->kind = AuthKind::kFailure;
    out->reason = kReasonOther;
    return true;
  }
  return false;
}

// -------------------------------------------------------------- klogind

bool ParseKlogind(sv program, sv m, AuthRecord* out) {
  sv rest = m;
  if (!Consume(&rest, "Authentication failed from ")) return false;
  sv addr = Token(&rest);
  if (!IsAddress(addr)) return false;
  out->service = program;
  out->address = UnmapIpv4(addr);
  out->kind = AuthKind::kFailure;
  out->reason = kReasonOther;
  return true;
}

}  // namespace

std::string_view UnmapIpv4(std::string_view a) {
  if (a.size() > 7 && (a.starts_with("::ffff:") || a.starts_with("::FFFF:"))) {
    std::string_view v4 = a.substr(7);
    int dots = 0;
    for (char c : v4) {
      if (c == '.') {
        ++dots;
      } else if (!IsDigit(c)) {
        return a;
      }
    }
    if (dots == 3) return v4;
  }
  return a;
}

std::string_view ServiceOfProgram(std::string_view program) {
  size_t paren = program.find('(');
  if (paren != sv::npos) program = program.substr(0, paren);
  if (program.ends_with("/sshd")) return "sshd";
  if (program == "sshd" || program == "sshd-session" || program == "sshd-auth")
    return "sshd";
  return program;
}

bool ParseAuthMessage(std::string_view program, std::string_view message,
                      AuthRecord* out) {
  *out = AuthRecord();
  sv m = StripMessagePrefixes(message);
  // rsyslog's repeat compression: "message repeated 5 times: [ text]".
  if (m.starts_with("message repeated ")) {
    sv rest = m.substr(17);
    sv count = Token(&rest);
    uint32_t n = 0;
    for (char c : count) {
      if (!IsDigit(c) || n > 1000000) return false;
      n = n * 10 + static_cast<uint32_t>(c - '0');
    }
    if (!Consume(&rest, "times: [") || !ConsumeSuffix(&rest, "]")) {
      return false;
    }
    bool ok = ParseAuthMessage(program, TrimLeft(rest), out);
    out->repeat = n == 0 ? 1 : n;
    return ok;
  }
  m = TrimRight(m);
  if (m.empty()) return false;
  sv service = ServiceOfProgram(program);
  bool parsed = false;
  if (service.empty()) {
    // A bare message (no syslog header): every format is tried.
    parsed = ParseSshd(m, out) ||
             (*out = AuthRecord(), ParseDropbear(m, out)) ||
             (*out = AuthRecord(), ParsePam(program, m, out));
  } else if (ParsePam(program, m, out)) {
    parsed = true;
  } else {
    *out = AuthRecord();
    if (service == "sshd") {
      parsed = ParseSshd(m, out);
    } else if (service == "dropbear") {
      parsed = ParseDropbear(m, out);
    } else if (service == "login") {
      parsed = ParseLogin(m, out);
    } else if (service == "su") {
      parsed = ParseSu(m, out);
    } else if (service == "sudo") {
      parsed = ParseSudo(m, out);
    } else if (service == "klogind" || service == "krshd") {
      parsed = ParseKlogind(service, m, out);
    }
  }
  if (!parsed) {
    *out = AuthRecord();
    return false;
  }
  if (out->reason.empty() &&
      (out->kind == AuthKind::kFailure || out->kind == AuthKind::kPreauthEnd)) {
    out->reason = kReasonOther;
  }
  return true;
}

}  // namespace picket::login

#include "intel/indicator.h"

#include <algorithm>
#include <vector>

namespace picket {

namespace {

constexpr std::string_view kCategoryNames[kIntelCategoryCount] = {
    "unknown", "botnet_c2", "malware",  "miner_pool",  "scanner", "bruteforce",
    "spam",    "tor_exit",  "phishing", "compromised", "drop",
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}
bool AllHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsHex);
}

// Parses 1-`max_digits` decimal digits with no leading zero into *out.
bool ParseSmallDecimal(std::string_view s, size_t max_digits, uint32_t* out) {
  if (s.empty() || s.size() > max_digits || !AllDigits(s)) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  uint32_t v = 0;
  for (char c : s) v = v * 10 + uint32_t(c - '0');
  *out = v;
  return true;
}

struct CategoryRule {
  std::string_view pattern;
  bool whole_word;  // the word must equal the pattern, else contain it
  IntelCategory category;
};

// First rule that matches a word of the feed name wins; docs/intel.md shows
// this table.
constexpr CategoryRule kCategoryRules[] = {
    {"tor", true, IntelCategory::kTorExit},
    {"torexit", false, IntelCategory::kTorExit},
    {"drop", false, IntelCategory::kDrop},
    {"miner", false, IntelCategory::kMinerPool},
    {"mining", false, IntelCategory::kMinerPool},
    {"coinbl", false, IntelCategory::kMinerPool},
    {"nocoin", false, IntelCategory::kMinerPool},
    {"coinhive", false, IntelCategory::kMinerPool},
    {"feodo", false, IntelCategory::kBotnetC2},
    {"botcc", false, IntelCategory::kBotnetC2},
    {"sslbl", false, IntelCategory::kBotnetC2},
    {"botnet", false, IntelCategory::kBotnetC2},
    {"c2", true, IntelCategory::kBotnetC2},
    {"cnc", true, IntelCategory::kBotnetC2},
    {"mirai", false, IntelCategory::kBotnetC2},
    {"gafgyt", false, IntelCategory::kBotnetC2},
    {"bashlite", false, IntelCategory::kBotnetC2},
    {"hajime", false, IntelCategory::kBotnetC2},
    {"moobot", false, IntelCategory::kBotnetC2},
    {"mozi", false, IntelCategory::kBotnetC2},
    {"kaiten", false, IntelCategory::kBotnetC2},
    {"tsunami", false, IntelCategory::kBotnetC2},
    {"xorddos", false, IntelCategory::kBotnetC2},
    {"teamtnt", false, IntelCategory::kBotnetC2},
    {"ssh", false, IntelCategory::kBruteforce},
    {"brute", false, IntelCategory::kBruteforce},
    {"telnet", false, IntelCategory::kBruteforce},
    {"greensnow", false, IntelCategory::kBruteforce},
    {"blocklist", true, IntelCategory::kBruteforce},
    {"scan", false, IntelCategory::kScanner},
    {"ciarmy", false, IntelCategory::kScanner},
    {"dshield", false, IntelCategory::kScanner},
    {"compromised", false, IntelCategory::kCompromised},
    {"infected", false, IntelCategory::kCompromised},
    {"phish", false, IntelCategory::kPhishing},
    {"spam", false, IntelCategory::kSpam},
    {"urlhaus", false, IntelCategory::kMalware},
    {"malware", false, IntelCategory::kMalware},
    {"bazaar", false, IntelCategory::kMalware},
    {"threatfox", false, IntelCategory::kMalware},
    {"trojan", false, IntelCategory::kMalware},
    {"ransom", false, IntelCategory::kMalware},
    {"worm", false, IntelCategory::kMalware},
    {"elf", true, IntelCategory::kMalware},
    {"block", false, IntelCategory::kDrop},
    {"level", false, IntelCategory::kDrop},
};

constexpr std::string_view kLocalNames[] = {
    "localhost",     "localhost.localdomain", "local",        "broadcasthost",
    "ip6-localhost", "ip6-loopback",          "ip6-localnet", "ip6-mcastprefix",
    "ip6-allnodes",  "ip6-allrouters",        "ip6-allhosts",
};

// Clears the host bits of a 16-byte network.
void MaskV6(std::array<uint8_t, 16>* a, int prefix) {
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(prefix - 8 * i, 0, 8);
    (*a)[i] &= static_cast<uint8_t>(keep == 0 ? 0 : 0xFF << (8 - keep));
  }
}

TokenClass SetV4(uint32_t ip, int prefix, Indicator* out) {
  if (prefix == 32) {
    out->kind = IndicatorKind::kIpv4;
    out->ipv4 = ip;
    out->prefix_len = 32;
  } else {
    out->kind = IndicatorKind::kIpv4Net;
    out->ipv4 = prefix == 0 ? 0 : ip & (0xFFFFFFFFu << (32 - prefix));
    out->prefix_len = static_cast<uint8_t>(prefix);
  }
  return TokenClass::kIndicator;
}

TokenClass SetV6(const std::array<uint8_t, 16>& ip, int prefix,
                 Indicator* out) {
  // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address: that is
  // how the lookup treats it too.
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0,    0,
                                          0, 0, 0, 0, 0xFF, 0xFF};
  if (prefix >= 96 && std::equal(kMapped, kMapped + 12, ip.begin())) {
    return SetV4(uint32_t(ip[12]) << 24 | uint32_t(ip[13]) << 16 |
                     uint32_t(ip[14]) << 8 | ip[15],
                 prefix - 96, out);
  }
  out->ipv6 = ip;
  out->prefix_len = static_cast<uint8_t>(prefix);
  if (prefix == 128) {
    out->kind = IndicatorKind::kIpv6;
  } else {
    out->kind = IndicatorKind::kIpv6Net;
    MaskV6(&out->ipv6, prefix);
  }
  return TokenClass::kIndicator;
}

// A host (no port, no path): IP address or domain name.
TokenClass ClassifyHost(std::string_view host, Indicator* out,
                        std::string* reason) {
  uint32_t v4;
  std::array<uint8_t, 16> v6;
  if (ParseIpv4(host, &v4)) return SetV4(v4, 32, out);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (ParseIpv6(host, &v6)) return SetV6(v6, 128, out);
    *reason = "invalid IPv6 address";
    return TokenClass::kInvalid;
  }
  if (host.find(':') != std::string_view::npos) {
    if (ParseIpv6(host, &v6)) return SetV6(v6, 128, out);
    *reason = "invalid IPv6 address";
    return TokenClass::kInvalid;
  }
  std::string lower(host.size(), '\0');
  std::transform(host.begin(), host.end(), lower.begin(), Lower);
  for (std::string_view local : kLocalNames) {
    if (lower == local) return TokenClass::kLocalName;
  }
  if (NormalizeDomain(host, &out->domain)) {
    out->kind = IndicatorKind::kDomain;
    return TokenClass::kIndicator;
  }
  if (host.find('*') != std::string_view::npos) return TokenClass::kPattern;
  bool numeric = std::all_of(host.begin(), host.end(),
                             [](char c) { return IsDigit(c) || c == '.'; });
  bool ascii = std::all_of(host.begin(), host.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
  *reason = numeric  ? "invalid IPv4 address"
            : !ascii ? "non-ASCII name (write internationalised names as xn--)"
                     : "not an IP address, CIDR, domain name or SHA-256";
  return TokenClass::kInvalid;
}

// "host", "host:port", "[v6]:port".
TokenClass ClassifyHostPort(std::string_view hp, Indicator* out,
                            std::string* reason) {
  if (!hp.empty() && hp.front() == '[') {
    size_t close = hp.find(']');
    if (close == std::string_view::npos) {
      *reason = "unbalanced '['";
      return TokenClass::kInvalid;
    }
    std::string_view rest = hp.substr(close + 1);
    uint32_t port;
    if (!rest.empty() &&
        (rest[0] != ':' || !ParseSmallDecimal(rest.substr(1), 5, &port) ||
         port > 65535)) {
      *reason = "invalid port";
      return TokenClass::kInvalid;
    }
    return ClassifyHost(hp.substr(0, close + 1), out, reason);
  }
  size_t colon = hp.find(':');
  if (colon != std::string_view::npos &&
      hp.find(':', colon + 1) == std::string_view::npos) {
    uint32_t port;
    if (!ParseSmallDecimal(hp.substr(colon + 1), 5, &port) || port > 65535) {
      *reason = "invalid port";
      return TokenClass::kInvalid;
    }
    return ClassifyHost(hp.substr(0, colon), out, reason);
  }
  return ClassifyHost(hp, out, reason);
}

}  // namespace

std::string_view IntelCategoryName(IntelCategory category) {
  size_t i = static_cast<size_t>(category);
  return i < kIntelCategoryCount ? kCategoryNames[i] : "unknown";
}

bool ParseIntelCategory(std::string_view name, IntelCategory* out) {
  for (int i = 0; i < kIntelCategoryCount; ++i) {
    if (name == kCategoryNames[i]) {
      *out = static_cast<IntelCategory>(i);
      return true;
    }
  }
  return false;
}

IntelCategory DefaultCategoryForFeed(std::string_view feed_name) {
  std::vector<std::string> words(1);
  for (char c : feed_name) {
    c = Lower(c);
    if ((c >= 'a' && c <= 'z') || IsDigit(c)) {
      words.back() += c;
    } else if (!words.back().empty()) {
      words.emplace_back();
    }
  }
  for (const CategoryRule& rule : kCategoryRules) {
    for (const std::string& w : words) {
      if (rule.whole_word ? w == rule.pattern
                          : w.find(rule.pattern) != std::string::npos) {
        return rule.category;
      }
    }
  }
  return IntelCategory::kUnknown;
}

std::string_view IndicatorKindName(IndicatorKind kind) {
  switch (kind) {
    case IndicatorKind::kIpv4:
      return "ipv4";
    case IndicatorKind::kIpv4Net:
      return "ipv4_net";
    case IndicatorKind::kIpv6:
      return "ipv6";
    case IndicatorKind::kIpv6Net:
      return "ipv6_net";
    case IndicatorKind::kDomain:
      return "domain";
    case IndicatorKind::kSha256:
      return "sha256";
  }
  return "unknown";
}

bool ParseIpv4(std::string_view text, uint32_t* out) {
  IpAddress a;
  if (!IpAddress::Parse(text, &a) || !a.is_v4()) return false;
  *out = a.v4();
  return true;
}

bool ParseIpv6(std::string_view text, std::array<uint8_t, 16>* out) {
  IpAddress a;
  if (!IpAddress::Parse(text, &a) || !a.is_v6()) return false;
  *out = a.bytes;
  return true;
}

bool ParseIpAddress(std::string_view text, IpAddress* out) {
  return IpAddress::Parse(text, out);
}

std::string FormatIpAddress(const IpAddress& address) {
  return address.ToString();
}

bool NormalizeDomain(std::string_view text, std::string* out) {
  if (text.starts_with("*.")) text.remove_prefix(2);
  if (text.ends_with('.')) text.remove_suffix(1);
  if (text.empty() || text.size() > 253) return false;
  out->assign(text.size(), '\0');
  int labels = 0;
  size_t label_start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '.') {
      size_t len = i - label_start;
      if (len == 0 || len > 63) return false;
      if ((*out)[label_start] == '-' || (*out)[i - 1] == '-') return false;
      ++labels;
      if (i < text.size()) (*out)[i] = '.';
      label_start = i + 1;
      continue;
    }
    char c = Lower(text[i]);
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '-' || c == '_')) {
      return false;
    }
    (*out)[i] = c;
  }
  if (labels < 2 || labels > 127) return false;
  std::string_view tld = std::string_view(*out).substr(out->rfind('.') + 1);
  return !AllDigits(tld);
}

bool ParseSha256Hex(std::string_view text, std::array<uint8_t, 32>* out) {
  if (text.size() != 64 || !AllHex(text)) return false;
  for (size_t i = 0; i < 32; ++i) {
    (*out)[i] = uint8_t(HexValue(text[2 * i]) << 4 | HexValue(text[2 * i + 1]));
  }
  return true;
}

std::string Sha256Hex(const std::array<uint8_t, 32>& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '\0');
  for (size_t i = 0; i < 32; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

std::string Indicator::ToString() const {
  switch (kind) {
    case IndicatorKind::kIpv4:
      return FormatIpAddress(IpAddress::V4(ipv4));
    case IndicatorKind::kIpv4Net:
      return FormatIpAddress(IpAddress::V4(ipv4)) + "/" +
             std::to_string(prefix_len);
    case IndicatorKind::kIpv6:
    case IndicatorKind::kIpv6Net: {
      IpAddress a = IpAddress::V6(ipv6);
      std::string s = FormatIpAddress(a);
      if (kind == IndicatorKind::kIpv6Net)
        s += "/" + std::to_string(prefix_len);
      return s;
    }
    case IndicatorKind::kDomain:
      return domain;
    case IndicatorKind::kSha256:
      return Sha256Hex(sha256);
  }
  return {};
}

TokenClass ClassifyToken(std::string_view t, Indicator* out,
                         std::string* reason) {
  if (t.empty()) {
    *reason = "empty";
    return TokenClass::kInvalid;
  }
  size_t scheme_end = t.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string_view rest = t.substr(scheme_end + 3);
    size_t path_at = rest.find_first_of("/?#");
    std::string_view host = rest.substr(0, path_at);
    std::string_view path =
        path_at == std::string_view::npos ? "" : rest.substr(path_at);
    if (size_t at = host.rfind('@'); at != std::string_view::npos) {
      host.remove_prefix(at + 1);
    }
    TokenClass c = ClassifyHostPort(host, out, reason);
    // A domain that serves one bad path may be a shared or hijacked site
    // (bitbucket.org, a blog); an IP literal in a malware URL is the
    // attacker's own server, the usual IoT dropper.
    if (c == TokenClass::kIndicator && out->kind == IndicatorKind::kDomain &&
        !path.empty() && path != "/") {
      return TokenClass::kUrlWithPath;
    }
    return c;
  }
  if (t[0] == '/') return TokenClass::kPath;
  if (t.size() > 2 && (t[0] == 'A' || t[0] == 'a') &&
      (t[1] == 'S' || t[1] == 's') && AllDigits(t.substr(2))) {
    return TokenClass::kAsn;
  }
  if (AllHex(t)) {
    if (t.size() == 64) {
      ParseSha256Hex(t, &out->sha256);
      out->kind = IndicatorKind::kSha256;
      return TokenClass::kIndicator;
    }
    if (t.size() == 32 || t.size() == 40) return TokenClass::kOtherHash;
  }
  if (size_t slash = t.find('/'); slash != std::string_view::npos) {
    std::string_view left = t.substr(0, slash), right = t.substr(slash + 1);
    uint32_t v4, prefix;
    std::array<uint8_t, 16> v6;
    bool is_v4 = ParseIpv4(left, &v4);
    bool is_v6 = !is_v4 && ParseIpv6(left, &v6);
    if ((is_v4 || is_v6) && AllDigits(right)) {
      if (!ParseSmallDecimal(right, 3, &prefix) ||
          prefix > (is_v4 ? 32 : 128)) {
        *reason = "invalid prefix length";
        return TokenClass::kInvalid;
      }
      return is_v4 ? SetV4(v4, int(prefix), out) : SetV6(v6, int(prefix), out);
    }
    std::string ignored;
    if (ClassifyHostPort(left, out, &ignored) == TokenClass::kIndicator) {
      // "host/path": as for URLs, an IP literal host is kept.
      return out->kind == IndicatorKind::kDomain ? TokenClass::kUrlWithPath
                                                 : TokenClass::kIndicator;
    }
    *reason = "not an IP address, CIDR, domain name or SHA-256";
    return TokenClass::kInvalid;
  }
  return ClassifyHostPort(t, out, reason);
}

TokenClass ClassifyUrlHost(std::string_view url, Indicator* out,
                           std::string* reason) {
  size_t scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) url.remove_prefix(scheme_end + 3);
  std::string_view host = url.substr(0, url.find_first_of("/?#"));
  if (size_t at = host.rfind('@'); at != std::string_view::npos) {
    host.remove_prefix(at + 1);
  }
  return ClassifyHostPort(host, out, reason);
}

}  // namespace picket

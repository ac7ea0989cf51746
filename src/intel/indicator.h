// Threat-intelligence indicators: what a feed line turns into.
//
// An Indicator is one IPv4/IPv6 address, IPv4/IPv6 CIDR, domain name or
// SHA-256 digest, with the category it was listed under. This header also
// holds the strict text parsers shared by every feed format and by the
// lookup command (IP addresses, CIDRs, domain names, hex digests), and the
// category names. Everything here is a pure function over strings: no
// allocation beyond the returned values, no locale, no OS call, safe from
// any thread.
#ifndef PICKET_INTEL_INDICATOR_H_
#define PICKET_INTEL_INDICATOR_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/ip_address.h"

namespace picket {

// Why an indicator is listed. The numbers are stored in compiled files and
// never change; the names are stable wire names (alerts, CLI, docs).
enum class IntelCategory : uint8_t {
  kUnknown = 0,
  kBotnetC2 = 1,
  kMalware = 2,
  kMinerPool = 3,
  kScanner = 4,
  kBruteforce = 5,
  kSpam = 6,
  kTorExit = 7,
  kPhishing = 8,
  kCompromised = 9,
  kDrop = 10,
};
inline constexpr int kIntelCategoryCount = 11;

// "botnet_c2", "miner_pool", ...
std::string_view IntelCategoryName(IntelCategory category);
// Accepts the names above; false on anything else.
bool ParseIntelCategory(std::string_view name, IntelCategory* out);
// The category a feed's indicators get when neither the command line nor the
// feed itself says: guessed from the feed (file) name, for example
// "coinbl_hosts" -> miner_pool, "feodo" -> botnet_c2, "blocklist_de_ssh" ->
// bruteforce, "spamhaus_drop" -> drop, "tor_exits" -> tor_exit,
// "elf_mirai" -> botnet_c2. kUnknown when nothing fits. The table is in
// docs/intel.md.
IntelCategory DefaultCategoryForFeed(std::string_view feed_name);

enum class IndicatorKind : uint8_t {
  kIpv4,
  kIpv4Net,
  kIpv6,
  kIpv6Net,
  kDomain,
  kSha256,
};
inline constexpr int kIndicatorKindCount = 6;

// "ipv4", "ipv4_net", "ipv6", "ipv6_net", "domain", "sha256".
std::string_view IndicatorKindName(IndicatorKind kind);

// Strict dotted quad: four decimal parts 0-255, no leading zeros (so
// "010.0.0.1", which some tools read as octal, is refused), no spaces.
bool ParseIpv4(std::string_view text, uint32_t* out);
// RFC 4291 text forms including "::" and an embedded dotted quad; no zone
// ("%eth0") and no brackets.
bool ParseIpv6(std::string_view text, std::array<uint8_t, 16>* out);
// Either of the above, as the shared IpAddress (core/ip_address.h);
// allocation-free.
bool ParseIpAddress(std::string_view text, IpAddress* out);
// "192.0.2.1", "2001:db8::1" (RFC 5952): IpAddress::ToString.
std::string FormatIpAddress(const IpAddress& address);

// Normalises a DNS name for matching: ASCII lower case, one trailing dot
// removed, a leading "*." wildcard removed. Returns false (and leaves *out
// unspecified) unless the result is a plausible host name: 2 to 127 labels
// of 1-63 characters [a-z0-9_-], not starting or ending with '-', at most
// 253 characters, and a last label that is not all digits (which would be
// a malformed IPv4 address, not a name).
bool NormalizeDomain(std::string_view text, std::string* out);

// 64 hex digits (either case) -> 32 bytes.
bool ParseSha256Hex(std::string_view text, std::array<uint8_t, 32>* out);
std::string Sha256Hex(const std::array<uint8_t, 32>& digest);

struct Indicator {
  IndicatorKind kind = IndicatorKind::kIpv4;
  IntelCategory category = IntelCategory::kUnknown;
  uint8_t prefix_len = 0;          // for kIpv4Net / kIpv6Net
  uint32_t ipv4 = 0;               // kIpv4, kIpv4Net (host bits cleared)
  std::array<uint8_t, 16> ipv6{};  // kIpv6, kIpv6Net (host bits cleared)
  std::array<uint8_t, 32> sha256{};
  std::string domain;  // kDomain, normalised

  // Canonical text: "192.0.2.0/24", "pool.example", 64 lower-case hex digits.
  std::string ToString() const;
};

// What one token of a feed is. kIndicator fills *out (kind and value; the
// category is left alone). The other outcomes are not indicators picket
// stores; the caller counts them as skipped, not as errors.
enum class TokenClass {
  kIndicator,
  kInvalid,      // looks like nothing valid
  kUrlWithPath,  // "host/path" or "scheme://host/path": a URL, not a host
  kPath,         // "/x.sh": a URL path (maltrail)
  kAsn,          // "AS1234"
  kOtherHash,    // MD5 (32 hex) or SHA-1 (40 hex): not stored
  kLocalName,    // "localhost" and friends in hosts files
  kPattern,      // a wildcard pattern ("*://*/x*", "ad*.example")
};

// Classifies one token: an IPv4/IPv6 address, a CIDR (host bits are
// cleared; /32 and /128 become addresses), "ip:port" and "[v6]:port", a
// domain name (NormalizeDomain), a SHA-256 digest, or a URL
// ("scheme://host[:port]/path" or "host/path"). A URL yields its host when
// the host is an IP literal or the path is empty or "/"; a domain host with
// a longer path is kUrlWithPath (the site may be shared or hijacked, and the
// agent sees hosts, not URLs). `reason` receives a short explanation for
// kInvalid.
TokenClass ClassifyToken(std::string_view token, Indicator* out,
                         std::string* reason);

// The host of a URL ("http://user@host:port/path?q"; the scheme is
// optional), classified as an address or a domain whatever the path. For
// curated sources (STIX, MISP) where a URL is one deliberate indicator.
TokenClass ClassifyUrlHost(std::string_view url, Indicator* out,
                           std::string* reason);

}  // namespace picket

#endif  // PICKET_INTEL_INDICATOR_H_

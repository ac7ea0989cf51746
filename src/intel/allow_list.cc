#include "intel/allow_list.h"

#include "intel/indicator.h"
#include "intel/special.h"

namespace picket {

namespace {

// Parses "addr" or "addr/len" into a network with host bits cleared.
bool ParseNet(std::string_view item, IpAddress* net, uint8_t* len) {
  size_t slash = item.find('/');
  if (!ParseIpAddress(item.substr(0, slash), net)) return false;
  int bits = net->is_v4() ? 32 : 128;
  int n = bits;
  if (slash != std::string_view::npos) {
    std::string_view digits = item.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return false;
    n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + (c - '0');
    }
    if (n > bits || (digits.size() > 1 && digits[0] == '0')) return false;
  }
  int byte_count = net->is_v4() ? 4 : 16;
  for (int i = 0; i < byte_count; ++i) {
    int keep = n - 8 * i;
    if (keep >= 8) continue;
    net->bytes[i] &= keep <= 0 ? 0 : static_cast<uint8_t>(0xFF << (8 - keep));
  }
  *len = static_cast<uint8_t>(n);
  return true;
}

bool Parse(std::string_view item, IpAddress* net, uint8_t* len,
           std::string* domain, std::string* error) {
  if (ParseNet(item, net, len)) return true;
  if (item.find('/') == std::string_view::npos &&
      item.find(':') == std::string_view::npos &&
      NormalizeDomain(item, domain)) {
    return true;
  }
  if (error) {
    *error = "'" + std::string(item.substr(0, 80)) +
             "' is not an IP address, a CIDR or a domain name";
  }
  return false;
}

// ::ffff:a.b.c.d -> a.b.c.d.
IpAddress Unmapped(const IpAddress& a) {
  if (!a.is_v6()) return a;
  for (int i = 0; i < 10; ++i) {
    if (a.bytes[i] != 0) return a;
  }
  if (a.bytes[10] != 0xFF || a.bytes[11] != 0xFF) return a;
  return IpAddress::V4(uint32_t{a.bytes[12]} << 24 |
                       uint32_t{a.bytes[13]} << 16 |
                       uint32_t{a.bytes[14]} << 8 | a.bytes[15]);
}

}  // namespace

bool IntelAllowList::Add(std::string_view item, std::string* error) {
  IpAddress net;
  uint8_t len = 0;
  std::string domain;
  if (!Parse(item, &net, &len, &domain, error)) return false;
  if (net.family != 0) {
    nets_.push_back({net, len});
  } else {
    domains_.push_back(std::move(domain));
  }
  return true;
}

bool IntelAllowList::AllowsAddress(const IpAddress& address) const {
  IpAddress a = Unmapped(address);
  for (const Net& n : nets_) {
    if (PrefixContains(n.net, n.len, a)) return true;
  }
  return false;
}

bool IntelAllowList::AllowsDomain(std::string_view name) const {
  if (domains_.empty()) return false;
  std::string normal;
  if (!NormalizeDomain(name, &normal)) return false;
  for (const std::string& d : domains_) {
    if (normal.size() < d.size()) continue;
    if (normal.compare(normal.size() - d.size(), d.size(), d) != 0) continue;
    if (normal.size() == d.size() ||
        normal[normal.size() - d.size() - 1] == '.')
      return true;
  }
  return false;
}

std::vector<std::string> IntelAllowList::Entries() const {
  std::vector<std::string> out;
  for (const Net& n : nets_) {
    int bits = n.net.is_v4() ? 32 : 128;
    std::string text = n.net.ToString();
    if (n.len != bits) text += "/" + std::to_string(n.len);
    out.push_back(std::move(text));
  }
  for (const std::string& d : domains_) out.push_back(d);
  return out;
}

bool IsValidAllowEntry(std::string_view item, std::string* error) {
  IpAddress net;
  uint8_t len = 0;
  std::string domain;
  return Parse(item, &net, &len, &domain, error);
}

}  // namespace picket

#include "intel/linux/own_infrastructure.h"

#include <array>
#include <bit>
#include <cstdint>

#include "core/ip_address.h"
#include "core/text.h"
#include "intel/linux/intel_file.h"

namespace picket {

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Exactly `n` bytes of hex digits into out.
bool HexBytes(std::string_view hex, uint8_t* out, size_t n) {
  if (hex.size() != 2 * n) return false;
  for (size_t i = 0; i < n; ++i) {
    int hi = HexDigit(hex[2 * i]), lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

void AddUnique(std::vector<std::string>* list, std::string value) {
  for (const std::string& v : *list) {
    if (v == value) return;
  }
  list->push_back(std::move(value));
}

}  // namespace

std::vector<std::string> ParseResolvConfNameservers(std::string_view text) {
  std::vector<std::string> out;
  ForEachLine(text, [&](std::string_view line) {
    std::vector<std::string_view> f = SplitBlanks(line);
    if (f.size() < 2 || f[0] != "nameserver") return;
    std::string_view addr = f[1].substr(0, f[1].find('%'));
    IpAddress ip;
    if (IpAddress::Parse(addr, &ip)) AddUnique(&out, ip.ToString());
  });
  return out;
}

std::vector<std::string> ParseIpv4DefaultGateways(std::string_view text,
                                                  bool little_endian) {
  constexpr unsigned kRtfGateway = 0x2;
  std::vector<std::string> out;
  ForEachLine(text, [&](std::string_view line) {
    // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
    std::vector<std::string_view> f = SplitBlanks(line);
    if (f.size() < 8) return;
    uint8_t dest[4], gw[4], flags[2], mask[4];
    if (!HexBytes(f[1], dest, 4) || !HexBytes(f[2], gw, 4) ||
        f[3].size() != 4 || !HexBytes(f[3], flags, 2) ||
        !HexBytes(f[7], mask, 4)) {
      return;  // the header line, or garbage
    }
    uint32_t d = 0, m = 0;
    for (int i = 0; i < 4; ++i) d |= dest[i], m |= mask[i];
    unsigned fl = unsigned{flags[0]} << 8 | flags[1];
    if (d != 0 || m != 0 || !(fl & kRtfGateway)) return;
    // The hex is the word's value; its bytes in memory are the address.
    uint32_t host = little_endian
                        ? uint32_t{gw[3]} << 24 | uint32_t{gw[2]} << 16 |
                              uint32_t{gw[1]} << 8 | gw[0]
                        : uint32_t{gw[0]} << 24 | uint32_t{gw[1]} << 16 |
                              uint32_t{gw[2]} << 8 | gw[3];
    if (host == 0) return;
    AddUnique(&out, IpAddress::V4(host).ToString());
  });
  return out;
}

std::vector<std::string> ParseIpv6DefaultGateways(std::string_view text) {
  std::vector<std::string> out;
  ForEachLine(text, [&](std::string_view line) {
    // dest plen src plen next_hop metric refcnt use flags iface
    std::vector<std::string_view> f = SplitBlanks(line);
    if (f.size() < 10) return;
    std::array<uint8_t, 16> dest, hop;
    uint8_t plen;
    if (!HexBytes(f[0], dest.data(), 16) || !HexBytes(f[1], &plen, 1) ||
        !HexBytes(f[4], hop.data(), 16)) {
      return;
    }
    if (plen != 0 || dest != std::array<uint8_t, 16>{} ||
        hop == std::array<uint8_t, 16>{}) {
      return;
    }
    AddUnique(&out, IpAddress::V6(hop).ToString());
  });
  return out;
}

OwnInfrastructure FindOwnInfrastructure(const std::string& root,
                                        const std::string& mqtt_host) {
  std::string prefix = root == "/" ? "" : root;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  constexpr size_t kMaxBytes = 1 << 20;
  OwnInfrastructure out;
  if (Result<std::string> t =
          ReadWholeFile(prefix + "/etc/resolv.conf", kMaxBytes);
      t.ok()) {
    out.dns_servers = ParseResolvConfNameservers(*t);
  }
  if (Result<std::string> t =
          ReadWholeFile(prefix + "/proc/net/route", kMaxBytes);
      t.ok()) {
    out.gateways = ParseIpv4DefaultGateways(
        *t, std::endian::native == std::endian::little);
  }
  if (Result<std::string> t =
          ReadWholeFile(prefix + "/proc/net/ipv6_route", kMaxBytes);
      t.ok()) {
    for (std::string& g : ParseIpv6DefaultGateways(*t)) {
      AddUnique(&out.gateways, std::move(g));
    }
  }
  out.mqtt_broker = mqtt_host;
  return out;
}

}  // namespace picket

// The device's own infrastructure, for the intel allow list
// (intel.allow_own_infrastructure): its DNS servers (/etc/resolv.conf),
// default gateways (/proc/net/route, /proc/net/ipv6_route) and the MQTT
// broker it reports to. A feed that lists any of them (a miner blocklist
// listing 8.8.8.8) would otherwise alert on every lookup the device makes.
// The parsers are pure functions over the files' text; FindOwnInfrastructure
// reads the files under a root prefix. Called once at start, on the
// agent's thread.
#ifndef PICKET_INTEL_LINUX_OWN_INFRASTRUCTURE_H_
#define PICKET_INTEL_LINUX_OWN_INFRASTRUCTURE_H_

#include <string>
#include <string_view>
#include <vector>

namespace picket {

// The addresses of resolv.conf's "nameserver" lines, in order (an IPv6
// zone, "fe80::1%eth0", is removed); other lines and malformed addresses
// are ignored.
std::vector<std::string> ParseResolvConfNameservers(std::string_view text);

// The gateways of /proc/net/route's default routes (destination and mask
// 0, flag RTF_GATEWAY), as dotted quads. The kernel prints each address
// as the hexadecimal of a network-order word in host byte order;
// `little_endian` is the host's byte order.
std::vector<std::string> ParseIpv4DefaultGateways(std::string_view text,
                                                  bool little_endian = true);

// The next hops of /proc/net/ipv6_route's default routes (::/0 with a
// next hop other than ::), in RFC 5952 form.
std::vector<std::string> ParseIpv6DefaultGateways(std::string_view text);

struct OwnInfrastructure {
  std::vector<std::string> dns_servers;
  std::vector<std::string> gateways;
  std::string mqtt_broker;  // a literal address or a host name; "" none
};

// Reads etc/resolv.conf, proc/net/route and proc/net/ipv6_route under
// `root` ("/" for the running system); a file that cannot be read
// contributes nothing. `mqtt_host` is the configured broker ("" none).
OwnInfrastructure FindOwnInfrastructure(const std::string& root,
                                        const std::string& mqtt_host);

}  // namespace picket

#endif  // PICKET_INTEL_LINUX_OWN_INFRASTRUCTURE_H_

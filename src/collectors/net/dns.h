// DNS message parsing (RFC 1035 wire format) for the answers seen on the
// wire: the question name, A/AAAA addresses and the CNAME chain, so that a
// later connection to an address can be labelled with the name it was
// resolved from, and a resolution of an indicator domain can be alerted.
//
// Pure, portable, fuzzed. Compression pointers are followed with a hop limit
// and only backwards, names are bounded to 255 bytes; anything malformed is
// rejected with a reason and never read out of bounds.
#ifndef PICKET_COLLECTORS_NET_DNS_H_
#define PICKET_COLLECTORS_NET_DNS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "collectors/net/packet.h"
#include "picket/status.h"

namespace picket {

struct DnsRecord {
  std::string name;  // owner name, lowercase, no trailing dot
  uint16_t type = 0;
  uint32_t ttl = 0;
  IpAddress address;   // for A / AAAA
  std::string target;  // for CNAME
};

struct DnsMessage {
  uint16_t id = 0;
  bool is_response = false;
  uint8_t opcode = 0;
  uint8_t rcode = 0;
  bool truncated = false;
  std::string question;  // first question name (lowercase, no trailing dot)
  uint16_t qtype = 0;
  std::vector<DnsRecord> answers;  // answer section, A/AAAA/CNAME only
};

// Parses a DNS message (the UDP payload, or a TCP payload after its 2-byte
// length prefix has been removed). Records of other types are skipped.
// Returns Corruption naming the problem ("answer 3: name pointer loops").
Status ParseDnsMessage(const uint8_t* data, size_t len, DnsMessage* out);

// "A", "AAAA", "CNAME", "MX", ... or the decimal number.
std::string DnsTypeName(uint16_t type);
// "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", or the
// decimal number.
std::string DnsRcodeName(uint8_t rcode);

}  // namespace picket

#endif  // PICKET_COLLECTORS_NET_DNS_H_

// libFuzzer target for DecodePacket (and, through it, the DNS parser and the
// address text forms). Any input must decode without reading outside the
// capture, and what decodes must be self-consistent.
//
// The first byte selects what the rest is, modulo 9:
//   0 NULL, 1 Ethernet, 2 RAW, 3 LOOP, 4 Linux SLL, 5 IPV4, 6 IPV6,
//   7 Linux SLL2: the rest is a captured frame of that link type;
//   8: the rest is text for IpAddress::Parse.
// A decoded UDP or TCP packet to or from port 53 or 5353 has its payload
// parsed as DNS too (TCP after the 2-byte length prefix).
//
// Built by hand (one command line):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude
//     -Isrc src/collectors/net/packet_fuzz.cc src/collectors/net/packet.cc
//     src/collectors/net/dns.cc src/core/status.cc -o packet_fuzz
//   ./packet_fuzz -max_total_time=60 tests/fuzz/corpus/packet_fuzz
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>

#include "collectors/net/dns.h"
#include "collectors/net/packet.h"

namespace {

constexpr int kLinkTypes[] = {
    picket::kLinkNull, picket::kLinkEthernet,  picket::kLinkRaw,
    picket::kLinkLoop, picket::kLinkLinuxSll,  picket::kLinkIpv4,
    picket::kLinkIpv6, picket::kLinkLinuxSll2,
};
constexpr size_t kSelectors = std::size(kLinkTypes) + 1;

void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

// Formatting is canonical: the text reads back to the same address and
// formats to the same text.
void CheckAddress(const picket::IpAddress& a) {
  const std::string text = a.ToString();
  picket::IpAddress back;
  if (!picket::IpAddress::Parse(text, &back)) Fail("unparsable", text);
  if (!(back == a)) Fail("round trip changed the address", text);
  if (back.ToString() != text) Fail("formatting not canonical", text);
}

void FuzzAddressText(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  picket::IpAddress a;
  if (!picket::IpAddress::Parse(text, &a)) return;
  if (a.family != 4 && a.family != 6) Fail("bad family", text);
  CheckAddress(a);
}

void FuzzDns(const uint8_t* data, size_t size) {
  picket::DnsMessage msg;
  const picket::Status st = picket::ParseDnsMessage(data, size, &msg);
  if (!st.ok() && st.code() != picket::Status::Code::kCorruption) {
    Fail("DNS error is not Corruption", st.ToString());
  }
}

void FuzzFrame(int link_type, const uint8_t* data, size_t size) {
  picket::DecodedPacket p;
  const picket::DecodeResult r =
      picket::DecodePacket(link_type, data, size, &p);
  if (p.payload != nullptr && (p.payload < data || p.payload_len > size ||
                               p.payload + p.payload_len > data + size)) {
    Fail("payload outside the capture", std::to_string(link_type));
  }
  if (p.payload == nullptr && p.payload_len != 0) {
    Fail("payload length without payload", std::to_string(p.payload_len));
  }
  if (r != picket::DecodeResult::kOk) return;
  if (p.src.family != p.dst.family ||
      (p.src.family != 4 && p.src.family != 6)) {
    Fail("bad address family", std::to_string(p.src.family));
  }
  if (p.protocol != picket::kProtoTcp && p.protocol != picket::kProtoUdp &&
      p.protocol != picket::kProtoIcmp && p.protocol != picket::kProtoIcmpv6) {
    Fail("decoded an unsupported protocol", std::to_string(p.protocol));
  }
  CheckAddress(p.src);
  CheckAddress(p.dst);
  auto is_dns = [](uint16_t port) { return port == 53 || port == 5353; };
  if (!is_dns(p.src_port) && !is_dns(p.dst_port)) return;
  if (p.protocol == picket::kProtoUdp) {
    FuzzDns(p.payload, p.payload_len);
  } else if (p.protocol == picket::kProtoTcp && p.payload_len >= 2) {
    FuzzDns(p.payload + 2, p.payload_len - 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t selector = data[0] % kSelectors;
  // A private copy of exactly the capture, so that a read past it is seen
  // even when the input buffer has slack after it.
  const size_t len = size - 1;
  std::unique_ptr<uint8_t[]> frame(new uint8_t[len == 0 ? 1 : len]);
  std::copy(data + 1, data + size, frame.get());
  if (selector == std::size(kLinkTypes)) {
    FuzzAddressText(frame.get(), len);
  } else {
    FuzzFrame(kLinkTypes[selector], frame.get(), len);
  }
  return 0;
}

#include "intel_workload.h"

#include <cstdio>
#include <random>

namespace picket::bench {

namespace {

std::string Dotted(uint32_t ip) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255,
                (ip >> 8) & 255, ip & 255);
  return buf;
}

std::string Label(std::mt19937_64& rng) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(6 + rng() % 7, 'a');
  for (char& c : out) c = kChars[rng() % 36];
  out[0] = kChars[rng() % 26];
  return out;
}

}  // namespace

IntelWorkload MakeIntelWorkload(size_t ipv4, size_t cidrs, size_t domains,
                                uint64_t seed) {
  static constexpr const char* kTlds[] = {"com", "net", "org", "ru",   "cn",
                                          "xyz", "top", "io",  "info", "cc"};
  std::mt19937_64 rng(seed);
  IntelWorkload w;
  w.ipv4_text.reserve(ipv4 * 16);
  for (size_t i = 0; i < ipv4; ++i) {
    uint32_t ip = static_cast<uint32_t>(rng());
    w.ipv4.push_back(ip);
    w.ipv4_text += Dotted(ip);
    w.ipv4_text += '\n';
  }
  for (size_t i = 0; i < cidrs; ++i) {
    int len = 16 + static_cast<int>(rng() % 13);
    uint32_t net = static_cast<uint32_t>(rng()) & (0xFFFFFFFFu << (32 - len));
    w.cidr_text += Dotted(net) + "/" + std::to_string(len) + "\n";
  }
  for (size_t i = 0; i < domains; ++i) {
    std::string name = kTlds[rng() % 10];
    int labels = 1 + static_cast<int>(rng() % 3);
    for (int l = 0; l < labels; ++l) name = Label(rng) + "." + name;
    w.domains.push_back(name);
    w.domain_text += name + "\n";
  }
  return w;
}

}  // namespace picket::bench

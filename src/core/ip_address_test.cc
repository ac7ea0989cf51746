#include "core/ip_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <random>
#include <string>

namespace picket {
namespace {

IpAddress V6(std::initializer_list<uint16_t> groups) {
  IpAddress a;
  a.family = 6;
  int i = 0;
  for (uint16_t g : groups) {
    a.bytes[i++] = static_cast<uint8_t>(g >> 8);
    a.bytes[i++] = static_cast<uint8_t>(g);
  }
  return a;
}

TEST(IpAddressTest, Ipv4) {
  EXPECT_EQ(IpAddress::V4(0xc0000201).ToString(), "192.0.2.1");
  EXPECT_EQ(IpAddress::V4(0).ToString(), "0.0.0.0");
  EXPECT_EQ(IpAddress::V4(0xffffffff).ToString(), "255.255.255.255");
  EXPECT_TRUE(IpAddress::V4(0x7f000001).is_loopback());
  EXPECT_TRUE(IpAddress::V4(0x7f0a0b0c).is_loopback());
  EXPECT_FALSE(IpAddress::V4(0x0a000001).is_loopback());
  EXPECT_EQ(IpAddress().ToString(), "");
  EXPECT_FALSE(IpAddress().is_loopback());
}

TEST(IpAddressTest, Rfc5952Formatting) {
  struct Case {
    IpAddress address;
    const char* text;
  };
  const Case cases[] = {
      {V6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}), "2001:db8::1"},
      {V6({0, 0, 0, 0, 0, 0, 0, 0}), "::"},
      {V6({0, 0, 0, 0, 0, 0, 0, 1}), "::1"},
      {V6({1, 0, 0, 0, 0, 0, 0, 0}), "1::"},
      // 4.2.2: a single zero group is not shortened.
      {V6({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}), "2001:db8:0:1:1:1:1:1"},
      // 4.2.3: the longest run, and the first of equally long runs.
      {V6({0x2001, 0, 0, 1, 0, 0, 0, 1}), "2001:0:0:1::1"},
      {V6({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}), "2001:db8::1:0:0:1"},
      // 4.1 and 4.3: no leading zeros, lowercase.
      {V6({0x2001, 0x0db8, 0x00aa, 0x0abc, 0xabcd, 0xf, 0xf0, 0xf00}),
       "2001:db8:aa:abc:abcd:f:f0:f00"},
      {V6({0xfe80, 0, 0, 0, 0x0211, 0x22ff, 0xfe33, 0x4455}),
       "fe80::211:22ff:fe33:4455"},
      {V6({0, 0, 1, 0, 0, 0, 0, 0}), "0:0:1::"},
      {V6({1, 2, 3, 4, 5, 6, 7, 8}), "1:2:3:4:5:6:7:8"},
      // Section 5: IPv4-mapped addresses keep the dotted quad.
      {V6({0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201}), "::ffff:192.0.2.1"},
      // IPv4-compatible (deprecated) and NAT64 addresses are plain IPv6.
      {V6({0, 0, 0, 0, 0, 0, 0xc000, 0x0201}), "::c000:201"},
      {V6({0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0201}), "64:ff9b::c000:201"},
      {V6({0, 0, 0, 0, 1, 0xffff, 0xc000, 0x0201}), "::1:ffff:c000:201"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.address.ToString(), c.text);
    IpAddress parsed;
    ASSERT_TRUE(IpAddress::Parse(c.text, &parsed)) << c.text;
    EXPECT_EQ(parsed, c.address) << c.text;
  }
}

TEST(IpAddressTest, ParsesEveryTextForm) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  const Case cases[] = {
      {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"2001:db8:0:0:0:0:0:1", "2001:db8::1"},
      {"2001:db8::0:1", "2001:db8::1"},
      {"2001:DB8::1", "2001:db8::1"},
      {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
      {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
      {"::ffff:10.1.2.3", "::ffff:10.1.2.3"},
      {"0:0:0:0:0:ffff:10.1.2.3", "::ffff:10.1.2.3"},
      {"::10.1.2.3", "::a01:203"},
      {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
      {"10.0.0.1", "10.0.0.1"},
      {"0.0.0.0", "0.0.0.0"},
  };
  for (const Case& c : cases) {
    IpAddress a;
    ASSERT_TRUE(IpAddress::Parse(c.text, &a)) << c.text;
    EXPECT_EQ(a.ToString(), c.canonical) << c.text;
  }
}

TEST(IpAddressTest, RejectsWhatIsNotAnAddress) {
  const char* bad[] = {"",
                       "1.2.3",
                       "1.2.3.4.5",
                       "256.1.1.1",
                       "1.2.3.-4",
                       "01.2.3.4",
                       "1..2.3",
                       " 1.2.3.4",
                       "1.2.3.4 ",
                       "1.2.3.4:80",
                       "localhost",
                       ":",
                       ":::",
                       "1:",
                       ":1",
                       "1::2::3",
                       "12345::",
                       "g::",
                       "1:2:3:4:5:6:7",
                       "1:2:3:4:5:6:7:8:9",
                       "1:2:3:4:5:6:7:8::",
                       "::1:2:3:4:5:6:7:8",
                       "fe80::1%eth0",
                       "::1.2.3",
                       "::1.2.3.4:5",
                       "1:2:3:4:5:6:7:1.2.3.4",
                       "[::1]"};
  for (const char* text : bad) {
    IpAddress a = IpAddress::V4(0x01020304);
    EXPECT_FALSE(IpAddress::Parse(text, &a)) << text;
    EXPECT_EQ(a, IpAddress::V4(0x01020304)) << "changed on failure: " << text;
  }
  IpAddress a;
  EXPECT_FALSE(IpAddress::Parse(std::string("1.2.3.4\0", 8), &a));
}

TEST(IpAddressTest, Ipv6Loopback) {
  EXPECT_TRUE(V6({0, 0, 0, 0, 0, 0, 0, 1}).is_loopback());
  EXPECT_TRUE(V6({0, 0, 0, 0, 0, 0xffff, 0x7f00, 1}).is_loopback());
  EXPECT_FALSE(V6({0, 0, 0, 0, 0, 0, 0, 0}).is_loopback());
  EXPECT_FALSE(V6({0, 0, 0, 0, 0, 0, 0, 2}).is_loopback());
  EXPECT_FALSE(V6({0, 0, 0, 0, 0, 0xffff, 0x0a00, 1}).is_loopback());
}

// Random addresses biased towards zero groups, formatted by us and by the C
// library: the text must agree (RFC 5952 form) and read back to the same
// address. The C library prints IPv4-compatible addresses (::a.b.c.d, a
// form RFC 4291 deprecated) with a dotted quad; those are skipped.
TEST(IpAddressTest, MatchesInetNtopAndRoundTrips) {
  std::mt19937 rng(5952);
  int compared = 0;
  for (int i = 0; i < 20000; ++i) {
    IpAddress a;
    a.family = 6;
    for (int g = 0; g < 8; ++g) {
      const uint32_t r = rng();
      const uint16_t value = (r & 3) != 0 ? 0 : static_cast<uint16_t>(r >> 16);
      a.bytes[2 * g] = static_cast<uint8_t>(value >> 8);
      a.bytes[2 * g + 1] = static_cast<uint8_t>(value);
    }
    if (i % 7 == 0) {  // IPv4-mapped
      std::memset(a.bytes.data(), 0, 10);
      a.bytes[10] = a.bytes[11] = 0xff;
    }
    const std::string text = a.ToString();
    IpAddress back;
    ASSERT_TRUE(IpAddress::Parse(text, &back)) << text;
    ASSERT_EQ(back, a) << text;

    bool compatible = true;
    for (int b = 0; b < 12; ++b) compatible &= a.bytes[b] == 0;
    if (compatible) continue;
    char libc[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, a.bytes.data(), libc, sizeof(libc)), nullptr);
    EXPECT_EQ(text, libc);
    ++compared;
  }
  EXPECT_GT(compared, 15000);

  for (uint32_t v : {0u, 1u, 0x7f000001u, 0x0a000001u, 0xc0a80001u, 0xffffffffu,
                     0x01020304u, 0x64400a0bu}) {
    const IpAddress a = IpAddress::V4(v);
    char libc[INET_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET, a.bytes.data(), libc, sizeof(libc)), nullptr);
    EXPECT_EQ(a.ToString(), libc);
    IpAddress back;
    ASSERT_TRUE(IpAddress::Parse(libc, &back));
    EXPECT_EQ(back, a);
  }
}

}  // namespace
}  // namespace picket

#include "platform/linux/dynamic_library.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "platform/linux/lib_crypto.h"
#include "platform/linux/lib_nettle.h"
#include "platform/linux/lib_pcap.h"

// A library that is not there, declared like the real ones (getpid() stands
// in for its function).
#define PICKET_TEST_MISSING_FUNCTIONS(X) X(getpid)
PICKET_DYNAMIC_LIBRARY(MissingLib, "libpicket-no-such-library.so.7",
                       PICKET_TEST_MISSING_FUNCTIONS)

// A real library (libc) asked for a function it lacks.
#define PICKET_TEST_LIBC_FUNCTIONS(X) X(getpid) X(pcap_create)
PICKET_DYNAMIC_LIBRARY(LibcWithExtra, "libc.so.6", PICKET_TEST_LIBC_FUNCTIONS)

#define PICKET_TEST_LIBC_ONLY(X) X(getpid)
PICKET_DYNAMIC_LIBRARY(LibcOnly, "libc.so.6", PICKET_TEST_LIBC_ONLY)

namespace picket {
namespace {

TEST(DynamicLibraryTest, MissingLibraryIsNamedAndRemembered) {
  const auto& lib = MissingLib();
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(lib.status().ToString().find(
                "cannot load libpicket-no-such-library.so.7"),
            std::string::npos)
      << lib.status().ToString();
  // The same answer, without trying again.
  EXPECT_EQ(&MissingLib(), &lib);
}

TEST(DynamicLibraryTest, MissingFunctionIsNamed) {
  const auto& lib = LibcWithExtra();
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.status().ToString().find("libc.so.6 has no function "
                                         "pcap_create"),
            std::string::npos)
      << lib.status().ToString();
}

TEST(DynamicLibraryTest, ResolvedFunctionsAreCallable) {
  const auto& lib = LibcOnly();
  ASSERT_TRUE(lib.ok()) << lib.status().ToString();
  EXPECT_EQ(lib->getpid(), getpid());
}

TEST(DynamicLibraryTest, LibNettleDigests) {
  const auto& nettle = LibNettle();
  ASSERT_TRUE(nettle.ok()) << nettle.status().ToString();
  sha256_ctx ctx;
  nettle->nettle_sha256_init(&ctx);
  nettle->nettle_sha256_update(&ctx, 3,
                               reinterpret_cast<const uint8_t*>("abc"));
  uint8_t digest[SHA256_DIGEST_SIZE];
  nettle->nettle_sha256_digest(&ctx, sizeof digest, digest);
  // FIPS 180-2, appendix B.1: ba7816bf...f20015ad.
  EXPECT_EQ(digest[0], 0xba);
  EXPECT_EQ(digest[31], 0xad);
}

TEST(DynamicLibraryTest, LibCryptoHmac) {
  const auto& crypto = LibCrypto();
  ASSERT_TRUE(crypto.ok()) << crypto.status().ToString();
  // RFC 4231, test case 2.
  const char data[] = "what do ya want for nothing?";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  ASSERT_NE(crypto->HMAC(crypto->EVP_sha256(), "Jefe", 4,
                         reinterpret_cast<const unsigned char*>(data),
                         sizeof data - 1, mac, &len),
            nullptr);
  ASSERT_EQ(len, 32u);
  EXPECT_EQ(mac[0], 0x5b);
  EXPECT_EQ(mac[31], 0x43);
}

TEST(DynamicLibraryTest, LibPcapLoads) {
  const auto& pcap = LibPcap();
  ASSERT_TRUE(pcap.ok()) << pcap.status().ToString();
  EXPECT_NE(pcap->pcap_create, nullptr);
}

}  // namespace
}  // namespace picket

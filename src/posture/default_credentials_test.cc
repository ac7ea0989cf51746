#include "posture/default_credentials.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "posture/host.h"
#include "posture/policy.h"
#include "posture/posture_test_util.h"
#include "posture/scanner.h"
#include "testing/temp_dir.h"

namespace picket {
namespace {

// A real crypt(3) hash of `password`, made now with a fresh salt for the
// method `prefix` ("$6$", "$y$", ...; "" for DES). Empty when this system's
// crypt cannot make that method.
std::string Hash(const char* password, const char* prefix) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix[0] ? prefix : nullptr, 0, nullptr, 0, salt,
                       sizeof salt) == nullptr) {
    return "";
  }
  crypt_data data{};
  const char* out = crypt_r(password, salt, &data);
  if (out == nullptr || out[0] == '*') return "";
  return out;
}

int PairNumber(const char* user, const char* password) {
  auto pairs = DefaultCredentials();
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (std::string(pairs[i].user) == user &&
        std::string(pairs[i].password) == password) {
      return static_cast<int>(i + 1);
    }
  }
  return 0;
}

TEST(DefaultCredentialsListTest, IsShortAndStable) {
  auto pairs = DefaultCredentials();
  EXPECT_GE(pairs.size(), 30u);
  EXPECT_LE(pairs.size(), 64u);
  // Reports name pairs by number: these must never move.
  EXPECT_EQ(PairNumber("root", "xc3511"), 1);
  EXPECT_EQ(PairNumber("root", "vizxv"), 2);
  EXPECT_EQ(PairNumber("admin", "admin"), 4);
  EXPECT_EQ(PairNumber("root", ""), 12);
  EXPECT_EQ(PairNumber("pi", "raspberry"), 36);
}

class DefaultCredentialsMethodTest
    : public ::testing::TestWithParam<const char*> {};

TEST_P(DefaultCredentialsMethodTest, MatchesRealHashesOfEveryMethod) {
  const char* method = GetParam();
  std::string root_default = Hash("xc3511", method);
  if (root_default.empty()) {
    GTEST_SKIP() << "crypt(3) here cannot make " << method << " hashes";
  }
  CryptScratch scratch;
  int pair = 0;
  EXPECT_EQ(TestDefaultCredentials("root", true, root_default, &scratch, &pair,
                                   nullptr),
            CredentialTest::kMatch);
  EXPECT_EQ(pair, 1);
  // Another uid 0 account is tried with every root pair.
  pair = 0;
  EXPECT_EQ(TestDefaultCredentials("toor", true, Hash("vizxv", method),
                                   &scratch, &pair, nullptr),
            CredentialTest::kMatch);
  EXPECT_EQ(pair, 2);
  // An ordinary account only with its own user name's pairs.
  EXPECT_EQ(TestDefaultCredentials("operator", false, Hash("vizxv", method),
                                   &scratch, &pair, nullptr),
            CredentialTest::kNoMatch);
  pair = 0;
  EXPECT_EQ(TestDefaultCredentials("admin", false, Hash("smcadmin", method),
                                   &scratch, &pair, nullptr),
            CredentialTest::kMatch);
  EXPECT_EQ(pair, PairNumber("admin", "smcadmin"));
  // A password nobody guesses.
  EXPECT_EQ(
      TestDefaultCredentials("root", true, Hash("Tr0ub4dor&3-horse", method),
                             &scratch, &pair, nullptr),
      CredentialTest::kNoMatch);
}

INSTANTIATE_TEST_SUITE_P(Methods, DefaultCredentialsMethodTest,
                         ::testing::Values("$6$", "$5$", "$y$", "$1$", "$2b$",
                                           ""));

TEST(DefaultCredentialsTest, EmptyFieldIsThePasswordlessPair) {
  CryptScratch scratch;
  int pair = 0;
  EXPECT_EQ(TestDefaultCredentials("root", true, "", &scratch, &pair, nullptr),
            CredentialTest::kMatch);
  EXPECT_EQ(pair, 12);
  EXPECT_EQ(
      TestDefaultCredentials("nobody", false, "", &scratch, &pair, nullptr),
      CredentialTest::kNoMatch);
}

TEST(DefaultCredentialsTest, UnsupportedHashAndCancel) {
  CryptScratch scratch;
  int pair = 0;
  EXPECT_EQ(TestDefaultCredentials("root", true, "$99$salt$notamethod",
                                   &scratch, &pair, nullptr),
            CredentialTest::kUnsupportedHash);
  EXPECT_EQ(TestDefaultCredentials("root", true, Hash("x", "$6$"), &scratch,
                                   &pair, [] { return false; }),
            CredentialTest::kCancelled);
}

// Through the rule: evidence names account and pair, never the password or
// the hash.
TEST(DefaultCredentialsTest, RuleReportsPairNumbersOnly) {
  testing_util::TempDir tmp("picket-creds-");
  const std::string& dir = tmp.path();
  std::filesystem::create_directories(dir + "/etc");
  std::string root_hash = Hash("root", "$6$");
  std::string pi_hash = Hash("raspberry", "$y$");
  if (pi_hash.empty()) pi_hash = Hash("raspberry", "$6$");
  std::string ops_hash = Hash("a-long-unique-passphrase", "$6$");
  std::ofstream(dir + "/etc/passwd")
      << "root:x:0:0::/root:/bin/sh\npi:x:1000:1000::/home/pi:/bin/sh\n"
         "ops:x:1001:1001::/home/ops:/bin/sh\nlocked:x:1002:1002::/:/bin/sh\n";
  std::ofstream(dir + "/etc/shadow")
      << "root:" << root_hash << ":19000::::::\npi:" << pi_hash
      << ":19000::::::\nops:" << ops_hash << ":19000::::::\nlocked:!"
      << root_hash << ":19000::::::\n";
  auto policy = ParsePolicy(
      "id: t\ntitle: t\nchecks:\n  - id: creds\n    title: c\n"
      "    severity: critical\n    remediation: r\n"
      "    condition: {default_credentials: {}}\n",
      "t.yaml");
  ASSERT_TRUE(policy.ok());
  auto host = NewLocalHost(dir);
  ASSERT_TRUE(host.ok());
  ScanReport report = RunScan(*policy, **host, ScanOptions{});
  ASSERT_EQ(report.results.size(), 1u);
  const CheckResult& r = report.results[0];
  EXPECT_EQ(r.verdict, Verdict::kFail);
  ASSERT_EQ(r.evidence.size(), 2u);
  EXPECT_EQ(r.evidence[0],
            "root: password is a publicly known default (pair #14 of the "
            "built-in iot-defaults list)");
  EXPECT_EQ(r.evidence[1],
            "pi: password is a publicly known default (pair #36 of the "
            "built-in iot-defaults list)");
  for (const std::string& e : r.evidence) {
    EXPECT_EQ(e.find("raspberry"), std::string::npos);
    EXPECT_EQ(e.find('$'), std::string::npos);
  }
}

}  // namespace
}  // namespace picket

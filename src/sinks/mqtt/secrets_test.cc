#include "sinks/mqtt/secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "testing/temp_dir.h"

namespace picket {
namespace {

namespace fs = std::filesystem;

class SecretsTest : public ::testing::Test {
 protected:
  // Writes `content` to `name` with `mode`; returns its path.
  std::string Write(const std::string& name, const std::string& content,
                    mode_t mode = 0600) {
    const std::string path = (dir_ / name).string();
    testing_util::WriteFile(path, content);
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }

  testing_util::TempDir tmp_{"secrets_test."};
  fs::path dir_ = tmp_.path();
};

TEST_F(SecretsTest, ReadsTheSecretWithoutTrailingSpace) {
  auto secret = ReadSecretFile(Write("pw", "s3cret \t\r\n\n"), "password_file");
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(*secret, "s3cret");
}

TEST_F(SecretsTest, RefusesAFileOthersCanRead) {
  const std::string path = Write("pw", "s3cret", 0640);
  auto secret = ReadSecretFile(path, "password_file");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(secret.status().message(),
            "password_file " + path +
                ": readable by group or others (mode 0640); run chmod 600 "
                "on it");
  EXPECT_EQ(secret.status().message().find("s3cret"), std::string::npos);
}

TEST_F(SecretsTest, RefusesAFileOfAnotherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  const std::string path = Write("pw", "s3cret");
  ASSERT_EQ(chown(path.c_str(), 65534, 65534), 0);
  auto secret = ReadSecretFile(path, "password_file");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().code(), Status::Code::kPermissionDenied);
  EXPECT_NE(secret.status().message().find("owned by another user"),
            std::string::npos);
}

TEST_F(SecretsTest, RefusesAFifoWithoutBlocking) {
  const std::string path = (dir_ / "fifo").string();
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  const auto started = std::chrono::steady_clock::now();
  auto secret = ReadSecretFile(path, "password_file");  // no writer, ever
  EXPECT_LT(std::chrono::steady_clock::now() - started,
            std::chrono::seconds(5));
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().message(),
            "password_file " + path + ": not a regular file");
}

TEST_F(SecretsTest, RefusesADirectoryAndASymbolicLink) {
  const std::string sub = (dir_ / "sub").string();
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  EXPECT_FALSE(ReadSecretFile(sub, "password_file").ok());
  const std::string link = (dir_ / "link").string();
  ASSERT_EQ(symlink(Write("pw", "s3cret").c_str(), link.c_str()), 0);
  auto secret = ReadSecretFile(link, "password_file");
  ASSERT_FALSE(secret.ok());
  EXPECT_NE(secret.status().message().find("cannot open"), std::string::npos);
}

TEST_F(SecretsTest, RefusesMissingEmptyAndLargeFiles) {
  auto missing = ReadSecretFile((dir_ / "none").string(), "password_file");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot open"), std::string::npos);
  auto empty = ReadSecretFile(Write("empty", " \n"), "password_file");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find(": empty"), std::string::npos);
  EXPECT_TRUE(ReadSecretFile(Write("full", std::string(kMaxSecretBytes, 'x')),
                             "password_file")
                  .ok());
  auto large = ReadSecretFile(
      Write("large", std::string(kMaxSecretBytes + 1, 'x')), "password_file");
  ASSERT_FALSE(large.ok());
  EXPECT_NE(large.status().message().find("larger than 4 KiB"),
            std::string::npos);
}

TEST_F(SecretsTest, PlainCredentialsComeFromTheConfiguration) {
  MqttSinkConfig config;
  config.host = "broker.example";
  config.username = "cam-01";
  config.password_file = Write("pw", "s3cret\n");
  auto c = ReadMqttCredentials(config, "cam-01");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->host, "broker.example");
  EXPECT_EQ(c->port, 1883);
  EXPECT_FALSE(c->tls);
  EXPECT_EQ(c->client_id, "cam-01");
  EXPECT_EQ(c->password, "s3cret");
  EXPECT_FALSE(c->azure.has_value());

  config.ca_file = "/etc/ssl/ca.pem";
  config.client_id = "picket-cam-01";
  c = ReadMqttCredentials(config, "cam-01");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->tls);
  EXPECT_EQ(c->port, 8883);
  EXPECT_EQ(c->client_id, "picket-cam-01");
  config.port = 9000;
  EXPECT_EQ(ReadMqttCredentials(config, "cam-01")->port, 9000);
}

TEST_F(SecretsTest, AzureCredentialsComeFromTheConnectionString) {
  MqttSinkConfig config;
  config.mode = "azure";
  config.connection_string_file =
      Write("cs",
            "HostName=hub.azure-devices.net;DeviceId=cam-01;ModuleId=picket;"
            "SharedAccessKey=c2VjcmV0\n");
  auto c = ReadMqttCredentials(config, "ignored");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->host, "hub.azure-devices.net");
  EXPECT_EQ(c->port, 8883);
  EXPECT_TRUE(c->tls);
  EXPECT_EQ(c->client_id, "cam-01/picket");
  EXPECT_EQ(c->username,
            "hub.azure-devices.net/cam-01/picket/?api-version=2021-04-12");
  ASSERT_TRUE(c->azure.has_value());
  EXPECT_EQ(c->azure->shared_access_key, "c2VjcmV0");

  config.connection_string_file =
      Write("x509", "HostName=hub.azure-devices.net;DeviceId=cam-01;x509=true");
  auto x509 = ReadMqttCredentials(config, "cam-01");
  ASSERT_FALSE(x509.ok());
  EXPECT_NE(x509.status().message().find("cert_file"), std::string::npos);

  config.connection_string_file = Write("bad", "HostName=hub");
  auto bad = ReadMqttCredentials(config, "cam-01");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(config.connection_string_file),
            std::string::npos);
}

}  // namespace
}  // namespace picket

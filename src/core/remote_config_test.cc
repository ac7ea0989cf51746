#include "core/remote_config.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace picket {
namespace {

constexpr char kBase[] = R"(
device:
  id: cam-01
detectors:
  brute_force:
    capacity: 7
    leak_interval: 30s
collectors:
  process:
    mode: poll
)";

std::string FieldsOf(const RemoteConfigResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.field + "=" + e.error + "\n";
  return out;
}

TEST(RemoteConfigTest, OverlayChangesOnlyWhatItNames) {
  RemoteConfigResult r = ApplyRemoteConfig(
      kBase, "picket.yaml",
      R"({"version": 42, "detectors": {"brute_force": {"capacity": 3}},
          "posture": {"interval": "6h"}, "log_level": "debug"})");
  ASSERT_TRUE(r.ok) << FieldsOf(r);
  EXPECT_EQ(r.version, "42");
  EXPECT_EQ(r.config.detectors.brute_force.capacity, 3u);
  // Siblings of a changed key keep the local file's value.
  EXPECT_EQ(r.config.detectors.brute_force.leak_interval_ms, 30000);
  EXPECT_EQ(r.config.collectors.process.mode, "poll");
  EXPECT_EQ(r.config.device.id, "cam-01");
  EXPECT_EQ(r.config.posture.interval_ms, 6 * 3600000);
  EXPECT_EQ(r.config.log_level, "debug");
}

TEST(RemoteConfigTest, BooleansListsAndStringVersions) {
  RemoteConfigResult r = ApplyRemoteConfig(kBase, "picket.yaml",
                                           R"({"version": "2026-11-23.1",
          "collectors": {"network": {"enabled": false}},
          "detectors": {"exec_location": {"paths": ["/tmp", "/data/tmp"]}}})");
  ASSERT_TRUE(r.ok) << FieldsOf(r);
  EXPECT_EQ(r.version, "2026-11-23.1");
  EXPECT_FALSE(r.config.collectors.network.enabled);
  EXPECT_EQ(r.config.detectors.exec_location.paths,
            (std::vector<std::string>{"/tmp", "/data/tmp"}));
}

TEST(RemoteConfigTest, EveryInvalidFieldIsListed) {
  RemoteConfigResult r = ApplyRemoteConfig(kBase, "picket.yaml",
                                           R"({"version": 5,
          "detectors": {"brute_force": {"capacity": -1, "colour": "red"}},
          "collectors": {"process": {"poll_interval": "fast"}}})");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.version, "5");
  std::string fields = FieldsOf(r);
  EXPECT_NE(fields.find("detectors.brute_force.capacity=expected an integer"),
            std::string::npos)
      << fields;
  EXPECT_NE(fields.find("detectors.brute_force.colour=unknown key"),
            std::string::npos)
      << fields;
  EXPECT_NE(fields.find("collectors.process.poll_interval=expected a duration"),
            std::string::npos)
      << fields;
  EXPECT_EQ(r.errors.size(), 3u) << fields;
}

// A remote document must not be able to make the agent hold more memory
// than a device can afford: the 1 GiB capture ring that used to be applied
// (and kept across restarts) is refused, while the local file may still go
// beyond the remote bound.
TEST(RemoteConfigTest, MemoryHungryValuesHaveTighterRemoteBounds) {
  RemoteConfigResult big = ApplyRemoteConfig(
      kBase, "picket.yaml",
      R"({"version": 1, "collectors": {"network": {"capture_buffer": "1GiB",
          "max_flows": 1000000}},
          "detectors": {"brute_force": {"max_tracked": 100000}},
          "intel": {"max_size": "512MiB"}})");
  ASSERT_FALSE(big.ok);
  EXPECT_EQ(FieldsOf(big),
            "collectors.network.capture_buffer=expected a size of at most "
            "8MiB in a remote configuration\n"
            "collectors.network.max_flows=expected an integer between 16 and "
            "16384 in a remote configuration\n"
            "detectors.brute_force.max_tracked=expected an integer between 16 "
            "and 16384 in a remote configuration\n"
            "intel.max_size=expected a size of at most 64MiB in a remote "
            "configuration\n");

  RemoteConfigResult fits = ApplyRemoteConfig(
      kBase, "picket.yaml",
      R"({"version": 2, "collectors": {"network": {"capture_buffer": "8MiB"}}})");
  ASSERT_TRUE(fits.ok) << FieldsOf(fits);
  EXPECT_EQ(fits.config.collectors.network.capture_buffer_bytes, 8u << 20);

  // The local file's larger value stands when the document leaves it alone.
  std::string local =
      std::string(kBase) + "  network:\n    capture_buffer: 32MiB\n";
  RemoteConfigResult other = ApplyRemoteConfig(
      local, "picket.yaml",
      R"({"version": 3, "detectors": {"brute_force": {"capacity": 4}}})");
  ASSERT_TRUE(other.ok) << FieldsOf(other);
  EXPECT_EQ(other.config.collectors.network.capture_buffer_bytes, 32u << 20);
}

TEST(RemoteConfigTest, LocalOnlySectionsAreRefused) {
  RemoteConfigResult r =
      ApplyRemoteConfig(kBase, "picket.yaml",
                        R"({"version": 1, "sinks": {"mqtt": {"host": "evil"}},
          "state_dir": "/tmp",
          "detectors": {"brute_force": {"capacity": "x"}}})");
  ASSERT_FALSE(r.ok);
  std::string fields = FieldsOf(r);
  // The allowed sections are still checked: every problem in one report.
  EXPECT_NE(fields.find("detectors.brute_force.capacity=expected an integer"),
            std::string::npos)
      << fields;
  EXPECT_NE(fields.find("sinks=cannot be changed remotely"), std::string::npos)
      << fields;
  EXPECT_NE(fields.find("state_dir=cannot be changed remotely"),
            std::string::npos)
      << fields;
}

TEST(RemoteConfigTest, VersionIsRequired) {
  RemoteConfigResult r =
      ApplyRemoteConfig(kBase, "picket.yaml", R"({"detectors": {}})");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.errors[0].field, "version");
  r = ApplyRemoteConfig(kBase, "picket.yaml", R"({"version": [1]})");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.errors[0].field, "version");
}

TEST(RemoteConfigTest, MalformedDocumentsAreRejectedWithAReason) {
  for (const char* bad : {"", "{", "[1,2]", "{\"version\": 1} trailing",
                          "\"text\"", "{\"version\": 1, \"detectors\": 5}",
                          "\xff\xfe{}", "{\"version\": 1, \"version\": 2}"}) {
    RemoteConfigResult r = ApplyRemoteConfig(kBase, "picket.yaml", bad);
    EXPECT_FALSE(r.ok) << bad;
    EXPECT_FALSE(r.errors.empty()) << bad;
    EXPECT_FALSE(r.errors[0].error.empty()) << bad;
  }
  std::string deep = "{\"version\":1,\"detectors\":";
  for (int i = 0; i < 100; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 101; ++i) deep += "}";
  deep += "}";
  EXPECT_FALSE(ApplyRemoteConfig(kBase, "picket.yaml", deep).ok);
  std::string huge(kMaxRemoteConfigBytes + 1, ' ');
  EXPECT_FALSE(ApplyRemoteConfig(kBase, "picket.yaml", huge).ok);
}

TEST(RemoteConfigTest, ReportIsJsonWithTheErrors) {
  RemoteConfigResult r = ApplyRemoteConfig(
      kBase, "picket.yaml",
      R"({"version": 9, "detectors": {"brute_force": {"capacity": "x"}}})");
  std::string report = RemoteConfigReportJson(r, "cam-01");
  rapidjson::Document doc;
  doc.Parse(report.c_str());
  ASSERT_FALSE(doc.HasParseError()) << report;
  EXPECT_STREQ(doc["status"].GetString(), "rejected");
  EXPECT_STREQ(doc["version"].GetString(), "9");
  EXPECT_STREQ(doc["device"].GetString(), "cam-01");
  ASSERT_EQ(doc["errors"].Size(), 1u);
  EXPECT_STREQ(doc["errors"][0]["field"].GetString(),
               "detectors.brute_force.capacity");

  r = ApplyRemoteConfig(kBase, "picket.yaml", R"({"version": 10})");
  ASSERT_TRUE(r.ok);
  doc.Parse(RemoteConfigReportJson(r, "cam-01").c_str());
  EXPECT_STREQ(doc["status"].GetString(), "applied");
  EXPECT_FALSE(doc.HasMember("errors"));
}

}  // namespace
}  // namespace picket

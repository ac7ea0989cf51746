#include "posture/report.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>

namespace picket {
namespace {

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto policy = ParsePolicy(R"(id: demo
title: Demo policy
version: "2"
checks:
  - id: low.pass
    title: A low check that passes
    severity: low
    remediation: nothing
    condition: {file: {path: /etc/passwd}}
  - id: crit.fail
    title: A critical check that fails
    severity: critical
    description: Described.
    rationale: Because.
    remediation: >-
      Do this and that, which is a long remediation text that has to wrap
      over more than one line of the terminal table.
    references: ["CIS 1.1"]
    condition: {file: {path: /etc/passwd}}
  - id: high.error
    title: A high check that errs
    severity: high
    remediation: retry
    condition: {file: {path: /etc/passwd}}
  - id: crit.na
    title: A critical check that does not apply
    severity: critical
    remediation: none
    condition: {file: {path: /etc/passwd}}
)",
                              "demo.yaml");
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    policy_ = std::move(policy.value());
    report_.policy = &policy_;
    report_.root = "/";
    report_.os_id = "debian";
    report_.os_version = "12";
    report_.started_ns = 1795000000000000000;
    report_.duration_ms = 120;
    report_.results = {
        {&policy_.checks[0], Verdict::kPass, {"/etc/passwd: ok"}, ""},
        {&policy_.checks[1],
         Verdict::kFail,
         {"first finding", "second finding"},
         ""},
        {&policy_.checks[2], Verdict::kError, {}, "permission denied"},
        {&policy_.checks[3], Verdict::kNotApplicable, {"no sshd"}, ""}};
    report_.counts = CountResults(report_.results);
    report_.score = ComputeScore(report_.results);
  }

  Policy policy_;
  ScanReport report_;
};

TEST_F(ReportTest, TableGroupsBySeverityFailuresFirstWithRemediation) {
  std::string table = FormatTable(report_, TableOptions{});
  size_t critical = table.find("\nCRITICAL\n");
  size_t high = table.find("\nHIGH\n");
  size_t low = table.find("\nLOW\n");
  ASSERT_NE(critical, std::string::npos) << table;
  EXPECT_LT(critical, high);
  EXPECT_LT(high, low);
  size_t fail = table.find("FAIL   crit.fail");
  size_t na = table.find("N/A    crit.na");
  ASSERT_NE(fail, std::string::npos) << table;
  EXPECT_LT(fail, na);  // failed first within the group
  EXPECT_NE(table.find("         - first finding\n"), std::string::npos);
  EXPECT_NE(table.find("         fix:\n           Do this and that"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("reason: permission denied"), std::string::npos);
  EXPECT_NE(table.find("score   6/100: 1 failed, 1 passed, 1 error, 1 not "
                       "applicable"),
            std::string::npos)
      << table;
  for (size_t start = 0; start < table.size();) {
    size_t nl = table.find('\n', start);
    std::string line = table.substr(start, nl - start);
    if (line.starts_with("           ")) {
      EXPECT_LE(line.size(), 80u) << line;
    }
    start = nl + 1;
  }
  EXPECT_EQ(table.find("\033["), std::string::npos);
  EXPECT_NE(FormatTable(report_, TableOptions{true, 80}).find("\033[1;31m"),
            std::string::npos);
}

TEST_F(ReportTest, JsonHasEveryResult) {
  rapidjson::Document doc;
  doc.Parse(FormatJson(report_).c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["policy"]["id"].GetString(), "demo");
  // 1 (low passed) / (1 + 10 failed + 5 errored)
  EXPECT_EQ(doc["score"].GetUint(), 6u);
  EXPECT_EQ(doc["counts"]["failed"].GetUint(), 1u);
  EXPECT_EQ(doc["counts"]["total"].GetUint(), 4u);
  EXPECT_STREQ(doc["started"].GetString(), "2026-11-18T11:06:40.000000Z");
  const auto& results = doc["results"];
  ASSERT_EQ(results.Size(), 4u);
  EXPECT_STREQ(results[1]["result"].GetString(), "fail");
  EXPECT_STREQ(results[1]["severity"].GetString(), "critical");
  EXPECT_EQ(results[1]["evidence"].Size(), 2u);
  EXPECT_STREQ(results[1]["references"][0].GetString(), "CIS 1.1");
  EXPECT_STREQ(results[2]["reason"].GetString(), "permission denied");
  EXPECT_STREQ(results[3]["result"].GetString(), "not_applicable");
}

// Structural SARIF 2.1.0: what consumers (GitHub code scanning, sarif-sdk)
// rely on.
TEST_F(ReportTest, SarifIsStructurallyValid) {
  rapidjson::Document doc;
  doc.Parse(FormatSarif(report_).c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["version"].GetString(), "2.1.0");
  EXPECT_TRUE(doc.HasMember("$schema"));
  ASSERT_EQ(doc["runs"].Size(), 1u);
  const auto& run = doc["runs"][0];
  EXPECT_STREQ(run["tool"]["driver"]["name"].GetString(), "picket");
  const auto& rules = run["tool"]["driver"]["rules"];
  const auto& results = run["results"];
  ASSERT_EQ(rules.Size(), 4u);
  ASSERT_EQ(results.Size(), 4u);
  std::set<std::string> levels = {"none", "note", "warning", "error"};
  std::set<std::string> kinds = {"pass", "fail",   "notApplicable",
                                 "open", "review", "informational"};
  for (rapidjson::SizeType i = 0; i < results.Size(); ++i) {
    const auto& r = results[i];
    unsigned index = r["ruleIndex"].GetUint();
    ASSERT_LT(index, rules.Size());
    EXPECT_STREQ(rules[index]["id"].GetString(), r["ruleId"].GetString());
    EXPECT_TRUE(levels.count(r["level"].GetString()));
    EXPECT_TRUE(kinds.count(r["kind"].GetString()));
    EXPECT_TRUE(r["message"]["text"].IsString());
    // SARIF: a level other than "none" only for kind "fail".
    if (std::string(r["kind"].GetString()) != "fail") {
      EXPECT_STREQ(r["level"].GetString(), "none");
    }
  }
  EXPECT_STREQ(results[1]["kind"].GetString(), "fail");
  EXPECT_STREQ(results[1]["level"].GetString(), "error");
  EXPECT_STREQ(results[2]["kind"].GetString(), "open");
  EXPECT_STREQ(results[3]["kind"].GetString(), "notApplicable");
  EXPECT_STREQ(rules[1]["properties"]["security-severity"].GetString(), "9.5");
  const auto& notes = run["invocations"][0]["toolExecutionNotifications"];
  ASSERT_EQ(notes.Size(), 1u);
  EXPECT_STREQ(notes[0]["associatedRule"]["id"].GetString(), "high.error");
}

}  // namespace
}  // namespace picket

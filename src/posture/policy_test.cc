#include "posture/policy.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace picket {
namespace {

constexpr char kMinimal[] = R"(id: demo
title: Demo
checks:
  - id: demo.one
    title: One
    severity: high
    remediation: Fix it.
    condition:
      sysctl: {key: net.ipv4.ip_forward, equals: "0"}
)";

std::string Errors(std::string_view text) {
  auto policy = ParsePolicy(text, "p.yaml");
  EXPECT_FALSE(policy.ok()) << "expected errors for:\n" << text;
  if (policy.ok()) return "";
  EXPECT_EQ(policy.status().code(), Status::Code::kInvalidArgument);
  return policy.status().message();
}

TEST(PolicyLoaderTest, ReadsAMinimalPolicy) {
  auto policy = ParsePolicy(kMinimal, "p.yaml");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->id, "demo");
  EXPECT_EQ(policy->file, "p.yaml");
  ASSERT_EQ(policy->checks.size(), 1u);
  const Check& c = policy->checks[0];
  EXPECT_EQ(c.id, "demo.one");
  EXPECT_EQ(c.severity, Severity::kHigh);
  EXPECT_EQ(c.line, 4);
  ASSERT_EQ(c.condition.kind, Condition::Kind::kRule);
  const auto* rule = std::get_if<SysctlRule>(&c.condition.rule);
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->key, "net.ipv4.ip_forward");
  EXPECT_EQ(*rule->value.equals, "0");
  EXPECT_EQ(rule->missing, Verdict::kNotApplicable);
}

TEST(PolicyLoaderTest, ReadsNestedConditionsAndEveryRuleKind) {
  auto policy = ParsePolicy(R"(id: all-kinds
title: All kinds
applies_to: {os_ids: [debian, openwrt], versions: ["12"]}
checks:
  - id: c
    title: C
    severity: low
    remediation: R
    references: ["CIS 1.2.3"]
    applies_if: {os: {ids: [debian]}}
    condition:
      all:
        - file: {path: /etc/shadow, mode_max: "0640", owner: [root], group: shadow}
        - file_content: {path: /etc/login.defs, line: 'PASS_MAX_DAYS\s+(\d+)', number: "<= 365"}
        - directory: {paths: [/], find: [suid, sgid], allow: [/usr/bin/passwd]}
        - kernel_module: {name: cramfs, loaded: false, disabled: true}
        - mount: {path: /tmp, options: [noexec]}
        - package: {names: [telnetd]}
        - listening: {protocol: tcp, ports: [23, 2323], bind: wildcard}
        - firewall: {hook: input, filtering: true}
        - accounts: {test: uid0_only_root}
        - sshd: {key: PermitRootLogin, one_of: ["no"]}
        - default_credentials: {}
        - command: {argv: [/usr/sbin/nft, list, ruleset], timeout: 5s, exit_code: 0}
        - any:
            - process: {names: [syslogd], running: true}
            - not: {process: {names: [telnetd]}}
)",
                            "p.yaml");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->os_ids, (std::vector<std::string>{"debian", "openwrt"}));
  const Check& c = policy->checks[0];
  ASSERT_TRUE(c.applies_if.has_value());
  ASSERT_EQ(c.condition.kind, Condition::Kind::kAll);
  ASSERT_EQ(c.condition.children.size(), 13u);
  std::vector<std::string> kinds;
  for (const Condition& child : c.condition.children) {
    if (child.kind == Condition::Kind::kRule) {
      kinds.emplace_back(RuleKindName(child.rule));
    }
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{
                       "file", "file_content", "directory", "kernel_module",
                       "mount", "package", "listening", "firewall", "accounts",
                       "sshd", "default_credentials", "command"}));
  const auto& cmd = std::get<CommandRule>(c.condition.children[11].rule);
  EXPECT_EQ(cmd.timeout_ms, 5000);
  EXPECT_EQ(cmd.max_output, 64u << 10);
  const auto& file = std::get<FileRule>(c.condition.children[0].rule);
  EXPECT_EQ(*file.mode_max, 0640u);
  // Case-insensitive by default for sshd values.
  const auto& sshd = std::get<SshdRule>(c.condition.children[9].rule);
  std::string why;
  EXPECT_TRUE(sshd.value.Accepts("No", &why));
}

TEST(PolicyLoaderTest, ErrorsNameFileLineAndKey) {
  std::string errors = Errors(R"(id: demo
title: Demo
checks:
  - id: demo.one
    title: One
    severity: urgent
    remediation: Fix it.
    condition:
      sysctl: {key: net.ipv4.ip_forward, equls: "0"}
  - id: demo.two
    title: Two
    severity: low
    remediation: Fix it.
    condition:
      file: {path: etc/shadow, mode_max: "0999"}
)");
  EXPECT_NE(errors.find("p.yaml:6: checks[0].severity: expected one of info, "
                        "low, medium, high, critical"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("p.yaml:9: checks[0].condition.sysctl.equls: unknown "
                        "key"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("p.yaml:15: checks[1].condition.file.path: expected "
                        "an absolute path"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("p.yaml:15: checks[1].condition.file.mode_max: "
                        "expected octal permission bits"),
            std::string::npos)
      << errors;
}

TEST(PolicyLoaderTest, EveryErrorOnItsOwnLineSortedByLine) {
  std::string errors = Errors(R"(id: Bad Id
title: T
surprise: 1
checks:
  - id: a
    title: A
    severity: low
    condition: {sysctl: {key: a.b, equals: "1"}}
)");
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < errors.size()) {
    size_t nl = errors.find('\n', start);
    if (nl == std::string::npos) nl = errors.size();
    lines.push_back(errors.substr(start, nl - start));
    start = nl + 1;
  }
  ASSERT_EQ(lines.size(), 3u) << errors;
  EXPECT_TRUE(lines[0].starts_with("p.yaml:1: id: expected a lowercase id"))
      << lines[0];
  EXPECT_TRUE(lines[1].starts_with("p.yaml:3: surprise: unknown key"))
      << lines[1];
  EXPECT_EQ(lines[2],
            "p.yaml:5: checks[0]: missing required key \"remediation\"");
}

TEST(PolicyLoaderTest, RejectsMalformedFiles) {
  EXPECT_NE(Errors("id: x\ntitle: [unclosed\n").find("p.yaml:"),
            std::string::npos);
  EXPECT_NE(Errors("").find("p.yaml:1: empty policy"), std::string::npos);
  EXPECT_NE(Errors("- a\n- b\n")
                .find("expected a mapping (key: value lines) "
                      "at the top level"),
            std::string::npos);
  EXPECT_NE(Errors("id: x\ntitle: X\nchecks: []\n")
                .find("p.yaml:3: checks: expected a non-empty list of checks"),
            std::string::npos);
  EXPECT_NE(Errors("id: x\ntitle: X\n").find("missing required key \"checks\""),
            std::string::npos);
  EXPECT_NE(Errors(std::string(kMinimal) + "---\nid: y\n")
                .find("expected one YAML document, found a second one"),
            std::string::npos);
}

TEST(PolicyLoaderTest, RejectsDuplicateCheckIdsAndKeys) {
  std::string text = std::string(kMinimal) + R"(  - id: demo.one
    title: Again
    title: Twice
    severity: low
    remediation: R
    condition: {sysctl: {key: a.b, equals: "1"}}
)";
  std::string errors = Errors(text);
  EXPECT_NE(errors.find("p.yaml:10: checks[1].id: duplicate check id "
                        "\"demo.one\" (first on line 4)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("p.yaml:12: checks[1].title: duplicate key (first "
                        "defined on line 11)"),
            std::string::npos)
      << errors;
}

TEST(PolicyLoaderTest, RejectsBadConditions) {
  auto with = [](const std::string& condition) {
    return "id: x\ntitle: X\nchecks:\n  - id: a\n    title: A\n"
           "    severity: low\n    remediation: R\n    condition: " +
           condition + "\n";
  };
  EXPECT_NE(Errors(with("{}"))
                .find("expected a mapping with exactly one of "
                      "all, any, not, file"),
            std::string::npos);
  EXPECT_NE(Errors(with("{file: {path: /a}, sysctl: {key: a, equals: b}}"))
                .find("exactly one of"),
            std::string::npos);
  EXPECT_NE(Errors(with("{registry: {key: x}}"))
                .find("checks[0].condition.registry: unknown condition"),
            std::string::npos);
  EXPECT_NE(Errors(with("{all: []}"))
                .find("checks[0].condition.all: expected a non-empty list"),
            std::string::npos);
  EXPECT_NE(Errors(with("{file_content: {path: /a, line: '(unclosed'}}"))
                .find("checks[0].condition.file_content.line: invalid regular "
                      "expression"),
            std::string::npos);
  EXPECT_NE(Errors(with("{sysctl: {key: a.b}}")).find("expected a value test"),
            std::string::npos);
  EXPECT_NE(Errors(with("{command: {argv: [nft, list], exit_code: 0}}"))
                .find("argv[0] must be an absolute path"),
            std::string::npos);
  EXPECT_NE(Errors(with("{command: {argv: [/bin/x], exit_code: 0, timeout: "
                        "1h}}"))
                .find("checks[0].condition.command.timeout: expected a "
                      "duration"),
            std::string::npos);
  EXPECT_NE(Errors(with("{listening: {ports: [0, 70000]}}"))
                .find("expected a list of port numbers"),
            std::string::npos);
  EXPECT_NE(Errors(with("{accounts: {test: everything}}"))
                .find("checks[0].condition.accounts.test: expected one of "
                      "uid0_only_root"),
            std::string::npos);
  EXPECT_NE(Errors(with("{file: {path: /a, exists: false, mode: '0600'}}"))
                .find("exists: false cannot be combined"),
            std::string::npos);
  EXPECT_NE(Errors(with("{directory: {paths: [/], find: [secrets]}}"))
                .find("unknown finding \"secrets\""),
            std::string::npos);
}

TEST(PolicyLoaderTest, BoundsNesting) {
  std::string deep = "{file: {path: /a}}";
  for (int i = 0; i < 20; ++i) deep = "{not: " + deep + "}";
  std::string errors = Errors(
      "id: x\ntitle: X\nchecks:\n  - id: a\n    title: A\n"
      "    severity: low\n    remediation: R\n    condition: " +
      deep + "\n");
  EXPECT_NE(errors.find("nested deeper than 16 levels"), std::string::npos)
      << errors;
}

TEST(PolicyLoaderTest, UnreadableFileNamesThePath) {
  auto policy = LoadPolicyFile("/nonexistent/policy.yaml");
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), Status::Code::kNotFound);
  EXPECT_NE(policy.status().message().find("/nonexistent/policy.yaml"),
            std::string::npos);
}

TEST(PolicyValueTest, Semantics) {
  ValueTest t;
  t.number = NumberTest{NumberTest::Op::kLe, 4};
  std::string why;
  EXPECT_TRUE(t.Accepts("4", &why));
  EXPECT_FALSE(t.Accepts("5", &why));
  EXPECT_EQ(why, "expected <= 4");
  EXPECT_FALSE(t.Accepts("four", &why));
  NumberTest n;
  EXPECT_TRUE(ParseNumberTest(">= -1", &n));
  EXPECT_EQ(n.op, NumberTest::Op::kGe);
  EXPECT_EQ(n.value, -1);
  EXPECT_TRUE(ParseNumberTest("=3", &n));
  EXPECT_FALSE(ParseNumberTest("~ 3", &n));
  EXPECT_FALSE(ParseNumberTest("< 3x", &n));
}

// The shipped policy: valid, large enough, and every check complete.
TEST(PolicyShippedTest, LoadsWithEveryCheckComplete) {
  auto policy = LoadPolicyFile(std::string(PICKET_SOURCE_DIR) +
                               "/src/posture/policies/picket-baseline.yaml");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->id, "picket-baseline");
  EXPECT_GE(policy->checks.size(), 60u);
  std::set<std::string> groups;
  for (const Check& c : policy->checks) {
    EXPECT_FALSE(c.title.empty()) << c.id;
    EXPECT_FALSE(c.rationale.empty()) << c.id;
    EXPECT_FALSE(c.remediation.empty()) << c.id;
    groups.insert(c.id.substr(0, c.id.find('.')));
  }
  EXPECT_EQ(groups,
            (std::set<std::string>{"accounts", "files", "firewall", "hygiene",
                                   "kernel", "logging", "modules", "mounts",
                                   "net", "services", "ssh"}));
}

}  // namespace
}  // namespace picket

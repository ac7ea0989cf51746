#include "posture/accounts.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

TEST(AccountsTest, ParsesPasswdShadowAndGroup) {
  int bad = -1;
  auto passwd = ParsePasswd(
      "# comment\nroot:x:0:0:root:/root:/bin/sh\r\n\n"
      "broken line\nnobody:x:65534:65534::/:/bin/false\n+::::::\n",
      &bad);
  EXPECT_EQ(bad, 1);
  ASSERT_EQ(passwd.size(), 3u);
  EXPECT_EQ(passwd[0].name, "root");
  EXPECT_EQ(passwd[0].shell, "/bin/sh");  // CR stripped
  EXPECT_EQ(passwd[0].line, 2);
  EXPECT_EQ(passwd[1].uid, 65534u);
  EXPECT_TRUE(passwd[2].legacy);

  auto shadow = ParseShadow(
      "root:$6$s$h:19000:0:99999:7:::\nbusybox:abc\n"
      "x\n",
      &bad);
  EXPECT_EQ(bad, 1);
  ASSERT_EQ(shadow.size(), 2u);
  EXPECT_EQ(shadow[0].hash, "$6$s$h");
  EXPECT_EQ(shadow[0].max_days, "99999");
  EXPECT_EQ(shadow[1].hash, "abc");  // BusyBox's two-field form

  auto group = ParseGroup("sudo:x:27:alice,bob\nempty:x:5:\nbad:x:y:\n", &bad);
  EXPECT_EQ(bad, 1);
  ASSERT_EQ(group.size(), 2u);
  EXPECT_EQ(group[0].members, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_TRUE(group[1].members.empty());
}

TEST(AccountsTest, LockedPasswords) {
  for (const char* locked :
       {"!", "!!", "*", "*LK*", "x", "!$6$salt$hash", "!*", "NP"}) {
    EXPECT_TRUE(IsLockedPassword(locked)) << locked;
  }
  for (const char* usable :
       {"", "$6$salt$hash", "$y$j9T$salt$hash", "abOV.DfJmdnYw"}) {
    EXPECT_FALSE(IsLockedPassword(usable)) << usable;
  }
}

TEST(AccountsTest, NoLoginShells) {
  EXPECT_TRUE(IsNoLoginShell("/usr/sbin/nologin"));
  EXPECT_TRUE(IsNoLoginShell("/bin/false"));
  EXPECT_TRUE(IsNoLoginShell("/bin/sync"));
  EXPECT_FALSE(IsNoLoginShell("/bin/sh"));
  EXPECT_FALSE(IsNoLoginShell(""));  // empty means /bin/sh
}

}  // namespace
}  // namespace picket

#include "collectors/linux/procfs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace picket::procfs {
namespace {

using std::string_literals::operator""s;

// The captured tree is described in tests/fixtures/proc/README.md.
std::string Fixture(const std::string& relative) {
  std::ifstream in(PICKET_SOURCE_DIR "/tests/fixtures/proc/" + relative,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << relative;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// --- ParseStat ---------------------------------------------------------

TEST(ProcfsParseStatTest, RealProcess) {
  Stat stat;
  ASSERT_TRUE(ParseStat(Fixture("proc/3326/stat"), &stat));
  EXPECT_EQ(stat.pid, 3326);
  EXPECT_EQ(stat.comm, "sleep");
  EXPECT_EQ(stat.state, 'S');
  EXPECT_EQ(stat.ppid, 3325);
  EXPECT_EQ(stat.flags, 4194560u);
  EXPECT_EQ(stat.flags & kTaskExiting, 0u);
  EXPECT_EQ(stat.start_ticks, 24288u);
}

TEST(ProcfsParseStatTest, RealCommWithSpacesAndParentheses) {
  Stat stat;
  ASSERT_TRUE(ParseStat(Fixture("proc/3337/stat"), &stat));
  EXPECT_EQ(stat.pid, 3337);
  EXPECT_EQ(stat.comm, "x) (y z)");
  EXPECT_EQ(stat.state, 'S');
  EXPECT_EQ(stat.ppid, 3336);
  EXPECT_EQ(stat.start_ticks, 24320u);
}

TEST(ProcfsParseStatTest, RealKernelThread) {
  Stat stat;
  ASSERT_TRUE(ParseStat(Fixture("proc/2/stat"), &stat));
  EXPECT_EQ(stat.pid, 2);
  EXPECT_EQ(stat.comm, "kthreadd");
  EXPECT_EQ(stat.ppid, 0);
  EXPECT_EQ(stat.start_ticks, 24u);
}

TEST(ProcfsParseStatTest, CommThatMimicsFields) {
  // A process may call itself "a) R 1 2 3 (" or put a newline in its name;
  // only the last ')' ends the comm.
  Stat stat;
  std::string content =
      "77 (a) R 1 2 3 (\n) T 9 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0\n";
  ASSERT_TRUE(ParseStat(content, &stat));
  EXPECT_EQ(stat.pid, 77);
  EXPECT_EQ(stat.comm, "a) R 1 2 3 (\n");
  EXPECT_EQ(stat.state, 'T');
  EXPECT_EQ(stat.ppid, 9);
  EXPECT_EQ(stat.start_ticks, 4242u);
}

TEST(ProcfsParseStatTest, EmptyComm) {
  Stat stat;
  ASSERT_TRUE(
      ParseStat("5 () S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7", &stat));
  EXPECT_EQ(stat.comm, "");
  EXPECT_EQ(stat.start_ticks, 7u);
}

TEST(ProcfsParseStatTest, RejectsMalformed) {
  const std::string kTail = " S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7";
  const std::vector<std::string> bad = {
      "",
      "garbage",
      "12 (x",                    // no ')'
      "12 x)" + kTail,            // no '('
      ") 12 (x" + kTail,          // ')' before '('
      "(x)" + kTail,              // no pid
      "12(x)" + kTail,            // no space before '('
      "-3 (x)" + kTail,           // negative pid
      "99999999999 (x)" + kTail,  // pid out of range
      "12 (x) S 1 0 0",           // cut before start time
      "12 (x) SS 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7",  // state
      "12 (x) S -1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7",  // ppid
      "12 (x) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7x",  // start time
      "12 (x) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0",     // 21 fields
      "12 (x)",
  };
  for (const std::string& content : bad) {
    Stat stat;
    EXPECT_FALSE(ParseStat(content, &stat)) << content;
  }
}

// --- ParseStatus -------------------------------------------------------

TEST(ProcfsParseStatusTest, RealProcess) {
  StatusIds ids;
  ASSERT_TRUE(ParseStatus(Fixture("proc/3326/status"), &ids));
  EXPECT_EQ(ids.tgid, 3326);
  EXPECT_EQ(ids.ppid, 3325);
  EXPECT_EQ(ids.uid, 65534u);
  EXPECT_EQ(ids.euid, 65534u);
  EXPECT_EQ(ids.gid, 65534u);

  ASSERT_TRUE(ParseStatus(Fixture("proc/3331/status"), &ids));
  EXPECT_EQ(ids.tgid, 3331);
  EXPECT_EQ(ids.uid, 1000u);
  EXPECT_EQ(ids.gid, 1000u);
}

TEST(ProcfsParseStatusTest, SetuidProcessHasDifferentEffectiveUid) {
  StatusIds ids;
  ASSERT_TRUE(
      ParseStatus("Name:\tpasswd\nTgid:\t10\nPPid:\t9\nUid:\t1000\t0\t0\t0\n"
                  "Gid:\t1000\t1000\t1000\t1000\n",
                  &ids));
  EXPECT_EQ(ids.uid, 1000u);
  EXPECT_EQ(ids.euid, 0u);
  EXPECT_EQ(ids.gid, 1000u);
}

TEST(ProcfsParseStatusTest, FirstOccurrenceWins) {
  StatusIds ids;
  ASSERT_TRUE(ParseStatus(
      "Tgid:\t10\nPPid:\t9\nUid:\t1000\t1000\nGid:\t5\nUid:\t0\t0\n", &ids));
  EXPECT_EQ(ids.uid, 1000u);
}

TEST(ProcfsParseStatusTest, RejectsMalformed) {
  const std::vector<std::string> bad = {
      "",
      "Name:\tx\n",
      "Tgid:\t10\nPPid:\t9\nUid:\t1000\t1000\n",               // no Gid
      "Tgid:\t10\nPPid:\t9\nGid:\t1\n",                        // no Uid
      "Tgid:\t10\nPPid:\t9\nUid:\t1000\nGid:\t1\n",            // one uid
      "Tgid:\tx\nPPid:\t9\nUid:\t1\t1\nGid:\t1\n",             // tgid
      "Tgid:\t10\nPPid:\t9\nUid:\t-1\t1\nGid:\t1\n",           // uid
      "Tgid:\t10\nPPid:\t9\nUid:\t1\t1\nGid:\t99999999999\n",  // gid range
      "Tgid 10\nPPid 9\nUid 1 1\nGid 1\n",                     // no colons
  };
  for (const std::string& content : bad) {
    StatusIds ids;
    EXPECT_FALSE(ParseStatus(content, &ids)) << content;
  }
}

// --- ParseCmdline ------------------------------------------------------

TEST(ProcfsParseCmdlineTest, RealContent) {
  EXPECT_EQ(ParseCmdline(Fixture("proc/3445/cmdline")),
            (std::vector<std::string>{"/tmp/.x", "1004", "5"}));
  EXPECT_EQ(ParseCmdline(Fixture("proc/3337/cmdline")),
            (std::vector<std::string>{"/var/tmp/picket-cap/x) (y z)", "1003"}));
  EXPECT_TRUE(ParseCmdline(Fixture("proc/2/cmdline")).empty());
}

TEST(ProcfsParseCmdlineTest, MissingTrailingNul) {
  // A process that overwrote its argv area (setproctitle) may leave no NUL.
  EXPECT_EQ(ParseCmdline("nginx: worker process"),
            (std::vector<std::string>{"nginx: worker process"}));
  EXPECT_EQ(ParseCmdline("a\0b"s), (std::vector<std::string>{"a", "b"}));
}

TEST(ProcfsParseCmdlineTest, KeepsEmptyArguments) {
  EXPECT_EQ(ParseCmdline("sh\0-c\0\0"s),
            (std::vector<std::string>{"sh", "-c", ""}));
  EXPECT_EQ(ParseCmdline("\0"s), (std::vector<std::string>{""}));
}

TEST(ProcfsParseCmdlineTest, CapsArgumentCount) {
  std::string raw;
  for (int i = 0; i < 1000; ++i) raw += std::to_string(i) + '\0';
  std::vector<std::string> args = ParseCmdline(raw);
  ASSERT_EQ(args.size(), kMaxArgs);
  EXPECT_EQ(args.front(), "0");
  EXPECT_EQ(args.back(), std::to_string(kMaxArgs - 1));
}

TEST(ProcfsParseCmdlineTest, CapsTotalBytes) {
  std::string huge(100 * 1024, 'A');
  std::vector<std::string> args = ParseCmdline("bin\0"s + huge + '\0' + "x");
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0], "bin");
  // The second argument is cut where the 32 KiB budget ends; the third is
  // beyond it.
  EXPECT_EQ(args[1].size(), kMaxCmdlineBytes - 4);
}

// --- ParseExeLink ------------------------------------------------------

TEST(ProcfsParseExeLinkTest, PlainPath) {
  ExeLink link = ParseExeLink("/usr/bin/sleep");
  EXPECT_EQ(link.path, "/usr/bin/sleep");
  EXPECT_FALSE(link.deleted);
}

TEST(ProcfsParseExeLinkTest, DeletedSuffixIsStripped) {
  // The exact text readlink() gave for the captured process 3331.
  ExeLink link = ParseExeLink("/var/tmp/picket-cap/updater (deleted)");
  EXPECT_EQ(link.path, "/var/tmp/picket-cap/updater");
  EXPECT_TRUE(link.deleted);
}

TEST(ProcfsParseExeLinkTest, SuffixOnlyAtTheEnd) {
  ExeLink link = ParseExeLink("/opt/a (deleted)/b");
  EXPECT_EQ(link.path, "/opt/a (deleted)/b");
  EXPECT_FALSE(link.deleted);
  link = ParseExeLink("/opt/a (deleted) ");
  EXPECT_FALSE(link.deleted);
  link = ParseExeLink("");
  EXPECT_EQ(link.path, "");
  EXPECT_FALSE(link.deleted);
}

// --- ParseBootTime -----------------------------------------------------

TEST(ProcfsParseBootTimeTest, RealProcStat) {
  int64_t btime = 0;
  ASSERT_TRUE(ParseBootTime(Fixture("proc/stat"), &btime));
  EXPECT_EQ(btime, 1795446197);
}

TEST(ProcfsParseBootTimeTest, RejectsMalformed) {
  int64_t btime = 0;
  EXPECT_FALSE(ParseBootTime("", &btime));
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\nctxt 5\n", &btime));
  EXPECT_FALSE(ParseBootTime("btime abc\n", &btime));
  EXPECT_FALSE(ParseBootTime("btime \n", &btime));
  EXPECT_FALSE(ParseBootTime("btime -5\n", &btime));
  EXPECT_FALSE(ParseBootTime("xbtime 5\n", &btime));
  EXPECT_FALSE(ParseBootTime("btimes 5\n", &btime));
  EXPECT_TRUE(ParseBootTime("ctxt 1\nbtime 1700000000", &btime));
  EXPECT_EQ(btime, 1700000000);
}

// --- ParseMountinfo ----------------------------------------------------

TEST(ProcfsParseMountinfoTest, RealContent) {
  int bad = -1;
  std::vector<MountEntry> mounts =
      ParseMountinfo(Fixture("proc/self/mountinfo"), &bad);
  EXPECT_EQ(bad, 0);
  ASSERT_EQ(mounts.size(), 22u);
  EXPECT_EQ(mounts[0].mount_point, "/");
  EXPECT_EQ(mounts[0].fs_type, "ext4");
  EXPECT_EQ(mounts[20].mount_point, "/tmp");
  EXPECT_EQ(mounts[20].fs_type, "tmpfs");
  // Captured as "/tmp/usb\040stick".
  EXPECT_EQ(mounts[21].mount_point, "/tmp/usb stick");
  EXPECT_EQ(mounts[21].fs_type, "tmpfs");
}

TEST(ProcfsParseMountinfoTest, OptionalFields) {
  std::vector<MountEntry> mounts = ParseMountinfo(
      "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 shared:7 - ext3 "
      "/dev/root rw,errors=continue\n");
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].mount_point, "/mnt/parent");
  EXPECT_EQ(mounts[0].fs_type, "ext3");
}

TEST(ProcfsParseMountinfoTest, UnescapesOctal) {
  std::vector<MountEntry> mounts = ParseMountinfo(
      "1 0 0:1 / /a\\040b\\011c\\134d\\012e rw - tmpfs tmpfs rw\n"
      "2 0 0:1 / /keep\\777\\04 rw - tmpfs tmpfs rw\n");
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].mount_point, "/a b\tc\\d\ne");
  // Out of byte range or cut short: not an escape, kept as written.
  EXPECT_EQ(mounts[1].mount_point, "/keep\\777\\04");
}

TEST(ProcfsParseMountinfoTest, SkipsAndCountsMalformedLines) {
  const std::string content =
      "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
      "garbage\n"
      "28 27 0:25 / /nosep rw,relatime tmpfs none rw\n"  // no " - "
      "29 27 0:25 / /notype rw,relatime -\n"             // nothing after -
      "x 27 0:25 / /badid rw - tmpfs none rw\n"          // id
      "30 27 025 / /baddev rw - tmpfs none rw\n"         // major:minor
      "31 27 0:25 / relative rw - tmpfs none rw\n"       // mount point
      "32 27 0:25 / - - tmpfs none rw\n"                 // '-' too early
      "\n"                                               // blank: ignored
      "33 27 0:26 / /run rw,nosuid - tmpfs tmpfs rw";    // no final \n
  int bad = -1;
  std::vector<MountEntry> mounts = ParseMountinfo(content, &bad);
  EXPECT_EQ(bad, 7);
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].mount_point, "/");
  EXPECT_EQ(mounts[1].mount_point, "/run");
  EXPECT_EQ(mounts[1].fs_type, "tmpfs");
  // The counter is optional.
  EXPECT_EQ(ParseMountinfo(content).size(), 2u);
}

// --- FsTypeForPath -----------------------------------------------------

TEST(ProcfsFsTypeForPathTest, RealMountTable) {
  std::vector<MountEntry> mounts =
      ParseMountinfo(Fixture("proc/self/mountinfo"));
  EXPECT_EQ(FsTypeForPath(mounts, "/tmp/.x"), "tmpfs");
  EXPECT_EQ(FsTypeForPath(mounts, "/usr/bin/sleep"), "ext4");
  EXPECT_EQ(FsTypeForPath(mounts, "/dev/shm/payload"), "tmpfs");
  EXPECT_EQ(FsTypeForPath(mounts, "/proc/1/exe"), "proc");
  EXPECT_EQ(FsTypeForPath(mounts, "/sys/fs/cgroup/unified/x"), "cgroup2");
}

TEST(ProcfsFsTypeForPathTest, WholeComponentsOnly) {
  std::vector<MountEntry> mounts = {{"/", "ext4"}, {"/tmp", "tmpfs"}};
  EXPECT_EQ(FsTypeForPath(mounts, "/tmp"), "tmpfs");
  EXPECT_EQ(FsTypeForPath(mounts, "/tmp/"), "tmpfs");
  EXPECT_EQ(FsTypeForPath(mounts, "/tmp/x"), "tmpfs");
  EXPECT_EQ(FsTypeForPath(mounts, "/tmpfoo/x"), "ext4");
  EXPECT_EQ(FsTypeForPath(mounts, "/tm"), "ext4");
}

TEST(ProcfsFsTypeForPathTest, LongestPrefixWinsRegardlessOfOrder) {
  std::vector<MountEntry> mounts = {
      {"/overlay/lower", "squashfs"}, {"/", "ext4"}, {"/overlay", "overlay"}};
  EXPECT_EQ(FsTypeForPath(mounts, "/overlay/lower/bin/sh"), "squashfs");
  EXPECT_EQ(FsTypeForPath(mounts, "/overlay/upper/x"), "overlay");
  EXPECT_EQ(FsTypeForPath(mounts, "/etc/passwd"), "ext4");
}

TEST(ProcfsFsTypeForPathTest, LaterMountOverSamePointWins) {
  std::vector<MountEntry> mounts = {
      {"/", "ext4"}, {"/data", "ext4"}, {"/data", "tmpfs"}};
  EXPECT_EQ(FsTypeForPath(mounts, "/data/run.sh"), "tmpfs");
  mounts = {{"/", "rootfs"}, {"/", "squashfs"}};
  EXPECT_EQ(FsTypeForPath(mounts, "/bin/busybox"), "squashfs");
}

TEST(ProcfsFsTypeForPathTest, TrailingSlashInMountPoint) {
  std::vector<MountEntry> mounts = {{"/", "ext4"}, {"/mnt/", "vfat"}};
  EXPECT_EQ(FsTypeForPath(mounts, "/mnt/x"), "vfat");
  EXPECT_EQ(FsTypeForPath(mounts, "/mntx"), "ext4");
}

TEST(ProcfsFsTypeForPathTest, NoMatch) {
  EXPECT_EQ(FsTypeForPath({}, "/bin/sh"), "");
  std::vector<MountEntry> mounts = {{"/", "ext4"}};
  EXPECT_EQ(FsTypeForPath(mounts, "bin/sh"), "");
  EXPECT_EQ(FsTypeForPath(mounts, ""), "");
  EXPECT_EQ(FsTypeForPath({{"/data", "ext4"}}, "/etc/x"), "");
}

// --- ParsePasswd -------------------------------------------------------

TEST(ProcfsParsePasswdTest, RealContent) {
  std::unordered_map<uint32_t, std::string> users =
      ParsePasswd(Fixture("etc/passwd"));
  EXPECT_EQ(users.size(), 24u);
  EXPECT_EQ(users.at(0), "root");
  EXPECT_EQ(users.at(65534), "nobody");
  EXPECT_EQ(users.at(1000), "cloudsdk");
  EXPECT_EQ(users.at(101), "postgres");
}

TEST(ProcfsParsePasswdTest, SkipsMalformedLines) {
  std::unordered_map<uint32_t, std::string> users = ParsePasswd(
      "root:x:0:0:root:/root:/bin/sh\n"
      "# comment:x:5:5::/:/bin/sh\n"
      "\n"
      "garbage\n"
      "short:x:7\n"
      ":x:8:8::/:/bin/sh\n"
      "alpha:x:abc:9::/:/bin/sh\n"
      "neg:x:-1:9::/:/bin/sh\n"
      "big:x:4294967296:9::/:/bin/sh\n"
      "toor:x:0:0::/:/bin/sh\n"  // duplicate uid: the first line wins
      "admin:x:1000:1000");      // four fields, no final newline
  EXPECT_EQ(users.size(), 2u);
  EXPECT_EQ(users.at(0), "root");
  EXPECT_EQ(users.at(1000), "admin");
}

// --- Robustness --------------------------------------------------------

// A cheap in-tree stand-in for the fuzzer: random strings over the bytes
// the parsers care about. The sanitizer build turns any out-of-bounds read
// into a failure.
TEST(ProcfsRobustnessTest, RandomInputNeverCrashes) {
  const std::string alphabet = "0123456789 ()\n\t:-/\\\0abSZ"s;
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> length(0, 64);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  for (int i = 0; i < 20000; ++i) {
    std::string input(length(rng), ' ');
    for (char& c : input) c = alphabet[pick(rng)];
    Stat stat;
    StatusIds ids;
    int64_t btime = 0;
    int bad = 0;
    (void)ParseStat(input, &stat);
    (void)ParseStatus(input, &ids);
    (void)ParseBootTime(input, &btime);
    EXPECT_LE(ParseCmdline(input).size(), input.size() + 1);
    (void)ParseExeLink(input);
    std::vector<MountEntry> mounts = ParseMountinfo(input, &bad);
    (void)FsTypeForPath(mounts, input);
    (void)ParsePasswd(input);
  }
}

}  // namespace
}  // namespace picket::procfs

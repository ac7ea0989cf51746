#include "posture/system_files.h"

#include <gtest/gtest.h>

namespace picket {
namespace {

TEST(SystemFilesOsReleaseTest, QuotesAndDefaults) {
  OsRelease os = ParseOsRelease(
      "NAME=\"Raspbian GNU/Linux\"\nID=raspbian\nID_LIKE='debian'\n"
      "VERSION_ID=\"11\"\nPRETTY_NAME=\"Raspbian \\\"bullseye\\\"\"\n");
  EXPECT_EQ(os.id, "raspbian");
  EXPECT_EQ(os.id_like, (std::vector<std::string>{"debian"}));
  EXPECT_EQ(os.version_id, "11");
  EXPECT_EQ(os.pretty_name, "Raspbian \"bullseye\"");
  EXPECT_EQ(ParseOsRelease("# nothing\n").id, "linux");
}

TEST(SystemFilesModuleTest, NamesAreNormalised) {
  auto loaded = ParseProcModules(
      "usb_storage 77824 1 uas, Live 0x0\nnf-tables 1 0 - Live 0x0\n");
  EXPECT_EQ(loaded, (std::set<std::string>{"usb_storage", "nf_tables"}));
  std::set<std::string> available;
  ParseModuleList(
      "kernel/fs/cramfs/cramfs.ko.xz:\n"
      "kernel/drivers/usb/storage/usb-storage.ko.zst: kernel/x.ko\n"
      "kernel/fs/ext4/ext4.ko\nbogus\n",
      &available);
  EXPECT_EQ(available,
            (std::set<std::string>{"cramfs", "usb_storage", "ext4"}));
}

TEST(SystemFilesModuleTest, ModprobeDirectives) {
  ModprobeConfig conf;
  ParseModprobeConf(
      "# x\nblacklist usb-storage\ninstall cramfs /bin/false\n"
      "install dccp \\\n  /bin/true\ninstall snd /sbin/modprobe --ignore-"
      "install snd\noptions x y=1\n",
      &conf);
  EXPECT_TRUE(conf.blacklisted.count("usb_storage"));
  EXPECT_EQ(conf.install["cramfs"], "/bin/false");
  EXPECT_EQ(conf.install["dccp"], "/bin/true");
  EXPECT_TRUE(InstallCommandDisables(conf.install["cramfs"]));
  EXPECT_TRUE(InstallCommandDisables(conf.install["dccp"]));
  EXPECT_FALSE(InstallCommandDisables(conf.install["snd"]));
}

TEST(SystemFilesMountsTest, DecodesEscapesAndSplitsOptions) {
  auto mounts = ParseMounts(
      "tmpfs /tmp tmpfs rw,nosuid,nodev 0 0\n"
      "/dev/sdb1 /media/my\\040disk vfat rw 0 0\nshort line\n");
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].options,
            (std::vector<std::string>{"rw", "nosuid", "nodev"}));
  EXPECT_EQ(mounts[1].mount_point, "/media/my disk");
}

void Feed(PackageDbParser* p, std::string_view text) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    p->Feed(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  p->Finish();
}

TEST(SystemFilesPackageDbTest, Dpkg) {
  PackageDbParser p(PackageDbParser::Format::kDpkg);
  Feed(&p,
       "Package: telnetd\nStatus: deinstall ok config-files\n\n"
       "Package: openssh-server\nStatus: install ok installed\n"
       "Description: x\n more\n\nPackage: half\nStatus: install ok "
       "half-configured\n\nPackage: held\nStatus: hold ok installed");
  EXPECT_EQ(p.installed(), (std::set<std::string>{"openssh-server", "held"}));
}

TEST(SystemFilesPackageDbTest, OpkgAndApk) {
  PackageDbParser opkg(PackageDbParser::Format::kOpkg);
  Feed(&opkg,
       "Package: dropbear\nVersion: 1\nStatus: install user installed\n\n"
       "Package: uhttpd\nStatus: install user not-installed\n");
  EXPECT_EQ(opkg.installed(), (std::set<std::string>{"dropbear"}));
  PackageDbParser apk(PackageDbParser::Format::kApk);
  Feed(&apk, "C:Q1x\nP:musl\nV:1\n\nP:busybox\nV:2\n");
  EXPECT_EQ(apk.installed(), (std::set<std::string>{"musl", "busybox"}));
}

}  // namespace
}  // namespace picket

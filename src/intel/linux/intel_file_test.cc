#include "intel/linux/intel_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "intel/compiler.h"
#include "testing/temp_dir.h"

namespace picket {
namespace {

namespace fs = std::filesystem;

class IntelFileTest : public ::testing::Test {
 protected:
  // An image listing `ip` (dotted quad) in feed `feed`.
  static std::vector<uint8_t> Image(const std::string& feed,
                                    const std::string& ip) {
    IntelCompiler c;
    EXPECT_TRUE(
        c.AddFeed(feed, FeedFormat::kPlain, IntelCategory::kBotnetC2).ok());
    Indicator i;
    std::string reason;
    EXPECT_EQ(ClassifyToken(ip, &i, &reason), TokenClass::kIndicator);
    i.category = IntelCategory::kBotnetC2;
    c.Add(0, i);
    Result<std::vector<uint8_t>> image = c.Build(0);
    EXPECT_TRUE(image.ok());
    return *image;
  }

  static uint32_t Ip(const std::string& text) {
    uint32_t v = 0;
    EXPECT_TRUE(ParseIpv4(text, &v));
    return v;
  }

  // Writes in place (what a careless tool would do), for the negative cases.
  void WriteRaw(const std::vector<uint8_t>& bytes) {
    std::string tmp = path_ + ".raw";
    std::ofstream out(tmp, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              std::streamsize(bytes.size()));
    out.close();
    fs::rename(tmp, path_);
  }

  testing_util::TempDir tmp_{"picket-intel-"};
  std::string dir_ = tmp_.path();
  std::string path_ = dir_ + "/intel.pint";
};

TEST_F(IntelFileTest, WriteAtomicallyThenMapAndLookUp) {
  ASSERT_TRUE(WriteFileAtomically(path_, Image("feodo", "192.0.2.1")).ok());
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // No temporary file is left behind.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir_))
    files += e.is_regular_file();
  EXPECT_EQ(files, 1u);

  Result<std::shared_ptr<const IntelFile>> f = IntelFile::Open(path_);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)->bytes().size(), size_t(st.st_size));
  std::optional<IntelMatch> m = (*f)->store().LookupIpv4(Ip("192.0.2.1"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->feed(), "feodo");
}

TEST_F(IntelFileTest, OpenErrorsNameThePath) {
  Result<std::shared_ptr<const IntelFile>> f = IntelFile::Open(path_);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Status::Code::kNotFound);
  EXPECT_NE(f.status().message().find(path_), std::string::npos);

  std::vector<uint8_t> image = Image("feodo", "192.0.2.1");
  image.resize(image.size() / 2);
  WriteRaw(image);
  f = IntelFile::Open(path_);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Status::Code::kCorruption);
  EXPECT_NE(f.status().message().find(path_ + ": truncated"), std::string::npos)
      << f.status().message();

  WriteRaw({});
  f = IntelFile::Open(path_);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("bad magic"), std::string::npos);

  f = IntelFile::Open(dir_);
  EXPECT_FALSE(f.ok());
}

TEST_F(IntelFileTest, HandleReloadsOnlyGoodNewFiles) {
  ASSERT_TRUE(WriteFileAtomically(path_, Image("one", "192.0.2.1")).ok());
  IntelHandle handle(path_);
  ASSERT_TRUE(handle.Load().ok());
  std::shared_ptr<const IntelFile> first = handle.Current();
  ASSERT_TRUE(first);

  bool reloaded = true;
  ASSERT_TRUE(handle.MaybeReload(&reloaded).ok());
  EXPECT_FALSE(reloaded);  // unchanged
  EXPECT_EQ(handle.Current(), first);

  std::shared_ptr<const IntelStore> first_store = handle.CurrentStore();
  ASSERT_TRUE(first_store);
  EXPECT_EQ(first_store.get(), &first->store());

  // A good replacement is swapped in; the old snapshots stay usable.
  ASSERT_TRUE(WriteFileAtomically(path_, Image("two", "192.0.2.2")).ok());
  ASSERT_TRUE(handle.MaybeReload(&reloaded).ok());
  EXPECT_TRUE(reloaded);
  std::shared_ptr<const IntelFile> second = handle.Current();
  ASSERT_NE(second, first);
  EXPECT_TRUE(second->store().LookupIpv4(Ip("192.0.2.2")));
  EXPECT_FALSE(second->store().LookupIpv4(Ip("192.0.2.1")));
  EXPECT_EQ(first->store().LookupIpv4(Ip("192.0.2.1"))->feed(), "one");
  first.reset();  // the store pointer alone keeps the old mapping alive
  EXPECT_EQ(first_store->LookupIpv4(Ip("192.0.2.1"))->feed(), "one");
  EXPECT_EQ(handle.CurrentStore().get(), &second->store());

  // A corrupt replacement is refused once, with the reason; the file in
  // service does not change.
  std::vector<uint8_t> bad = Image("three", "192.0.2.3");
  bad[bad.size() - 1] ^= 1;
  WriteRaw(bad);
  Status st = handle.MaybeReload(&reloaded);
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(reloaded);
  EXPECT_NE(st.message().find("checksum mismatch"), std::string::npos)
      << st.ToString();
  EXPECT_NE(st.message().find("keeping the intel in service"),
            std::string::npos);
  EXPECT_EQ(handle.Current(), second);
  EXPECT_TRUE(handle.MaybeReload(&reloaded).ok());  // reported already
  EXPECT_EQ(handle.Current(), second);

  // A truncated one too.
  std::vector<uint8_t> cut = Image("four", "192.0.2.4");
  cut.resize(100);
  WriteRaw(cut);
  st = handle.MaybeReload(&reloaded);
  EXPECT_NE(st.message().find("truncated"), std::string::npos) << st.ToString();
  EXPECT_EQ(handle.Current(), second);

  // The file disappearing keeps the intel too.
  fs::remove(path_);
  EXPECT_FALSE(handle.MaybeReload(&reloaded).ok());
  EXPECT_TRUE(handle.MaybeReload(&reloaded).ok());
  EXPECT_EQ(handle.Current(), second);

  // A good file again is picked up.
  ASSERT_TRUE(WriteFileAtomically(path_, Image("five", "192.0.2.5")).ok());
  ASSERT_TRUE(handle.MaybeReload(&reloaded).ok());
  EXPECT_TRUE(reloaded);
  EXPECT_EQ(handle.Current()->store().LookupIpv4(Ip("192.0.2.5"))->feed(),
            "five");
}

// The operator's way: `cp new.pint intel.bin` (truncate, then write into
// the same inode) or `truncate -s 0` while the agent runs. The store in
// service must keep answering as before — a mapping of the file would see
// the new bytes under lookups validated against the old ones, or fault
// (SIGBUS) on the truncated pages.
TEST_F(IntelFileTest, RewritingOrTruncatingInPlaceNeverDisturbsTheStore) {
  ASSERT_TRUE(WriteFileAtomically(path_, Image("feodo", "192.0.2.1")).ok());
  IntelHandle handle(path_);
  ASSERT_TRUE(handle.Load().ok());
  std::shared_ptr<const IntelStore> store = handle.CurrentStore();
  ASSERT_TRUE(store->LookupIpv4(Ip("192.0.2.1")));

  // In place: same inode, new content (a different, larger image).
  std::vector<uint8_t> next =
      Image("another-feed-with-a-longer-name", "198.51.100.7");
  {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(next.data()),
              std::streamsize(next.size() / 2));
  }
  EXPECT_TRUE(store->LookupIpv4(Ip("192.0.2.1")));
  EXPECT_FALSE(store->LookupIpv4(Ip("198.51.100.7")));
  // Half written: refused, the old store stays.
  EXPECT_FALSE(handle.MaybeReload().ok());
  EXPECT_EQ(handle.CurrentStore().get(), store.get());

  ASSERT_EQ(::truncate(path_.c_str(), 0), 0);
  EXPECT_TRUE(store->LookupIpv4(Ip("192.0.2.1")));
  for (uint32_t i = 0; i < 1000; ++i) store->LookupIpv4(Ip("10.0.0.0") + i);
  EXPECT_FALSE(handle.MaybeReload().ok());
  EXPECT_TRUE(handle.CurrentStore()->LookupIpv4(Ip("192.0.2.1")));

  // Finished in place: picked up at the next check.
  {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(next.data()),
              std::streamsize(next.size()));
  }
  // The identity must differ from the failed one even on coarse clocks.
  struct timespec times[2] = {{0, UTIME_OMIT}, {1, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path_.c_str(), times, 0), 0);
  bool reloaded = false;
  ASSERT_TRUE(handle.MaybeReload(&reloaded).ok());
  EXPECT_TRUE(reloaded);
  EXPECT_TRUE(handle.CurrentStore()->LookupIpv4(Ip("198.51.100.7")));
  // The first store is still whole for whoever held it.
  EXPECT_TRUE(store->LookupIpv4(Ip("192.0.2.1")));
}

TEST_F(IntelFileTest, FifosAndOversizedFilesAreRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo(path_.c_str(), 0600), 0);
  Result<std::shared_ptr<const IntelFile>> fifo = IntelFile::Open(path_);
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.status().message().find("not a regular file (a FIFO)"),
            std::string::npos)
      << fifo.status().message();
  ::unlink(path_.c_str());
  ASSERT_TRUE(WriteFileAtomically(path_, Image("feodo", "192.0.2.1")).ok());
  Result<std::shared_ptr<const IntelFile>> big = IntelFile::Open(path_, 100);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(big.status().message().find("intel.max_size"), std::string::npos);
}

TEST_F(IntelFileTest, LoadFailureLeavesTheHandleEmpty) {
  IntelHandle handle(path_);
  EXPECT_FALSE(handle.Load().ok());
  EXPECT_EQ(handle.Current(), nullptr);
  EXPECT_EQ(handle.CurrentStore(), nullptr);
  ASSERT_TRUE(WriteFileAtomically(path_, Image("one", "192.0.2.1")).ok());
  bool reloaded = false;
  ASSERT_TRUE(handle.MaybeReload(&reloaded).ok());
  EXPECT_TRUE(reloaded);
  EXPECT_NE(handle.Current(), nullptr);
}

TEST_F(IntelFileTest, WriteAtomicallyReportsAnUnwritableDirectory) {
  Status st = WriteFileAtomically(dir_ + "/missing/intel.pint",
                                  Image("one", "192.0.2.1"));
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("missing"), std::string::npos);
}

TEST_F(IntelFileTest, ReadWholeFile) {
  {
    std::ofstream out(dir_ + "/feed.txt");
    out << "1.2.3.4\n";
  }
  Result<std::string> text = ReadWholeFile(dir_ + "/feed.txt");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "1.2.3.4\n");
  EXPECT_EQ(ReadWholeFile(dir_ + "/nope").status().code(),
            Status::Code::kNotFound);
  EXPECT_FALSE(ReadWholeFile(dir_).ok());
}

}  // namespace
}  // namespace picket

#include "collectors/linux/file_hash.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "testing/temp_dir.h"

namespace picket {
namespace {

// FIPS 180-2 appendix B.1 and B.2.
constexpr char kAbc[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kTwoBlocks[] =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr char kTwoBlocksText[] =
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

// A file holding `content`, open with its position at the end (where a
// writer leaves it).
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    testing_util::WriteFile(path_, content);
    fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(lseek(fd_, 0, SEEK_END), static_cast<off_t>(content.size()));
  }
  ~TempFile() { close(fd_); }
  int fd() const { return fd_; }

 private:
  testing_util::TempDir dir_{"picket-hash-"};
  std::string path_ = dir_ / "file";
  int fd_ = -1;
};

TEST(FileHashTest, Sha256HexOfBytes) {
  EXPECT_EQ(Sha256Hex("abc", 3), kAbc);
  EXPECT_EQ(Sha256Hex(kTwoBlocksText, sizeof kTwoBlocksText - 1), kTwoBlocks);
  EXPECT_EQ(Sha256Hex("", 0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(FileHashTest, Sha256OfFdReadsTheWholeFileFromTheStart) {
  TempFile file(kTwoBlocksText);
  // The fd's position (at the end after the write) does not matter.
  Result<std::string> hex = Sha256OfFd(file.fd(), 1 << 20);
  ASSERT_TRUE(hex.ok()) << hex.status().ToString();
  EXPECT_EQ(*hex, kTwoBlocks);
}

TEST(FileHashTest, Sha256OfFdAcrossReadChunks) {
  // Larger than the 16 KiB read buffer: the same digest as one call.
  std::string big(100000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  TempFile file(big);
  Result<std::string> hex = Sha256OfFd(file.fd(), 1 << 20);
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(*hex, Sha256Hex(big.data(), big.size()));
}

TEST(FileHashTest, Sha256OfFdRefusesFilesOverTheLimit) {
  TempFile file(std::string(4096, 'x'));
  Result<std::string> hex = Sha256OfFd(file.fd(), 4095);
  ASSERT_FALSE(hex.ok());
  EXPECT_EQ(hex.status().code(), Status::Code::kResourceExhausted);
}

}  // namespace
}  // namespace picket

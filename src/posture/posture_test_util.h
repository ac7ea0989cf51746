// Test helpers for the posture tests: fixture roots with the permissions
// and owners git cannot store (tests/fixtures/posture/*.attrs), and files
// written into temporary roots.
#ifndef PICKET_POSTURE_POSTURE_TEST_UTIL_H_
#define PICKET_POSTURE_POSTURE_TEST_UTIL_H_

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "testing/temp_dir.h"

namespace picket {
namespace testing_util {

inline std::string PostureFixtureDir() {
  return std::string(PICKET_SOURCE_DIR) + "/tests/fixtures/posture";
}

// A copy of tests/fixtures/posture/<name> in a temporary directory, with
// <name>.attrs applied: modes always, owners when running as root (others
// keep the copier's uid). Removed on destruction (a TempDir holds it).
class FixtureRoot {
 public:
  explicit FixtureRoot(const std::string& name) {
    namespace fs = std::filesystem;
    std::string source = PostureFixtureDir() + "/" + name;
    path_ = dir_ / "root";
    fs::copy(source, path_,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    owners_ = geteuid() == 0;
    // git keeps only the executable bit; checkouts add the umask.
    for (auto it = fs::recursive_directory_iterator(path_);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_symlink()) continue;
      struct stat st;
      if (lstat(it->path().c_str(), &st) != 0) continue;
      mode_t mode =
          S_ISDIR(st.st_mode) ? 0755 : (st.st_mode & 0100 ? 0755 : 0644);
      chmod(it->path().c_str(), mode);
      if (owners_) lchown(it->path().c_str(), 0, 0);
    }
    if (owners_) lchown(path_.c_str(), 0, 0);
    std::ifstream attrs(PostureFixtureDir() + "/" + name + ".attrs");
    std::string line;
    while (std::getline(attrs, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream in(line);
      std::string mode, owner, rel;
      in >> mode >> owner >> rel;
      std::string file = path_ + "/" + rel;
      // chown first: it clears the setuid and setgid bits.
      size_t colon = owner.find(':');
      if (owners_ && colon != std::string::npos) {
        lchown(file.c_str(), std::stoul(owner.substr(0, colon)),
               std::stoul(owner.substr(colon + 1)));
      }
      if (mode != "-") {
        chmod(file.c_str(), static_cast<mode_t>(std::stoul(mode, nullptr, 8)));
      }
    }
  }
  FixtureRoot(const FixtureRoot&) = delete;
  FixtureRoot& operator=(const FixtureRoot&) = delete;

  const std::string& path() const { return path_; }
  // False when not root: files keep the test's uid, so owner checks differ.
  bool owners_applied() const { return owners_; }

  // Writes (or replaces) a file under the root.
  void Write(const std::string& rel, const std::string& text) const {
    WriteFile(path_ + "/" + rel, text);
  }

 private:
  TempDir dir_{"picket-posture-"};
  std::string path_;
  bool owners_ = false;
};

}  // namespace testing_util
}  // namespace picket

#endif  // PICKET_POSTURE_POSTURE_TEST_UTIL_H_

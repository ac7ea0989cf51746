// Test support: a temporary directory that removes itself, and whole-file
// reads and writes for tests and fuzz targets.
//
// TempDir creates a fresh directory under $TMPDIR (/tmp when unset) and
// removes it, recursively, when destroyed. Tests that need files on disk
// (fixture roots, spools, tailed logs) own one for their lifetime; nothing
// is left behind when a test passes, fails or returns early. Not for the
// shipped binary: the test-support library is linked only into the unit
// tests and the fuzz targets. Thread-compatible.
#ifndef PICKET_TESTING_TEMP_DIR_H_
#define PICKET_TESTING_TEMP_DIR_H_

#include <string>
#include <string_view>

namespace picket::testing_util {

class TempDir {
 public:
  // Creates $TMPDIR/<prefix>XXXXXX. Aborts, with the reason on stderr, when
  // it cannot: no test that asked for one could run without it.
  explicit TempDir(std::string_view prefix = "picket-");
  // Removes the directory and everything under it; errors are ignored.
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The directory's absolute path, without a trailing slash.
  const std::string& path() const { return path_; }
  // path() + "/" + relative, as std::filesystem::path's operator/ reads.
  std::string operator/(std::string_view relative) const;

 private:
  std::string path_;
};

// Replaces the file at `path` with `bytes` (binary), creating its parent
// directories. Aborts, with the reason on stderr, when it cannot.
void WriteFile(const std::string& path, std::string_view bytes);

// Appends `bytes` to the file at `path`, creating it (but not its parent
// directories) when missing. Aborts when it cannot.
void AppendFile(const std::string& path, std::string_view bytes);

// The whole content of the file at `path`; empty when it cannot be read.
std::string ReadFile(const std::string& path);

}  // namespace picket::testing_util

#endif  // PICKET_TESTING_TEMP_DIR_H_

#include "testing/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace picket::testing_util {

namespace {

[[noreturn]] void Die(const std::string& what, const std::string& path,
                      const std::string& reason) {
  std::fprintf(stderr, "test support: cannot %s %s: %s\n", what.c_str(),
               path.c_str(), reason.c_str());
  std::abort();
}

std::string TempRoot() {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string root = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

void Write(const std::string& path, std::string_view bytes,
           std::ios::openmode mode) {
  std::ofstream out(path, std::ios::binary | mode);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) Die("write", path, std::strerror(errno));
}

}  // namespace

TempDir::TempDir(std::string_view prefix) {
  std::string pattern = TempRoot() + "/" + std::string(prefix) + "XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    Die("create a directory", pattern, std::strerror(errno));
  }
  path_ = std::move(pattern);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::operator/(std::string_view relative) const {
  return path_ + "/" + std::string(relative);
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) Die("create the directories of", path, ec.message());
  Write(path, bytes, std::ios::trunc);
}

void AppendFile(const std::string& path, std::string_view bytes) {
  Write(path, bytes, std::ios::app);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace picket::testing_util

// Runs a libFuzzer target over files given on the command line (or every
// file of the given directories) without libFuzzer, so the targets build
// with any compiler and their corpora are replayed as a regression test in
// CI (under ASan+UBSan). For real fuzzing build with clang and
// -DPICKET_FUZZ_ENGINE=libfuzzer (see docs/development.md).
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void RunFile(const std::string& path, int* count) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size());
  ++*count;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 0;
  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      std::fprintf(stderr, "cannot stat %s\n", argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      RunFile(argv[i], &count);
      continue;
    }
    DIR* dir = opendir(argv[i]);
    while (dirent* e = dir ? readdir(dir) : nullptr) {
      if (e->d_name[0] == '.') continue;
      RunFile(std::string(argv[i]) + "/" + e->d_name, &count);
    }
    if (dir) closedir(dir);
  }
  // Arbitrary byte patterns beyond the corpus: empty, all-ones, long runs.
  const std::vector<std::string> extra = {"", std::string(1, '\0'),
                                          std::string(4096, '\xff'),
                                          std::string(70000, 'a')};
  for (const std::string& s : extra) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()),
                           s.size());
  }
  std::printf("%d corpus inputs ran clean\n", count);
  return 0;
}

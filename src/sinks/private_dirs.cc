#include "sinks/private_dirs.h"

#include <sys/stat.h>

#include <cerrno>

namespace picket {

std::string ParentDir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status MakePrivateDirs(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return Status::IOError(dir + ": not a directory");
  }
  const std::string parent = ParentDir(dir);
  if (parent != dir) PICKET_RETURN_IF_ERROR(MakePrivateDirs(parent));
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoStatus("mkdir " + dir, errno);
  }
  return Status::Ok();
}

}  // namespace picket

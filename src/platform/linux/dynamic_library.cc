#include "platform/linux/dynamic_library.h"

#include <dlfcn.h>

#include <string>

namespace picket::dynlib {

Result<void*> Open(const char* soname) {
  void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status::Unavailable(std::string("cannot load ") + soname + ": " +
                               (why != nullptr ? why : "unknown error"));
  }
  return handle;
}

Result<void*> Find(void* handle, const char* soname, const char* name) {
  dlerror();
  void* sym = dlsym(handle, name);
  if (sym == nullptr) {
    return Status::Unavailable(std::string(soname) + " has no function " +
                               name);
  }
  return sym;
}

}  // namespace picket::dynlib

// Optional libraries loaded when the part that needs them starts.
//
// The agent's optional dependencies (libnettle, libcrypto, libpcap,
// libmosquitto with libssl, libsystemd, libzstd) are not linked into the
// binary: each is opened with dlopen(3) the first time one of its functions
// is needed. A command or a configuration that does not use a part never
// maps its library (`picket scan` maps none of them, which saves about 3 MiB
// of resident memory), and a device whose firmware lacks a library still
// runs every other part; the part that needs it reports which library is
// missing.
//
// Each library is declared once, with the list of functions the agent uses:
//
//   #define PICKET_LIBFOO_FUNCTIONS(X) X(foo_open) X(foo_close)
//   PICKET_DYNAMIC_LIBRARY(LibFoo, PICKET_SONAME_FOO, PICKET_LIBFOO_FUNCTIONS)
//
// which defines `struct LibFooApi` (one typed pointer per function, named as
// the function) and `const Result<LibFooApi>& LibFoo()`, which opens the
// library and resolves every function on its first call (thread-safe), and
// returns the same answer afterwards. Callers write
//
//   const auto& foo = LibFoo();
//   if (!foo.ok()) return foo.status();
//   foo->foo_open(...);
#ifndef PICKET_PLATFORM_LINUX_DYNAMIC_LIBRARY_H_
#define PICKET_PLATFORM_LINUX_DYNAMIC_LIBRARY_H_

#include "picket/build_config.h"
#include "picket/status.h"

namespace picket::dynlib {

// dlopen(soname, RTLD_NOW | RTLD_LOCAL). The error names the library and
// carries dlerror()'s text.
Result<void*> Open(const char* soname);

// dlsym(handle, name). The error names the library and the function.
Result<void*> Find(void* handle, const char* soname, const char* name);

}  // namespace picket::dynlib

#define PICKET_DYNLIB_MEMBER_(fn) decltype(&::fn) fn = nullptr;

#define PICKET_DYNLIB_RESOLVE_(fn)                                             \
  {                                                                            \
    ::picket::Result<void*> sym = ::picket::dynlib::Find(handle, soname, #fn); \
    if (!sym.ok()) return sym.status();                                        \
    api.fn = reinterpret_cast<decltype(&::fn)>(sym.value());                   \
  }

#define PICKET_DYNAMIC_LIBRARY(Name, soname_literal, LIST)            \
  struct Name##Api {                                                  \
    LIST(PICKET_DYNLIB_MEMBER_)                                       \
  };                                                                  \
  inline ::picket::Result<Name##Api> Load##Name##Api() {              \
    const char* soname = soname_literal;                              \
    ::picket::Result<void*> opened = ::picket::dynlib::Open(soname);  \
    if (!opened.ok()) return opened.status();                         \
    void* handle = opened.value();                                    \
    Name##Api api;                                                    \
    LIST(PICKET_DYNLIB_RESOLVE_)                                      \
    return api;                                                       \
  }                                                                   \
  inline const ::picket::Result<Name##Api>& Name() {                  \
    static const ::picket::Result<Name##Api> api = Load##Name##Api(); \
    return api;                                                       \
  }

#endif  // PICKET_PLATFORM_LINUX_DYNAMIC_LIBRARY_H_

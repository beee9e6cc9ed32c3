// Optional libraries loaded at their first use (dlopen), as elfutils' libdw loads
// libdebuginfod: a library linked in is loaded and relocated at the start of every run, whether
// the run needs it or not.
#pragma once

#include <dlfcn.h>

#include <string>

namespace sym::detail {

// dlopen(soname) with RTLD_NOW | RTLD_LOCAL; null, and `problem` set to "cannot load SONAME
// (why)", when it cannot be loaded.
inline void* open_library(const char* soname, std::string& problem) {
  void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    problem = std::string("cannot load ") + soname + " (" +
              (why != nullptr ? why : "unknown error") + ")";
  }
  return handle;
}

// Points `out` at the library's function `name`; false when it has none.
template <class F>
bool bind_function(void* handle, const char* name, F& out) {
  void* address = ::dlsym(handle, name);
  if (address == nullptr) return false;
  out = reinterpret_cast<F>(address);
  return true;
}

}  // namespace sym::detail

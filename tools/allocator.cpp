// Linked into the command-line tools when they use jemalloc (meson option `allocator`).
//
// MALLOC_CONF is how users drive jemalloc's profiling in the program they are hunting leaks in
// ("prof:true,prof_leak:true,lg_prof_sample:0"). Exported in a shell, it would reach these tools
// too: they would sample every allocation of their own and could leave jeprof.*.heap files of
// their own behind. It is dropped from the environment before jemalloc reads it (at its first
// allocation, in a library constructor): the executable's .preinit_array runs before any
// constructor of any shared library, libc's included.
#include <cstddef>
#include <cstring>

namespace {

// jemalloc's variable is MALLOC_CONF, or PREFIX_MALLOC_CONF in builds with a symbol prefix.
bool names_malloc_conf(const char* entry) {
  const char* eq = std::strchr(entry, '=');
  constexpr std::size_t kLength = sizeof "MALLOC_CONF" - 1;
  return eq != nullptr && static_cast<std::size_t>(eq - entry) >= kLength &&
         std::strncmp(eq - kLength, "MALLOC_CONF", kLength) == 0;
}

// `envp` is the array libc makes `environ` of afterwards (libc's own initialisation, which sets
// `environ`, has not run yet: unsetenv would not see the variable). The entries after a removed
// one move up; nothing is allocated.
void drop_malloc_conf(int /*argc*/, char** /*argv*/, char** envp) {
  char** out = envp;
  for (char** in = envp; *in != nullptr; ++in) {
    if (!names_malloc_conf(*in)) *out++ = *in;
  }
  *out = nullptr;
}

}  // namespace

[[gnu::section(".preinit_array"), gnu::used]] static void (*const preinit_drop_malloc_conf)(
    int, char**, char**) = drop_malloc_conf;

// jemalloc's settings for the tools. jemalloc reads this variable first; /etc/malloc.conf
// overrides it ("thp:default" turns huge pages off again).
// - thp:always: jemalloc asks the kernel for transparent huge pages (madvise) for all it maps,
//   where the kernel offers them on request ("madvise" or "always" in
//   /sys/kernel/mm/transparent_hugepage/enabled). The tools fill tens of MB of fresh memory in a
//   fraction of a second (inflated debug sections, LLVM's abbreviations, line tables, answers),
//   and on a virtual machine a 4 KiB page fault can cost 8-14 us: libc's 100 000 addresses made
//   15 500 of them, about 0.15 s of CPU, and 1 100 with huge pages; stackfold on a python dump
//   4 300 and 860. Peak RSS grows by 6-20 MiB (2 MiB blocks are backed whole).
// - narenas:1: one arena for every thread. The default (four per CPU) gives each new worker
//   thread an arena of its own, with its own huge pages to fill: up to 2.5 times the page
//   faults and 4-14 MiB more memory here (big-rand-100000: 0.68 against 0.55 s). The threads'
//   small allocations go through their caches.
// Measured in docs/performance.md (twelfth round).
extern "C" {
[[gnu::used]] const char* malloc_conf = "thp:always,narenas:1";
}

// The bundled example: a program that leaks 4 MiB from leak_test(), through an inlined helper.
// It prints a few of its own runtime addresses and saves its /proc/self/maps, so that the demo
// can resolve them the way a post-mortem would.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline __attribute__((always_inline)) void *make_buffer(size_t n) {
  void *p = malloc(n);
  memset(p, 0x5a, n);
  return p;
}

__attribute__((noinline)) void *leak_test(void) {
  void *last = NULL;
  for (int i = 0; i < 4096; i++) last = make_buffer(1024);  // never freed
  return __builtin_return_address(0);
}

static int save_maps(const char *to) {
  FILE *in = fopen("/proc/self/maps", "r");
  FILE *out = fopen(to, "w");
  if (!in || !out) return 1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
  fclose(in);
  return fclose(out) != 0;
}

int main(int argc, char **argv) {
  void *return_into_main = leak_test();
  printf("%p %p %p\n", (void *)leak_test, return_into_main, (void *)printf);
  return argc > 1 ? save_maps(argv[1]) : 0;
}

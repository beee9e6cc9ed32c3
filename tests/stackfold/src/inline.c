// An allocation site inside an always_inline helper.
#include <stdio.h>
#include <stdlib.h>

void* keep[1000];

static inline __attribute__((always_inline)) void* inl_alloc(size_t n) { return malloc(n); }

__attribute__((noinline)) void outer_fn(void) {
  for (int i = 0; i < 1000; ++i) keep[i] = inl_alloc(2048);
}

int main(void) {
  outer_fn();
  printf("%p\n", keep[999]);
  return 0;
}

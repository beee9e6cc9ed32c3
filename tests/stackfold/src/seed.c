// The seed case: one function leaks 4096 blocks of 1 KiB.
#include <stdio.h>
#include <stdlib.h>

void* keep[4096];

__attribute__((noinline)) void leak_test(void) {
  for (int i = 0; i < 4096; ++i) keep[i] = malloc(1024);
}

int main(void) {
  leak_test();
  printf("%p\n", keep[4095]);  // keep the blocks reachable
  return 0;
}

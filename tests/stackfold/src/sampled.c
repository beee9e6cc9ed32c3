// Many small and a few big allocations, for the sampled (statistical) case.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void* small_keep[100000];
void* big_keep[10];

__attribute__((noinline)) void small_allocs(void) {
  for (int i = 0; i < 100000; ++i) small_keep[i] = malloc(64);
}

__attribute__((noinline)) void big_allocs(void) {
  for (int i = 0; i < 10; ++i) big_keep[i] = malloc(3 << 20);
}

int main(void) {
  small_allocs();
  big_allocs();
  printf("%p %p\n", small_keep[0], big_keep[0]);
  return 0;
}

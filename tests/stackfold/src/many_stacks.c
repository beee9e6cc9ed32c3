// 2^DEPTH distinct call paths (DEPTH = argv[1], default 12) through two mutually recursive
// functions, each ending in one allocation: many distinct stacks for comparisons and timing.
#include <stdio.h>
#include <stdlib.h>

void* sink[1 << 20];
int nsink;

__attribute__((noinline)) void leaf(unsigned n) { sink[nsink++] = malloc(16 + (n & 7) * 16); }

__attribute__((noinline)) void fb(unsigned path, int depth);

__attribute__((noinline)) void fa(unsigned path, int depth) {
  if (depth == 0) {
    leaf(path);
    return;
  }
  if (path & 1) {
    fa(path >> 1, depth - 1);
  } else {
    fb(path >> 1, depth - 1);
  }
  __asm__ volatile("" ::: "memory");  // no tail calls: every level keeps its frame
}

__attribute__((noinline)) void fb(unsigned path, int depth) {
  if (depth == 0) {
    leaf(path + 1);
    return;
  }
  if (path & 1) {
    fa(path >> 1, depth - 1);
  } else {
    fb(path >> 1, depth - 1);
  }
  __asm__ volatile("" ::: "memory");
}

int main(int argc, char** argv) {
  int depth = argc > 1 ? atoi(argv[1]) : 12;
  if (depth < 1 || depth > 20) return 2;
  for (unsigned p = 0; p < (1U << depth); ++p) fa(p, depth);
  printf("%d\n", nsink);
  return 0;
}

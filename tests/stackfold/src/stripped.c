// A program run stripped (no .symtab, and nothing of its own in .dynsym): stackfold cannot name
// its functions, and names each after the start of its unwind entry (.eh_frame), so that the
// three call sites in grow() fold into one frame, and main's two calls of grow() into one stack.
#include <stdlib.h>

static void* volatile keep[64];

__attribute__((noinline, noclone)) static void grow(size_t n, int slot) {
  keep[slot] = malloc(n);                          // call site 1
  if (slot % 2 == 0) keep[slot + 16] = malloc(n);  // call site 2
  keep[slot + 32] = calloc(1, n);                  // call site 3
}

int main(void) {
  for (int i = 0; i < 8; ++i) grow(1024, i);  // 8 KiB + 4 KiB + 8 KiB
  grow(4096, 9);                              // 4 KiB + 4 KiB: another call site in main
  return keep[0] == NULL;
}

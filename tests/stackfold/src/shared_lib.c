// Linked into the test program: allocates 300 blocks of 512 bytes.
#include <stdlib.h>

void* shared_keep[300];

__attribute__((noinline)) void shared_alloc(void) {
  for (int i = 0; i < 300; ++i) shared_keep[i] = malloc(512);
}

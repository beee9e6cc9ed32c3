// Loaded with dlopen: allocates 200 blocks of 256 bytes.
#include <stdlib.h>

void* plugin_keep[200];

__attribute__((noinline)) void plugin_alloc(void) {
  for (int i = 0; i < 200; ++i) plugin_keep[i] = calloc(1, 256);
}

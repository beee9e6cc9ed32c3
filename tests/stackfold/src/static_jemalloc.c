// Linked statically against jemalloc (libjemalloc_pic.a): its internal frames have names, and
// malloc tail-calls je_malloc_default. grow_calloc tail-calls calloc, so it has no frame.
#include <stdlib.h>
#include <string.h>
__attribute__((noinline)) void *grow(size_t n) { void *p = malloc(n); memset(p, 1, n); return p; }
__attribute__((noinline)) void *grow_calloc(size_t n) { return calloc(n, 1); }
int main(void) { for (int i = 0; i < 1000; i++) { grow(4096); grow_calloc(512); } void *r = realloc(grow(16), 8192); return r == 0; }

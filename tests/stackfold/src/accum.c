// Allocates and frees: in-use is small, allocated-over-the-run is large (prof_accum:true).
#include <stdio.h>
#include <stdlib.h>

void* keep[10];

void* volatile sink;  // a volatile round trip: the compiler cannot pair malloc with free

__attribute__((noinline)) void churn(void) {
  for (int i = 0; i < 500; ++i) {
    sink = malloc(8192);
    free(sink);
  }
}

__attribute__((noinline)) void hold(void) {
  for (int i = 0; i < 10; ++i) keep[i] = malloc(8192);
}

int main(void) {
  churn();
  hold();
  printf("%p\n", keep[0]);
  return 0;
}

// Two named threads allocate different amounts; the main thread a third.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

void* keep_a[100];
void* keep_b[37];
void* keep_m[5];

__attribute__((noinline)) void worker_a_alloc(void) {
  for (int i = 0; i < 100; ++i) keep_a[i] = malloc(4096);
}
__attribute__((noinline)) void worker_b_alloc(void) {
  for (int i = 0; i < 37; ++i) keep_b[i] = malloc(1024);
}
__attribute__((noinline)) void main_alloc(void) {
  for (int i = 0; i < 5; ++i) keep_m[i] = malloc(65536);
}

static void* run_a(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "work er A");
  worker_a_alloc();
  return NULL;
}
static void* run_b(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "worker-b");
  worker_b_alloc();
  return NULL;
}

int main(void) {
  main_alloc();
  pthread_t a, b;
  pthread_create(&a, NULL, run_a, NULL);
  pthread_join(a, NULL);
  pthread_create(&b, NULL, run_b, NULL);
  pthread_join(b, NULL);
  printf("%p %p %p\n", keep_a[0], keep_b[0], keep_m[0]);
  return 0;
}

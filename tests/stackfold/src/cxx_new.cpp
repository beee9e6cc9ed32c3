// Allocations through the C++ operator new family.
#include <cstdio>
#include <new>
#include <vector>

struct Obj {
  long payload[6];  // 48 bytes
};

static std::vector<void*> keep;

__attribute__((noinline)) void make_objects() {
  for (int i = 0; i < 1000; ++i) keep.push_back(new Obj());
}

__attribute__((noinline)) void make_arrays() {
  for (int i = 0; i < 10; ++i) keep.push_back(new char[5000]);
}

__attribute__((noinline)) void make_nothrow() {
  for (int i = 0; i < 20; ++i) keep.push_back(new (std::nothrow) char[3000]);
}

struct alignas(64) Aligned {
  char bytes[128];
};

__attribute__((noinline)) void make_aligned() {
  for (int i = 0; i < 30; ++i) keep.push_back(new Aligned());
}

int main() {
  keep.reserve(2000);
  make_objects();
  make_arrays();
  make_nothrow();
  make_aligned();
  std::printf("%zu\n", keep.size());
  return 0;
}

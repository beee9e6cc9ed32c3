// Lambdas and local classes in two functions, all inlined: GCC gives their functions DWARF names
// without a linkage name ("operator()", "make"), so each needs the scopes of its declaration
// to be told from the other function's (stackfold case lambdas).
#include <algorithm>
#include <cstdlib>
#include <vector>

std::vector<void*> keep;

__attribute__((noinline)) void parse(std::vector<int>& v) {
  std::for_each(v.begin(), v.end(), [](int x) { keep.push_back(std::malloc(1000 + x)); });
  struct Tok {
    static void* make(int n) { return std::malloc(n); }
  };
  keep.push_back(Tok::make(7000));
}

__attribute__((noinline)) void draw(std::vector<int>& v) {
  std::for_each(v.begin(), v.end(), [](int x) { keep.push_back(std::malloc(3000 + x)); });
  struct Tok {
    static void* make(int n) { return std::malloc(n * 2); }
  };
  keep.push_back(Tok::make(9000));
}

int main() {
  keep.reserve(64);
  std::vector<int> v(20);
  parse(v);
  draw(v);
  return static_cast<int>(keep.size()) & 1;
}

// Functions whose demangled names differ between demanglers: nested template arguments
// (binutils and jeprof print "> >", LLVM ">>"), std::__cxx11 types, a class template's member.
#include <map>
#include <string>
#include <vector>

template <typename T>
struct Table {
  std::vector<std::vector<T>> rows;
  __attribute__((noinline)) void grow(std::size_t n) { rows.emplace_back(n); }
};

__attribute__((noinline)) void fill(std::map<std::string, std::vector<int>>& index, int n) {
  for (int i = 0; i < n; ++i) index["key number " + std::to_string(i)].resize(64);
}

__attribute__((noinline)) std::string label(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += part + "/";
  return out;
}

// The containers are leaked on purpose: the dump is written at exit, after static destructors.
int main() {
  auto* table = new Table<std::vector<int>>;
  for (int i = 0; i < 100; ++i) table->grow(16);
  auto* index = new std::map<std::string, std::vector<int>>;
  fill(*index, 200);
  auto* labels = new std::vector<std::string>;
  for (int i = 0; i < 50; ++i) labels->push_back(label({"a long path segment", "another one"}));
  return 0;
}

// libFuzzer target: the maps parser on arbitrary text, then lookups of every boundary.
#include <libsym/mapping.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sym::Diagnostics diags;
  auto map = sym::ProcessMap::parse(text, &diags);
  for (const auto& d : diags) (void)d.format("fuzz");
  for (const auto& m : map.mappings()) {
    const sym::Mapping* hit = map.find(m.start);
    if (hit != &m) __builtin_trap();  // sorted, non-overlapping: the start finds its own line
    (void)map.find(sym::AbsAddr(m.end.value() - 1));
    (void)map.find(m.end);
    (void)m.file_offset(m.start);
    (void)m.basename();
  }
  return 0;
}

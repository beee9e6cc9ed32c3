// libFuzzer target: the heap profile parser (both families) and unbiasing of every counts line.
#include <libsym/profile.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sym::Diagnostics diags;
  auto profile = sym::parse_heap_profile(text, &diags);
  if (!profile) {
    llvm::consumeError(profile.takeError());
    return 0;
  }
  for (const auto& s : profile->samples) {
    auto e = sym::unbias(s.counts.inuse_objects, s.counts.inuse_bytes, profile->sampling,
                         profile->period);
    if (std::isnan(e.bytes) || e.bytes < 0) __builtin_trap();
    for (const auto& t : s.threads) {
      (void)sym::unbias(t.counts.alloc_objects, t.counts.alloc_bytes, profile->sampling,
                        profile->period);
    }
  }
  (void)sym::find_maps_section(text);
  return 0;
}

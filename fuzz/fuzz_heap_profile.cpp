// libFuzzer target: the heap profile parser (both families, and a symbolized profile's symbol
// section before them), unbiasing of every counts line, and folding the result into every
// output format (addresses unmapped: no files are opened).
#include <libsym/callgraph.h>
#include <libsym/flamegraph.h>
#include <libsym/fold.h>
#include <libsym/fold_printer.h>
#include <libsym/pprof.h>
#include <libsym/profile.h>
#include <libsym/symbolizer.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sym::Diagnostics diags;
  // A symbolized profile's symbol section first; the profile is what follows it.
  auto section = sym::read_symbol_section(text, &diags);
  if (!section) {
    llvm::consumeError(section.takeError());
    return 0;
  }
  if (*section) {
    if ((*section)->profile_offset > text.size()) __builtin_trap();
    text = text.substr((*section)->profile_offset);
  }
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

  // Every format from the same folded stacks: the frames are raw addresses or "[unknown]".
  const sym::ProcessMap no_files;
  for (sym::FrameKey key : {sym::FrameKey::kFullName, sym::FrameKey::kShortName,
                            sym::FrameKey::kAddress}) {
    sym::Symbolizer symbolizer;
    sym::FoldOptions options;
    options.key = key;
    options.metric = size % 2 == 0 ? sym::Metric::kInuseSpace : sym::Metric::kAllocObjects;
    sym::Folder folder(options, symbolizer);
    folder.add(*profile, size % 3 == 0 ? nullptr : &no_files, "fuzz", false);
    if (size % 5 == 0) folder.add(*profile, &no_files, "fuzz-base", true);
    const sym::FoldedProfile folded = folder.result();
    switch (key) {
      case sym::FrameKey::kFullName:
        (void)sym::format_folded(folded);
        (void)sym::format_json(folded);
        (void)sym::format_flamegraph_svg(folded, {});
        break;
      case sym::FrameKey::kShortName:
        (void)sym::format_text(folded, {});
        (void)sym::format_callgraph_dot(folded, {});
        break;
      default:
        if (sym::format_pprof(folded).empty()) __builtin_trap();  // gzip never fails
        break;
    }
  }
  return 0;
}

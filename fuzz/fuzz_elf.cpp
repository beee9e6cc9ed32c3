// libFuzzer target: an ELF module from arbitrary bytes, then translation, symbol lookup, unwind
// entries, DWARF frames and variables for addresses derived from its own segments.
#include <libsym/explain.h>
#include <libsym/module.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(reinterpret_cast<const char*>(data), size), "fuzz.elf");
  auto module = sym::Module::from_buffer(std::move(buffer));
  if (!module) {
    llvm::consumeError(module.takeError());
    return 0;
  }
  const sym::Module& m = **module;
  sym::FrameOptions options;
  int budget = 64;  // bounded work per input
  for (const auto& seg : m.segments()) {
    for (std::uint64_t delta : {std::uint64_t{0}, seg.filesz / 2, seg.filesz - 1}) {
      if (--budget < 0) return 0;
      auto vaddr = m.to_virt(sym::FileOffset(seg.offset + delta));
      if (!vaddr) continue;
      (void)m.symbol_at(*vaddr);
      (void)m.frames_at(*vaddr, options);
      // Outside code: the file's variables, gathered by a walk of every unit's DIEs.
      (void)m.data_object(*vaddr);
      (void)m.gnu_data(*vaddr);
      (void)m.bytes_at(*vaddr, 16);
      const auto unwound = m.unwind_range(*vaddr);
      if (unwound && (vaddr->value() < unwound->begin || vaddr->value() >= unwound->end)) {
        __builtin_trap();  // the unwind entry found must hold the address
      }
      if (m.to_file_offset(*vaddr) != sym::FileOffset(seg.offset + delta) &&
          m.segments().size() == 1) {
        __builtin_trap();  // one segment: the two formulas are inverse
      }
      sym::Symbolized r;
      r.input = r.lookup = vaddr->value();
      r.vaddr = vaddr;
      r.file_offset = sym::FileOffset(seg.offset + delta);
      std::string out;
      sym::explain(out, r, &m, {true, true});
    }
  }
  return 0;
}

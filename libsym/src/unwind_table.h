// Where functions begin and end according to the unwind tables every x86-64 and AArch64 ELF file
// keeps in memory (.eh_frame, indexed by .eh_frame_hdr): known in stripped files too, where no
// symbol names a static function.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace sym::detail {

// [begin, end) of one Frame Description Entry: one function, or one part of one (a .cold
// part has its own).
struct CodeRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  auto operator<=>(const CodeRange&) const = default;
};

// A section's bytes and the virtual address they are loaded at.
struct LoadedBytes {
  std::span<const std::uint8_t> bytes;
  std::uint64_t address = 0;
};

// What the file's ELF header says about its data.
struct ElfFormat {
  bool is_64bit = true;       // ELFCLASS64: 8-byte absolute pointers
  bool little_endian = true;  // ELFDATA2LSB
};

// Where .eh_frame starts, as .eh_frame_hdr says (its eh_frame_ptr): how .eh_frame is found
// through PT_GNU_EH_FRAME in a file without section headers. None when it does not say.
std::optional<std::uint64_t> eh_frame_address(LoadedBytes eh_frame_hdr, ElfFormat format);

// The FDEs of one file. Lookups use .eh_frame_hdr's sorted table (a binary search, touching a
// few pages) when it has the layout linkers write; otherwise every FDE of .eh_frame is read
// once, on the first lookup. Malformed records are skipped (a lookup in them finds nothing);
// nothing is read outside the two spans. Thread-safe.
class UnwindTable {
 public:
  UnwindTable(LoadedBytes eh_frame, LoadedBytes eh_frame_hdr, ElfFormat format);

  // The FDE holding vaddr, if any.
  [[nodiscard]] std::optional<CodeRange> find(std::uint64_t vaddr) const;

  // Every FDE of .eh_frame, sorted, read on the first call (the fallback's table).
  [[nodiscard]] const std::vector<CodeRange>& all() const;

 private:
  [[nodiscard]] std::optional<CodeRange> find_indexed(std::uint64_t vaddr) const;
  [[nodiscard]] std::optional<CodeRange> fde_at(std::uint64_t offset) const;

  LoadedBytes eh_frame_;
  LoadedBytes hdr_;
  ElfFormat format_;
  // .eh_frame_hdr's table: datarel sdata4 pairs (initial location, FDE address); empty when
  // there is none or it is laid out otherwise.
  std::span<const std::uint8_t> index_;
  mutable std::once_flag scanned_;
  mutable std::vector<CodeRange> scan_;  // the fallback: every FDE, sorted
};

}  // namespace sym::detail

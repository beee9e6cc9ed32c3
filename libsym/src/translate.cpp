// The two address formulas of libsym live here and nowhere else (the first, AbsAddr ->
// FileOffset, is Mapping::file_offset).
#include <libsym/module.h>

namespace sym {

const LoadSegment* segment_for(std::span<const LoadSegment> segments, FileOffset offset) {
  // Bounded by p_filesz, not p_memsz: a large .bss would otherwise make a segment reach into the
  // file offsets of the next one.
  for (const auto& seg : segments) {
    if (offset.value() >= seg.offset && offset.value() - seg.offset < seg.filesz) return &seg;
  }
  return nullptr;
}

std::optional<VirtAddr> to_virt(std::span<const LoadSegment> segments, FileOffset offset) {
  const LoadSegment* seg = segment_for(segments, offset);
  if (seg == nullptr) return std::nullopt;
  return VirtAddr(offset.value() - seg->offset + seg->vaddr);
}

std::optional<FileOffset> to_file_offset(std::span<const LoadSegment> segments, VirtAddr vaddr) {
  for (const auto& seg : segments) {
    if (vaddr.value() >= seg.vaddr && vaddr.value() - seg.vaddr < seg.filesz) {
      return FileOffset(vaddr.value() - seg.vaddr + seg.offset);
    }
  }
  return std::nullopt;
}

}  // namespace sym

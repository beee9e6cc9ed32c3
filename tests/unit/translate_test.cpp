#include <libsym/module.h>

#include <catch2/catch.hpp>

#include <vector>

using sym::FileOffset;
using sym::LoadSegment;
using sym::VirtAddr;

namespace {
constexpr std::uint32_t kR = 4, kW = 2, kX = 1;
}

TEST_CASE("file offset to vaddr uses the PT_LOAD holding the offset") {
  // A typical gcc PIE with -z separate-code: four segments, text at offset 0x1000.
  std::vector<LoadSegment> segs = {
      {0x0, 0x0, 0x6a0, 0x6a0, kR},
      {0x1000, 0x1000, 0x315, 0x315, kR | kX},
      {0x2000, 0x2000, 0x1d8, 0x1d8, kR},
      {0x2dd8, 0x3dd8, 0x270, 0x278, kR | kW},
  };
  CHECK(sym::to_virt(segs, FileOffset(0x1123)) == VirtAddr(0x1123));
  CHECK(sym::to_virt(segs, FileOffset(0x2e00)) == VirtAddr(0x3e00));
  CHECK(!sym::to_virt(segs, FileOffset(0x1315)));  // past p_filesz, in the page padding
  CHECK(!sym::to_virt(segs, FileOffset(0x9000)));
  CHECK(sym::to_file_offset(segs, VirtAddr(0x3e00)) == FileOffset(0x2e00));
  CHECK(!sym::to_file_offset(segs, VirtAddr(0x4048)));  // .bss has no file bytes
}

TEST_CASE("segments with different vaddr-offset deltas are never given one bias") {
  // lld / BOLT-like: a second executable segment far away in vaddr, close in the file.
  std::vector<LoadSegment> segs = {
      {0x0, 0x400000, 0x6a0, 0x6a0, kR},
      {0x1000, 0x401000, 0x315, 0x315, kR | kX},
      {0x4000, 0x800000, 0x100, 0x100, kR | kX},
  };
  CHECK(sym::to_virt(segs, FileOffset(0x1010)) == VirtAddr(0x401010));
  CHECK(sym::to_virt(segs, FileOffset(0x4004)) == VirtAddr(0x800004));
  CHECK(sym::to_file_offset(segs, VirtAddr(0x800004)) == FileOffset(0x4004));
}

TEST_CASE("p_filesz, not p_memsz, bounds a segment") {
  // A big .bss: memsz reaches far beyond the file bytes; the next segment's file offsets must not
  // be claimed by it.
  std::vector<LoadSegment> segs = {
      {0x1000, 0x1000, 0x100, 0x100000, kR | kW},
      {0x1100, 0x201100, 0x200, 0x200, kR | kX},
  };
  CHECK(sym::to_virt(segs, FileOffset(0x1180)) == VirtAddr(0x201180));
  CHECK(sym::to_virt(segs, FileOffset(0x10ff)) == VirtAddr(0x10ff));
}

TEST_CASE("ET_EXEC and ET_DYN go through the same formula") {
  std::vector<LoadSegment> exec = {{0x0, 0x400000, 0x2000, 0x2000, kR | kX}};
  std::vector<LoadSegment> dyn = {{0x0, 0x0, 0x2000, 0x2000, kR | kX}};
  CHECK(sym::to_virt(exec, FileOffset(0x1234)) == VirtAddr(0x401234));
  CHECK(sym::to_virt(dyn, FileOffset(0x1234)) == VirtAddr(0x1234));
}

TEST_CASE("hostile segment values do not wrap into a match") {
  std::vector<LoadSegment> segs = {{~0ULL - 4, 0x1000, 0x100, 0x100, kR | kX}};
  CHECK(!sym::to_virt(segs, FileOffset(0x10)));
  CHECK(sym::to_virt(segs, FileOffset(~0ULL - 1)) == VirtAddr(0x1003));
}

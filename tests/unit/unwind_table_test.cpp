// The unwind table (.eh_frame through .eh_frame_hdr, or read whole) against binutils' reading of
// the same section (readelf --debug-dump=frames), on the fixtures (x86-64, i386, AArch64, PIE,
// stripped, lld, --gc-sections) and the system's libc; and on damaged copies of its bytes.
#include "oracle.h"
#include "unwind_table.h"

#include <libsym/module.h>

#include <llvm/Object/ObjectFile.h>
#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/MemoryBuffer.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace {

using sym::detail::CodeRange;
using sym::detail::LoadedBytes;
using sym::detail::UnwindTable;

// The FDEs readelf finds in .eh_frame (not .debug_frame), sorted, the empty ones left out.
std::vector<CodeRange> readelf_fdes(const std::string& file) {
  const std::string out = test::run("readelf -W --debug-dump=frames '" + file + "' 2>/dev/null");
  std::vector<CodeRange> fdes;
  bool in_eh_frame = false;
  static const std::regex kFde("FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\\.\\.([0-9a-f]+)");
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("Contents of the ")) in_eh_frame = line.find(".eh_frame ") != line.npos;
    std::smatch m;
    if (!in_eh_frame || !std::regex_search(line, m, kFde)) continue;
    const CodeRange range{std::stoull(m[1].str(), nullptr, 16),
                          std::stoull(m[2].str(), nullptr, 16)};
    if (range.end > range.begin) fdes.push_back(range);
  }
  std::sort(fdes.begin(), fdes.end());
  return fdes;
}

struct Sections {
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::unique_ptr<llvm::object::ObjectFile> object;
  LoadedBytes eh_frame;
  LoadedBytes hdr;
  sym::detail::ElfFormat format;
};

Sections sections_of(const std::string& file) {
  Sections s;
  auto buffer = llvm::MemoryBuffer::getFile(file);
  REQUIRE(static_cast<bool>(buffer));
  s.buffer = std::move(*buffer);
  auto object = llvm::object::ObjectFile::createObjectFile(s.buffer->getMemBufferRef());
  REQUIRE(static_cast<bool>(object));
  s.object = std::move(*object);
  s.format = {s.object->getBytesInAddress() == 8, s.object->isLittleEndian()};
  for (const auto& section : s.object->sections()) {
    auto name = section.getName();
    auto data = section.getContents();
    REQUIRE(static_cast<bool>(name));
    REQUIRE(static_cast<bool>(data));
    const LoadedBytes loaded{llvm::arrayRefFromStringRef(*data), section.getAddress()};
    if (*name == ".eh_frame") s.eh_frame = loaded;
    if (*name == ".eh_frame_hdr") s.hdr = loaded;
  }
  return s;
}

std::string describe(const std::optional<CodeRange>& r) {
  if (!r) return "none";
  return std::to_string(r->begin) + ".." + std::to_string(r->end);
}

// Every FDE found at its first, middle and last byte; the bytes between FDEs in none.
void check_against(const UnwindTable& table, const std::vector<CodeRange>& fdes) {
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < fdes.size(); ++i) {
    const CodeRange& f = fdes[i];
    for (std::uint64_t a : {f.begin, f.begin + (f.end - f.begin) / 2, f.end - 1}) {
      const auto found = table.find(a);
      if (found != f) {
        if (++wrong <= 5) UNSCOPED_INFO("at " << a << ": " << describe(found));
      }
    }
    const bool gap = i + 1 == fdes.size() || fdes[i + 1].begin > f.end;
    if (gap && table.find(f.end)) {
      if (++wrong <= 5) UNSCOPED_INFO("gap at " << f.end << ": " << describe(table.find(f.end)));
    }
  }
  if (!fdes.empty() && fdes.front().begin > 0) CHECK_FALSE(table.find(fdes.front().begin - 1));
  CHECK(wrong == 0);
}

}  // namespace

TEST_CASE("unwind table: every FDE as readelf reads it, indexed and read whole", "[unwind]") {
  std::vector<std::string> files;
  for (const char* name : {"pie_gcc", "stripped_gcc", "lld_clang", "cxx_gcc", "cxx_clang",
                           "gcsections_lld", "multiseg_gcc", "libfixture.so"}) {
    files.push_back(test::fixture_dir() + "/" + name);
  }
  files.emplace_back("/lib/x86_64-linux-gnu/libc.so.6");
  // ELF32 (4-byte pointers), AArch64 and big-endian files (s390x; MIPS, 32-bit): the foreign
  // fixtures' source, built here with unwind tables.
  const std::string tmp = test::temp_dir("unwind");
  const std::string sources = test::fixture_sources();
  for (const std::string arch : {"i386", "aarch64", "s390x", "mips"}) {
    const std::string out = tmp + "/foreign_" + arch;
    test::run("clang-19 --target=" + arch + "-linux-gnu -O2 -ffreestanding -nostdlib -static " +
              "-fuse-ld=lld -fasynchronous-unwind-tables -Wl,--eh-frame-hdr " +
              "-Wl,-e,foreign_entry '" + sources + "/foreign.c' -o '" + out + "'");
    REQUIRE(std::filesystem::exists(out));
    files.push_back(out);
  }
  for (const std::string& file : files) {
    INFO(file);
    const std::vector<CodeRange> fdes = readelf_fdes(file);
    REQUIRE(fdes.size() >= 2);  // the foreign programs have two functions
    const Sections s = sections_of(file);
    REQUIRE_FALSE(s.eh_frame.bytes.empty());
    REQUIRE_FALSE(s.hdr.bytes.empty());
    const UnwindTable indexed(s.eh_frame, s.hdr, s.format);
    const UnwindTable whole(s.eh_frame, LoadedBytes{}, s.format);
    CHECK(whole.all() == fdes);
    CHECK(indexed.all() == fdes);
    check_against(indexed, fdes);
    check_against(whole, fdes);
  }
  std::filesystem::remove_all(tmp);
}

TEST_CASE("unwind table: Module::unwind_range in a stripped file", "[unwind]") {
  const std::string dir = test::fixture_dir();
  sym::DebugSearch none;
  none.enabled = false;
  auto stripped = sym::Module::open(dir + "/stripped_gcc", none);
  auto full = sym::Module::open(dir + "/pie_gcc", sym::DebugSearch{});
  REQUIRE(static_cast<bool>(stripped));
  REQUIRE(static_cast<bool>(full));
  // Each function the unstripped copy's symbols name has an FDE of exactly its bounds (gcc
  // writes one per function), which the stripped copy still knows.
  std::size_t functions = 0;
  for (const CodeRange& fde : readelf_fdes(dir + "/pie_gcc")) {
    const auto symbol = (*full)->symbol_at(sym::VirtAddr(fde.begin));
    if (!symbol || symbol->offset != 0 || symbol->size != fde.end - fde.begin) continue;
    INFO(symbol->name);
    CHECK_FALSE((*stripped)->symbol_at(sym::VirtAddr(fde.begin + 1)));
    const auto range = (*stripped)->unwind_range(sym::VirtAddr(fde.end - 1));
    REQUIRE(range);
    CHECK(range->begin == symbol->value);
    CHECK(range->end == symbol->value + symbol->size);
    ++functions;
  }
  CHECK(functions > 5);
}

TEST_CASE("unwind table: damaged bytes are skipped, never read past", "[unwind]") {
  const Sections s = sections_of(test::fixture_dir() + "/cxx_gcc");
  const std::vector<CodeRange> fdes = readelf_fdes(test::fixture_dir() + "/cxx_gcc");
  REQUIRE(fdes.size() > 3);
  std::mt19937 random(20261127);
  for (int round = 0; round < 400; ++round) {
    // Copies: the tables must never look outside them (ASan in the sanitizer build).
    std::vector<std::uint8_t> frame(s.eh_frame.bytes.begin(), s.eh_frame.bytes.end());
    std::vector<std::uint8_t> hdr(s.hdr.bytes.begin(), s.hdr.bytes.end());
    std::vector<std::uint8_t>& target = round % 3 == 0 ? hdr : frame;
    if (round % 4 == 0) {
      target.resize(random() % (target.size() + 1));  // cut short
    } else {
      for (int i = 0; i < 1 + round % 7; ++i) {
        target[random() % target.size()] = static_cast<std::uint8_t>(random());
      }
    }
    const UnwindTable indexed({frame, s.eh_frame.address}, {hdr, s.hdr.address}, s.format);
    const UnwindTable whole({frame, s.eh_frame.address}, {}, s.format);
    for (const CodeRange& f : fdes) {
      for (const UnwindTable* table : {&indexed, &whole}) {
        // Whatever is found holds the address.
        const auto found = table->find(f.begin);
        if (found) CHECK((found->begin <= f.begin && f.begin < found->end));
      }
    }
  }
  // Empty sections: nothing found, nothing read.
  const UnwindTable none(LoadedBytes{}, LoadedBytes{}, {});
  CHECK_FALSE(none.find(fdes.front().begin));
  CHECK(none.all().empty());
}

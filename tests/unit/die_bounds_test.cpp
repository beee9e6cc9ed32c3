// The DIE walk of die_bounds.h against LLVM's own extraction: on sound files it must visit
// exactly the DIEs LLVM extracts (else it would check other bytes than LLVM reads), and on
// corrupted ones, whenever it says the unit is sound, LLVM must extract it without reading
// outside .debug_info (make test-sanitize runs this under ASan) and extract as many DIEs.
#include "die_bounds.h"
#include "oracle.h"

#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/DebugInfo/DWARF/DWARFUnit.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

using sym::detail::check_dies;

using test::context_of;
using test::debug_sections;

// Every unit of the context: the walk says sound and counts LLVM's DIEs. Returns the DIEs.
std::size_t require_same_walk(llvm::DWARFContext& ctx) {
  std::size_t dies = 0;
  for (const auto& unit : ctx.normal_units()) {
    INFO("unit at 0x" << std::hex << unit->getOffset());
    const sym::detail::DieCheck first = check_dies(*unit, true);
    const sym::detail::DieCheck all = check_dies(*unit, false);
    REQUIRE(first.ok);
    REQUIRE(all.ok);
    REQUIRE(first.dies == (unit->getUnitDIE(true) ? 1U : 0U));
    REQUIRE(all.dies == unit->getNumDIEs());
    dies += all.dies;
  }
  return dies;
}

}  // namespace

TEST_CASE("the DIE walk visits exactly the DIEs LLVM extracts") {
  std::vector<std::string> files;
  const std::string dir = test::fixture_dir();
  for (const std::string& variant : test::fixture_variants()) files.push_back(dir + "/" + variant);
  files.push_back(dir + "/libfixture.so");
  files.push_back(dir + "/cxx_gcc");
  files.push_back(dir + "/cxx_clang");
  files.push_back(dir + "/sound_across");
  files.push_back("/proc/self/exe");
  // Type units in .debug_types (DWARF 4) and in .debug_info (DWARF 5), built here.
  const std::string tmp = test::temp_dir("die-bounds");
  test::run("g++ -O1 -gdwarf-4 -fdebug-types-section '" + test::fixture_sources() +
            "/cxx_fixture.cpp' -o '" + tmp + "/types4'");
  REQUIRE(std::filesystem::exists(tmp + "/types4"));
  files.push_back(tmp + "/types4");
  std::size_t dies = 0;
  for (const std::string& file : files) {
    INFO(file);
    const auto sections = debug_sections(file);  // the context reads them in place
    auto ctx = context_of(sections);
    dies += require_same_walk(*ctx);
  }
  CHECK(dies > 10000);
  std::filesystem::remove_all(tmp);
}

TEST_CASE("on corrupted DWARF, what the walk calls sound LLVM extracts, the same DIEs") {
  // Random bytes of .debug_info and .debug_abbrev overwritten: block lengths, forms, codes,
  // children flags and unit lengths all go wrong in turn.
  std::size_t sound = 0, broken = 0;
  for (const char* name : {"pie_gcc", "dwarf5_clang", "cxx_gcc"}) {
    const std::string file = test::fixture_dir() + "/" + name;
    INFO(file);
    const auto pristine = debug_sections(file);
    REQUIRE(pristine.count("debug_info") == 1);
    std::mt19937_64 random(20261127);
    for (int round = 0; round < 3000; ++round) {
      INFO("round " << round);
      auto sections = pristine;
      test::corrupt_dwarf(sections, random);
      auto ctx = context_of(sections);
      for (const auto& unit : ctx->normal_units()) {
        const sym::detail::DieCheck first = check_dies(*unit, true);
        if (!first.ok) {
          ++broken;
          continue;
        }
        REQUIRE(first.dies == (unit->getUnitDIE(true) ? 1U : 0U));
        const sym::detail::DieCheck all = check_dies(*unit, false);
        if (!all.ok) {
          ++broken;
          continue;
        }
        REQUIRE(all.dies == unit->getNumDIEs());
        ++sound;
      }
    }
  }
  WARN("units the walk called sound: " << sound << ", broken: " << broken);
  CHECK(sound > 1000);
  CHECK(broken > 10);  // some mutations did send the walk past the end
}

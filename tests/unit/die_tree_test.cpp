// DieTree and DieReader (die_tree.h) against LLVM's DIE array: on real files, every DIE LLVM
// extracts must start where the tree says one starts, and nowhere else; its parent, children,
// references and names must be the ones LLVM's DWARFDie gives. On corrupted files, what
// check_dies calls sound must give the same tree as LLVM's extraction (and no read outside the
// section: make test-sanitize runs this under ASan). And DenseFill (dense_fill.h), with which the
// tree fills its scopes.
#include "die_bounds.h"
#include "die_tree.h"
#include "oracle.h"

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/DebugInfo/DWARF/DWARFUnit.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using sym::detail::DieReader;
using sym::detail::DieTree;

using test::context_of;
using test::debug_sections;

bool same_name(const char* a, const char* b) {
  return (a == nullptr && b == nullptr) || (a != nullptr && b != nullptr && !std::strcmp(a, b));
}

std::uint64_t offset_of(const llvm::DWARFDie& die) { return die.isValid() ? die.getOffset() : 0; }

// The tree of a unit (checked sound) against LLVM's DIE array: DIE starts and parents. Returns
// the number of DIEs.
std::size_t require_same_tree(llvm::DWARFUnit& unit, const DieTree& tree) {
  std::size_t n = 0;
  std::uint64_t last = 0;
  std::uint64_t stray = 0;  // an offset between LLVM's DIEs where the tree has one
  for (const auto& entry : unit.dies()) {
    const llvm::DWARFDie die(&unit, &entry);
    INFO("DIE at 0x" << std::hex << die.getOffset());
    REQUIRE(tree.starts_die(die.getOffset()));
    for (std::uint64_t o = last + 1; n > 0 && o < die.getOffset(); ++o) {
      if (tree.starts_die(o)) stray = o;
    }
    const llvm::DWARFDie parent = die.getParent();
    const auto ours = tree.parent(die.getOffset());
    REQUIRE(ours.has_value() == parent.isValid());
    if (ours) REQUIRE(*ours == parent.getOffset());
    last = die.getOffset();
    ++n;
  }
  if (n == 0) return 0;
  const std::uint64_t end = std::min(tree.end(), unit.getNextUnitOffset()) + 8;
  for (std::uint64_t o = last + 1; o < end; ++o) {
    if (tree.starts_die(o)) stray = o;
  }
  INFO("a DIE the tree has and LLVM has not, at 0x" << std::hex << stray);
  REQUIRE(stray == 0);
  REQUIRE_FALSE(tree.starts_die(unit.getOffset()));  // the unit header
  REQUIRE_FALSE(tree.starts_die(unit.getNextUnitOffset()));
  return n;
}

// The tree built by check_dies' walk (as FunctionIndex::check_and_index builds it); false when
// the check fails. It visits as many DIEs as LLVM extracts.
bool checked_tree(llvm::DWARFUnit& unit, DieTree& tree) {
  REQUIRE(tree.start(unit));
  std::size_t visited = 0;
  const sym::detail::DieCheck check =
      sym::detail::check_dies(unit, false, [&](std::uint64_t offset, const auto* decl,
                                               std::uint32_t depth) {
        tree.add(offset, decl, depth);
        ++visited;
      });
  if (!check.ok) return false;
  tree.finish(check.stop);
  REQUIRE(visited == unit.getNumDIEs());
  return true;
}

// The tree built by a walk of its own (walk_dies, LLVM's extractFast), of a checked unit.
bool walked_tree(llvm::DWARFUnit& unit, DieTree& tree) {
  std::size_t visited = 0;
  if (!tree.build(unit, [&](std::uint64_t, const auto*, std::uint32_t) { ++visited; })) {
    return false;
  }
  REQUIRE(visited == unit.getNumDIEs());
  return true;
}

// Names, references and children of every DIE, read from the tree, against LLVM's DWARFDie.
void require_same_reading(llvm::DWARFUnit& unit, const DieTree& tree) {
  namespace dw = llvm::dwarf;
  DieReader reader(unit, tree);
  for (const auto& entry : unit.dies()) {
    const llvm::DWARFDie die(&unit, &entry);
    INFO("DIE at 0x" << std::hex << die.getOffset());
    const llvm::DWARFDie read = reader.at(die.getOffset());
    REQUIRE(read.isValid());
    REQUIRE(read.getTag() == die.getTag());
    if (die.isNULL()) continue;
    REQUIRE(same_name(reader.short_name(read), die.getShortName()));
    REQUIRE(same_name(reader.linkage_name(read), die.getLinkageName()));
    REQUIRE(same_name(reader.subroutine_name(read),
                      die.getSubroutineName(llvm::DINameKind::LinkageName)));
    for (dw::Attribute attr :
         {dw::DW_AT_abstract_origin, dw::DW_AT_specification, dw::DW_AT_type}) {
      REQUIRE(offset_of(reader.referenced(read, attr)) ==
              offset_of(die.getAttributeValueAsReferencedDie(attr)));
    }
    REQUIRE(offset_of(reader.parent(read)) == offset_of(die.getParent()));
    if (die.hasChildren()) {
      std::vector<std::uint64_t> theirs, ours;
      for (const llvm::DWARFDie& child : die.children()) theirs.push_back(child.getOffset());
      reader.children(read, [&](const llvm::DWARFDie& child) {
        ours.push_back(child.getOffset());
        return true;
      });
      REQUIRE(ours == theirs);
    }
  }
}

}  // namespace

TEST_CASE("the DIE tree reads every DIE as LLVM's DIE array does") {
  std::vector<std::string> files;
  const std::string dir = test::fixture_dir();
  for (const std::string& variant : test::fixture_variants()) files.push_back(dir + "/" + variant);
  for (const char* name :
       {"libfixture.so", "cxx_gcc", "cxx_clang", "sound_across", "dwz_gcc", "dwz5_gcc"}) {
    if (std::filesystem::exists(dir + "/" + name)) files.push_back(dir + "/" + name);
  }
  // Type units in .debug_types (DWARF 4) and in .debug_info (DWARF 5), built here.
  const std::string tmp = test::temp_dir("die-tree");
  for (const char* version : {"4", "5"}) {
    const std::string out = tmp + "/types" + version;
    test::run(std::string("g++ -O2 -gdwarf-") + version + " -fdebug-types-section '" +
              test::fixture_sources() + "/cxx_fixture.cpp' -o '" + out + "'");
    REQUIRE(std::filesystem::exists(out));
    files.push_back(out);
  }
  std::size_t dies = 0;
  for (const std::string& file : files) {
    INFO(file);
    const auto sections = debug_sections(file);
    auto ctx = context_of(sections);
    for (const auto& unit : ctx->normal_units()) {
      INFO("unit at 0x" << std::hex << unit->getOffset());
      DieTree walked, checked;
      REQUIRE(checked_tree(*unit, checked));
      REQUIRE(walked_tree(*unit, walked));
      dies += require_same_tree(*unit, checked);
      (void)require_same_tree(*unit, walked);
      require_same_reading(*unit, checked);
    }
  }
  CHECK(dies > 10000);
  std::filesystem::remove_all(tmp);
}

TEST_CASE("on corrupted DWARF, the tree of a unit called sound is LLVM's") {
  std::size_t sound = 0;
  for (const char* name : {"pie_gcc", "dwarf5_clang", "cxx_gcc"}) {
    const std::string file = test::fixture_dir() + "/" + name;
    INFO(file);
    const auto pristine = debug_sections(file);
    REQUIRE(pristine.count("debug_info") == 1);
    std::mt19937_64 random(20261128);
    for (int round = 0; round < 1500; ++round) {
      INFO("round " << round);
      auto sections = pristine;
      test::corrupt_dwarf(sections, random);
      auto ctx = context_of(sections);
      for (const auto& unit : ctx->normal_units()) {
        if (!sym::detail::check_dies(*unit, true).ok) continue;
        DieTree walked, checked;
        if (!checked_tree(*unit, checked)) continue;
        REQUIRE(walked_tree(*unit, walked));
        (void)require_same_tree(*unit, checked);
        (void)require_same_tree(*unit, walked);
        ++sound;
      }
    }
  }
  CHECK(sound > 1000);
}

TEST_CASE("dense fills: tables are copied out at their size, nested ones trimmed in place") {
  using sym::detail::DenseFill;
  std::vector<std::uint64_t> small_out{7, 7, 7};  // whatever was there goes
  const std::vector<std::uint64_t>* scratch = nullptr;
  {
    DenseFill<std::uint64_t> fill(small_out, 1000);
    scratch = &*fill;
    CHECK(scratch != &small_out);
    CHECK(fill->capacity() >= 1000);
    for (std::uint64_t i = 0; i < 10; ++i) fill->push_back(i);
    (*fill)[3] = 30;  // changed while filling, as the DIE tree closes its scopes
    CHECK(small_out.empty());
  }
  CHECK(small_out == std::vector<std::uint64_t>{0, 1, 2, 30, 4, 5, 6, 7, 8, 9});
  CHECK(small_out.capacity() < 1000);

  // A large bound (1 M elements, 8 MB) too: its table holds what was filled, not the bound.
  std::vector<std::uint64_t> large_out;
  std::vector<std::uint64_t> inner_out;
  {
    DenseFill<std::uint64_t> fill(large_out, std::size_t{1} << 20);
    CHECK(&*fill == scratch);  // the scratch is free again, and reused
    CHECK(fill->capacity() >= std::size_t{1} << 20);
    fill->push_back(1);
    // A fill inside another fills in place, and is trimmed to its size.
    DenseFill<std::uint64_t> inner(inner_out, 1000);
    CHECK(&*inner == &inner_out);
    CHECK(inner_out.capacity() >= 1000);
    inner->push_back(6);
  }
  CHECK(large_out == std::vector<std::uint64_t>{1});
  CHECK(large_out.capacity() < 1000);
  CHECK(inner_out == std::vector<std::uint64_t>{6});
  CHECK(inner_out.capacity() < 1000);

  // Each thread has its own scratch (Catch's assertions are made on this one).
  std::vector<std::uint64_t> other;
  const std::vector<std::uint64_t>* other_scratch = nullptr;
  std::thread([&] {
    DenseFill<std::uint64_t> fill(other, 10);
    other_scratch = &*fill;
    fill->push_back(3);
  }).join();
  CHECK(other_scratch != scratch);
  CHECK(other_scratch != &other);
  CHECK(other == std::vector<std::uint64_t>{3});
}

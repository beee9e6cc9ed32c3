// A compile unit's DIEs read where they lie, without LLVM's DIE array.
//
// LLVM's DWARFUnit extracts every DIE of a unit into a vector (24 bytes a DIE) before it answers
// anything about one of them, and keeps the vector: symbolizing a thousand addresses of a large
// C++ program (32 MB of .debug_info) filled 130 MB of fresh pages that way, and a third of the
// run's CPU time went to those page faults. What the frames of an address need is a few DIEs:
// the function's subtree, the declarations its names are on, their scopes. DieTree learns, from
// one walk of a unit (the bounds check's, check_dies), where each DIE starts and which DIE holds
// which, in about 1.5 bits per byte of .debug_info;
// DieReader then reads single DIEs (LLVM's DWARFDebugInfoEntry::extractFast, at their offsets)
// and follows references and parents as LLVM's DWARFDie would, with the same answers.
#pragma once

#include "dense_fill.h"
#include "die_bounds.h"

#include <llvm/ADT/STLFunctionalExtras.h>
#include <llvm/DebugInfo/DWARF/DWARFDebugInfoEntry.h>
#include <llvm/DebugInfo/DWARF/DWARFDie.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace llvm {
class DWARFAbbreviationDeclaration;
class DWARFUnit;
}  // namespace llvm

namespace sym::detail {

// The DIE at `offset` (one check_dies found sound), read by LLVM's
// DWARFDebugInfoEntry::extractFast with no parent in a DIE array (there is none): an LLVM reader
// that would look for it finds no parent instead. False when LLVM refuses it.
bool read_die(const llvm::DWARFUnit& unit, std::uint64_t offset,
              llvm::DWARFDebugInfoEntry& entry);

// Reads the DIEs from `offset` on, as DWARFUnit::extractDIEsToVector reads them, and stops where
// it stops (an abbreviation code the unit does not have, the end of the unit) or where `visit`
// returns false. `visit(entry, depth)` sees each DIE, null entries included; `depth` counts the
// DIEs open around it (0 for the one at `offset`, whose children are at 1). Stops after the DIE
// at `offset` when it has no children, or at the null entry that ends them (visited). `end`:
// where reading must stop at the latest. Every DIE on the way must have passed check_dies.
// Returns the offset just past the last DIE read.
using DieWalk = llvm::function_ref<bool(const llvm::DWARFDebugInfoEntry&, std::uint32_t)>;
std::uint64_t walk_dies(const llvm::DWARFUnit& unit, std::uint64_t offset, std::uint64_t end,
                        DieWalk visit);

// Where the DIEs of one unit start, and their parents: built by one walk of the unit.
class DieTree {
 public:
  // A DIE of the walk, as check_dies visits them (die_bounds.h): its offset, its declaration
  // (null for a null entry) and the number of DIEs open around it.
  using Visit = DieVisit;
  // Walks every DIE of the unit (checked before with check_dies) with walk_dies, calling
  // `visit` for each. False (nothing built) for a unit of 4 GiB or more.
  bool build(const llvm::DWARFUnit& unit, Visit visit);
  // Or built from another walk of every DIE in order (check_dies'): start (false for a unit of
  // 4 GiB or more), add each DIE, finish where the walk stopped; clear() when it fails.
  bool start(const llvm::DWARFUnit& unit);
  void add(std::uint64_t offset, const llvm::DWARFAbbreviationDeclaration* decl,
           std::uint32_t depth);
  void finish(std::uint64_t stop);
  void clear();

  [[nodiscard]] bool built() const { return end_ != 0; }
  // Whether a DIE (null entries included, as LLVM's getDIEForOffset finds them) starts there.
  [[nodiscard]] bool starts_die(std::uint64_t offset) const;
  // The offset of the DIE whose children include the DIE at `offset`; none for the unit DIE.
  [[nodiscard]] std::optional<std::uint64_t> parent(std::uint64_t offset) const;
  // Where the walk stopped: past the last DIE LLVM would extract.
  [[nodiscard]] std::uint64_t end() const { return end_; }

 private:
  struct Scope {  // a DIE with children
    std::uint32_t begin, end;  // unit-relative: the DIE, and just past its children
    std::uint32_t parent;      // index of the scope around it, kNoScope for the unit DIE
  };
  std::uint64_t base_ = 0;  // the unit's offset
  std::uint64_t end_ = 0;
  std::vector<std::uint64_t> starts_;  // a bit per byte of the unit
  std::vector<Scope> scopes_;          // by begin (DIE order)
  // While building: where the scopes go, the scopes around the next DIE, and the last DIE's
  // offset.
  std::unique_ptr<DenseFill<Scope>> fill_;
  std::vector<std::uint32_t> open_;
  std::uint64_t last_ = 0;
};

// Single DIEs of one unit whose tree is built, made to be read by LLVM's DWARFDie: its attribute
// readers (find, getAddressRanges, getCallerFrame, getTag) read the unit's data at the DIE's
// offset and need no DIE array. Its navigation would (getParent, getFirstChild,
// getAttributeValueAsReferencedDie, and every name reader, which follow references): for DIEs of
// this unit, this class has them. DIEs of other units (through DW_FORM_ref_addr or a type
// signature) are LLVM's, read the way LLVM reads them. Not thread-safe; the DIEs it makes live
// as long as it does.
class DieReader {
 public:
  DieReader(llvm::DWARFUnit& unit, const DieTree& tree) : unit_(unit), tree_(tree) {}

  // The DIE at `offset` of the unit; invalid when no DIE starts there.
  llvm::DWARFDie at(std::uint64_t offset);
  // DWARFDie::getParent.
  llvm::DWARFDie parent(const llvm::DWARFDie& die);
  // DWARFDie::getAttributeValueAsReferencedDie.
  llvm::DWARFDie referenced(const llvm::DWARFDie& die, const llvm::DWARFFormValue& value);
  llvm::DWARFDie referenced(const llvm::DWARFDie& die, llvm::dwarf::Attribute attr);
  // DWARFDie::children: calls `visit(child)` for each, in order, until it returns false.
  void children(const llvm::DWARFDie& die, llvm::function_ref<bool(const llvm::DWARFDie&)> visit);
  // DWARFDie::getShortName, getLinkageName and getSubroutineName(DINameKind::LinkageName).
  const char* short_name(const llvm::DWARFDie& die);
  const char* linkage_name(const llvm::DWARFDie& die);
  const char* subroutine_name(const llvm::DWARFDie& die);

 private:
  // A DIE of this unit, when its tree is built (else LLVM reads them all).
  [[nodiscard]] bool ours(const llvm::DWARFDie& die) const {
    return tree_.built() && die.getDwarfUnit() == &unit_;
  }
  // DWARFDie::findRecursively.
  std::optional<llvm::DWARFFormValue> find_recursively(
      const llvm::DWARFDie& die, llvm::ArrayRef<llvm::dwarf::Attribute> attrs);

  llvm::DWARFUnit& unit_;
  const DieTree& tree_;
  std::vector<std::unique_ptr<llvm::DWARFDebugInfoEntry>> made_;
};

}  // namespace sym::detail

// A lazy, per-compile-unit index of functions: what LLVM's DWARFUnit::getInlinedChainForAddress
// answers, without LLVM's address map of every subroutine of the unit.
#pragma once

#include "die_bounds.h"
#include "die_tree.h"

#include <llvm/ADT/SmallVector.h>
#include <llvm/DebugInfo/DWARF/DWARFDie.h>

#include <cstdint>
#include <vector>

namespace llvm {
class DWARFUnit;
}  // namespace llvm

namespace sym::detail {

// Whether a unit DIE names a split-DWARF .dwo file (DW_AT_dwo_name, or GNU's
// DW_AT_GNU_dwo_name): a skeleton unit, whose DIEs are in that file. False for an invalid DIE.
bool names_dwo(const llvm::DWARFDie& unit_die);

// LLVM's DWARFUnit::getSubroutineForAddress builds, the first time a unit is asked, a map over
// the address ranges of every DW_TAG_subprogram and DW_TAG_inlined_subroutine of the unit (in
// DIE order, later DIEs painted over earlier ones by its own splitting rules): it decodes the
// ranges of every inlined call in the unit to answer one address.
//
// This index decodes, per unit, the ranges of the subprograms only, and groups them into
// clusters: subprograms whose ranges overlap (dead functions tombstoned to address 0) share one.
// The ranges of the inlined subroutines are decoded only for the cluster that holds an address,
// once, and go through LLVM's map-building rules in LLVM's order, in a map of that cluster
// alone. When every subroutine's ranges lie within the ranges of its cluster (what compilers
// emit: an inlined call inside the function it was inlined into), LLVM's map restricted to a
// cluster's addresses is that cluster's map, so the answers are LLVM's. Every range decoded is
// checked; the first one outside its cluster (and a split-DWARF unit, or an inverted range)
// hands the unit back to LLVM's own lookup for good.
//
// The DIEs are read where they lie (die_tree.h), not from LLVM's DIE array: the unit is walked
// once (its bounds check's walk, check_and_index), for its tree and its functions' ranges; a
// cluster's subroutines are read by a walk of its functions' subtrees, and kept (8 bytes each)
// for the chains.
class FunctionIndex {
 public:
  // Fills `chain` (empty on entry) as unit.getInlinedChainForAddress(address, chain) does: the
  // innermost subroutine first, up to and including the DW_TAG_subprogram. The DIEs are valid
  // until the next call.
  void inlined_chain(llvm::DWARFUnit& unit, std::uint64_t address,
                     llvm::SmallVectorImpl<llvm::DWARFDie>& chain);
  // Builds, ahead of inlined_chain, the index and the clusters these addresses fall in. Reads
  // nothing but this unit's DIEs, so units can be warmed on different threads (Module::prepare).
  void warm(llvm::DWARFUnit& unit, const std::vector<std::uint64_t>& addresses);
  // check_dies(unit, false) (die_bounds.h), with the DIE tree and the index built on the way:
  // one walk of the unit for the three. Nothing is built when the check fails. The unit DIE
  // must have been checked.
  [[nodiscard]] DieCheck check_and_index(llvm::DWARFUnit& unit);
  // The unit's DIE tree, built with the index (not for a split-DWARF skeleton, whose DIEs are in
  // its .dwo file, nor for a unit of 4 GiB or more).
  [[nodiscard]] const DieTree& tree() const { return tree_; }

 private:
  struct Segment {  // a maximal run of overlapping subprogram ranges
    std::uint64_t lo = 0, hi = 0;
    std::uint32_t cluster = 0;
  };
  struct Entry {  // [lo, hi) -> subs_ index
    std::uint64_t lo, hi;
    std::uint32_t sub;
  };
  struct Cluster {
    std::vector<std::uint64_t> subprograms;  // DIE offsets, in DIE order
    bool built = false;
    // LLVM's AddrDieMap over this cluster (a std::map there): entries_[begin, end), by lo.
    std::uint32_t begin = 0, end = 0;
  };
  // A subroutine DIE (the function or an inlined call in it) of a built cluster, and the one
  // around it (kNone-like -1 for the function).
  struct Sub {
    std::uint32_t offset;  // in the unit
    std::uint32_t up;
  };
  struct Insertion {  // a range to enter into a cluster's map
    std::uint64_t die;    // its DIE's offset
    std::uint32_t sub;    // its DIE in subs_
    std::uint32_t order;  // among the ranges found
    std::uint64_t lo, hi;
  };
  enum class State : std::uint8_t { kNew, kIndexed, kLLVM };

  struct Indexer;  // what a walk of the unit gathers for the index

  void reset();
  // Builds the tree and the index by a walk of its own (the unit checked before).
  void build(llvm::DWARFUnit& unit);
  // The index from what the walk gathered.
  void finish(Indexer& indexer);
  bool build_cluster(llvm::DWARFUnit& unit, std::uint32_t cluster);
  // The cluster whose segment holds `address` (kNone-like -1 when none), built; a cluster that
  // cannot be built hands the unit to LLVM (state kLLVM) and gives -1.
  std::uint32_t cluster_at(llvm::DWARFUnit& unit, std::uint64_t address);
  // The subs_ index of LLVM's getSubroutineForAddress, or none (-1).
  std::uint32_t subroutine_at(llvm::DWARFUnit& unit, std::uint64_t address);

  State state_ = State::kNew;
  DieTree tree_;
  std::vector<Segment> segments_;  // sorted by address, disjoint
  std::vector<Cluster> clusters_;
  std::vector<Entry> entries_;  // every built cluster's map, one after the other
  std::vector<Sub> subs_;       // every built cluster's subroutines
  // build_cluster's work space, kept: a fresh block of a kilobyte or more per cluster made
  // glibc's malloc consolidate its fast bins thousands of times (8 % of a 100 000-address run).
  std::vector<Insertion> insertions_;
  std::vector<Entry> map_;
  std::vector<std::uint32_t> around_;
  std::vector<llvm::DWARFDebugInfoEntry> chain_;  // the DIEs of inlined_chain's last answer
};

}  // namespace sym::detail

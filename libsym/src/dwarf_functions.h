// A lazy, per-compile-unit index of functions: what LLVM's DWARFUnit::getInlinedChainForAddress
// answers, without LLVM's address map of every subroutine of the unit.
#pragma once

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
// DIEs are kept as indices into the unit's DIE array, never as DWARFDie (pointers into a vector
// that LLVM may rebuild).
class FunctionIndex {
 public:
  // Fills `chain` (empty on entry) as unit.getInlinedChainForAddress(address, chain) does: the
  // innermost subroutine first, up to and including the DW_TAG_subprogram.
  void inlined_chain(llvm::DWARFUnit& unit, std::uint64_t address,
                     llvm::SmallVectorImpl<llvm::DWARFDie>& chain);
  // Builds, ahead of inlined_chain, the index and the clusters these addresses fall in. Reads
  // nothing but this unit's DIEs (extracted before), so units can be warmed on different
  // threads (Module::prepare).
  void warm(llvm::DWARFUnit& unit, const std::vector<std::uint64_t>& addresses);

 private:
  struct Segment {  // a maximal run of overlapping subprogram ranges
    std::uint64_t lo = 0, hi = 0;
    std::uint32_t cluster = 0;
  };
  struct Entry {  // [lo, hi) -> DIE index
    std::uint64_t lo, hi;
    std::uint32_t die;
  };
  struct Cluster {
    std::vector<std::uint32_t> subprograms;  // DIE indices, in DIE order
    bool built = false;
    // LLVM's AddrDieMap over this cluster (a std::map there): entries_[begin, end), by lo.
    std::uint32_t begin = 0, end = 0;
  };
  struct Insertion {  // a range to enter into a cluster's map
    std::uint32_t die;
    std::uint32_t order;  // among the ranges found
    std::uint64_t lo, hi;
  };
  enum class State : std::uint8_t { kNew, kIndexed, kLLVM };

  void build(llvm::DWARFUnit& unit);
  bool build_cluster(llvm::DWARFUnit& unit, std::uint32_t cluster);
  // The cluster whose segment holds `address` (kNone-like -1 when none), built; a cluster that
  // cannot be built hands the unit to LLVM (state kLLVM) and gives -1.
  std::uint32_t cluster_at(llvm::DWARFUnit& unit, std::uint64_t address);
  // The DIE index of LLVM's getSubroutineForAddress, or none (-1).
  std::uint32_t subroutine_at(llvm::DWARFUnit& unit, std::uint64_t address);

  State state_ = State::kNew;
  std::uint32_t dies_ = 0;  // size of the unit's DIE array when indexed
  std::vector<Segment> segments_;  // sorted by address, disjoint
  std::vector<Cluster> clusters_;
  std::vector<Entry> entries_;  // every built cluster's map, one after the other
  // build_cluster's work space, kept: a fresh block of a kilobyte or more per cluster made
  // glibc's malloc consolidate its fast bins thousands of times (8 % of a 100 000-address run).
  std::vector<Insertion> insertions_;
  std::vector<Entry> map_;
  std::vector<std::uint32_t> stack_, children_;
};

}  // namespace sym::detail

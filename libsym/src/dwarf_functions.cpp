#include "dwarf_functions.h"

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/DebugInfo/DWARF/DWARFDebugInfoEntry.h>
#include <llvm/DebugInfo/DWARF/DWARFUnit.h>
#include <llvm/Support/Error.h>

#include <algorithm>
#include <numeric>

namespace sym::detail {

namespace {

constexpr std::uint32_t kNone = 0xffffffffU;

// DWARFDie::getAddressRanges; a list that cannot be decoded is no ranges, as in LLVM's
// DWARFUnit::updateAddressDieMap.
// A DIE whose abbreviation has neither DW_AT_low_pc nor DW_AT_ranges (a declaration, an
// abstract instance) has none, and is answered without LLVM's attribute lookups.
llvm::DWARFAddressRangesVector ranges_of(const llvm::DWARFDie& die) {
  const auto* abbrev = die.getAbbreviationDeclarationPtr();
  if (abbrev == nullptr || (!abbrev->findAttributeIndex(llvm::dwarf::DW_AT_low_pc) &&
                            !abbrev->findAttributeIndex(llvm::dwarf::DW_AT_ranges))) {
    return {};
  }
  auto ranges = die.getAddressRanges();
  if (!ranges) {
    llvm::consumeError(ranges.takeError());
    return {};
  }
  return std::move(*ranges);
}

std::uint32_t find_root(std::vector<std::uint32_t>& parent, std::uint32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

}  // namespace

bool names_dwo(const llvm::DWARFDie& unit_die) {
  return unit_die.find(llvm::dwarf::DW_AT_dwo_name).has_value() ||
         unit_die.find(llvm::dwarf::DW_AT_GNU_dwo_name).has_value();
}

void FunctionIndex::build(llvm::DWARFUnit& unit) {
  state_ = State::kLLVM;  // unless indexing succeeds
  segments_.clear();
  clusters_.clear();
  entries_.clear();
  if (names_dwo(unit.getUnitDIE())) return;  // a skeleton: LLVM looks in the .dwo unit
  const std::uint32_t n = unit.getNumDIEs();  // extracts every DIE: the array holds still after
  dies_ = n;

  // Every DW_TAG_subprogram with non-empty ranges is a function; each inlined subroutine belongs
  // to its nearest DW_TAG_subprogram ancestor (checked, when that one has no ranges).
  struct Piece {
    std::uint64_t lo, hi;
    std::uint32_t function;
  };
  std::vector<Piece> pieces;
  std::vector<std::uint32_t> functions;  // DIE index of each function, in DIE order
  std::vector<std::uint32_t> owner(n, kNone);  // nearest DW_TAG_subprogram, itself included
  std::vector<bool> ranged(n, false);
  for (std::uint32_t k = 0; k < n; ++k) {
    const llvm::DWARFDie die = unit.getDIEAtIndex(k);
    const auto parent = die.getDebugInfoEntry()->getParentIdx();
    std::uint32_t own = parent && *parent < k ? owner[*parent] : kNone;
    const llvm::dwarf::Tag tag = die.getTag();
    if (tag == llvm::dwarf::DW_TAG_subprogram) {
      own = k;
      const auto function = static_cast<std::uint32_t>(functions.size());
      for (const auto& r : ranges_of(die)) {
        if (r.LowPC == r.HighPC) continue;  // LLVM skips empty ranges
        if (r.LowPC > r.HighPC) return;     // an inverted range still shadows in LLVM's map
        pieces.push_back({r.LowPC, r.HighPC, function});
        ranged[k] = true;
      }
      if (ranged[k]) functions.push_back(k);
    } else if (tag == llvm::dwarf::DW_TAG_inlined_subroutine && (own == kNone || !ranged[own])) {
      // Code of an inlined call outside every function's ranges: no cluster would hold it.
      for (const auto& r : ranges_of(die)) {
        if (r.LowPC != r.HighPC) return;
      }
    }
    owner[k] = own;
  }

  // Overlapping ranges join their functions into one cluster; a function's ranges all belong to
  // its cluster. Ranges that merely touch stay apart.
  std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
    return a.lo != b.lo ? a.lo < b.lo : a.hi < b.hi;
  });
  std::vector<std::uint32_t> parent(functions.size());
  std::iota(parent.begin(), parent.end(), 0U);
  std::vector<Segment> segments;  // .cluster: some function of the segment, for now
  for (const Piece& p : pieces) {
    if (!segments.empty() && p.lo < segments.back().hi) {
      segments.back().hi = std::max(segments.back().hi, p.hi);
      parent[find_root(parent, p.function)] = find_root(parent, segments.back().cluster);
    } else {
      segments.push_back({p.lo, p.hi, p.function});
    }
  }
  std::vector<std::uint32_t> cluster_of(functions.size(), kNone);
  for (std::uint32_t f = 0; f < functions.size(); ++f) {
    std::uint32_t& c = cluster_of[find_root(parent, f)];
    if (c == kNone) {
      c = static_cast<std::uint32_t>(clusters_.size());
      clusters_.emplace_back();
    }
    clusters_[c].subprograms.push_back(functions[f]);
  }
  for (Segment& s : segments) {
    s.cluster = cluster_of[find_root(parent, s.cluster)];
    // Touching segments of one cluster are one: an inlined call may span them.
    if (!segments_.empty() && segments_.back().hi == s.lo && segments_.back().cluster == s.cluster) {
      segments_.back().hi = s.hi;
    } else {
      segments_.push_back(s);
    }
  }
  state_ = State::kIndexed;
}

bool FunctionIndex::build_cluster(llvm::DWARFUnit& unit, std::uint32_t cluster) {
  // Every subroutine of the cluster's functions (not of functions nested in them: those are
  // functions of their own), with its ranges, as LLVM's updateAddressDieMap reads them.
  std::vector<Insertion>& insertions = insertions_;
  std::vector<std::uint32_t>& stack = stack_;  // preorder: children pushed last to first
  std::vector<std::uint32_t>& children = children_;
  insertions.clear();
  stack.clear();
  for (std::uint32_t function : clusters_[cluster].subprograms) {
    stack.push_back(function);
    while (!stack.empty()) {
      const std::uint32_t k = stack.back();
      stack.pop_back();
      const llvm::DWARFDie die = unit.getDIEAtIndex(k);
      if (die.isSubroutineDIE()) {
        for (const auto& r : ranges_of(die)) {
          if (r.LowPC == r.HighPC) continue;
          // Outside the cluster's ranges, LLVM's answer may depend on other clusters.
          auto seg = std::upper_bound(
              segments_.begin(), segments_.end(), r.LowPC,
              [](std::uint64_t a, const Segment& s) { return a < s.lo; });
          if (r.LowPC > r.HighPC || seg == segments_.begin()) return false;
          --seg;
          if (seg->cluster != cluster || r.HighPC > seg->hi) return false;
          insertions.push_back(
              {k, static_cast<std::uint32_t>(insertions.size()), r.LowPC, r.HighPC});
        }
      }
      children.clear();
      for (llvm::DWARFDie child = die.getFirstChild(); child; child = child.getSibling()) {
        if (child.getTag() != llvm::dwarf::DW_TAG_subprogram) {
          children.push_back(unit.getDIEIndex(child));
        }
      }
      stack.insert(stack.end(), children.rbegin(), children.rend());
    }
  }
  // LLVM's order: DIE order (parents before children), each DIE's ranges in list order. The
  // walk above has it unless functions of the cluster nest.
  const auto before = [](const Insertion& a, const Insertion& b) {
    return a.die != b.die ? a.die < b.die : a.order < b.order;
  };
  if (!std::is_sorted(insertions.begin(), insertions.end(), before)) {
    std::sort(insertions.begin(), insertions.end(), before);
  }
  // DWARFUnit::updateAddressDieMap, step for step, on a sorted vector: map[key] = value is
  // put(), and every range here has lo < hi.
  std::vector<Entry>& map = map_;
  map.clear();
  const auto put = [&map](std::uint64_t lo, std::uint64_t hi, std::uint32_t die) {
    auto it = std::lower_bound(map.begin(), map.end(), lo,
                               [](const Entry& e, std::uint64_t key) { return e.lo < key; });
    if (it != map.end() && it->lo == lo) {
      it->hi = hi;
      it->die = die;
    } else {
      map.insert(it, Entry{lo, hi, die});
    }
  };
  for (const Insertion& r : insertions) {
    auto b = std::upper_bound(map.begin(), map.end(), r.lo,
                              [](std::uint64_t key, const Entry& e) { return key < e.lo; });
    if (b != map.begin() && r.lo < std::prev(b)->hi) {
      const Entry covering = *std::prev(b);
      const auto at = static_cast<std::size_t>(std::prev(b) - map.begin());
      if (r.hi < covering.hi) put(r.hi, covering.hi, covering.die);  // lands after `at`
      if (r.lo > covering.lo) map[at].hi = r.lo;
    }
    put(r.lo, r.hi, r.die);
  }
  Cluster& c = clusters_[cluster];
  c.begin = static_cast<std::uint32_t>(entries_.size());
  entries_.insert(entries_.end(), map.begin(), map.end());
  c.end = static_cast<std::uint32_t>(entries_.size());
  c.built = true;
  return true;
}

std::uint32_t FunctionIndex::cluster_at(llvm::DWARFUnit& unit, std::uint64_t address) {
  auto seg = std::upper_bound(segments_.begin(), segments_.end(), address,
                              [](std::uint64_t a, const Segment& s) { return a < s.lo; });
  if (seg == segments_.begin()) return kNone;
  --seg;
  if (address >= seg->hi) return kNone;  // no function's ranges hold it: neither would LLVM's map
  const std::uint32_t cluster = seg->cluster;
  if (!clusters_[cluster].built && !build_cluster(unit, cluster)) {
    state_ = State::kLLVM;
    segments_ = {};
    clusters_ = {};
    entries_ = {};
    return kNone;
  }
  return cluster;
}

std::uint32_t FunctionIndex::subroutine_at(llvm::DWARFUnit& unit, std::uint64_t address) {
  const std::uint32_t c = cluster_at(unit, address);
  if (c == kNone) return kNone;
  // DWARFUnit::getSubroutineForAddress.
  const Cluster& cluster = clusters_[c];
  const auto first = entries_.begin() + cluster.begin;
  auto r = std::upper_bound(first, entries_.begin() + cluster.end, address,
                            [](std::uint64_t key, const Entry& e) { return key < e.lo; });
  if (r == first) return kNone;
  --r;
  if (address >= r->hi) return kNone;
  return r->die;
}

void FunctionIndex::warm(llvm::DWARFUnit& unit, const std::vector<std::uint64_t>& addresses) {
  if (state_ == State::kNew) build(unit);
  for (std::uint64_t address : addresses) {
    if (state_ != State::kIndexed) return;
    (void)cluster_at(unit, address);
  }
}

void FunctionIndex::inlined_chain(llvm::DWARFUnit& unit, std::uint64_t address,
                                  llvm::SmallVectorImpl<llvm::DWARFDie>& chain) {
  // Should LLVM ever re-extract the unit's DIEs, the indices are stale: index again.
  if (state_ == State::kIndexed && unit.getNumDIEs() != dies_) state_ = State::kNew;
  if (state_ == State::kNew) build(unit);
  if (state_ == State::kIndexed) {
    const std::uint32_t index = subroutine_at(unit, address);
    if (state_ == State::kIndexed) {
      if (index == kNone) return;
      // DWARFUnit::getInlinedChainForAddress: up the tree to the subprogram.
      for (llvm::DWARFDie die = unit.getDIEAtIndex(index); die; die = die.getParent()) {
        if (die.isSubprogramDIE()) {
          chain.push_back(die);
          return;
        }
        if (die.getTag() == llvm::dwarf::DW_TAG_inlined_subroutine) chain.push_back(die);
      }
      return;
    }
  }
  unit.getInlinedChainForAddress(address, chain);
}

}  // namespace sym::detail

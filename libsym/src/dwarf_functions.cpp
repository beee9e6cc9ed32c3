#include "dwarf_functions.h"

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/DebugInfo/DWARF/DWARFAbbreviationDeclaration.h>
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

// What the walk of a unit gathers for the index. Every DW_TAG_subprogram with non-empty ranges
// is a function; each inlined subroutine belongs to its nearest DW_TAG_subprogram ancestor
// (checked, when that one has no ranges).
struct FunctionIndex::Indexer {
  struct Piece {
    std::uint64_t lo, hi;
    std::uint32_t function;
  };
  std::vector<Piece> pieces;
  std::vector<std::uint64_t> functions;  // DIE offset of each function, in DIE order
  // The nearest DW_TAG_subprogram around the DIEs at each depth (itself included): none, one
  // without ranges, one with.
  enum class Owner : std::uint8_t { kNone, kUnranged, kRanged };
  std::vector<Owner> owner;
  bool indexable = true;  // else the walk only builds the tree

  void visit(llvm::DWARFUnit& unit, std::uint64_t offset,
             const llvm::DWARFAbbreviationDeclaration* decl, std::uint32_t depth) {
    if (!indexable || decl == nullptr) return;
    owner.resize(depth + 1);
    Owner own = depth > 0 ? owner[depth - 1] : Owner::kNone;
    const llvm::dwarf::Tag tag = decl->getTag();
    if (tag == llvm::dwarf::DW_TAG_subprogram) {
      const auto function = static_cast<std::uint32_t>(functions.size());
      own = Owner::kUnranged;
      for (const auto& r : ranges_at(unit, offset)) {
        if (r.LowPC == r.HighPC) continue;  // LLVM skips empty ranges
        if (r.LowPC > r.HighPC) {           // an inverted range still shadows in LLVM's map
          indexable = false;
          return;
        }
        pieces.push_back({r.LowPC, r.HighPC, function});
        own = Owner::kRanged;
      }
      if (own == Owner::kRanged) functions.push_back(offset);
    } else if (tag == llvm::dwarf::DW_TAG_inlined_subroutine && own != Owner::kRanged) {
      // Code of an inlined call outside every function's ranges: no cluster would hold it.
      for (const auto& r : ranges_at(unit, offset)) {
        if (r.LowPC != r.HighPC) {
          indexable = false;
          return;
        }
      }
    }
    owner[depth] = own;
  }

  // The ranges of the DIE at `offset` (a sound one: LLVM reads it).
  static llvm::DWARFAddressRangesVector ranges_at(llvm::DWARFUnit& unit, std::uint64_t offset) {
    llvm::DWARFDebugInfoEntry entry;
    if (!read_die(unit, offset, entry)) return {};
    return ranges_of(llvm::DWARFDie(&unit, &entry));
  }
};

void FunctionIndex::reset() {
  state_ = State::kNew;
  tree_.clear();
  segments_ = {};
  clusters_ = {};
  entries_ = {};
  subs_ = {};
}

void FunctionIndex::build(llvm::DWARFUnit& unit) {
  reset();
  state_ = State::kLLVM;  // unless indexing succeeds
  if (names_dwo(unit.getUnitDIE())) return;  // a skeleton: LLVM looks in the .dwo unit
  Indexer indexer;
  const bool walked = tree_.build(
      unit, [&](std::uint64_t offset, const llvm::DWARFAbbreviationDeclaration* decl,
                std::uint32_t depth) { indexer.visit(unit, offset, decl, depth); });
  if (walked) finish(indexer);
}

DieCheck FunctionIndex::check_and_index(llvm::DWARFUnit& unit) {
  if (state_ != State::kNew) return check_dies(unit, /*unit_die_only=*/false);
  reset();
  if (names_dwo(unit.getUnitDIE()) || !tree_.start(unit)) {
    state_ = State::kLLVM;  // a skeleton (LLVM looks in the .dwo unit), or too large a unit
    return check_dies(unit, /*unit_die_only=*/false);
  }
  Indexer indexer;
  const DieCheck check = check_dies(
      unit, /*unit_die_only=*/false,
      [&](std::uint64_t offset, const llvm::DWARFAbbreviationDeclaration* decl,
          std::uint32_t depth) {
        tree_.add(offset, decl, depth);
        indexer.visit(unit, offset, decl, depth);
      });
  if (!check.ok) {
    reset();  // LLVM must not read the unit
    return check;
  }
  tree_.finish(check.stop);
  state_ = State::kLLVM;  // unless indexing succeeds
  finish(indexer);
  return check;
}

void FunctionIndex::finish(Indexer& indexer) {
  if (!indexer.indexable) return;
  auto& pieces = indexer.pieces;
  const auto& functions = indexer.functions;
  using Piece = Indexer::Piece;

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
  std::vector<std::uint32_t>& around = around_;  // by depth: the subroutine around the DIEs
  insertions.clear();
  for (std::uint64_t function : clusters_[cluster].subprograms) {
    around.clear();
    std::uint32_t nested = kNone;  // the depth of a nested function, whose DIEs are skipped
    bool inside = true;            // every range lies in the cluster's segments
    walk_dies(unit, function, tree_.end(),
              [&](const llvm::DWARFDebugInfoEntry& entry, std::uint32_t depth) {
      if (nested != kNone) {
        if (depth > nested) return true;
        nested = kNone;
      }
      const auto* abbrev = entry.getAbbreviationDeclarationPtr();
      if (abbrev == nullptr) return true;
      const llvm::dwarf::Tag tag = abbrev->getTag();
      if (depth > 0 && tag == llvm::dwarf::DW_TAG_subprogram) {
        nested = depth;
        return true;
      }
      around.resize(depth + 1);
      std::uint32_t up = depth > 0 ? around[depth - 1] : kNone;
      if (tag == llvm::dwarf::DW_TAG_subprogram || tag == llvm::dwarf::DW_TAG_inlined_subroutine) {
        const auto sub = static_cast<std::uint32_t>(subs_.size());
        subs_.push_back({static_cast<std::uint32_t>(entry.getOffset() - unit.getOffset()), up});
        for (const auto& r : ranges_of(llvm::DWARFDie(&unit, &entry))) {
          if (r.LowPC == r.HighPC) continue;
          // Outside the cluster's ranges, LLVM's answer may depend on other clusters.
          auto seg = std::upper_bound(
              segments_.begin(), segments_.end(), r.LowPC,
              [](std::uint64_t a, const Segment& s) { return a < s.lo; });
          if (r.LowPC > r.HighPC || seg == segments_.begin()) {
            inside = false;
            return false;
          }
          --seg;
          if (seg->cluster != cluster || r.HighPC > seg->hi) {
            inside = false;
            return false;
          }
          insertions.push_back({entry.getOffset(), sub,
                                static_cast<std::uint32_t>(insertions.size()), r.LowPC, r.HighPC});
        }
        up = sub;
      }
      around[depth] = up;
      return true;
    });
    if (!inside) return false;
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
  const auto put = [&map](std::uint64_t lo, std::uint64_t hi, std::uint32_t sub) {
    auto it = std::lower_bound(map.begin(), map.end(), lo,
                               [](const Entry& e, std::uint64_t key) { return e.lo < key; });
    if (it != map.end() && it->lo == lo) {
      it->hi = hi;
      it->sub = sub;
    } else {
      map.insert(it, Entry{lo, hi, sub});
    }
  };
  for (const Insertion& r : insertions) {
    auto b = std::upper_bound(map.begin(), map.end(), r.lo,
                              [](std::uint64_t key, const Entry& e) { return key < e.lo; });
    if (b != map.begin() && r.lo < std::prev(b)->hi) {
      const Entry covering = *std::prev(b);
      const auto at = static_cast<std::size_t>(std::prev(b) - map.begin());
      if (r.hi < covering.hi) put(r.hi, covering.hi, covering.sub);  // lands after `at`
      if (r.lo > covering.lo) map[at].hi = r.lo;
    }
    put(r.lo, r.hi, r.sub);
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
    subs_ = {};
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
  return r->sub;
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
  if (state_ == State::kNew) build(unit);
  if (state_ == State::kIndexed) {
    const std::uint32_t index = subroutine_at(unit, address);
    if (state_ == State::kIndexed) {
      // DWARFUnit::getInlinedChainForAddress: up the tree to the subprogram, through the
      // inlined subroutines.
      chain_.clear();
      for (std::uint32_t s = index; s != kNone; s = subs_[s].up) {
        // Read before, in build_cluster's walk: it reads the same again.
        (void)read_die(unit, unit.getOffset() + subs_[s].offset, chain_.emplace_back());
      }
      for (const llvm::DWARFDebugInfoEntry& entry : chain_) chain.push_back({&unit, &entry});
      return;
    }
  }
  unit.getInlinedChainForAddress(address, chain);
}

}  // namespace sym::detail

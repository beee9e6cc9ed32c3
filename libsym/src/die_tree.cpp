#include "die_tree.h"

#include <llvm/ADT/SmallVector.h>
#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/DebugInfo/DWARF/DWARFAbbreviationDeclaration.h>
#include <llvm/DebugInfo/DWARF/DWARFDataExtractor.h>
#include <llvm/DebugInfo/DWARF/DWARFFormValue.h>
#include <llvm/DebugInfo/DWARF/DWARFUnit.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace sym::detail {

namespace {

constexpr std::uint32_t kNoScope = std::numeric_limits<std::uint32_t>::max();
// What extractFast records as a DIE's parent: none (read_die).
constexpr std::uint32_t kNoParent = std::numeric_limits<std::uint32_t>::max();

}  // namespace

bool read_die(const llvm::DWARFUnit& unit, std::uint64_t offset,
              llvm::DWARFDebugInfoEntry& entry) {
  return entry.extractFast(unit, &offset, unit.getDebugInfoExtractor(), unit.getNextUnitOffset(),
                           kNoParent);
}

std::uint64_t walk_dies(const llvm::DWARFUnit& unit, std::uint64_t offset, std::uint64_t end,
                        DieWalk visit) {
  const llvm::DWARFDataExtractor data = unit.getDebugInfoExtractor();
  llvm::DWARFDebugInfoEntry entry;
  std::uint32_t depth = 0;
  while (offset < end) {
    // As extractDIEsToVector: a failure (the unit's end, an unknown abbreviation code) ends it,
    // with LLVM's warning.
    if (!entry.extractFast(unit, &offset, data, unit.getNextUnitOffset(), kNoParent)) break;
    if (!visit(entry, depth)) break;
    const llvm::DWARFAbbreviationDeclaration* abbrev = entry.getAbbreviationDeclarationPtr();
    if (abbrev == nullptr) {  // a null entry ends the children of the DIE around it
      if (depth == 0 || --depth == 0) break;
    } else if (abbrev->hasChildren()) {
      ++depth;
    } else if (depth == 0) {
      break;
    }
  }
  return offset;
}

bool DieTree::build(const llvm::DWARFUnit& unit, Visit visit) {
  if (!start(unit)) return false;
  const std::uint64_t stop = walk_dies(
      unit, base_ + unit.getHeaderSize(), std::numeric_limits<std::uint64_t>::max(),
      [&](const llvm::DWARFDebugInfoEntry& entry, std::uint32_t depth) {
        add(entry.getOffset(), entry.getAbbreviationDeclarationPtr(), depth);
        visit(entry.getOffset(), entry.getAbbreviationDeclarationPtr(), depth);
        return true;
      });
  finish(stop);
  return true;
}

bool DieTree::start(const llvm::DWARFUnit& unit) {
  clear();
  base_ = unit.getOffset();
  last_ = base_;
  const std::uint64_t size = unit.getNextUnitOffset() - base_;
  if (size > std::numeric_limits<std::uint32_t>::max()) return false;  // offsets are 32-bit here
  starts_.assign(size / 64 + 1, 0);
  // A DIE with children and the null entry that ends them take two bytes at least: the room is
  // never outgrown (growing copied the scopes into fresh pages: a tenth of the page faults of a
  // thousand lookups in a large C++ program).
  fill_ = std::make_unique<DenseFill<Scope>>(scopes_, size / 2 + 1);
  return true;
}

void DieTree::add(std::uint64_t offset, const llvm::DWARFAbbreviationDeclaration* decl,
                  std::uint32_t depth) {
  last_ = offset;
  const auto at = static_cast<std::uint32_t>(offset - base_);
  starts_[at / 64] |= std::uint64_t{1} << (at % 64);
  std::vector<Scope>& scopes = **fill_;
  if (decl == nullptr) {
    if (!open_.empty()) {
      scopes[open_.back()].end = at + 1;  // the next DIE starts a byte later at least
      open_.pop_back();
    }
  } else if (decl->hasChildren()) {
    const std::uint32_t around = depth > 0 && !open_.empty() ? open_.back() : kNoScope;
    open_.push_back(static_cast<std::uint32_t>(scopes.size()));
    scopes.push_back({at, 0, around});
  }
}

void DieTree::finish(std::uint64_t stop) {
  // Past the last DIE, which may end where it starts: a null entry whose code is a LEB128 that
  // cannot be read (LLVM's extractor then reads 0 and does not move).
  end_ = std::max(stop, last_ + 1);
  std::vector<Scope>& scopes = **fill_;
  for (std::uint32_t s : open_) scopes[s].end = static_cast<std::uint32_t>(end_ - base_);
  fill_.reset();
  open_ = {};
}

void DieTree::clear() {
  end_ = 0;
  starts_ = {};
  fill_.reset();
  scopes_ = {};
  open_.clear();
}

bool DieTree::starts_die(std::uint64_t offset) const {
  if (offset < base_ || offset >= end_) return false;
  // The walk may end past the unit: the last DIE's values may run over its end.
  const std::uint64_t at = offset - base_;
  return at / 64 < starts_.size() && ((starts_[at / 64] >> (at % 64)) & 1) != 0;
}

std::optional<std::uint64_t> DieTree::parent(std::uint64_t offset) const {
  if (offset < base_ || offset >= end_) return std::nullopt;
  const auto at = static_cast<std::uint32_t>(offset - base_);
  // The last scope opened before the DIE, then out until one holds it.
  auto it = std::lower_bound(scopes_.begin(), scopes_.end(), at,
                             [](const Scope& s, std::uint32_t a) { return s.begin < a; });
  if (it == scopes_.begin()) return std::nullopt;
  std::uint32_t s = static_cast<std::uint32_t>(std::prev(it) - scopes_.begin());
  while (s != kNoScope && scopes_[s].end <= at) s = scopes_[s].parent;
  if (s == kNoScope) return std::nullopt;
  return base_ + scopes_[s].begin;
}

llvm::DWARFDie DieReader::at(std::uint64_t offset) {
  if (!tree_.starts_die(offset)) return {};
  auto entry = std::make_unique<llvm::DWARFDebugInfoEntry>();
  if (!read_die(unit_, offset, *entry)) return {};
  made_.push_back(std::move(entry));
  return {&unit_, made_.back().get()};
}

llvm::DWARFDie DieReader::parent(const llvm::DWARFDie& die) {
  if (!ours(die)) return die.getParent();
  const auto offset = tree_.parent(die.getOffset());
  return offset ? at(*offset) : llvm::DWARFDie();
}

llvm::DWARFDie DieReader::referenced(const llvm::DWARFDie& die, const llvm::DWARFFormValue& value) {
  if (ours(die)) {
    // DWARFDie::getAttributeValueAsReferencedDie finds both kinds of offset with the DIE array
    // of the unit they fall in; in this unit, the tree does.
    if (auto relative = value.getAsRelativeReference()) {
      if (value.getUnit() != &unit_) return {};
      return at(unit_.getOffset() + *relative);
    }
    if (auto absolute = value.getAsDebugInfoReference()) {
      if (*absolute >= unit_.getOffset() && *absolute < unit_.getNextUnitOffset()) {
        return at(*absolute);
      }
    }
  }
  return die.getAttributeValueAsReferencedDie(value);
}

llvm::DWARFDie DieReader::referenced(const llvm::DWARFDie& die, llvm::dwarf::Attribute attr) {
  const auto value = die.find(attr);
  return value ? referenced(die, *value) : llvm::DWARFDie();
}

void DieReader::children(const llvm::DWARFDie& die,
                         llvm::function_ref<bool(const llvm::DWARFDie&)> visit) {
  if (!ours(die)) {
    for (const llvm::DWARFDie& child : die.children()) {
      if (!visit(child)) return;
    }
    return;
  }
  if (!die.isValid() || !die.hasChildren()) return;
  walk_dies(unit_, die.getOffset(), tree_.end(),
            [&](const llvm::DWARFDebugInfoEntry& entry, std::uint32_t depth) {
              if (depth != 1 || entry.getAbbreviationDeclarationPtr() == nullptr) return true;
              return visit(llvm::DWARFDie(&unit_, &entry));
            });
}

std::optional<llvm::DWARFFormValue> DieReader::find_recursively(
    const llvm::DWARFDie& die, llvm::ArrayRef<llvm::dwarf::Attribute> attrs) {
  // Depth first, abstract origin and specification each followed, every DIE visited once (a
  // DIE is its unit and offset: the DIEs made here are copies).
  llvm::SmallVector<llvm::DWARFDie, 4> work{die};
  llvm::SmallVector<std::pair<const llvm::DWARFUnit*, std::uint64_t>, 8> seen{
      {die.getDwarfUnit(), die.getOffset()}};
  while (!work.empty()) {
    const llvm::DWARFDie next = work.pop_back_val();
    if (!next.isValid()) continue;
    if (auto value = next.find(attrs)) return value;
    for (llvm::dwarf::Attribute attr :
         {llvm::dwarf::DW_AT_abstract_origin, llvm::dwarf::DW_AT_specification}) {
      const llvm::DWARFDie target = referenced(next, attr);
      if (!target) continue;
      const std::pair<const llvm::DWARFUnit*, std::uint64_t> key{target.getDwarfUnit(),
                                                                  target.getOffset()};
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(key);
      work.push_back(target);
    }
  }
  return std::nullopt;
}

const char* DieReader::short_name(const llvm::DWARFDie& die) {
  if (!die.isValid()) return nullptr;
  return llvm::dwarf::toString(find_recursively(die, {llvm::dwarf::DW_AT_name}), nullptr);
}

const char* DieReader::linkage_name(const llvm::DWARFDie& die) {
  if (!die.isValid()) return nullptr;
  namespace dw = llvm::dwarf;
  return dw::toString(find_recursively(die, {dw::DW_AT_MIPS_linkage_name, dw::DW_AT_linkage_name}),
                      nullptr);
}

const char* DieReader::subroutine_name(const llvm::DWARFDie& die) {
  if (!die.isSubroutineDIE()) return nullptr;
  if (const char* name = linkage_name(die)) return name;
  return short_name(die);
}

}  // namespace sym::detail

#include "dwarf_frames.h"

#include "die_tree.h"
#include "dwarf_sup.h"

#include <llvm/DebugInfo/DIContext.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/DebugInfo/DWARF/DWARFDie.h>
#include <llvm/DebugInfo/DWARF/DWARFUnit.h>

#include <llvm/ADT/SmallVector.h>

#include <cstring>
#include <string>
#include <vector>

namespace sym::detail {

namespace {

using FileLineInfoKind = llvm::DILineInfoSpecifier::FileLineInfoKind;

// DILineInfo's placeholder for "unknown", which Module::lookup turns into "".
bool is_bad(const char* s) { return std::strcmp(s, llvm::DILineInfo::BadString) == 0; }
bool is_bad(const std::string& s) { return s == llvm::DILineInfo::BadString; }

void set_name(Frame& f, const char* name) {
  if (name != nullptr && !is_bad(name)) f.raw_name = name;
}

void set_file(Frame& f, const std::string* file) {
  if (file != nullptr && !is_bad(*file)) f.file = *file;
}

// LineTable::getFileLineInfoForAddress: file, line, column and discriminator of the row that
// holds the address; nothing unless the row's file has a name.
bool fill_from_row(UnitLines& lines, std::uint64_t address, Frame& f) {
  const auto place = lines.place(address);
  if (!place) return false;
  const std::string* file = lines.file(place->file);
  if (file == nullptr) return false;
  set_file(f, file);
  f.line = place->line;
  f.column = place->column;
  f.discriminator = place->discriminator;
  return true;
}

// The declaration a subprogram DIE's name is written on: its abstract origin's, or its
// specification's (each followed a few times at most).
llvm::DWARFDie declaration_of(DieReader& dies, llvm::DWARFDie die) {
  for (int hops = 0; hops < 8; ++hops) {
    llvm::DWARFDie next = dies.referenced(die, llvm::dwarf::DW_AT_abstract_origin);
    if (!next) next = dies.referenced(die, llvm::dwarf::DW_AT_specification);
    if (!next) break;
    if (next.getDwarfUnit() == die.getDwarfUnit() && next.getOffset() == die.getOffset()) break;
    die = next;
  }
  return die;
}

// "a::b::" for the scopes `decl` is declared in (namespaces, classes, the function a local
// class or lambda belongs to), outermost first; "" at the top of the unit. `depth` bounds the
// recursion through enclosing functions.
std::string scopes_of(DieReader& dies, const llvm::DWARFDie& decl, int depth) {
  namespace dw = llvm::dwarf;
  std::vector<std::string> scopes;
  std::size_t length = 0;
  bool last = false;  // an enclosing function's name holds its own scopes: the walk ends there
  for (llvm::DWARFDie p = dies.parent(decl); p && !last && scopes.size() < 32 && length < 4096;
       p = dies.parent(p)) {
    std::string scope;
    switch (p.getTag()) {
      case dw::DW_TAG_namespace: {
        const char* name = dies.short_name(p);
        scope = name != nullptr && *name != '\0' ? name : "(anonymous namespace)";
        break;
      }
      case dw::DW_TAG_class_type:
      case dw::DW_TAG_structure_type:
      case dw::DW_TAG_union_type:
      case dw::DW_TAG_enumeration_type: {
        const char* name = dies.short_name(p);
        if (name != nullptr && *name != '\0') {
          scope = name;
          break;
        }
        // GCC's lambda: a class without a name whose function is operator().
        scope = "{unnamed type}";
        dies.children(p, [&](const llvm::DWARFDie& child) {
          if (child.getTag() != dw::DW_TAG_subprogram) return true;
          const char* member = dies.short_name(child);
          if (member == nullptr || std::strcmp(member, "operator()") != 0) return true;
          scope = "{lambda}";
          return false;
        });
        break;
      }
      case dw::DW_TAG_subprogram: {
        // A local class's or lambda's function, itself named with its scopes.
        const llvm::DWARFDie f = declaration_of(dies, p);
        const char* name = dies.short_name(f);
        if (name == nullptr || *name == '\0') return "";
        scope = (depth > 0 ? scopes_of(dies, f, depth - 1) : std::string()) + name;
        last = true;
        break;
      }
      case dw::DW_TAG_compile_unit:
      case dw::DW_TAG_partial_unit:
      case dw::DW_TAG_type_unit:
      case dw::DW_TAG_skeleton_unit:
        last = true;
        continue;
      default:
        continue;  // lexical blocks and the like
    }
    length += scope.size();
    scopes.push_back(std::move(scope));
  }
  std::string out;
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) out += *it + "::";
  return out;
}

}  // namespace

bool UnitLines::load(llvm::DWARFContext& ctx, llvm::DWARFUnit& unit, LineTables& tables,
                     SupplementaryDwarf* sup) {
  if (!tried_) {
    tried_ = true;
    comp_dir_ = unit.getCompilationDir();
    if (comp_dir_ == nullptr && sup != nullptr) comp_dir_ = sup->compilation_dir(unit);
    ours_ = tables.for_unit(ctx, unit, &llvm_);
    if (ours_ != nullptr) prologue_ = &ours_->prologue();
    if (llvm_ != nullptr) prologue_ = &llvm_->Prologue;
    if (prologue_ != nullptr) {
      // Entries 0..size: DWARF 5 counts from 0, earlier versions from 1.
      const std::size_t n = prologue_->FileNames.size() + 1;
      names_.resize(n);
      state_.assign(n, kUnknown);
    }
  }
  return prologue_ != nullptr;
}

std::optional<UnitLines::Place> UnitLines::place(std::uint64_t address) const {
  if (ours_ != nullptr) {
    const std::uint32_t index = ours_->lookup(address);
    if (index == LineTable::kUnknownRow) return std::nullopt;
    const LineTable::Row& row = ours_->rows()[index];
    return Place{row.file, row.line, row.column, ours_->discriminator(index)};
  }
  if (llvm_ != nullptr) {
    const std::uint32_t index = llvm_->lookupAddress(
        {address, llvm::object::SectionedAddress::UndefSection});
    if (index == llvm_->UnknownRowIndex) return std::nullopt;
    const llvm::DWARFDebugLine::Row& row = llvm_->Rows[index];
    return Place{row.File, row.Line, row.Column, row.Discriminator};
  }
  return std::nullopt;
}

const std::string* UnitLines::file(std::uint64_t index) {
  if (prologue_ == nullptr || index >= state_.size()) return nullptr;  // no such entry either way
  if (state_[index] == kUnknown) {
    const bool found = prologue_->getFileNameByIndex(
        index, comp_dir_, FileLineInfoKind::AbsoluteFilePath, names_[index]);
    state_[index] = found ? kFound : kMissing;
  }
  return state_[index] == kFound ? &names_[index] : nullptr;
}

void dwarf_frames(llvm::DWARFContext& ctx, llvm::DWARFUnit& unit, UnitCache& cache,
                  LineTables& tables, SupplementaryDwarf* sup, std::uint64_t address,
                  bool inlines, std::vector<Frame>& out, bool qualify) {
  UnitLines& lines = cache.lines;
  llvm::SmallVector<llvm::DWARFDie, 16> chain;  // inline chains in C++ run deep
  if (!cache.line_table_only) cache.functions.inlined_chain(unit, address, chain);
  // The DIEs the names and scopes are read from, and the references between them.
  DieReader dies(unit, cache.functions.tree());
  // The DIE's facts, read once per DIE of the unit; DIEs of another unit (a split unit's .dwo,
  // through LLVM's lookup) are read every time.
  UnitCache::Subroutine scratch;
  auto facts = [&](const llvm::DWARFDie& die, bool call) -> const UnitCache::Subroutine& {
    bool fresh = true;
    UnitCache::Subroutine* found = &scratch;
    if (die.getDwarfUnit() == &unit) {
      auto it = cache.subroutines.try_emplace(die.getOffset());
      found = &it.first->second;
      fresh = it.second;
    } else {
      scratch = {};
    }
    UnitCache::Subroutine& s = *found;
    if (fresh) {
      s.name = dies.subroutine_name(die);
      if (s.name == nullptr && sup != nullptr) {
        s.name = sup->subroutine_name(
            die, [&](const llvm::DWARFDie& from, const llvm::DWARFFormValue& value) {
              return dies.referenced(from, value);
            });
      }
    }
    if (qualify && !s.qualified_tried) {
      s.qualified_tried = true;
      // Short (no mangled linkage name): the scopes of its declaration before it.
      if (s.name != nullptr && !is_bad(s.name) && std::strncmp(s.name, "_Z", 2) != 0) {
        const std::string scopes = scopes_of(dies, declaration_of(dies, die), 4);
        if (!scopes.empty()) s.qualified = scopes + s.name;
      }
    }
    if (call && !s.has_call) {
      die.getCallerFrame(s.call_file, s.call_line, s.call_column, s.call_discriminator);
      s.has_call = true;
    }
    return s;
  };
  if (!inlines) {
    // getLineInfoForAddress: the innermost function's name, the line table's row.
    Frame f;
    if (!chain.empty()) {
      const UnitCache::Subroutine& sub = facts(chain.front(), false);
      set_name(f, sub.qualified.empty() ? sub.name : sub.qualified.c_str());
    }
    if (lines.load(ctx, unit, tables, sup)) fill_from_row(lines, address, f);
    // The innermost of several frames is not the physical function; it is kept even when it has
    // neither name nor file, as the full chain would keep it.
    f.inlined = chain.size() > 1;
    if (f.inlined || !f.raw_name.empty() || !f.file.empty()) out.push_back(std::move(f));
    return;
  }
  if (chain.empty()) {
    // No subprogram holds the address: one frame from the line table alone, when it has one.
    Frame f;
    if (lines.load(ctx, unit, tables, sup) && fill_from_row(lines, address, f)) {
      out.push_back(std::move(f));
    }
    return;
  }
  // getInliningInfoForAddress: the innermost frame's place from the line table, every outer
  // frame's from DW_AT_call_file/line/column and the discriminator of the frame inside it.
  out.reserve(out.size() + chain.size());
  bool has_table = false;
  std::uint32_t call_file = 0, call_line = 0, call_column = 0, call_discriminator = 0;
  for (std::size_t i = 0, n = chain.size(); i != n; ++i) {
    const UnitCache::Subroutine& sub = facts(chain[i], i + 1 < n);
    Frame f;
    set_name(f, sub.qualified.empty() ? sub.name : sub.qualified.c_str());
    if (i == 0) {
      has_table = lines.load(ctx, unit, tables, sup);
      if (has_table) fill_from_row(lines, address, f);
    } else {
      if (has_table) set_file(f, lines.file(call_file));
      f.line = call_line;
      f.column = call_column;
      f.discriminator = call_discriminator;
    }
    if (i + 1 < n) {
      call_file = sub.call_file;
      call_line = sub.call_line;
      call_column = sub.call_column;
      call_discriminator = sub.call_discriminator;
    }
    out.push_back(std::move(f));
  }
}

}  // namespace sym::detail

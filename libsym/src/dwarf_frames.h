// The inline chain of an address from one compile unit, as LLVM's DWARFContext would give it, with
// the per-frame work LLVM repeats for every address cached per unit.
#pragma once

#include "dwarf_functions.h"
#include "line_table.h"

#include <libsym/frame.h>

#include <llvm/DebugInfo/DWARF/DWARFDebugLine.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace llvm {
class DWARFContext;
class DWARFUnit;
}  // namespace llvm

namespace sym::detail {

class SupplementaryDwarf;

// What a compile unit's frames need from its line table, computed on first use: the table
// (ours, line_table.h, or LLVM's where ours cannot represent it), and each file name as
// DWARFDebugLine::Prologue::getFileNameByIndex assembles it (comp_dir, include directory and
// name joined) for AbsoluteFilePath.
class UnitLines {
 public:
  // The row of the line table that holds `address`: what LineTable::lookupAddress finds.
  struct Place {
    std::uint64_t file;
    std::uint32_t line;
    std::uint16_t column;
    std::uint32_t discriminator;
  };
  // Whether the unit has a line table (DWARFContext::getLineTableForUnit is not null).
  // `sup`: where a compilation directory dwz moved is read (may be null).
  bool load(llvm::DWARFContext& ctx, llvm::DWARFUnit& unit, LineTables& tables,
            SupplementaryDwarf* sup);
  // The row holding `address`; load() must have returned true before.
  [[nodiscard]] std::optional<Place> place(std::uint64_t address) const;
  // The file name of entry `index`, null when getFileNameByIndex fails (no such entry, no
  // name); load() must have returned true before.
  const std::string* file(std::uint64_t index);

 private:
  enum : std::uint8_t { kUnknown, kFound, kMissing };
  const LineTable* ours_ = nullptr;
  const llvm::DWARFDebugLine::LineTable* llvm_ = nullptr;
  const llvm::DWARFDebugLine::Prologue* prologue_ = nullptr;
  bool tried_ = false;
  const char* comp_dir_ = nullptr;  // DW_AT_comp_dir, null when none
  std::vector<std::string> names_;
  std::vector<std::uint8_t> state_;
};

// What dwarf_frames keeps per compile unit.
struct UnitCache {
  UnitLines lines;
  FunctionIndex functions;  // the inline chains (dwarf_functions.h)
  // The unit's DIEs are not read (a split unit whose .dwo failed its check): each address gets
  // one frame, from the line table.
  bool line_table_only = false;
  // What the frames read from a subroutine DIE: its name (getSubroutineName,
  // pointing into the DWARF sections) and, once asked, its call site (getCallerFrame).
  struct Subroutine {
    const char* name = nullptr;
    // qualified_name's answer for the DIE, once asked (`qualified_tried`); "" when it has none.
    std::string qualified;
    bool qualified_tried = false;
    bool has_call = false;
    std::uint32_t call_file = 0, call_line = 0, call_column = 0, call_discriminator = 0;
  };
  std::unordered_map<std::uint64_t, Subroutine> subroutines;  // by DIE offset
};

// Appends the frames of `address` in `unit`, innermost first, exactly as
// DWARFContext::getInliningInfoForAddress (inlines) or getLineInfoForAddress (not) with
// FileLineInfoKind::AbsoluteFilePath and FunctionNameKind::LinkageName give them, converted as
// Module::lookup converts a DILineInfo (DILineInfo::BadString becomes ""). Only raw_name, file,
// line, column and discriminator are set, and, without inlines, `inlined` when the one frame is
// an inlined function's. Without inlines, nothing is appended when there is
// neither a function name nor a file name, unless the frame is an inlined function's.
// `tables` holds the line tables of ctx (one per .debug_line offset). With `qualify` (a C++
// unit), a function DWARF names short, without a linkage name (GCC leaves it out for lambdas,
// members of local classes and functions only ever inlined), is named with the scopes of its
// declaration: "main::<lambda(int)>::operator()" where LLVM and GNU say "operator()".
// `sup`, when not null, is the file's dwz supplementary file: names and compilation directories
// kept there, which LLVM cannot read, are read from it.
void dwarf_frames(llvm::DWARFContext& ctx, llvm::DWARFUnit& unit, UnitCache& cache,
                  LineTables& tables, SupplementaryDwarf* sup, std::uint64_t address,
                  bool inlines, std::vector<Frame>& out, bool qualify = false);

}  // namespace sym::detail

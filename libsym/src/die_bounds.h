// Bounds checks for what LLVM 19 reads when it extracts DIEs.
//
// DWARFDebugInfoEntry::extractFast skips each attribute value of a DIE by its form: fixed sizes
// are added to the offset, and a block's length is added as read. Nothing checks that the offset
// is still inside .debug_info before the next variable-size value is read, and LLVM's LEB128
// reader trusts an offset past the end: one corrupt block length sends it through memory outside
// the section (SEGV; llvm-dwarfdump-19 --debug-info crashes the same way). The checks here walk
// a unit's DIEs as that extraction would, with the check LLVM lacks, before LLVM does; a unit
// that fails is kept away from LLVM.
#pragma once

#include <llvm/ADT/STLFunctionalExtras.h>

#include <cstdint>
#include <string>
#include <vector>

namespace llvm {
class DWARFAbbreviationDeclaration;
class DWARFContext;
class DWARFUnit;
}  // namespace llvm

namespace sym::detail {

struct DieCheck {
  bool ok = true;  // every value extraction would read starts inside the section
  // The unit's abbreviations hold forms through which LLVM reads DIEs of other units
  // (DW_FORM_ref_addr, DW_FORM_ref_sig8, or DW_FORM_indirect, which may be either). Only
  // looked at by the walk of every DIE.
  bool refers_across = false;
  std::uint64_t die = 0;           // !ok: the DIE with the value past the end
  std::uint64_t at = 0;            // !ok: where that value's read would start
  std::uint64_t section_size = 0;  // of .debug_info
  std::uint32_t dies = 0;  // ok: how many DIEs LLVM will extract (null entries included)
  std::uint64_t stop = 0;  // ok: where the walk stopped, past the last DIE read
};

// Called for each DIE the walk finds sound, in order, null entries included (decl null):
// `depth` counts the DIEs open around it (0 for the unit DIE; a null entry is at the depth of
// the children it ends). A DIE passed to it may be read by LLVM even if the walk fails later.
using DieVisit = llvm::function_ref<void(std::uint64_t offset,
                                         const llvm::DWARFAbbreviationDeclaration* decl,
                                         std::uint32_t depth)>;

// Walks the unit's DIEs as DWARFUnit::extractDIEsIfNeeded(unit_die_only) would, and stops where
// it would stop. Reads the unit's abbreviations, which LLVM parses on first use without a lock:
// the first call for a unit (or any other first use of its abbreviations) must not run
// concurrently with another first use.
[[nodiscard]] DieCheck check_dies(const llvm::DWARFUnit& unit, bool unit_die_only,
                                  DieVisit visit = nullptr);

// "the DIE at 0x2d of the unit at 0x0 has a value at 0x8000002f, past the end of .debug_info
// (0x45 bytes)" (.debug_info.dwo for a split unit).
[[nodiscard]] std::string describe(const llvm::DWARFUnit& unit, const DieCheck& check);

// The compile units whose unit DIE LLVM reads the first time it maps an address to a unit:
// those .debug_aranges does not list (all of them without .debug_aranges), as
// DWARFDebugAranges::generate finds them.
[[nodiscard]] std::vector<llvm::DWARFUnit*> units_outside_aranges(llvm::DWARFContext& ctx);

}  // namespace sym::detail

// dwz's supplementary debug files. dwz moves what several debug files share (strings, types,
// the abstract instances of inline functions) into one file named by `.gnu_debugaltlink` (the
// -dbgsym / -debuginfo packages of Debian, Fedora and RHEL use it). The debug files then refer
// to it with DW_FORM_GNU_strp_alt (a string in its .debug_str) and DW_FORM_GNU_ref_alt (a DIE in
// its .debug_info). LLVM 19 reads neither: a function named that way has no name for it, and
// llvm-symbolizer prints "??" for every inlined frame whose abstract instance dwz moved.
#pragma once

#include <llvm/ADT/STLFunctionalExtras.h>
#include <llvm/ADT/StringRef.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace llvm {
class DWARFDie;
class DWARFFormValue;
class DWARFUnit;
namespace object {
class ObjectFile;
}  // namespace object
}  // namespace llvm

namespace sym::detail {

// What a .gnu_debugaltlink section says: the supplementary file's path (as dwz wrote it:
// absolute, or relative to the directory of the file holding the link) and its build-id.
struct AltLink {
  std::string path;
  std::string build_id;  // lowercase hex
};
// Null when the section holds no terminated path followed by a build-id.
std::optional<AltLink> parse_alt_link(llvm::StringRef section);
// The same from DWARF 5's .debug_sup (dwz -5), whose checksum is the build-id; with
// `supplementary`, the supplementary file's own section, which has the checksum and no path.
// Null when the section is malformed or not of the kind asked for.
std::optional<AltLink> parse_debug_sup(llvm::StringRef section, bool supplementary);

// The DWARF of one supplementary file, read on demand. Safe to use from several threads.
class SupplementaryDwarf {
 public:
  // `object` must outlive this; its DWARF is read at the first question. `path` names the file
  // in warnings.
  SupplementaryDwarf(const llvm::object::ObjectFile& object, std::string path);
  ~SupplementaryDwarf();
  SupplementaryDwarf(const SupplementaryDwarf&) = delete;
  SupplementaryDwarf& operator=(const SupplementaryDwarf&) = delete;

  // DWARFDie::getSubroutineName(DINameKind::LinkageName) as LLVM would give it if it read the
  // two forms: the linkage name, else the name, of the DIE or of a DIE its abstract_origin or
  // specification lead to, in this file or the other. Null when there is none. `resolve` follows
  // the main file's own references (as DWARFDie::getAttributeValueAsReferencedDie does).
  using Resolve = llvm::function_ref<llvm::DWARFDie(const llvm::DWARFDie&,
                                                    const llvm::DWARFFormValue&)>;
  const char* subroutine_name(const llvm::DWARFDie& die, Resolve resolve);
  // DWARFUnit::getCompilationDir, for a DW_AT_comp_dir kept in this file. Null when none.
  const char* compilation_dir(llvm::DWARFUnit& unit);
  // Starts inflating the file's compressed debug sections on a thread of their own
  // (SectionInflation::start_ahead), unless its DWARF is being read already.
  void read_ahead();

  [[nodiscard]] const std::string& path() const;
  // Whether a DIE of this file could not be read, and why ("" while none failed): its unit
  // would make LLVM read past the end of .debug_info (die_bounds.h).
  [[nodiscard]] bool failed() const;
  [[nodiscard]] std::string problem() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sym::detail

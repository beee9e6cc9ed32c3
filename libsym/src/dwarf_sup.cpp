#include "dwarf_sup.h"

#include "debug_sections.h"
#include "die_bounds.h"

#include <libsym/address.h>

#include <llvm/ADT/SmallVector.h>
#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/DebugInfo/DWARF/DWARFCompileUnit.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/DebugInfo/DWARF/DWARFDie.h>
#include <llvm/DebugInfo/DWARF/DWARFFormValue.h>
#include <llvm/DebugInfo/DWARF/DWARFUnit.h>
#include <llvm/Object/ObjectFile.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace sym::detail {

namespace dw = llvm::dwarf;

namespace {

std::string hex_of(llvm::StringRef bytes) { return hex_digits(llvm::arrayRefFromStringRef(bytes)); }

}  // namespace

std::optional<AltLink> parse_alt_link(llvm::StringRef section) {
  const std::size_t nul = section.find('\0');
  if (nul == llvm::StringRef::npos || nul == 0 || nul + 1 >= section.size()) return std::nullopt;
  return AltLink{section.take_front(nul).str(), hex_of(section.drop_front(nul + 1))};
}

std::optional<AltLink> parse_debug_sup(llvm::StringRef section, bool supplementary) {
  // version (2 bytes), is_supplementary (1), the file name (NUL-terminated; empty in the
  // supplementary file), the checksum's length (ULEB128) and bytes.
  if (section.size() < 4 || section[2] != (supplementary ? 1 : 0)) return std::nullopt;
  const std::size_t nul = section.find('\0', 3);
  if (nul == llvm::StringRef::npos || (nul == 3) != supplementary) return std::nullopt;
  std::uint64_t length = 0;
  unsigned shift = 0;
  std::size_t at = nul + 1;
  for (; at < section.size() && shift < 63; ++at, shift += 7) {
    const auto byte = static_cast<unsigned char>(section[at]);
    length |= std::uint64_t{byte & 0x7fU} << shift;
    if (byte < 0x80) break;
  }
  if (at >= section.size() || length == 0 || length > section.size() - at - 1) {
    return std::nullopt;
  }
  return AltLink{section.substr(3, nul - 3).str(), hex_of(section.substr(at + 1, length))};
}

namespace {

bool is_alt_string(dw::Form form) {
  return form == dw::DW_FORM_GNU_strp_alt || form == dw::DW_FORM_strp_sup;
}
bool is_alt_reference(dw::Form form) {
  return form == dw::DW_FORM_GNU_ref_alt || form == dw::DW_FORM_ref_sup4 ||
         form == dw::DW_FORM_ref_sup8;
}

}  // namespace

struct SupplementaryDwarf::Impl {
  const llvm::object::ObjectFile* object = nullptr;
  std::string path;
  std::mutex mutex;  // LLVM's context extracts DIEs and parses abbreviations without locks
  // The compressed sections a lookup reads (Debian compresses the supplementary files of its
  // debug packages), inflated ahead or at the first question.
  std::unique_ptr<SectionInflation> inflation;
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> sections;  // what ctx reads
  std::unique_ptr<llvm::DWARFContext> ctx;                        // made at the first question
  std::unordered_map<std::uint64_t, bool> unit_ok;  // by unit offset: checked, and whether ok
  std::string problem;
  std::atomic<bool> failed{false};

  llvm::DWARFContext& context() {
    if (ctx == nullptr) {
      if (inflation == nullptr) inflation = std::make_unique<SectionInflation>(*object);
      std::vector<std::string> failed;
      ctx = dwarf_from_sections(*object, *inflation, sections, failed, /*thread_safe=*/false);
      if (!failed.empty()) fail(failed.front());
    }
    return *ctx;
  }

  // Whether LLVM may extract the unit's DIEs (die_bounds.h). References between this file's
  // units need no more: they are followed here (die_at), never by LLVM.
  bool checked(llvm::DWARFUnit& unit) {
    if (auto it = unit_ok.find(unit.getOffset()); it != unit_ok.end()) return it->second;
    const DieCheck check = check_dies(unit, /*unit_die_only=*/false);
    unit_ok.emplace(unit.getOffset(), check.ok);
    if (!check.ok) fail(describe(unit, check));
    return check.ok;
  }

  // The DIE at `offset` of this file's .debug_info; invalid when there is none or its unit
  // must not be read.
  llvm::DWARFDie die_at(std::uint64_t offset) {
    llvm::DWARFCompileUnit* unit = context().getCompileUnitForOffset(offset);
    if (unit == nullptr) {
      fail("no unit of its .debug_info holds " + to_hex(offset) + ", where a DIE is referred to");
      return {};
    }
    if (!checked(*unit)) return {};
    llvm::DWARFDie die = unit->getDIEForOffset(offset);
    if (!die) fail("no DIE starts at " + to_hex(offset) + ", where one is referred to");
    return die;
  }

  void fail(std::string why) {
    if (!problem.empty()) return;
    problem = std::move(why);
    failed.store(true, std::memory_order_relaxed);
  }

  // The NUL-terminated string at `offset` of this file's .debug_str, null when there is none.
  const char* string_at(std::uint64_t offset) {
    const llvm::StringRef strings = context().getDWARFObj().getStrSection();
    if (offset >= strings.size()) return nullptr;
    const char* start = strings.data() + offset;
    return std::memchr(start, 0, strings.size() - offset) != nullptr ? start : nullptr;
  }

  [[nodiscard]] bool owns(const llvm::DWARFDie& die) const {
    return ctx != nullptr && &die.getDwarfUnit()->getContext() == ctx.get();
  }

  const char* string_of(const llvm::DWARFDie& die, const llvm::DWARFFormValue& value) {
    if (is_alt_string(value.getForm())) {
      return owns(die) ? nullptr : string_at(value.getRawUValue());
    }
    return dw::toString(value, nullptr);
  }

  // DWARFDie::getAttributeValueAsReferencedDie, with references into this file followed and
  // this file's own references resolved only into units that are checked.
  llvm::DWARFDie referenced(const llvm::DWARFDie& die, const llvm::DWARFFormValue& value,
                            SupplementaryDwarf::Resolve resolve) {
    if (is_alt_reference(value.getForm())) {
      return owns(die) ? llvm::DWARFDie() : die_at(value.getRawUValue());
    }
    if (!owns(die)) return resolve(die, value);
    if (auto relative = value.getAsRelativeReference()) {
      return value.getUnit() != nullptr ? die_at(value.getUnit()->getOffset() + *relative)
                                        : llvm::DWARFDie();
    }
    if (auto absolute = value.getAsDebugInfoReference()) return die_at(*absolute);
    return {};
  }

  // DWARFDie::findRecursively for string attributes: the first of `attrs` the DIE has, else
  // that of a DIE its abstract_origin or specification lead to (each DIE visited once).
  const char* find_string(const llvm::DWARFDie& start, llvm::ArrayRef<dw::Attribute> attrs,
                          SupplementaryDwarf::Resolve resolve) {
    constexpr std::size_t kMaxDies = 64;  // a chain of declarations is short; a cycle is not
    llvm::SmallVector<llvm::DWARFDie, 4> work{start};
    llvm::SmallVector<llvm::DWARFDie, 8> seen{start};
    while (!work.empty()) {
      const llvm::DWARFDie die = work.pop_back_val();
      if (auto value = die.find(attrs)) {
        if (const char* s = string_of(die, *value)) return s;
      }
      for (dw::Attribute attr : {dw::DW_AT_abstract_origin, dw::DW_AT_specification}) {
        auto value = die.find(attr);
        if (!value) continue;
        const llvm::DWARFDie next = referenced(die, *value, resolve);
        // A DIE is its unit and offset (the main file's may be copies: die_tree.h).
        const auto same = [&next](const llvm::DWARFDie& d) {
          return d.getDwarfUnit() == next.getDwarfUnit() && d.getOffset() == next.getOffset();
        };
        if (next.isValid() && seen.size() < kMaxDies &&
            std::find_if(seen.begin(), seen.end(), same) == seen.end()) {
          seen.push_back(next);
          work.push_back(next);
        }
      }
    }
    return nullptr;
  }
};

SupplementaryDwarf::SupplementaryDwarf(const llvm::object::ObjectFile& object, std::string path)
    : impl_(std::make_unique<Impl>()) {
  impl_->object = &object;
  impl_->path = std::move(path);
}

SupplementaryDwarf::~SupplementaryDwarf() = default;

const char* SupplementaryDwarf::subroutine_name(const llvm::DWARFDie& die, Resolve resolve) {
  if (!die.isSubroutineDIE()) return nullptr;
  static constexpr dw::Attribute kLinkageNames[] = {dw::DW_AT_MIPS_linkage_name,
                                                    dw::DW_AT_linkage_name};
  static constexpr dw::Attribute kNames[] = {dw::DW_AT_name};
  std::lock_guard lock(impl_->mutex);
  if (const char* name = impl_->find_string(die, kLinkageNames, resolve)) return name;
  return impl_->find_string(die, kNames, resolve);
}

const char* SupplementaryDwarf::compilation_dir(llvm::DWARFUnit& unit) {
  const llvm::DWARFDie unit_die = unit.getUnitDIE();
  if (!unit_die) return nullptr;
  auto value = unit_die.find(dw::DW_AT_comp_dir);
  if (!value || !is_alt_string(value->getForm())) return nullptr;
  std::lock_guard lock(impl_->mutex);
  return impl_->string_at(value->getRawUValue());
}

void SupplementaryDwarf::read_ahead() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->ctx != nullptr || impl_->inflation != nullptr) return;
  impl_->inflation = std::make_unique<SectionInflation>(*impl_->object);
  impl_->inflation->start_ahead();
}

const std::string& SupplementaryDwarf::path() const { return impl_->path; }

bool SupplementaryDwarf::failed() const {
  return impl_->failed.load(std::memory_order_relaxed);
}

std::string SupplementaryDwarf::problem() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->problem;
}

}  // namespace sym::detail

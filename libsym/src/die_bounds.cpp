#include "die_bounds.h"

#include <libsym/address.h>

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/DebugInfo/DWARF/DWARFAbbreviationDeclaration.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/DebugInfo/DWARF/DWARFDataExtractor.h>
#include <llvm/DebugInfo/DWARF/DWARFDebugAbbrev.h>
#include <llvm/DebugInfo/DWARF/DWARFDebugArangeSet.h>
#include <llvm/DebugInfo/DWARF/DWARFFormValue.h>
#include <llvm/DebugInfo/DWARF/DWARFObject.h>
#include <llvm/DebugInfo/DWARF/DWARFUnit.h>

#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace sym::detail {

namespace {

bool refers_across(const llvm::DWARFAbbreviationDeclarationSet& abbrevs) {
  for (const llvm::DWARFAbbreviationDeclaration& decl : abbrevs) {
    for (const auto& spec : decl.attributes()) {
      if (spec.Form == llvm::dwarf::DW_FORM_ref_addr ||
          spec.Form == llvm::dwarf::DW_FORM_ref_sig8 ||
          spec.Form == llvm::dwarf::DW_FORM_indirect) {
        return true;
      }
    }
  }
  return false;
}

// What skipping one DIE of an abbreviation takes, computed from LLVM's own byte sizes the first
// time the abbreviation's code is met: fixed bytes to add, then a value whose size is read, and
// so on.
struct Step {
  std::uint64_t fixed_before;  // bytes of fixed-size values before this one
  llvm::dwarf::Form form;      // 0: none, only fixed_before (the tail)
};
struct Plan {
  enum class Kind : std::uint8_t {
    kUnplanned,  // not looked up yet
    kUnknown,    // no abbreviation has the code: extractFast stops there
    kFixed,      // a DIE of fixed size
    kSteps,
  };
  std::uint64_t fixed = 0;             // kFixed: the DIE's size
  std::uint32_t first = 0, count = 0;  // kSteps: its steps
  Kind kind = Kind::kUnplanned;
  bool children = false;
  const llvm::DWARFAbbreviationDeclaration* decl = nullptr;  // the code's declaration
};

class Walker {
 public:
  Walker(const llvm::DWARFUnit& unit, const llvm::DWARFAbbreviationDeclarationSet& abbrevs)
      : unit_(unit),
        data_(unit.getDebugInfoExtractor()),
        bytes_(data_.getData().bytes_begin()),
        size_(data_.getData().size()),
        params_(unit.getFormParams()),
        abbrevs_(abbrevs) {}

  DieCheck run(bool unit_die_only, DieVisit visit) {
    DieCheck check;
    check.section_size = size_;
    const std::uint64_t end = unit_.getNextUnitOffset();  // LLVM checked it against the section
    std::uint64_t offset = unit_.getOffset() + unit_.getHeaderSize();
    // The depth of the DIE tree, counted as DWARFUnit::extractDIEsToVector counts its parents:
    // extraction ends when the unit DIE's children are closed, or at the first DIE extractFast
    // refuses (past the unit's end, an unknown abbreviation code, a form it cannot skip).
    std::size_t depth = 1;
    bool unit_die = true;
    do {
      const std::uint64_t die = offset;
      if (offset >= end) break;
      const std::uint64_t code = uleb(offset);  // offset < end: bounded by the section
      bool children = false;
      const llvm::DWARFAbbreviationDeclaration* decl = nullptr;
      if (code != 0) {
        const Plan* plan = code < plans_.size() ? &plans_[code] : nullptr;
        if (plan == nullptr || plan->kind == Plan::Kind::kUnplanned) plan = &plan_for(code);
        children = plan->children;
        decl = plan->decl;
        if (plan->kind == Plan::Kind::kFixed) {
          offset += plan->fixed;
        } else if (plan->kind == Plan::Kind::kUnknown) {
          break;
        } else {
          for (std::uint32_t i = plan->first, last = i + plan->count; i != last; ++i) {
            offset += steps_[i].fixed_before;
            if (steps_[i].form == llvm::dwarf::Form(0)) break;
            // At the end itself every reader of DataExtractor fails cleanly; beyond it, the
            // LEB128 reader does not.
            if (offset > size_) return fail(check, die, offset);
            if (!skip(steps_[i].form, offset)) return check;
          }
        }
      }
      ++check.dies;
      if (visit) visit(die, decl, unit_die ? 0 : static_cast<std::uint32_t>(depth - 1));
      check.stop = offset;
      if (unit_die) {
        if (unit_die_only || code == 0 || !children) break;
        unit_die = false;
        depth = 2;
      } else if (code == 0) {
        --depth;
      } else if (children) {
        ++depth;
      }
    } while (depth > 1);
    return check;
  }

 private:
  // Codes below this are planned in a table indexed by code, larger ones (rare) in a map.
  static constexpr std::uint64_t kMaxTabled = 1 << 14;

  // The plan of an abbreviation code, made once. LLVM's extractFast looks up the code's low 32
  // bits, and its lookup finds the first declaration of a code.
  const Plan& plan_for(std::uint64_t code) {
    Plan* plan = nullptr;
    if (code < kMaxTabled) {
      if (plans_.size() <= code) plans_.resize(code + 1);
      plan = &plans_[code];
    } else {
      plan = &large_plans_[static_cast<std::uint32_t>(code)];
    }
    if (plan->kind != Plan::Kind::kUnplanned) return *plan;
    const llvm::DWARFAbbreviationDeclaration* decl =
        abbrevs_.getAbbreviationDeclaration(static_cast<std::uint32_t>(code));
    if (decl == nullptr) {
      plan->kind = Plan::Kind::kUnknown;
      return *plan;
    }
    plan->children = decl->hasChildren();
    plan->decl = decl;
    plan->first = static_cast<std::uint32_t>(steps_.size());
    if (const auto fixed = decl->getFixedAttributesByteSize(unit_)) {
      plan->kind = Plan::Kind::kFixed;
      plan->fixed = *fixed;
    } else {
      plan->kind = Plan::Kind::kSteps;
      std::uint64_t fixed_before = 0;
      for (const auto& spec : decl->attributes()) {
        if (const auto bytes = spec.getByteSize(unit_)) {
          fixed_before += static_cast<std::uint64_t>(*bytes);
        } else {
          steps_.push_back({fixed_before, spec.Form});
          fixed_before = 0;
        }
      }
      steps_.push_back({fixed_before, llvm::dwarf::Form(0)});
    }
    plan->count = static_cast<std::uint32_t>(steps_.size()) - plan->first;
    return *plan;
  }

  static DieCheck& fail(DieCheck& check, std::uint64_t die, std::uint64_t at) {
    check.ok = false;
    check.die = die;
    check.at = at;
    return check;
  }

  // DataExtractor::getULEB128: a value of up to nine bytes that ends inside the section is read
  // here; anything else (the end reached, ten bytes or more, where LLVM may report an error and
  // leave the offset alone) by LLVM itself. Requires offset <= size_.
  std::uint64_t uleb(std::uint64_t& offset) const {
    if (offset < size_ && bytes_[offset] < 0x80) return bytes_[offset++];
    std::uint64_t value = 0;
    unsigned shift = 0;
    for (std::uint64_t at = offset; at < size_ && shift < 63; ++at, shift += 7) {
      const std::uint8_t byte = bytes_[at];
      value |= std::uint64_t{byte & 0x7fU} << shift;
      if (byte < 0x80) {
        offset = at + 1;
        return value;
      }
    }
    return data_.getULEB128(&offset);
  }
  // DataExtractor::getSLEB128, for its effect on the offset: a signed value of up to nine bytes
  // takes the bytes an unsigned one does.
  void skip_sleb(std::uint64_t& offset) const {
    for (std::uint64_t at = offset, n = 0; at < size_ && n < 9; ++at, ++n) {
      if (bytes_[at] < 0x80) {
        offset = at + 1;
        return;
      }
    }
    (void)data_.getSLEB128(&offset);
  }

  // DWARFFormValue::skipValue for a variable-size form, the common ones done here as LLVM does
  // them. Requires offset <= size_.
  bool skip(llvm::dwarf::Form form, std::uint64_t& offset) const {
    switch (form) {
      case llvm::dwarf::DW_FORM_exprloc:
      case llvm::dwarf::DW_FORM_block: {
        const std::uint64_t length = uleb(offset);
        offset += length;
        return true;
      }
      case llvm::dwarf::DW_FORM_udata:
      case llvm::dwarf::DW_FORM_ref_udata:
      case llvm::dwarf::DW_FORM_strx:
      case llvm::dwarf::DW_FORM_addrx:
      case llvm::dwarf::DW_FORM_loclistx:
      case llvm::dwarf::DW_FORM_rnglistx:
      case llvm::dwarf::DW_FORM_GNU_addr_index:
      case llvm::dwarf::DW_FORM_GNU_str_index:
        (void)uleb(offset);
        return true;
      case llvm::dwarf::DW_FORM_sdata:
        skip_sleb(offset);
        return true;
      case llvm::dwarf::DW_FORM_string: {
        const void* nul = offset < size_ ? std::memchr(bytes_ + offset, 0, size_ - offset) : nullptr;
        if (nul != nullptr) offset = static_cast<const std::uint8_t*>(nul) - bytes_ + 1;
        return true;  // no terminator: LLVM leaves the offset and goes on
      }
      default:
        return llvm::DWARFFormValue::skipValue(form, data_, &offset, params_);
    }
  }

  const llvm::DWARFUnit& unit_;
  const llvm::DWARFDataExtractor data_;
  const std::uint8_t* bytes_;
  std::uint64_t size_;
  llvm::dwarf::FormParams params_;
  const llvm::DWARFAbbreviationDeclarationSet& abbrevs_;
  std::vector<Plan> plans_;
  std::unordered_map<std::uint32_t, Plan> large_plans_;
  std::vector<Step> steps_;
};

}  // namespace

DieCheck check_dies(const llvm::DWARFUnit& unit, bool unit_die_only, DieVisit visit) {
  const llvm::DWARFAbbreviationDeclarationSet* abbrevs = unit.getAbbreviations();
  if (abbrevs == nullptr) return {};  // LLVM extracts nothing either
  DieCheck check = Walker(unit, *abbrevs).run(unit_die_only, visit);
  check.refers_across = !unit_die_only && refers_across(*abbrevs);
  return check;
}

std::string describe(const llvm::DWARFUnit& unit, const DieCheck& check) {
  return "the DIE at " + to_hex(check.die) + " of the unit at " + to_hex(unit.getOffset()) +
         " has a value at " + to_hex(check.at) + ", past the end of " +
         (unit.isDWOUnit() ? ".debug_info.dwo (" : ".debug_info (") +
         to_hex(check.section_size) + " bytes)";
}

std::vector<llvm::DWARFUnit*> units_outside_aranges(llvm::DWARFContext& ctx) {
  std::unordered_set<std::uint64_t> listed;
  const llvm::DWARFDataExtractor aranges(ctx.getDWARFObj().getArangesSection(),
                                         ctx.isLittleEndian(), 0);
  llvm::DWARFDebugArangeSet set;
  auto ignore = [](llvm::Error e) { llvm::consumeError(std::move(e)); };
  for (std::uint64_t offset = 0; aranges.isValidOffset(offset);) {
    if (llvm::Error e = set.extract(aranges, &offset, ignore)) {  // LLVM stops there too
      llvm::consumeError(std::move(e));
      break;
    }
    listed.insert(set.getCompileUnitDIEOffset());
  }
  std::vector<llvm::DWARFUnit*> out;
  for (const auto& unit : ctx.compile_units()) {
    if (!listed.contains(unit->getOffset())) out.push_back(unit.get());
  }
  return out;
}

}  // namespace sym::detail

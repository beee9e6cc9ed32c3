#include "line_table.h"

#include "dense_fill.h"

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/DebugInfo/DWARF/DWARFDataExtractor.h>
#include <llvm/DebugInfo/DWARF/DWARFFormValue.h>
#include <llvm/DebugInfo/DWARF/DWARFUnit.h>
#include <llvm/Support/Error.h>

#include <algorithm>
#include <array>
#include <tuple>

namespace sym::detail {

namespace {

using llvm::object::SectionedAddress;

void ignore(llvm::Error e) { llvm::consumeError(std::move(e)); }

// A 64-bit section index as a row keeps it; false when it does not fit (LLVM's table is used).
bool narrow(std::uint64_t section, std::uint32_t& out) {
  if (section == SectionedAddress::UndefSection) {
    out = LineTable::kUndefSection;
    return true;
  }
  if (section >= LineTable::kUndefSection) return false;
  out = static_cast<std::uint32_t>(section);
  return true;
}

// Whether LLVM 19's DWARF 5 prologue parse can be trusted with this prologue's directory and
// file tables. It reads a count and then, per entry, every form of the entry format: with forms
// that take no bytes and a count near 2^64 it grows its vectors until memory runs out. It
// dereferences the constant of DW_LNCT_directory_index, _timestamp and _size without checking
// that the form is a constant (an empty std::optional otherwise), and it passes forms it does not
// know to code that misreads them (llvm-dwarfdump --debug-line aborts on such a file). So: every
// form must be one LLVM knows, those three content types must be constants, and no count may
// exceed the prologue's remaining bytes (an entry that takes bytes cannot repeat more often).
// False means: no line table for this unit.
bool v5_tables_safe(const llvm::DWARFDataExtractor& data, std::uint64_t offset) {
  namespace dw = llvm::dwarf;
  llvm::DataExtractor::Cursor c(offset);
  const auto [total_length, format] = data.getInitialLength(c);
  const std::uint16_t version = data.getU16(c);
  if (!c || version < 5) {
    llvm::consumeError(c.takeError());
    return true;  // DWARF 2 to 4 tables are strings and LEB128s LLVM reads safely
  }
  const std::uint8_t address_size = data.getU8(c);
  (void)data.getU8(c);  // segment selector size
  const std::uint64_t header_length = data.getUnsigned(c, format == dw::DWARF64 ? 8 : 4);
  const std::uint64_t header_end = c.tell() + header_length;
  for (int i = 0; i < 5; ++i) (void)data.getU8(c);  // min_inst .. line_range
  const std::uint8_t opcode_base = data.getU8(c);
  for (unsigned op = 1; op < opcode_base; ++op) (void)data.getU8(c);
  const dw::FormParams params{version, address_size, format};
  const auto known = [](std::uint64_t form) {
    return (form >= dw::DW_FORM_addr && form <= dw::DW_FORM_addrx4 && form != dw::DW_FORM_indirect &&
            form != dw::DW_FORM_implicit_const && form != 0x02) ||
           form == dw::DW_FORM_GNU_str_index || form == dw::DW_FORM_GNU_strp_alt;
  };
  const auto constant = [](std::uint64_t form) {
    return form == dw::DW_FORM_data1 || form == dw::DW_FORM_data2 || form == dw::DW_FORM_data4 ||
           form == dw::DW_FORM_data8 || form == dw::DW_FORM_udata;
  };
  for (int table = 0; table < 2 && c; ++table) {
    const std::uint8_t descriptors = data.getU8(c);
    std::vector<dw::Form> forms;
    for (unsigned d = 0; d < descriptors && c; ++d) {
      const std::uint64_t type = data.getULEB128(c);
      const std::uint64_t form = data.getULEB128(c);
      if (!c) break;
      if (!known(form)) return false;
      if ((type == dw::DW_LNCT_directory_index || type == dw::DW_LNCT_timestamp ||
           type == dw::DW_LNCT_size) && !constant(form)) {
        return false;
      }
      forms.push_back(static_cast<dw::Form>(form));
    }
    const std::uint64_t count = data.getULEB128(c);
    if (!c) break;
    if (count > header_end - std::min(header_end, c.tell())) return false;
    std::uint64_t at = c.tell();
    for (std::uint64_t e = 0; e < count; ++e) {
      for (dw::Form form : forms) {
        if (!llvm::DWARFFormValue::skipValue(form, data, &at, params)) return true;  // LLVM fails
      }
    }
    c = llvm::DataExtractor::Cursor(at);
  }
  llvm::consumeError(c.takeError());
  return true;
}

// llvm::decodeULEB128 and decodeSLEB128 (what DataExtractor reads LEB128 with), without their
// shifts by 64 or more, which are undefined behaviour in C++ (UBSan stops there). The results
// are those of LLVM's library on x86-64: a ULEB128 slice at such a shift is 0 (else "too big"),
// and a SLEB128 slice there is shifted by the count modulo 64, as the processor's shift does.
// Errors as LLVM's: at the end of the data, or a value that does not fit; *n is set only when
// there is none.
std::uint64_t read_uleb128(const std::uint8_t* p, unsigned* n, const std::uint8_t* end,
                           const char** error) {
  const std::uint8_t* const start = p;
  std::uint64_t value = 0;
  unsigned shift = 0;
  do {
    if (p == end) {
      *error = "malformed uleb128, extends past end";
      return 0;
    }
    const std::uint64_t slice = *p & 0x7fU;
    if (shift >= 63 && ((shift == 63 && (slice << shift >> shift) != slice) ||
                        (shift > 63 && slice != 0))) {
      *error = "uleb128 too big for uint64";
      return 0;
    }
    if (shift < 64) value += slice << shift;
    shift += 7;
  } while (*p++ >= 128);
  *n = static_cast<unsigned>(p - start);
  return value;
}

std::int64_t read_sleb128(const std::uint8_t* p, unsigned* n, const std::uint8_t* end,
                          const char** error) {
  const std::uint8_t* const start = p;
  std::uint64_t value = 0;
  unsigned shift = 0;
  std::uint8_t byte = 0;
  do {
    if (p == end) {
      *error = "malformed sleb128, extends past end";
      return 0;
    }
    byte = *p;
    const std::uint64_t slice = byte & 0x7fU;
    const bool negative = (value >> 63) != 0;
    if (shift >= 63 && ((shift == 63 && slice != 0 && slice != 0x7f) ||
                        (shift > 63 && slice != (negative ? 0x7fU : 0U)))) {
      *error = "sleb128 too big for int64";
      return 0;
    }
    value |= slice << (shift & 63U);
    shift += 7;
    ++p;
  } while (byte >= 128);
  if (shift < 64 && (byte & 0x40U) != 0) value |= ~std::uint64_t{0} << shift;  // sign-extend
  *n = static_cast<unsigned>(p - start);
  return static_cast<std::int64_t>(value);
}

}  // namespace

LineTable::Status LineTable::parse(const llvm::DWARFDataExtractor& data, std::uint64_t offset,
                                   const llvm::DWARFContext& ctx, const llvm::DWARFUnit* unit) {
  namespace dw = llvm::dwarf;
  const std::uint64_t table_offset = offset;
  prologue_.clear();
  rows_.clear();
  sections_.clear();
  discriminators_.clear();
  sequences_.clear();
  if (!v5_tables_safe(data, offset)) return Status::kFailed;
  if (llvm::Error e = prologue_.parse(data, &offset, ignore, ctx, unit)) {
    llvm::consumeError(std::move(e));
    return Status::kFailed;
  }
  std::uint64_t length = prologue_.TotalLength + prologue_.sizeofTotalLength();
  if (!data.isValidOffsetForDataOfSize(table_offset, length)) {
    length = data.size() - table_offset;  // LLVM warns and reads what is there
  }
  const std::uint64_t end_offset = table_offset + length;
  llvm::DWARFDataExtractor table(data, end_offset);  // sees nothing past the table
  if (table.getAddressSize() == 0) table.setAddressSize(prologue_.getAddressSize());
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(table.getData().data());
  const std::uint8_t* const end = bytes + end_offset;

  const llvm::DWARFDebugLine::Prologue& p = prologue_;
  const std::uint64_t max_ops = std::max<std::uint8_t>(p.MaxOpsPerInst, 1);
  // Per special opcode (and DW_LNS_const_add_pc, as opcode 255): the operation advance and the
  // line advance of ParsingState::advanceForOpcode / handleSpecialOpcode. LLVM reads opcode 8
  // as 255 even where it is special (an opcode_base of 8 or less).
  std::array<std::uint64_t, 256> op_advance{};
  std::array<std::int32_t, 256> line_advance{};
  for (unsigned op = 0; op < 256; ++op) {
    const unsigned value = op == dw::DW_LNS_const_add_pc ? 255 : op;
    const auto adjusted = static_cast<std::uint8_t>(value - p.OpcodeBase);
    if (p.LineRange != 0) {
      op_advance[op] = adjusted / p.LineRange;
      line_advance[op] = p.LineBase + adjusted % p.LineRange;
    }
  }

  // The state machine's registers that rows keep (ParsingState::Row) and the open sequence.
  struct State {
    std::uint64_t address = 0;
    std::uint64_t section = SectionedAddress::UndefSection;
    std::uint32_t line = 1;
    std::uint16_t column = 0;
    std::uint16_t file = 1;
    std::uint32_t discriminator = 0;
    std::uint8_t op_index = 0;
  } row;
  struct Open {
    bool empty = true;
    std::uint64_t low = 0;
    std::uint32_t first = 0;
  } sequence;
  // Every row takes an opcode byte at least: room for as many rows as the program has bytes is
  // never outgrown (growing copied each table one and a half times over into fresh pages: a
  // third of the page faults of a thousand lookups in a large C++ program).
  const std::uint64_t program = table_offset + p.getLength();
  DenseFill<Row> rows(rows_, program < end_offset ? end_offset - program + 1 : 0);
  bool unsupported = false;
  bool tombstoned = false;  // the last DW_LNE_set_address set the tombstone (stays until the next)

  const auto advance = [&](std::uint64_t operation_advance) {
    row.address += ((row.op_index + operation_advance) / max_ops) * p.MinInstLength;
    row.op_index = static_cast<std::uint8_t>((row.op_index + operation_advance) % max_ops);
  };
  // ParsingState::appendRowToMatrix, for a row that is not tombstoned.
  const auto emit = [&](bool end_sequence) {
    if (tombstoned) return;
    const auto number = static_cast<std::uint32_t>(rows->size());
    if (sequence.empty) {
      sequence.empty = false;
      sequence.low = row.address;
      sequence.first = number;
    }
    std::uint32_t section = kUndefSection;
    if (!narrow(row.section, section)) unsupported = true;
    rows->push_back({row.address, row.line, row.column, row.file});
    if (section != kUndefSection) sections_.emplace_back(number, section);
    if (row.discriminator != 0) discriminators_.emplace_back(number, row.discriminator);
    if (end_sequence) {
      // Sequence::isValid: non-empty, low < high, first < last (always, a row was just added).
      if (sequence.low < row.address) {
        sequences_.push_back({sequence.low, row.address, section, sequence.first, number + 1});
      }
      sequence = {};
    }
    row.discriminator = 0;  // Row::postAppend
  };
  const auto reset = [&] {
    row = {};
    sequence = {};
  };

  bool failed = false;
  std::uint64_t at = program;
  while (at < end_offset && !failed) {
    const std::uint64_t opcode_offset = at;
    const std::uint8_t opcode = bytes[at++];
    // ULEB128/SLEB128 as DataExtractor reads them: 0 and no progress on error.
    const char* error = nullptr;
    const auto uleb = [&]() -> std::uint64_t {
      unsigned n = 0;
      const std::uint64_t v = read_uleb128(bytes + at, &n, end, &error);
      if (error == nullptr) at += n;
      return error == nullptr ? v : 0;
    };
    if (opcode == 0) {
      const std::uint64_t len = uleb();
      const std::uint64_t ext = at;
      if (len == 0) continue;  // tolerated: on to the next byte
      llvm::DataExtractor::Cursor cursor(ext);
      const std::uint8_t sub = table.getU8(cursor);
      switch (sub) {
        case dw::DW_LNE_end_sequence:
          emit(true);
          reset();
          break;
        case dw::DW_LNE_set_address: {
          const std::uint64_t size = len - 1;
          if (size == 1 || size == 2 || size == 4 || size == 8) {
            row.address = table.getRelocatedValue(cursor, static_cast<std::uint32_t>(size),
                                                  &row.section);
            row.op_index = 0;
            tombstoned = row.address == dw::computeTombstoneAddress(static_cast<std::uint8_t>(size));
          }
          break;
        }
        case dw::DW_LNE_define_file: {
          llvm::DWARFDebugLine::FileNameEntry entry;
          const char* name = table.getCStr(cursor);
          entry.Name = llvm::DWARFFormValue::createFromPValue(dw::DW_FORM_string, name);
          entry.DirIdx = table.getULEB128(cursor);
          entry.ModTime = table.getULEB128(cursor);
          entry.Length = table.getULEB128(cursor);
          prologue_.FileNames.push_back(entry);
          break;
        }
        case dw::DW_LNE_set_discriminator:
          row.discriminator = static_cast<std::uint32_t>(table.getULEB128(cursor));
          break;
        default:
          break;  // unknown: skipped by its length
      }
      llvm::consumeError(cursor.takeError());
      const std::uint64_t next = ext + len;
      if (next <= opcode_offset) break;  // a length that wraps around: LLVM would loop forever
      at = next;
    } else if (opcode < p.OpcodeBase) {
      switch (opcode) {
        case dw::DW_LNS_copy:
          emit(false);
          break;
        case dw::DW_LNS_advance_pc: {
          const std::uint64_t v = uleb();
          if (error == nullptr) advance(v);
          break;
        }
        case dw::DW_LNS_advance_line: {
          unsigned n = 0;
          const std::int64_t v = read_sleb128(bytes + at, &n, end, &error);
          if (error == nullptr) {
            at += n;
            row.line = static_cast<std::uint32_t>(row.line + v);
          }
          break;
        }
        case dw::DW_LNS_set_file:
          row.file = static_cast<std::uint16_t>(uleb());
          break;
        case dw::DW_LNS_set_column:
          row.column = static_cast<std::uint16_t>(uleb());
          break;
        case dw::DW_LNS_negate_stmt:
        case dw::DW_LNS_set_basic_block:
        case dw::DW_LNS_set_prologue_end:
        case dw::DW_LNS_set_epilogue_begin:
          break;  // flags no lookup answers with
        case dw::DW_LNS_const_add_pc:
          advance(op_advance[255]);
          break;
        case dw::DW_LNS_fixed_advance_pc: {
          llvm::DataExtractor::Cursor cursor(at);
          const auto delta = static_cast<std::uint16_t>(table.getRelocatedValue(cursor, 2));
          if (cursor) {
            row.address += delta;
            row.op_index = 0;
            at = cursor.tell();
          } else {
            error = "truncated";
          }
          llvm::consumeError(cursor.takeError());
          break;
        }
        case dw::DW_LNS_set_isa:
          (void)uleb();
          break;
        default:
          // An opcode this version does not know: as many ULEB128 operands as the prologue says.
          if (opcode - 1U < p.StandardOpcodeLengths.size()) {
            for (unsigned k = 0; k < p.StandardOpcodeLengths[opcode - 1U] && error == nullptr; ++k) {
              (void)uleb();
            }
          }
          break;
      }
      // A standard opcode's operand that cannot be read ends the parse with an error.
      failed = error != nullptr;
    } else {
      advance(op_advance[opcode]);
      row.line += static_cast<std::uint32_t>(line_advance[opcode]);
      emit(false);
    }
  }
  if (unsupported) return Status::kUnsupported;
  if (failed) return Status::kFailed;
  // LLVM sorts with llvm::sort (std::sort): the same comparisons on the same sequence give the
  // same order, ties included.
  std::sort(sequences_.begin(), sequences_.end(), [](const Sequence& a, const Sequence& b) {
    return std::tie(a.section, a.high) < std::tie(b.section, b.high);
  });
  return Status::kParsed;
}

std::uint32_t LineTable::lookup(std::uint64_t address) const {
  // lookupAddressImpl: the first sequence (by section, then high end) that ends after the address.
  const auto seq = std::upper_bound(
      sequences_.begin(), sequences_.end(), address, [](std::uint64_t a, const Sequence& s) {
        return std::tie(kUndefSection, a) < std::tie(s.section, s.high);
      });
  if (seq == sequences_.end() || seq->section != kUndefSection) return kUnknownRow;
  // findRowInSeq: the last row at or before the address.
  if (!(seq->low <= address && address < seq->high)) return kUnknownRow;
  const auto first = rows_.begin() + seq->first;
  const auto last = rows_.begin() + seq->last;
  if (sections_.empty()) {  // every row's section is kUndefSection
    const auto pos = std::upper_bound(first + 1, last - 1, address,
                                      [](std::uint64_t a, const Row& r) { return a < r.address; });
    return static_cast<std::uint32_t>(pos - 1 - rows_.begin());
  }
  const auto pos =
      std::upper_bound(first + 1, last - 1, address, [&](std::uint64_t a, const Row& r) {
        const std::uint32_t section = this->section(static_cast<std::uint32_t>(&r - rows_.data()));
        return std::tie(kUndefSection, a) < std::tie(section, r.address);
      });
  return static_cast<std::uint32_t>(pos - 1 - rows_.begin());
}

std::uint32_t LineTable::aside(const Aside& values, std::uint32_t row, std::uint32_t none) {
  const auto it = std::lower_bound(values.begin(), values.end(), row,
                                   [](const auto& v, std::uint32_t r) { return v.first < r; });
  return it != values.end() && it->first == row ? it->second : none;
}

std::optional<std::uint64_t> LineTables::offset_of(llvm::DWARFUnit& unit) {
  // ThreadUnsafeDWARFContextState::getLineTableForUnit.
  const llvm::DWARFDie die = unit.getUnitDIE();
  if (!die) return std::nullopt;
  const auto stmt = llvm::dwarf::toSectionOffset(die.find(llvm::dwarf::DW_AT_stmt_list));
  if (!stmt) return std::nullopt;
  const std::uint64_t offset = *stmt + unit.getLineTableOffset();
  if (offset >= unit.getLineSection().Data.size()) return std::nullopt;
  return offset;
}

void LineTables::parse_into(llvm::DWARFContext& ctx, llvm::DWARFUnit& unit,
                            std::uint64_t offset, Entry& entry) {
  const llvm::DWARFDataExtractor data(ctx.getDWARFObj(), unit.getLineSection(),
                                      unit.isLittleEndian(), unit.getAddressByteSize());
  entry.table = std::make_unique<LineTable>();
  entry.status = entry.table->parse(data, offset, ctx, &unit);
}

const LineTable* LineTables::for_unit(llvm::DWARFContext& ctx, llvm::DWARFUnit& unit,
                                      const llvm::DWARFDebugLine::LineTable** llvm_table) {
  *llvm_table = nullptr;
  const auto offset = offset_of(unit);
  if (!offset) return nullptr;
  auto it = tables_.find(*offset);
  if (it == tables_.end()) {
    it = tables_.try_emplace(*offset).first;
    parse_into(ctx, unit, *offset, it->second);
  }
  Entry& entry = it->second;
  const bool first = !entry.answered;
  entry.answered = true;
  switch (entry.status) {
    case LineTable::Status::kParsed:
      return entry.table.get();
    case LineTable::Status::kFailed:
      // LLVM answers the parse's error the first time and its cached remains afterwards.
      return first ? nullptr : entry.table.get();
    case LineTable::Status::kUnsupported:
      *llvm_table = ctx.getLineTableForUnit(&unit);
      return nullptr;
  }
  return nullptr;
}

std::optional<LineTables::Job> LineTables::reserve(llvm::DWARFContext& ctx,
                                                   llvm::DWARFUnit& unit) {
  const auto offset = offset_of(unit);
  if (!offset) return std::nullopt;
  auto [it, fresh] = tables_.try_emplace(*offset);
  if (!fresh) return std::nullopt;
  return Job{&ctx, &unit, *offset, &it->second};
}

void LineTables::run(const Job& job) {
  parse_into(*job.ctx, *job.unit, job.offset, *job.entry);
}

}  // namespace sym::detail

// A compile unit's line table: the rows and sequences LLVM's DWARFDebugLine::LineTable::parse
// builds, from a decoding loop of our own, and LLVM's lookupAddress over them.
#pragma once

#include <llvm/DebugInfo/DWARF/DWARFDebugLine.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace llvm {
class DWARFContext;
class DWARFDataExtractor;
class DWARFUnit;
}  // namespace llvm

namespace sym::detail {

// LLVM's parser spends most of its time per opcode on its data extractor (a bounds check, an
// error slot and a call per byte read) and on rows of 32 bytes with flags nobody asks for; it was
// 29 % of a thousand random lookups in a large C++ binary. This one reads the bytes of the
// program directly, keeps only what a lookup answers with, and takes the rare opcodes that carry
// relocatable operands (DW_LNE_set_address, DW_LNS_fixed_advance_pc) or change the file table
// (DW_LNE_define_file) through LLVM's extractor, so that the rows, the sequences and their order
// are LLVM's: every state-machine rule below is LLVM 19's, including its handling of tombstoned
// sequences, truncated operands and malformed LEB128. The prologue is LLVM's own parse.
class LineTable {
 public:
  // 16 bytes: a large program's tables hold millions of rows. The section index (set only in
  // relocatable files) and the discriminator (0 in most rows) are kept aside, for the rows that
  // have one.
  struct Row {
    std::uint64_t address;
    std::uint32_t line;
    std::uint16_t column;
    std::uint16_t file;
  };
  struct Sequence {
    std::uint64_t low, high;
    std::uint32_t section;
    std::uint32_t first, last;  // rows [first, last)
  };
  static constexpr std::uint32_t kUndefSection = 0xffffffffU;
  static constexpr std::uint32_t kUnknownRow = 0xffffffffU;

  enum class Status : std::uint8_t {
    kParsed,       // what LLVM's parse returns success for
    kFailed,       // LLVM's parse returns an error (the table so far is kept, unsorted, as LLVM's)
    kUnsupported,  // a section index that does not fit 32 bits: use LLVM's table
  };
  // LineTable::parse(data, &offset, ctx, unit, handler) with a handler that ignores warnings.
  Status parse(const llvm::DWARFDataExtractor& data, std::uint64_t offset,
               const llvm::DWARFContext& ctx, const llvm::DWARFUnit* unit);

  // LineTable::lookupAddress({address, UndefSection}): the row index, or kUnknownRow.
  [[nodiscard]] std::uint32_t lookup(std::uint64_t address) const;

  [[nodiscard]] const llvm::DWARFDebugLine::Prologue& prologue() const { return prologue_; }
  [[nodiscard]] const std::vector<Row>& rows() const { return rows_; }
  // Row `row`'s SectionedAddress::SectionIndex (kUndefSection for "none") and discriminator.
  [[nodiscard]] std::uint32_t section(std::uint32_t row) const {
    return aside(sections_, row, kUndefSection);
  }
  [[nodiscard]] std::uint32_t discriminator(std::uint32_t row) const {
    return aside(discriminators_, row, 0);
  }
  [[nodiscard]] const std::vector<Sequence>& sequences() const { return sequences_; }

 private:
  // A value kept aside for the rows that have one, by row.
  using Aside = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  static std::uint32_t aside(const Aside& values, std::uint32_t row, std::uint32_t none);

  llvm::DWARFDebugLine::Prologue prologue_;
  std::vector<Row> rows_;
  Aside sections_;        // rows whose section is not kUndefSection
  Aside discriminators_;  // rows whose discriminator is not 0
  std::vector<Sequence> sequences_;
};

// The line tables of one DWARF context by .debug_line offset, as DWARFContext caches them: a
// table is parsed once however many units name it, and a table whose parse failed is answered
// with nothing the first time and with what was parsed of it afterwards (LLVM keeps it).
class LineTables {
  struct Entry;

 public:
  // DWARFContext::getLineTableForUnit(unit) in our rows; null when LLVM's would be null. Sets
  // *llvm_table instead when the table must be LLVM's own (kUnsupported).
  const LineTable* for_unit(llvm::DWARFContext& ctx, llvm::DWARFUnit& unit,
                            const llvm::DWARFDebugLine::LineTable** llvm_table);

  // For parsing ahead on other threads (Module::prepare): reserve() makes, on the calling
  // thread, the empty entry of the unit's table if for_unit would parse one, and returns a job
  // that fills it (and nothing else) on any thread; null when there is nothing to parse.
  struct Job {
    llvm::DWARFContext* ctx;
    llvm::DWARFUnit* unit;
    std::uint64_t offset;
    Entry* entry;
  };
  std::optional<Job> reserve(llvm::DWARFContext& ctx, llvm::DWARFUnit& unit);
  static void run(const Job& job);

 private:
  struct Entry {
    std::unique_ptr<LineTable> table;
    LineTable::Status status = LineTable::Status::kFailed;
    bool answered = false;  // for_unit has answered for it once
  };
  // The table's offset in .debug_line, if the unit names one that can be parsed.
  static std::optional<std::uint64_t> offset_of(llvm::DWARFUnit& unit);
  static void parse_into(llvm::DWARFContext& ctx, llvm::DWARFUnit& unit, std::uint64_t offset,
                         Entry& entry);
  std::unordered_map<std::uint64_t, Entry> tables_;
};

}  // namespace sym::detail

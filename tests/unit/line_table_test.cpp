// White-box tests of libsym/src/line_table.h: our line-program decoder must build LLVM 19's rows
// and sequences, in LLVM's order, and answer lookups as LLVM's DWARFDebugLine::LineTable does:
// on every compile unit of real files (the fixtures, libc's debug file, this test program, a
// relocatable object) and on thousands of generated programs, many of them malformed.
#include "line_table.h"
#include "oracle.h"

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using sym::detail::LineTable;
using sym::detail::LineTables;

void ignore(llvm::Error e) { llvm::consumeError(std::move(e)); }

std::uint64_t wide(std::uint32_t section) {
  return section == LineTable::kUndefSection ? llvm::object::SectionedAddress::UndefSection
                                             : section;
}

void require_same(const LineTable& ours, const llvm::DWARFDebugLine::LineTable& theirs) {
  REQUIRE(ours.prologue().FileNames.size() == theirs.Prologue.FileNames.size());
  REQUIRE(ours.rows().size() == theirs.Rows.size());
  for (std::size_t i = 0; i < theirs.Rows.size(); ++i) {
    const LineTable::Row& a = ours.rows()[i];
    const llvm::DWARFDebugLine::Row& b = theirs.Rows[i];
    INFO("row " << i);
    REQUIRE(a.address == b.Address.Address);
    REQUIRE(wide(ours.section(static_cast<std::uint32_t>(i))) == b.Address.SectionIndex);
    REQUIRE(a.line == b.Line);
    REQUIRE(a.column == b.Column);
    REQUIRE(a.file == b.File);
    REQUIRE(ours.discriminator(static_cast<std::uint32_t>(i)) == b.Discriminator);
  }
  REQUIRE(ours.sequences().size() == theirs.Sequences.size());
  for (std::size_t i = 0; i < theirs.Sequences.size(); ++i) {
    const LineTable::Sequence& a = ours.sequences()[i];
    const llvm::DWARFDebugLine::Sequence& b = theirs.Sequences[i];
    INFO("sequence " << i);
    REQUIRE(a.low == b.LowPC);
    REQUIRE(a.high == b.HighPC);
    REQUIRE(wide(a.section) == b.SectionIndex);
    REQUIRE(a.first == b.FirstRowIndex);
    REQUIRE(a.last == b.LastRowIndex);
  }
}

// Lookups at, just before and just after every row's address, and at every sequence's ends.
std::size_t require_same_lookups(const LineTable& ours,
                                 const llvm::DWARFDebugLine::LineTable& theirs) {
  std::vector<std::uint64_t> probes;
  for (const auto& row : ours.rows()) {
    probes.insert(probes.end(), {row.address - 1, row.address, row.address + 1});
  }
  for (const auto& seq : ours.sequences()) {
    probes.insert(probes.end(), {seq.low, seq.high - 1, seq.high});
  }
  for (std::uint64_t a : probes) {
    INFO("address 0x" << std::hex << a);
    REQUIRE(ours.lookup(a) ==
            theirs.lookupAddress({a, llvm::object::SectionedAddress::UndefSection}));
  }
  return probes.size();
}

// Every compile unit's table of one file, ours against the context's own.
std::size_t compare_file(const std::string& path) {
  INFO(path);
  auto buffer = llvm::MemoryBuffer::getFile(path, false, false);
  REQUIRE(static_cast<bool>(buffer));
  auto object = llvm::object::ObjectFile::createObjectFile((*buffer)->getMemBufferRef());
  REQUIRE(static_cast<bool>(object));
  auto ctx = llvm::DWARFContext::create(**object,
                                        llvm::DWARFContext::ProcessDebugRelocations::Process,
                                        nullptr, "", ignore, ignore);
  LineTables tables;
  std::size_t units = 0;
  for (const auto& unit : ctx->compile_units()) {
    INFO("unit at 0x" << std::hex << unit->getOffset());
    const llvm::DWARFDebugLine::LineTable* theirs = ctx->getLineTableForUnit(unit.get());
    const llvm::DWARFDebugLine::LineTable* fallback = nullptr;
    const LineTable* ours = tables.for_unit(*ctx, *unit, &fallback);
    REQUIRE(fallback == nullptr);  // no section index of these files needs LLVM's table
    REQUIRE((ours != nullptr) == (theirs != nullptr));
    if (ours == nullptr) continue;
    require_same(*ours, *theirs);
    require_same_lookups(*ours, *theirs);
    ++units;
  }
  return units;
}

// --- generated line programs ----------------------------------------------------------------

class Writer {
 public:
  std::string bytes;
  void u8(std::uint64_t v) { bytes.push_back(static_cast<char>(v & 0xff)); }
  void fixed(std::uint64_t v, int size) {
    for (int i = 0; i < size; ++i) u8(v >> (8 * i));
  }
  void uleb(std::uint64_t v) {
    do {
      std::uint8_t b = v & 0x7f;
      v >>= 7;
      if (v != 0) b |= 0x80;
      u8(b);
    } while (v != 0);
  }
  void sleb(std::int64_t v) {
    bool more = true;
    while (more) {
      std::uint8_t b = v & 0x7f;
      v >>= 7;
      more = !((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0));
      if (more) b |= 0x80;
      u8(b);
    }
  }
  void str(const char* s) {
    bytes += s;
    u8(0);
  }
};

// One line-number program (DWARF 2 to 5, 32-bit format) with random header parameters and a
// random opcode stream: special, standard and extended opcodes with ordinary, truncated,
// oversized and malformed operands, tombstoned and unsupported addresses, files defined
// mid-program, and a unit_length that is right, short or beyond the data.
std::string generate(std::mt19937_64& rng) {
  auto pick = [&](std::uint64_t n) { return rng() % n; };
  const int version = static_cast<int>(2 + pick(4));
  const std::uint8_t opcode_base = std::vector<std::uint8_t>{1, 4, 10, 13, 13, 13, 14, 16}[pick(8)];
  Writer h;  // from the version field to the end of the header
  h.fixed(version, 2);
  if (version >= 5) {
    h.u8(8);  // address_size
    h.u8(0);  // segment_selector_size
  }
  Writer rest;  // after header_length
  rest.u8(1 + pick(4));                                          // minimum_instruction_length
  if (version >= 4) rest.u8(pick(4) == 0 ? pick(4) : 1);       // maximum_operations_per_instruction
  rest.u8(pick(2));                                              // default_is_stmt
  rest.u8(static_cast<std::uint8_t>(-static_cast<int>(pick(6))));  // line_base
  rest.u8(pick(8) == 0 ? 0 : 1 + pick(14));                      // line_range
  rest.u8(opcode_base);
  static const std::uint8_t standard[] = {0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1};
  for (unsigned op = 1; op < opcode_base; ++op) rest.u8(op <= 12 ? standard[op - 1] : pick(3));
  if (version >= 5) {
    rest.u8(1);  // directory entry format: path as a string
    rest.uleb(llvm::dwarf::DW_LNCT_path);
    rest.uleb(llvm::dwarf::DW_FORM_string);
    rest.uleb(2);
    rest.str("/comp");
    rest.str("inc");
    rest.u8(2);  // file entry format: path, directory index
    rest.uleb(llvm::dwarf::DW_LNCT_path);
    rest.uleb(llvm::dwarf::DW_FORM_string);
    rest.uleb(llvm::dwarf::DW_LNCT_directory_index);
    rest.uleb(llvm::dwarf::DW_FORM_udata);
    rest.uleb(2);
    rest.str("a.c");
    rest.uleb(0);
    rest.str("b.h");
    rest.uleb(1);
  } else {
    rest.str("inc");
    rest.u8(0);
    for (const char* name : {"a.c", "b.h"}) {
      rest.str(name);
      rest.uleb(pick(2));
      rest.uleb(0);
      rest.uleb(0);
    }
    rest.u8(0);
  }
  Writer program;
  const auto ops = pick(80);
  for (std::uint64_t k = 0; k < ops; ++k) {
    const auto r = pick(100);
    if (r < 40) {
      program.u8(opcode_base + pick(256 - opcode_base));  // special
    } else if (r < 58 && opcode_base > 1) {
      const auto op = 1 + pick(opcode_base - 1U);
      program.u8(op);
      switch (op) {
        case llvm::dwarf::DW_LNS_advance_pc:
          program.uleb(pick(10) == 0 ? rng() : pick(200));
          break;
        case llvm::dwarf::DW_LNS_advance_line:
          program.sleb(static_cast<std::int64_t>(pick(61)) - 30);
          break;
        case llvm::dwarf::DW_LNS_set_file:
        case llvm::dwarf::DW_LNS_set_column:
          program.uleb(pick(6) == 0 ? 65536 + pick(10) : pick(4));  // sometimes past 16 bits
          break;
        case llvm::dwarf::DW_LNS_fixed_advance_pc:
          program.fixed(pick(300), 2);
          break;
        case llvm::dwarf::DW_LNS_set_isa:
          program.uleb(pick(300));
          break;
        default:
          if (op > 12) {
            for (unsigned i = 0, n = static_cast<unsigned>(pick(3)); i < n; ++i) program.uleb(pick(1000));
          }
          break;
      }
    } else if (r < 68) {
      program.u8(0);  // end_sequence
      program.uleb(1);
      program.u8(llvm::dwarf::DW_LNE_end_sequence);
    } else if (r < 80) {
      const auto kind = pick(6);
      const int size = kind == 0 ? 4 : kind == 1 ? 3 : 8;  // 3: an unsupported size
      const std::uint64_t address = kind == 2 ? ~0ULL : kind == 3 ? 0 : 0x1000 + pick(0x400);
      program.u8(0);
      program.uleb(size + 1);
      program.u8(llvm::dwarf::DW_LNE_set_address);
      program.fixed(size == 4 && kind == 4 ? 0xffffffffU : address, size);
    } else if (r < 85) {
      program.u8(0);
      Writer op;
      op.u8(llvm::dwarf::DW_LNE_set_discriminator);
      op.uleb(pick(5));
      program.uleb(op.bytes.size() + (pick(8) == 0 ? 1 : 0));  // sometimes a wrong length
      program.bytes += op.bytes;
    } else if (r < 88) {
      program.u8(0);
      Writer op;
      op.u8(llvm::dwarf::DW_LNE_define_file);
      op.str("defined.c");
      op.uleb(pick(2));
      op.uleb(0);
      op.uleb(0);
      program.uleb(op.bytes.size());
      program.bytes += op.bytes;
    } else if (r < 91) {
      program.u8(0);  // an extended opcode nobody knows, skipped by its length
      const auto n = pick(4);
      program.uleb(1 + n);
      program.u8(0x80 + pick(0x7f));
      for (std::uint64_t i = 0; i < n; ++i) program.u8(rng());
    } else if (r < 93) {
      program.u8(0);  // extended opcode of length 0
      program.u8(0);
    } else if (r < 95) {
      // A malformed LEB128: more continuation bytes than 64 bits hold.
      program.u8(pick(2) == 0 ? llvm::dwarf::DW_LNS_advance_pc : llvm::dwarf::DW_LNS_advance_line);
      for (int i = 0; i < 10; ++i) program.u8(0xff);
      program.u8(0x7f);
    } else {
      program.u8(1 + pick(std::max<unsigned>(opcode_base, 2) - 1U));
    }
  }
  if (pick(4) == 0) program.u8(0x02), program.u8(0x80);  // a LEB128 cut off by the end

  Writer out;
  const std::uint64_t header_length = rest.bytes.size();
  const std::uint64_t unit_length =
      h.bytes.size() + 4 + rest.bytes.size() + program.bytes.size();
  const auto shape = pick(10);
  out.fixed(shape == 0 ? unit_length / 2 : shape == 1 ? unit_length + 40 : unit_length, 4);
  out.bytes += h.bytes;
  out.fixed(pick(20) == 0 ? header_length + 3 : header_length, 4);
  out.bytes += rest.bytes;
  out.bytes += program.bytes;
  return out.bytes;
}

}  // namespace

TEST_CASE("line tables: generated and malformed line programs decode as LLVM decodes them") {
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> no_sections;
  auto ctx = llvm::DWARFContext::create(no_sections, 8);
  std::mt19937_64 rng(20261126);
  std::size_t parsed = 0, failed = 0, rows = 0, probes = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string bytes = generate(rng);
    INFO("program " << i << " of " << bytes.size() << " bytes");
    llvm::DWARFDataExtractor data(llvm::StringRef(bytes), true, 8);
    llvm::DWARFDebugLine::LineTable theirs;
    std::uint64_t offset = 0;
    llvm::Error error = theirs.parse(data, &offset, *ctx, nullptr, ignore);
    const bool llvm_failed = static_cast<bool>(error);
    llvm::consumeError(std::move(error));
    LineTable ours;
    const LineTable::Status status = ours.parse(data, 0, *ctx, nullptr);
    REQUIRE(status != LineTable::Status::kUnsupported);
    REQUIRE((status == LineTable::Status::kFailed) == llvm_failed);
    require_same(ours, theirs);
    if (llvm_failed) {
      ++failed;
    } else {
      ++parsed;
      probes += require_same_lookups(ours, theirs);
    }
    rows += ours.rows().size();
  }
  // The generator reaches both outcomes and real tables.
  CHECK(parsed > 1000);
  CHECK(failed > 200);
  CHECK(rows > 20000);
  CHECK(probes > 50000);
}

TEST_CASE("line tables: every unit of real files decodes as LLVM decodes it") {
  std::vector<std::string> files;
  const std::string dir = test::fixture_dir();
  for (const auto& variant : test::fixture_variants()) files.push_back(dir + "/" + variant);
  files.push_back(dir + "/libfixture.so");
  files.push_back(dir + "/debuglink_gcc.debug");
  files.push_back("/proc/self/exe");  // this program: C++ with heavy inlining, DWARF 5
  // libc's separate debug file (libc6-dbg): compressed sections, DWARF 5, many units.
  const std::string id = test::run(
      "readelf -n /lib/x86_64-linux-gnu/libc.so.6 | awk '/Build ID/ { printf \"%s\", $3 }'");
  const std::string libc_debug =
      "/usr/lib/debug/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
  REQUIRE(fs::exists(libc_debug));
  files.push_back(libc_debug);
  // A relocatable object: the addresses of DW_LNE_set_address are relocations against
  // sections, so rows and sequences carry section indices.
  const std::string object = dir + "/line_table_test.o." + std::to_string(::getpid());
  test::run("printf 'static int f(int x) { return x * 3; }\\nint g(int y) { return f(y) + 1; }\\n"
            "int h(int z) { return g(z) - f(z); }\\n' | cc -x c -c -g -O1 -ffunction-sections -o " +
            object + " -");
  files.push_back(object);
  std::size_t units = 0;
  for (const auto& file : files) units += compare_file(file);
  fs::remove(object);
  CHECK(units > 1000);  // libc alone has more
}

TEST_CASE("line tables: an extended opcode whose length wraps around ends the parse") {
  // LLVM 19 jumps back to ExtOffset + Len (mod 2^64) and decodes the same bytes forever.
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> no_sections;
  auto ctx = llvm::DWARFContext::create(no_sections, 8);
  Writer rest;
  for (int v : {1, 1, -5, 14, 13}) rest.u8(static_cast<std::uint8_t>(v));
  for (int len : {0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1}) rest.u8(len);
  rest.u8(0);  // no include directories
  rest.str("a.c");
  rest.uleb(0);
  rest.uleb(0);
  rest.uleb(0);
  rest.u8(0);
  Writer program;
  program.u8(0x20);  // a special opcode: one row
  program.u8(0);
  program.uleb(~0ULL - 40);  // ExtOffset + Len wraps to just before the program
  program.u8(0x80);
  Writer out;
  out.fixed(2 + 4 + rest.bytes.size() + program.bytes.size(), 4);
  out.fixed(4, 2);
  out.fixed(rest.bytes.size(), 4);
  out.bytes += rest.bytes + program.bytes;
  llvm::DWARFDataExtractor data(llvm::StringRef(out.bytes), true, 8);
  LineTable ours;
  CHECK(ours.parse(data, 0, *ctx, nullptr) == LineTable::Status::kParsed);
  CHECK(ours.rows().size() == 1);
}

TEST_CASE("line tables: DWARF 5 entry formats LLVM would misread are refused") {
  // LLVM 19 dereferences the constant of a directory index written in a non-constant form, and
  // repeats entries of zero-size forms as often as a count near 2^64 says (until memory runs
  // out). Such a table gives the unit no line table instead.
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> no_sections;
  auto ctx = llvm::DWARFContext::create(no_sections, 8);
  namespace dw = llvm::dwarf;
  const auto table = [](std::uint64_t dir_path_form, std::uint64_t dir_count,
                        std::uint64_t file_index_form) {
    Writer rest;
    for (int v : {1, 1, 1, -5, 14, 13}) rest.u8(static_cast<std::uint8_t>(v));
    for (int len : {0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1}) rest.u8(len);
    rest.u8(1);
    rest.uleb(dw::DW_LNCT_path);
    rest.uleb(dir_path_form);
    rest.uleb(dir_count);
    if (dir_path_form == dw::DW_FORM_string) rest.str("/comp");
    rest.u8(2);
    rest.uleb(dw::DW_LNCT_path);
    rest.uleb(dw::DW_FORM_string);
    rest.uleb(dw::DW_LNCT_directory_index);
    rest.uleb(file_index_form);
    rest.uleb(1);
    rest.str("a.c");
    if (file_index_form == dw::DW_FORM_udata) rest.uleb(0);
    if (file_index_form == dw::DW_FORM_strp) rest.fixed(0, 4);
    Writer program;
    program.u8(0x20);
    program.u8(0);
    program.uleb(1);
    program.u8(dw::DW_LNE_end_sequence);
    Writer out;
    out.fixed(2 + 2 + 4 + rest.bytes.size() + program.bytes.size(), 4);
    out.fixed(5, 2);
    out.u8(8);
    out.u8(0);
    out.fixed(rest.bytes.size(), 4);
    out.bytes += rest.bytes + program.bytes;
    return out.bytes;
  };
  const auto parse = [&](const std::string& bytes) {
    llvm::DWARFDataExtractor data(llvm::StringRef(bytes), true, 8);
    LineTable ours;
    return ours.parse(data, 0, *ctx, nullptr);
  };
  // The well-formed table parses, as LLVM parses it.
  const std::string good = table(dw::DW_FORM_string, 1, dw::DW_FORM_udata);
  {
    llvm::DWARFDataExtractor data(llvm::StringRef(good), true, 8);
    llvm::DWARFDebugLine::LineTable theirs;
    std::uint64_t offset = 0;
    REQUIRE(!theirs.parse(data, &offset, *ctx, nullptr, ignore));
    LineTable ours;
    REQUIRE(ours.parse(data, 0, *ctx, nullptr) == LineTable::Status::kParsed);
    require_same(ours, theirs);
    CHECK(ours.rows().size() == 2);
  }
  CHECK(parse(table(dw::DW_FORM_string, 1, dw::DW_FORM_strp)) == LineTable::Status::kFailed);
  CHECK(parse(table(dw::DW_FORM_flag_present, ~0ULL >> 1, dw::DW_FORM_udata)) ==
        LineTable::Status::kFailed);
  CHECK(parse(table(0x7d71, 1, dw::DW_FORM_udata)) == LineTable::Status::kFailed);
}

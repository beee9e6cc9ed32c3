#include <libsym/module.h>

#include "debug_sections.h"
#include "debuginfod.h"
#include "die_bounds.h"
#include "die_tree.h"
#include "dwarf_frames.h"
#include "dwarf_sup.h"
#include "mini_debuginfo.h"
#include "symbol_table.h"
#include "unwind_table.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/ADT/StringMap.h>
#include <llvm/DebugInfo/DIContext.h>
#include <llvm/DebugInfo/DWARF/DWARFAbbreviationDeclaration.h>
#include <llvm/DebugInfo/DWARF/DWARFCompileUnit.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/DebugInfo/DWARF/DWARFDebugAranges.h>
#include <llvm/Demangle/Demangle.h>
#include <llvm/Object/Decompressor.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/CRC.h>
#include <llvm/Support/Endian.h>
#include <llvm/Support/Path.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <cxxabi.h>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_map>

namespace sym {

namespace obj = llvm::object;
using detail::contents_of;
using detail::worker_threads;

// One ELF file held open: the bytes and LLVM's view of them. The view is missing when the
// section headers are unreadable (a truncated file, a corrupt e_shoff): the program headers
// still translate addresses, but there are no symbols and no DWARF.
struct ElfFile {
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::unique_ptr<obj::ObjectFile> object;  // may be null
  std::string object_error;                  // why object is null
  FileIdentity identity;
  [[nodiscard]] const obj::ELFObjectFileBase* elf() const {
    return llvm::cast_or_null<obj::ELFObjectFileBase>(object.get());
  }
};

namespace {

// A split-DWARF skeleton unit (or none at all): its DIEs are in a .dwo file.
bool is_skeleton(const llvm::DWARFDie& unit_die) {
  return !unit_die || detail::names_dwo(unit_die);
}

}  // namespace


struct Module::Impl {
  std::string path;
  ElfFile file;
  std::optional<ElfFile> debug_file;  // separate debug info, when found
  std::optional<ElfFile> mini_file;   // the inflated .gnu_debugdata, when read (its symbols)
  DebugInfoOrigin origin;
  std::vector<LoadSegment> segments;
  std::string build_id;
  std::uint16_t machine = 0;
  bool is_64 = false;
  // Made at the first question (symbol_table()): they take 3-6 ms for libc and libc6-dbg, and
  // a symbolizer opens every module of a batch, and starts their debug sections inflating,
  // before it asks any.
  mutable detail::SymbolTable symbols;
  mutable std::once_flag symbols_made;
  [[nodiscard]] const detail::SymbolTable& symbol_table() const;
  // What could not be read, "" when all is well; grows when a lookup finds broken DWARF.
  mutable std::string warning;
  bool dwarf_usable = true;  // false when the debug sections must not be handed to LLVM
  // [start, end) of the executable sections (or, without sections, executable segments): a
  // DWARF range that starts outside all of them is a linker tombstone (--gc-sections).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> code_ranges;

  // What frames_at needs to know about a compile unit, computed once.
  struct UnitFacts {
    // How far the unit's DIEs are checked (die_bounds.h) before LLVM extracts them: its unit DIE,
    // all of them, or found to hold a value past the end of .debug_info (kept away from LLVM).
    enum class Dies : std::uint8_t { kUnchecked, kUnitDie, kAll, kBad } dies = Dies::kUnchecked;
    bool read = false;  // cxx and ranges are read
    bool cxx = false;
    // What prepare() has done with the unit: its DIEs, index and line table are read (only
    // the clusters of new addresses are left), or it is a split-DWARF skeleton, left to lookup.
    enum class Prepared : std::uint8_t { kNo, kYes, kSkeleton } prepared = Prepared::kNo;
    llvm::DWARFAddressRangesVector ranges;
    detail::UnitCache cache;  // line table, file names, function index (dwarf_frames.h)
  };
  mutable std::unordered_map<const llvm::DWARFUnit*, UnitFacts> units;
  mutable detail::LineTables line_tables;  // of `dwarf`, by .debug_line offset
  // The compile unit of each address of the last prepare() (null: none), by address: lookup
  // need not ask LLVM's address ranges twice.
  mutable std::vector<std::pair<std::uint64_t, llvm::DWARFCompileUnit*>> unit_hints;
  [[nodiscard]] llvm::DWARFCompileUnit* unit_for(llvm::DWARFContext& ctx,
                                                 std::uint64_t vaddr) const {
    auto it = std::lower_bound(unit_hints.begin(), unit_hints.end(), vaddr,
                               [](const auto& hint, std::uint64_t a) { return hint.first < a; });
    if (it != unit_hints.end() && it->first == vaddr) return it->second;
    return ctx.getCompileUnitForCodeAddress(vaddr);
  }
  // The unit's slot, its unit DIE checked and read; dies == kBad when the check failed.
  UnitFacts& unit_facts(llvm::DWARFUnit& unit) const;
  // Reads what facts keep of the unit DIE (checked); a skeleton's language from its .dwo.
  void read_unit_die(llvm::DWARFUnit& unit, UnitFacts& facts) const;
  // A split-DWARF skeleton's DIEs are in its .dwo file (or in the DWARF package beside this
  // file), which LLVM opens and extracts, unchecked, the first time it is asked about them.
  // This opens it the way LLVM does, first, and checks what LLVM will extract: the unit DIEs
  // it reads to find the skeleton's unit, and all of that unit's DIEs. False (with a warning;
  // the unit's frames then come from its line table alone) when LLVM must not read it. The
  // checked file's context is kept: LLVM holds it weakly, and reads this one, not a new one.
  bool split_unit_checked(llvm::DWARFUnit& skeleton, UnitFacts& facts) const;
  mutable std::vector<std::shared_ptr<llvm::DWARFContext>> split_contexts;
  mutable bool dwo_missing_told = false;  // a warning names the first .dwo file not found
  // Checks every DIE of the unit (once) before LLVM extracts them; when the unit refers into
  // other units, every unit of the file. False when the unit, or the file's DWARF, is refused.
  bool all_dies_checked(llvm::DWARFUnit& unit, UnitFacts& facts) const;
  void settle(const llvm::DWARFUnit& unit, UnitFacts& facts, const detail::DieCheck& check,
              UnitFacts::Dies checked) const;
  // Checks every unit of the file, because some unit's abbreviations use forms through which
  // LLVM reads other units' DIEs (units_refer_across).
  void check_every_unit() const;
  mutable bool every_unit_checked = false;
  mutable bool units_refer_across = false;
  mutable std::string bad_unit;  // describes the first unit whose check failed
  // The file's DWARF is not used: LLVM would extract DIEs that hold values past the end of
  // .debug_info (a unit DIE it reads to map addresses, or a unit others refer into).
  mutable bool dwarf_refused = false;
  void refuse_dwarf(const std::string& why) const;
  void add_warning(const std::string& text) const {
    warning += (warning.empty() ? "" : "; ") + text;
  }

  [[nodiscard]] bool is_code(std::uint64_t vaddr) const {
    for (const auto& [start, end] : code_ranges) {
      if (vaddr >= start && vaddr < end) return true;
    }
    return false;
  }
  // The file whose DWARF is read (null: none), and whether `dwarf` is made from its sections
  // (dwarf_from_sections) rather than by LLVM from the file (relocations, a DWARF package).
  [[nodiscard]] const ElfFile* dwarf_source(bool* from_sections) const;
  // The compressed sections of dwarf_source being inflated (read_debug_info_ahead), until
  // `dwarf` is made; then what they were inflated into (the others are in the mapped file).
  mutable std::unique_ptr<detail::SectionInflation> inflation;
  mutable llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> dwarf_sections;
  mutable std::unique_ptr<llvm::DWARFContext> dwarf;
  mutable bool dwarf_tried = false;
  // dwz's supplementary file of the DWARF source (.gnu_debugaltlink), when it has one and it
  // was found: names that LLVM cannot read are read from it (dwarf_sup.h).
  std::optional<ElfFile> sup_file;
  std::unique_ptr<detail::SupplementaryDwarf> sup;
  mutable bool sup_problem_told = false;
  // llvm_symbol's table, made at its first call: by address, one symbol per address.
  struct LlvmSymbol {
    std::uint64_t address;
    std::uint64_t size;
    std::size_t index;  // in the table
    std::string name;
    std::string file;  // a local symbol's STT_FILE, else ""
  };
  mutable std::vector<LlvmSymbol> llvm_symbols;
  mutable std::once_flag llvm_symbols_made;
  void make_llvm_symbols() const;
  // gnu_alias's table, made at its first call: every function or label, by address, then by
  // its place in the table.
  struct GnuSymbol {
    std::uint64_t address;
    std::uint64_t size;  // 1 for an unsized one, as binutils counts it
    std::size_t index;
    bool function;  // STT_FUNC or STT_GNU_IFUNC; else STT_NOTYPE
    std::string name;
    std::uint64_t section;  // index of its section
    std::string file;       // a local symbol's STT_FILE, else ""
  };
  mutable std::vector<GnuSymbol> gnu_symbols;
  mutable std::once_flag gnu_symbols_made;
  void make_gnu_symbols() const;
  // gnu_alias's choice, of the symbols in `section` only when given; null when none.
  [[nodiscard]] const GnuSymbol* gnu_best(VirtAddr vaddr, std::uint64_t value,
                                          std::optional<std::uint64_t> section) const;
  // The file's .eh_frame (and .eh_frame_hdr), read at the first unwind_range.
  mutable std::unique_ptr<detail::UnwindTable> unwind;
  std::optional<LoadSegment> eh_frame_hdr;  // PT_GNU_EH_FRAME, for a file without sections
  mutable std::once_flag unwind_made;
  // data_object's variables, read from every DIE at its first call: by address.
  struct Variable {
    std::uint64_t address;
    std::uint64_t size;  // 0 = unknown
    bool op_addr;        // located by DW_OP_addr (GNU addr2line reads no other)
    llvm::DWARFUnit* unit;
    std::uint64_t offset;     // of its DIE
    std::uint64_t reach = 0;  // the furthest end of this and every variable before it
    // Its DIE, from LLVM's DIE array of its unit (extracted for the answer, as before).
    [[nodiscard]] llvm::DWARFDie die() const { return unit->getDIEForOffset(offset); }
  };
  mutable std::vector<Variable> variables;
  mutable bool variables_made = false;
  void make_variables() const;
  [[nodiscard]] std::string declaration_file(const llvm::DWARFDie& die) const;
  // Adds the supplementary file's first problem to the warning (once; on the calling thread).
  void note_sup_problem() const {
    if (sup != nullptr && !sup_problem_told && sup->failed()) {
      sup_problem_told = true;
      add_warning("dwz supplementary file " + sup->path() + ": " + sup->problem() +
                  "; names kept there are missing");
    }
  }

  [[nodiscard]] const llvm::DWARFContext* dwarf_context() const;

  // Module::lookup once the unit (null: none) and its facts (null: no DWARF frames) are known.
  // Touches no state shared between units: lookups in different prepared units may run at once.
  Lookup lookup_in(VirtAddr vaddr, const FrameOptions& options, llvm::DWARFContext* dwarf,
                   llvm::DWARFUnit* unit, UnitFacts* facts) const;
};

namespace {

// What the ELF headers say, read through the typed ELFFile of whichever class/endianness.
struct ElfFacts {
  std::vector<LoadSegment> segments;
  std::optional<LoadSegment> eh_frame_hdr;  // PT_GNU_EH_FRAME
  std::string build_id;  // hex
  std::string debuglink;
  std::uint32_t debuglink_crc = 0;
  bool has_debuglink = false;
  bool has_dwarf = false;
  std::uint16_t machine = 0;
  std::uint16_t type = 0;
};

// [offset, offset + size) lies within a file of file_size bytes (no sum that wraps).
bool within(std::uint64_t file_size, std::uint64_t offset, std::uint64_t size) {
  return offset <= file_size && size <= file_size - offset;
}

template <class ELFT>
llvm::Expected<ElfFacts> read_facts_as(llvm::StringRef bytes) {
  auto created = obj::ELFFile<ELFT>::create(bytes);
  if (!created) return created.takeError();
  const obj::ELFFile<ELFT>& elf = *created;
  ElfFacts facts;
  facts.machine = elf.getHeader().e_machine;
  facts.type = elf.getHeader().e_type;
  auto phdrs = elf.program_headers();
  if (!phdrs) return phdrs.takeError();
  for (const auto& ph : *phdrs) {
    if (ph.p_type == llvm::ELF::PT_LOAD) {
      // A segment whose file or address range wraps past 2^64 is no segment at all.
      const std::uint64_t offset = ph.p_offset, vaddr = ph.p_vaddr;
      const std::uint64_t filesz = ph.p_filesz, memsz = ph.p_memsz;
      if (offset + filesz < offset || vaddr + filesz < vaddr || vaddr + memsz < vaddr) continue;
      facts.segments.push_back({offset, vaddr, filesz, memsz, ph.p_flags});
    } else if (ph.p_type == llvm::ELF::PT_GNU_EH_FRAME) {
      facts.eh_frame_hdr = LoadSegment{ph.p_offset, ph.p_vaddr, ph.p_filesz, ph.p_memsz,
                                       ph.p_flags};
    } else if (ph.p_type == llvm::ELF::PT_NOTE && facts.build_id.empty()) {
      // LLVM checks p_offset + p_filesz against the file size, a sum that can wrap past 2^64:
      // the notes are read only when they lie in the file.
      if (!within(bytes.size(), ph.p_offset, ph.p_filesz)) continue;
      llvm::Error err = llvm::Error::success();
      for (const auto& note : elf.notes(ph, err)) {
        if (note.getType() == llvm::ELF::NT_GNU_BUILD_ID && note.getName() == "GNU") {
          // Note alignment is 4 or 8; the iterator also lets 0 and 1 through.
          facts.build_id = hex_digits(note.getDesc(std::max<std::uint64_t>(ph.p_align, 4)));
          break;
        }
      }
      llvm::consumeError(std::move(err));  // a broken note is no reason to refuse the file
    }
  }
  // Sections: a debug file or a relinked file may have notes only as sections; debuglink and
  // DWARF presence always come from sections. Broken section headers leave these unset.
  auto sections = elf.sections();
  if (!sections) {
    llvm::consumeError(sections.takeError());
    return facts;
  }
  for (const auto& sec : *sections) {
    auto name = elf.getSectionName(sec);
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    if (sec.sh_type == llvm::ELF::SHT_NOTE && facts.build_id.empty() &&
        within(bytes.size(), sec.sh_offset, sec.sh_size)) {
      llvm::Error err = llvm::Error::success();
      for (const auto& note : elf.notes(sec, err)) {
        if (note.getType() == llvm::ELF::NT_GNU_BUILD_ID && note.getName() == "GNU") {
          facts.build_id =
              hex_digits(note.getDesc(std::max<std::uint64_t>(sec.sh_addralign, 4)));
          break;
        }
      }
      llvm::consumeError(std::move(err));
    } else if (*name == ".gnu_debuglink" && sec.sh_type != llvm::ELF::SHT_NOBITS) {
      auto data = elf.getSectionContents(sec);
      if (!data) {
        llvm::consumeError(data.takeError());
        continue;
      }
      const char* begin = reinterpret_cast<const char*>(data->data());
      std::size_t len = strnlen(begin, data->size());
      std::size_t crc_at = (len + 4) & ~std::size_t{3};
      if (len > 0 && crc_at + 4 <= data->size()) {
        facts.debuglink.assign(begin, len);
        facts.debuglink_crc = llvm::support::endian::read32<ELFT::Endianness>(
            data->data() + crc_at);
        facts.has_debuglink = true;
      }
    } else if ((*name == ".debug_info" || *name == ".zdebug_info") &&
               sec.sh_type != llvm::ELF::SHT_NOBITS && sec.sh_size > 0) {
      facts.has_dwarf = true;
    }
  }
  return facts;
}

// Dispatches on e_ident's class and byte order.
llvm::Expected<ElfFacts> read_facts(llvm::StringRef bytes) {
  if (bytes.size() < llvm::ELF::EI_NIDENT || !bytes.starts_with(llvm::ELF::ElfMagic)) {
    return llvm::createStringError(std::errc::invalid_argument, "not an ELF file");
  }
  const auto cls = static_cast<unsigned char>(bytes[llvm::ELF::EI_CLASS]);
  const auto data = static_cast<unsigned char>(bytes[llvm::ELF::EI_DATA]);
  const bool le = data == llvm::ELF::ELFDATA2LSB;
  if (data != llvm::ELF::ELFDATA2LSB && data != llvm::ELF::ELFDATA2MSB) {
    return llvm::createStringError(std::errc::invalid_argument, "unknown ELF byte order %u",
                                   unsigned{data});
  }
  if (cls == llvm::ELF::ELFCLASS64) {
    return le ? read_facts_as<obj::ELF64LE>(bytes) : read_facts_as<obj::ELF64BE>(bytes);
  }
  if (cls == llvm::ELF::ELFCLASS32) {
    return le ? read_facts_as<obj::ELF32LE>(bytes) : read_facts_as<obj::ELF32BE>(bytes);
  }
  return llvm::createStringError(std::errc::invalid_argument, "unknown ELF class %u",
                                 unsigned{cls});
}

llvm::Expected<ElfFile> parse_elf(std::unique_ptr<llvm::MemoryBuffer> buffer,
                                  FileIdentity identity) {
  ElfFile file{std::move(buffer), nullptr, {}, identity};
  auto object = obj::ObjectFile::createObjectFile(file.buffer->getMemBufferRef());
  if (object && llvm::isa<obj::ELFObjectFileBase>(object->get())) {
    file.object = std::move(*object);
  } else if (object) {
    file.object_error = "not an ELF file";
  } else {
    file.object_error = llvm::toString(object.takeError());
  }
  return file;
}

llvm::Expected<ElfFile> open_elf(const std::string& path) {
  auto mapped = map_regular_file(path);
  if (!mapped) return mapped.takeError();
  return parse_elf(std::move(mapped->buffer), mapped->identity);
}

bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

// The debug directories to search, user ones first, then the system one under the sysroot.
std::vector<std::string> debug_roots(const DebugSearch& search) {
  std::vector<std::string> roots = search.debug_dirs;
  roots.push_back(search.sysroot + "/usr/lib/debug");
  return roots;
}

// A candidate debug file that exists, opens as ELF with readable sections, and its facts.
// A candidate debug file that exists, opened; none (with why, when `why` is given and it
// exists) when it cannot be read as ELF.
std::optional<std::pair<ElfFile, ElfFacts>> open_candidate(const std::string& candidate,
                                                          std::string* why = nullptr) {
  if (!exists(candidate)) return std::nullopt;
  auto file = open_elf(candidate);
  if (!file) {
    const std::string error = llvm::toString(file.takeError());
    if (why != nullptr) *why = error;
    return std::nullopt;
  }
  if (file->object == nullptr) {
    if (why != nullptr) {
      *why = file->buffer->getBuffer().starts_with("\x7f" "ELF")
                 ? "section headers unreadable (" + file->object_error + ")"
                 : "not an ELF file";
    }
    return std::nullopt;
  }
  auto facts = read_facts(file->buffer->getBuffer());
  if (!facts) {
    const std::string error = llvm::toString(facts.takeError());
    if (why != nullptr) *why = error;
    return std::nullopt;
  }
  return std::pair{std::move(*file), std::move(*facts)};
}

// A separate debug file is accepted only if it provably belongs to the module: same build-id, or
// (without build-ids) the CRC recorded in .gnu_debuglink. `same_build_id`: only the build-id.
// `rejected`, when given, gets the first candidate that exists but is not used and why ("" as
// long as there is none).
std::optional<ElfFile> try_debug_file(const std::string& candidate, const ElfFacts& main,
                                      const FileIdentity& main_identity, bool check_crc,
                                      bool same_build_id = false,
                                      std::string* rejected = nullptr) {
  std::string why;
  auto reject = [&](const std::string& reason) -> std::optional<ElfFile> {
    if (rejected != nullptr && rejected->empty() && !reason.empty()) {
      *rejected = candidate + " not used: " + reason;
    }
    return std::nullopt;
  };
  auto opened = open_candidate(candidate, &why);
  if (!opened) return reject(why);
  auto& [file, facts] = *opened;
  if (file.identity.dev == main_identity.dev && file.identity.inode == main_identity.inode) {
    return std::nullopt;  // the debuglink named the file itself
  }
  if (same_build_id && (main.build_id.empty() || main.build_id != facts.build_id)) {
    return reject("its build-id is not the file's");
  }
  if (!main.build_id.empty() && !facts.build_id.empty()) {
    if (main.build_id != facts.build_id) return reject("its build-id is not the file's");
  } else if (check_crc) {
    auto bytes = file.buffer->getBuffer();
    std::uint32_t crc = llvm::crc32(llvm::arrayRefFromStringRef(bytes));
    if (crc != main.debuglink_crc) {
      return reject("its CRC is not the one .gnu_debuglink records (another build's?)");
    }
  }
  return std::move(file);
}

// `rejected` gets the first candidate found but not used, and why (try_debug_file).
std::optional<std::pair<ElfFile, DebugInfoOrigin>> find_debug_file(
    const std::string& path, const ElfFacts& main, const FileIdentity& identity,
    const DebugSearch& search, std::string& rejected) {
  const auto roots = debug_roots(search);
  if (main.build_id.size() > 2) {
    for (const auto& root : roots) {
      std::string candidate = root + "/.build-id/" + main.build_id.substr(0, 2) + "/" +
                              main.build_id.substr(2) + ".debug";
      if (auto f = try_debug_file(candidate, main, identity, false, false, &rejected)) {
        return std::pair{std::move(*f), DebugInfoOrigin{DebugSource::kBuildId, candidate, {}, {}}};
      }
    }
  }
  if (main.has_debuglink && main.debuglink.find('/') == std::string::npos) {
    std::error_code ec;
    std::string real = std::filesystem::canonical(path, ec).string();
    if (ec) real = path;
    std::string dir = std::filesystem::path(real).parent_path().string();
    // The directory as the target machine names it, for the global debug-dir layout.
    std::string target_dir = dir;
    if (!search.sysroot.empty() && target_dir.starts_with(search.sysroot)) {
      target_dir = target_dir.substr(search.sysroot.size());
    }
    std::vector<std::string> candidates = {join(dir, main.debuglink),
                                           join(dir, ".debug/" + main.debuglink)};
    for (const auto& root : roots) {
      candidates.push_back(root + target_dir + "/" + main.debuglink);
      candidates.push_back(join(root, main.debuglink));
    }
    for (const auto& candidate : candidates) {
      if (auto f = try_debug_file(candidate, main, identity, true, false, &rejected)) {
        return std::pair{std::move(*f),
                         DebugInfoOrigin{DebugSource::kDebugLink, candidate, {}, {}}};
      }
    }
  }
  return std::nullopt;
}

// The debug file from debuginfod servers by build-id (debuginfod.h), checked like a local one.
// The first failure of the process is added to `warning`.
std::optional<std::pair<ElfFile, DebugInfoOrigin>> fetch_debug_file(const ElfFacts& main,
                                                                   const FileIdentity& identity,
                                                                   const DebugSearch& search,
                                                                   std::string& warning) {
  if (search.debuginfod_urls.empty() || main.build_id.empty()) return std::nullopt;
  std::string error;
  if (auto got = detail::debuginfod_fetch(search.debuginfod_urls, main.build_id, &error)) {
    if (auto f = try_debug_file(got->path, main, identity, false, true)) {
      return std::pair{std::move(*f),
                       DebugInfoOrigin{DebugSource::kDebuginfod, got->path, got->url, {}}};
    }
    error = "debuginfod: " + got->path + ", served for build-id " + main.build_id +
            ", does not have that build-id; not used";
  }
  if (!error.empty() && detail::debuginfod_report_once()) {
    warning += (warning.empty() ? "" : "; ") + error;
  }
  return std::nullopt;
}

// The section called `name`, if the object has one.
std::optional<obj::SectionRef> find_section(const obj::ObjectFile& object, llvm::StringRef name) {
  for (const obj::SectionRef& section : object.sections()) {
    auto section_name = section.getName();
    if (!section_name) {
      llvm::consumeError(section_name.takeError());
      continue;
    }
    if (*section_name == name) return section;
  }
  return std::nullopt;
}

// The contents of the section called `name`, if the object has one.
std::optional<llvm::StringRef> section_named(const obj::ObjectFile& object, llvm::StringRef name) {
  const std::optional<obj::SectionRef> section = find_section(object, name);
  return section ? contents_of(*section) : std::nullopt;
}

// dwz's supplementary file as its link names it (dwarf_sup.h), with the build-id written there:
// at the path written (absolute ones under the sysroot first; relative ones from the directory
// of the file holding the link, `naming_path`, symbolic links resolved, as gdb does), else by
// build-id in the debug directories, else from debuginfod. With its path; when none is found,
// `looked_at` lists the places tried.
std::optional<std::pair<ElfFile, std::string>> find_supplementary(const detail::AltLink& link,
                                                                  const std::string& naming_path,
                                                                  const DebugSearch& search,
                                                                  std::string& looked_at) {
  std::vector<std::string> candidates;
  if (llvm::sys::path::is_absolute(link.path)) {
    if (!search.sysroot.empty()) candidates.push_back(search.sysroot + link.path);
    candidates.push_back(link.path);
  } else {
    std::error_code ec;
    std::string real = std::filesystem::canonical(naming_path, ec).string();
    if (ec) real = naming_path;
    candidates.push_back(join(std::filesystem::path(real).parent_path().string(), link.path));
  }
  if (link.build_id.size() > 2) {
    for (const auto& root : debug_roots(search)) {
      candidates.push_back(root + "/.build-id/" + link.build_id.substr(0, 2) + "/" +
                           link.build_id.substr(2) + ".debug");
    }
  }
  auto accept = [&](const std::string& candidate) -> std::optional<ElfFile> {
    auto opened = open_candidate(candidate);
    if (!opened) return std::nullopt;
    auto& [file, facts] = *opened;
    if (link.build_id.empty() || facts.build_id == link.build_id) return std::move(file);
    // dwz -5 gives the supplementary file no build-id note, but the checksum in its .debug_sup.
    auto own = section_named(*file.object, ".debug_sup");
    auto sup = own ? detail::parse_debug_sup(*own, /*supplementary=*/true) : std::nullopt;
    if (sup && sup->build_id == link.build_id) return std::move(file);
    return std::nullopt;
  };
  for (const auto& candidate : candidates) {
    if (auto f = accept(candidate)) return std::pair{std::move(*f), candidate};
  }
  if (!search.debuginfod_urls.empty() && !link.build_id.empty()) {
    std::string error;
    if (auto got = detail::debuginfod_fetch(search.debuginfod_urls, link.build_id, &error)) {
      if (auto f = accept(got->path)) return std::pair{std::move(*f), got->path};
    }
  }
  looked_at = candidates.empty() ? link.path : candidates.front();
  for (std::size_t i = 1; i < candidates.size(); ++i) looked_at += ", " + candidates[i];
  return std::nullopt;
}

// LLVM allocates what a compressed section's header claims before decompressing it. No real
// debug section compresses better than zlib's limit of about 1032:1, so a header claiming more
// (or more than 16 GiB) is hostile; the file's DWARF is then not used at all.
std::optional<std::string> implausible_compression(const obj::ObjectFile& object) {
  constexpr std::uint64_t kMaxRatio = 1100;
  constexpr std::uint64_t kMaxBytes = 16ULL << 30;
  for (const auto& section : object.sections()) {
    auto name = section.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    if (!section.isCompressed() && !name->starts_with(".zdebug_")) continue;
    const auto data = contents_of(section);
    if (!data) continue;
    if (auto gnu = detail::gnu_compressed(*name, *data)) {
      if (gnu->size > kMaxBytes || gnu->size / kMaxRatio > data->size()) {
        return name->str() + " claims " + std::to_string(gnu->size) +
               " bytes once decompressed from " + std::to_string(data->size());
      }
      continue;
    }
    if (!section.isCompressed()) continue;
    auto decompressor = obj::Decompressor::create(*name, *data, object.isLittleEndian(),
                                                  object.getBytesInAddress() == 8);
    if (!decompressor) {
      return name->str() + ": " + llvm::toString(decompressor.takeError());
    }
    const std::uint64_t claimed = decompressor->getDecompressedSize();
    if (claimed > kMaxBytes || claimed / kMaxRatio > data->size()) {
      return name->str() + " claims " + std::to_string(claimed) + " bytes once decompressed from " +
             std::to_string(data->size());
    }
  }
  return std::nullopt;
}

// Finds and opens the supplementary file the DWARF source links to (dwz), if it links to one
// and other files may be searched; a link that leads nowhere usable is a warning: names kept
// there will be missing.
void open_supplementary(Module::Impl& impl, const ElfFile& source, const DebugSearch& search) {
  std::string section_name = ".gnu_debugaltlink";  // GNU's, else DWARF 5's (dwz -5)
  auto section = section_named(*source.object, section_name);
  const bool gnu = section.has_value();
  if (!gnu) {
    section_name = ".debug_sup";
    section = section_named(*source.object, section_name);
    if (!section || detail::parse_debug_sup(*section, /*supplementary=*/true)) return;
  }
  const std::optional<detail::AltLink> link =
      gnu ? detail::parse_alt_link(*section) : detail::parse_debug_sup(*section, false);
  if (!link) {
    impl.add_warning(impl.origin.path + ": malformed " + section_name +
                     "; names dwz moved are missing");
    return;
  }
  std::string looked_at;
  auto found = find_supplementary(*link, impl.origin.path, search, looked_at);
  if (!found) {
    impl.add_warning("dwz supplementary file " + link->path + " (build-id " + link->build_id +
                     ") of " + impl.origin.path + " not found (looked at " + looked_at +
                     "): names kept there are missing");
    return;
  }
  if (auto why = implausible_compression(*found->first.object)) {
    impl.add_warning("dwz supplementary file " + found->second + " not used: " + *why);
    return;
  }
  impl.origin.supplementary = found->second;
  impl.sup_file = std::move(found->first);
  impl.sup = std::make_unique<detail::SupplementaryDwarf>(*impl.sup_file->object,
                                                          std::move(found->second));
}

// MiniDebugInfo: without a debug file, the symbols a stripped file keeps in .gnu_debugdata
// (mini_debuginfo.h). What cannot be read is a warning; the file's own symbols still answer.
void read_mini_debuginfo(Module::Impl& impl) {
  const std::optional<llvm::StringRef> section =
      section_named(*impl.file.object, ".gnu_debugdata");
  if (!section) return;
  // Symbol tables compress 4-10x; 256 MiB is above any real one's size.
  constexpr std::uint64_t kLimit = 256ULL << 20;
  auto inflated = detail::decompress_xz(*section, kLimit, impl.path + "[.gnu_debugdata]");
  if (!inflated) {
    impl.add_warning(".gnu_debugdata (MiniDebugInfo) not read: " +
                     llvm::toString(inflated.takeError()) + "; its symbols are missing");
    return;
  }
  auto mini = parse_elf(std::move(*inflated), FileIdentity{});
  if (!mini || mini->elf() == nullptr) {
    impl.add_warning(".gnu_debugdata (MiniDebugInfo) holds no ELF file (" +
                     (mini ? mini->object_error : llvm::toString(mini.takeError())) +
                     "); its symbols are missing");
    return;
  }
  impl.mini_file = std::move(*mini);
  impl.origin.mini_debuginfo = true;
}

llvm::Expected<std::unique_ptr<Module::Impl>> build_impl(std::string path, ElfFile file,
                                                         const DebugSearch* search) {
  auto facts = read_facts(file.buffer->getBuffer());
  if (!facts) {
    return llvm::createStringError(std::errc::invalid_argument, "%s: not a valid ELF file: %s",
                                   path.c_str(), llvm::toString(facts.takeError()).c_str());
  }
  if (facts->type != llvm::ELF::ET_EXEC && facts->type != llvm::ELF::ET_DYN) {
    return llvm::createStringError(std::errc::invalid_argument,
                                   "%s: not an executable or shared object (ELF type %u)",
                                   path.c_str(), unsigned{facts->type});
  }
  auto impl = std::make_unique<Module::Impl>();
  impl->path = std::move(path);
  impl->segments = std::move(facts->segments);
  impl->eh_frame_hdr = facts->eh_frame_hdr;
  impl->build_id = facts->build_id;
  impl->machine = facts->machine;
  impl->is_64 = file.buffer->getBuffer()[llvm::ELF::EI_CLASS] == llvm::ELF::ELFCLASS64;
  impl->file = std::move(file);
  impl->warning = impl->file.object_error.empty()
                      ? std::string()
                      : "section headers unreadable (" + impl->file.object_error +
                            "); only the program headers are used";
  if (facts->has_dwarf && impl->file.object != nullptr) {
    impl->origin = {DebugSource::kSelf, impl->path, {}, {}};
  } else if (search != nullptr && search->enabled) {
    std::string rejected;
    auto found = find_debug_file(impl->path, *facts, impl->file.identity, *search, rejected);
    if (!found) found = fetch_debug_file(*facts, impl->file.identity, *search, impl->warning);
    if (found) {
      impl->debug_file = std::move(found->first);
      impl->origin = std::move(found->second);
    } else if (!rejected.empty()) {
      // A debug file was there but could not be used: said, where silence would read as
      // "none installed".
      impl->origin.rejected = std::move(rejected);
      impl->add_warning("debug file " + impl->origin.rejected);
    }
  }
  // The debug sections' compression headers are checked before LLVM ever sees them.
  const ElfFile* dwarf_source = impl->debug_file ? &*impl->debug_file
                                : impl->origin.source == DebugSource::kSelf ? &impl->file
                                                                            : nullptr;
  if (dwarf_source != nullptr) {
    if (auto why = implausible_compression(*dwarf_source->object)) {
      impl->dwarf_usable = false;
      impl->warning = "debug info of " + impl->origin.path + " not used: " + *why;
    }
  }
  if (dwarf_source != nullptr && impl->dwarf_usable && search != nullptr && search->enabled) {
    open_supplementary(*impl, *dwarf_source, *search);
  }
  if (const auto* elf = impl->file.elf()) {
    for (const auto& section : elf->sections()) {
      if (section.isText() && section.getSize() != 0) {
        impl->code_ranges.emplace_back(section.getAddress(),
                                       section.getAddress() + section.getSize());
      }
    }
  }
  if (impl->code_ranges.empty()) {
    for (const auto& seg : impl->segments) {
      if (seg.executable()) impl->code_ranges.emplace_back(seg.vaddr, seg.vaddr + seg.filesz);
    }
  }
  if (!impl->debug_file && impl->file.object != nullptr) read_mini_debuginfo(*impl);
  return impl;
}

}  // namespace

const detail::SymbolTable& Module::Impl::symbol_table() const {
  std::call_once(symbols_made, [this] {
    if (const auto* elf = file.elf()) {
      symbols.add(*elf);
      symbols.add_plt_entries(*elf);
    }
    if (debug_file) {
      symbols.add(*debug_file->elf());
    } else if (mini_file) {
      symbols.add(*mini_file->elf());
    }
    symbols.finish();
  });
  return symbols;
}

namespace {

bool is_cxx(std::uint16_t language) {
  switch (language) {
    case llvm::dwarf::DW_LANG_C_plus_plus:
    case llvm::dwarf::DW_LANG_C_plus_plus_03:
    case llvm::dwarf::DW_LANG_C_plus_plus_11:
    case llvm::dwarf::DW_LANG_C_plus_plus_14:
    case llvm::dwarf::DW_LANG_C_plus_plus_17:
    case llvm::dwarf::DW_LANG_C_plus_plus_20:
    case llvm::dwarf::DW_LANG_ObjC_plus_plus:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool may_be_mangled(std::string_view name) {
  if (name.empty()) return false;
  if (name.front() == '.' || name.front() == '?') return true;  // LLVM's leading dot; MSVC
  // Itanium: 1-4 underscores and 'Z' (one more when LLVM retries without the first); Rust "_R",
  // D "_D", also after one more underscore.
  const std::size_t letter = name.find_first_not_of('_');
  if (letter == 0 || letter == std::string_view::npos) return false;
  const char c = name[letter];
  return c == 'Z' || c == 'R' || c == 'D';
}

namespace {

// The value of a lowercase hexadecimal digit, -1 for any other character (Rust's legacy
// mangling writes hashes and "$uXX$" escapes in lowercase only).
int lower_hex_digit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// One character of a Rust legacy escape, "$LT$" -> '<' (at the start of `text`), and its length;
// nullopt for anything else. "$uXX$" is an ASCII character, printable ones only.
std::optional<std::pair<char, std::size_t>> rust_legacy_escape(std::string_view text) {
  if (text.size() < 3 || text[0] != '$') return std::nullopt;
  const std::size_t close = text.find('$', 1);
  if (close == std::string_view::npos) return std::nullopt;
  const std::string_view code = text.substr(1, close - 1);
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"C", ','}, {"SP", '@'}, {"BP", '*'}, {"RF", '&'},
      {"LT", '<'}, {"GT", '>'}, {"LP", '('}, {"RP", ')'},
  };
  for (const auto& [name, c] : kNamed) {
    if (code == name) return std::pair{c, close + 1};
  }
  if (code.size() == 3 && code[0] == 'u') {
    const int hi = lower_hex_digit(code[1]), lo = lower_hex_digit(code[2]);
    if (hi >= 0 && hi <= 7 && lo >= 0 && hi * 16 + lo >= 0x20) {
      return std::pair{static_cast<char>(hi * 16 + lo), close + 1};
    }
  }
  return std::nullopt;
}

// A Rust legacy symbol ("_ZN" length-prefixed path segments, the last "h" and 16 hex digits,
// "E", maybe a ".suffix") demangled as binutils' libiberty does: segments joined by "::", the
// hash and the suffix left out, "$LT$"-style escapes and ".." decoded. nullopt when the name is
// not one (then it is a C++ name).
std::optional<std::string> demangle_rust_legacy(std::string_view name) {
  if (!name.starts_with("_ZN")) return std::nullopt;
  std::string_view body = name.substr(3);
  for (char c : body) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '_' || c == '$' || c == '.' || c == ':' || c == '@';
    if (!ok) return std::nullopt;
  }
  // The path ends at the last 'E' that ends the name or is followed by a ".suffix".
  std::size_t end = body.size();
  for (bool at_end_or_dot = true; end > 0 && !(at_end_or_dot && body[end - 1] == 'E');) {
    at_end_or_dot = body[end - 1] == '.';
    --end;
  }
  if (end == 0) return std::nullopt;
  body = body.substr(0, end - 1);
  if (body.size() <= 19 || body.substr(body.size() - 19, 3) != "17h") return std::nullopt;
  std::vector<std::string_view> segments;
  for (std::size_t at = 0; at < body.size();) {
    if (body[at] < '0' || body[at] > '9') return std::nullopt;
    std::size_t length = static_cast<std::size_t>(body[at++] - '0');
    if (length != 0) {
      while (at < body.size() && body[at] >= '0' && body[at] <= '9') {
        length = length * 10 + static_cast<std::size_t>(body[at++] - '0');
        if (length > body.size()) return std::nullopt;
      }
    }
    if (length == 0 || length > body.size() - at) return std::nullopt;
    segments.push_back(body.substr(at, length));
    at += length;
  }
  // The last segment is the hash: 'h' and 16 lowercase hex digits, at least 5 of them distinct.
  const std::string_view hash = segments.back();
  if (hash.size() != 17 || hash[0] != 'h') return std::nullopt;
  unsigned seen = 0;
  for (char c : hash.substr(1)) {
    const int digit = lower_hex_digit(c);
    if (digit < 0) return std::nullopt;
    seen |= 1U << digit;
  }
  if (std::popcount(seen) < 5) return std::nullopt;
  segments.pop_back();
  std::string out;
  for (std::string_view segment : segments) {
    if (!out.empty()) out += "::";
    // A leading '_' only makes an identifier start with an XID_Start character.
    if (segment.size() >= 2 && segment[0] == '_' && segment[1] == '$') segment.remove_prefix(1);
    while (!segment.empty()) {
      if (segment[0] == '$') {
        const auto escape = rust_legacy_escape(segment);
        if (!escape) {  // not an escape: the rest as it is
          out += segment;
          break;
        }
        out += escape->first;
        segment.remove_prefix(escape->second);
      } else if (segment[0] == '.') {
        const bool pair = segment.size() >= 2 && segment[1] == '.';
        out += pair ? "::" : ".";
        segment.remove_prefix(pair ? 2 : 1);
      } else {
        const std::size_t run = std::min(segment.find_first_of("$."), segment.size());
        out += segment.substr(0, run);
        segment.remove_prefix(run);
      }
    }
  }
  return out;
}

}  // namespace

std::string demangle(std::string_view name) {
  if (!may_be_mangled(name)) return std::string(name);
  // Rust's legacy scheme shares "_ZN" with C++: LLVM's demangler reads such a name as C++ and
  // leaves its escapes ("$LT$") and hash in place; rustc-demangle and binutils decode them.
  if (auto rust = demangle_rust_legacy(name)) return std::move(*rust);
  return llvm::demangle(name);
}

std::string demangle_gnu(std::string_view name) {
  // libiberty tries Rust's legacy scheme before C++'s, whose "_ZN" it shares.
  if (auto rust = demangle_rust_legacy(name)) return std::move(*rust);
  if (name.starts_with("_Z")) {
    // libstdc++'s __cxa_demangle is libiberty's cp-demangle, as used by binutils.
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> out(
        abi::__cxa_demangle(std::string(name).c_str(), nullptr, nullptr, &status), std::free);
    if (status == 0 && out) return out.get();
    return std::string(name);
  }
  return demangle(name);
}

Module::Impl::UnitFacts& Module::Impl::unit_facts(llvm::DWARFUnit& unit) const {
  UnitFacts& facts = units[&unit];
  using Dies = UnitFacts::Dies;
  if (facts.dies == Dies::kUnchecked) {
    settle(unit, facts, detail::check_dies(unit, /*unit_die_only=*/true), Dies::kUnitDie);
  }
  if (!facts.read && facts.dies != Dies::kBad) read_unit_die(unit, facts);
  return facts;
}

void Module::Impl::read_unit_die(llvm::DWARFUnit& unit, UnitFacts& facts) const {
  facts.read = true;
  const llvm::DWARFDie die = unit.getUnitDIE();
  if (!die) return;  // no unit DIE (LLVM's DWARFDie asserts validity, its release build crashes)
  const bool split = is_skeleton(die) && split_unit_checked(unit, facts);
  auto language = die.find(llvm::dwarf::DW_AT_language);
  if (!language && split) {
    // GCC's split-DWARF skeleton leaves the language to the .dwo's unit DIE.
    language = unit.getNonSkeletonUnitDIE().find(llvm::dwarf::DW_AT_language);
  }
  facts.cxx = is_cxx(static_cast<std::uint16_t>(llvm::dwarf::toUnsigned(language, 0)));
  if (auto ranges = die.getAddressRanges()) {
    facts.ranges = std::move(*ranges);
  } else {
    llvm::consumeError(ranges.takeError());
  }
}

bool Module::Impl::split_unit_checked(llvm::DWARFUnit& skeleton, UnitFacts& facts) const {
  const llvm::DWARFDie die = skeleton.getUnitDIE();
  // The file DWARFUnit::parseDWO opens: the name (DW_AT_dwo_name from DWARF 5 on, else
  // DW_AT_GNU_dwo_name) under DW_AT_comp_dir when relative; nothing without a DWO id.
  const auto name = llvm::dwarf::toString(die.find(skeleton.getVersion() >= 5
                                                       ? llvm::dwarf::DW_AT_dwo_name
                                                       : llvm::dwarf::DW_AT_GNU_dwo_name));
  const std::optional<std::uint64_t> id = skeleton.getDWOId();
  if (!name || !id) return true;  // LLVM reads no .dwo either
  llvm::SmallString<128> path;
  const auto comp_dir = llvm::dwarf::toString(die.find(llvm::dwarf::DW_AT_comp_dir));
  if (llvm::sys::path::is_relative(*name) && comp_dir && *comp_dir != nullptr) {
    llvm::sys::path::append(path, *comp_dir);
  }
  llvm::sys::path::append(path, *name);
  std::shared_ptr<llvm::DWARFContext> split = skeleton.getContext().getDWOContext(path);
  if (split == nullptr) {
    // Not found (or no ELF): LLVM answers from the skeleton alone, without inline frames, and
    // llvm-symbolizer says nothing; we say so, once per module.
    if (!dwo_missing_told) {
      dwo_missing_told = true;
      add_warning("split debug info " + std::string(path) + " of " + origin.path +
                  " (for the unit at " + to_hex(skeleton.getOffset()) +
                  ") not found: the functions it describes have no inline frames, and names "
                  "only from the symbol table (other units' .dwo files may be missing too)");
    }
    return true;
  }
  auto refuse = [&](const llvm::DWARFUnit& unit, const detail::DieCheck& check) {
    facts.cache.line_table_only = true;
    add_warning("split debug info " + std::string(path) + " of " + origin.path +
                " (for the unit at " + to_hex(skeleton.getOffset()) + ") not used: " +
                detail::describe(unit, check));
    return false;
  };
  // Without a package index, LLVM reads the unit DIE of each unit in turn for its DWO id.
  if (!split->getCUIndex()) {
    for (const auto& unit : split->dwo_compile_units()) {
      const detail::DieCheck check = detail::check_dies(*unit, /*unit_die_only=*/true);
      if (!check.ok) return refuse(*unit, check);
    }
  }
  llvm::DWARFCompileUnit* unit = split->getDWOCompileUnitForHash(*id);
  if (unit == nullptr) return true;  // LLVM finds no unit to read either
  detail::DieCheck check = detail::check_dies(*unit, /*unit_die_only=*/false);
  if (!check.ok) return refuse(*unit, check);
  if (check.refers_across) {
    // LLVM may follow references into any unit of the file: all are checked.
    for (const auto& other : split->dwo_units()) {
      check = detail::check_dies(*other, /*unit_die_only=*/false);
      if (!check.ok) return refuse(*other, check);
    }
  }
  split_contexts.push_back(std::move(split));
  return true;
}

namespace {

// Calls job(i) once for every i < count, the indices taken in turn by up to worker_threads()
// threads, this one among them; returns when every call has returned.
template <class Job>
void for_each_shared(std::size_t count, const Job& job) {
  std::atomic<std::size_t> next{0};
  const auto take = [&] {
    for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < count;) job(i);
  };
  std::vector<std::thread> pool;
  const std::size_t threads = std::min<std::size_t>(worker_threads(), count);
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(take);
  take();
  for (std::thread& t : pool) t.join();
}

// LLVM parses a unit's abbreviation set into one map for the whole file, without a lock, and
// that parse is a good part of a fresh unit's work (libc6-dbg: 2 063 units, a set each). Taken
// by each thread in turn under a lock, it was waited on for 37 of the 84 ms the threads spent on
// the first 7 000 libc addresses. Here the first thread to need a set parses the sets of every
// unit left, in the order the units are taken, while the others take each unit once its set is
// there.
class AbbreviationParse {
 public:
  // `units[i]`: the unit whose set the i-th job needs, or null when it needs none.
  explicit AbbreviationParse(std::vector<llvm::DWARFUnit*> units)
      : units_(std::move(units)), ready_(std::make_unique<std::atomic<bool>[]>(units_.size())) {
    for (std::size_t i = 0; i < units_.size(); ++i) {
      if (units_[i] == nullptr) ready_[i].store(true, std::memory_order_relaxed);
    }
  }

  // Returns once the set of job i is parsed.
  void await(std::size_t i) {
    if (ready_[i].load(std::memory_order_acquire)) return;
    if (std::unique_lock lock(parser_, std::try_to_lock); lock.owns_lock()) {
      for (; next_ < units_.size(); ++next_) {
        if (ready_[next_].load(std::memory_order_relaxed)) continue;
        (void)units_[next_]->getAbbreviations();
        ready_[next_].store(true, std::memory_order_release);
        ready_[next_].notify_all();
      }
      return;
    }
    ready_[i].wait(false, std::memory_order_acquire);  // another thread parses up to it
  }

 private:
  std::vector<llvm::DWARFUnit*> units_;
  std::unique_ptr<std::atomic<bool>[]> ready_;
  std::mutex parser_;     // held by the thread parsing
  std::size_t next_ = 0;  // the next job to parse for (under parser_)
};

}  // namespace

void Module::Impl::settle(const llvm::DWARFUnit& unit, UnitFacts& facts,
                          const detail::DieCheck& check, UnitFacts::Dies checked) const {
  if (check.ok) {
    facts.dies = checked;
    return;
  }
  facts.dies = UnitFacts::Dies::kBad;
  if (bad_unit.empty()) bad_unit = detail::describe(unit, check);
  add_warning("debug info of " + origin.path + ": a compile unit not used: " +
              detail::describe(unit, check));
}

void Module::Impl::refuse_dwarf(const std::string& why) const {
  dwarf_refused = true;
  add_warning("debug info of " + origin.path + " not used: " + why);
}

bool Module::Impl::all_dies_checked(llvm::DWARFUnit& unit, UnitFacts& facts) const {
  using Dies = UnitFacts::Dies;
  if (facts.dies != Dies::kAll && facts.dies != Dies::kBad) {
    // The unit's function index is built by the same walk.
    const detail::DieCheck check = facts.cache.functions.check_and_index(unit);
    settle(unit, facts, check, Dies::kAll);
    if (check.ok && check.refers_across) check_every_unit();
  }
  return facts.dies == Dies::kAll && !dwarf_refused;
}

void Module::Impl::check_every_unit() const {
  units_refer_across = true;  // why every unit is checked
  if (every_unit_checked) return;
  every_unit_checked = true;
  using Dies = UnitFacts::Dies;
  struct Todo {
    llvm::DWARFUnit* unit;
    UnitFacts* facts;
    detail::DieCheck check;
  };
  std::vector<Todo> todo;
  for (const auto& unit : dwarf->normal_units()) {
    UnitFacts& facts = units[unit.get()];
    if (facts.dies == Dies::kAll || facts.dies == Dies::kBad) continue;
    (void)unit->getAbbreviations();  // parsed here, one at a time: LLVM's parse takes no lock
    todo.push_back({unit.get(), &facts, {}});
  }
  for_each_shared(todo.size(), [&](std::size_t i) {
    todo[i].check = detail::check_dies(*todo[i].unit, /*unit_die_only=*/false);
  });
  // A unit referred into may be any unit: one that fails keeps the whole file's DWARF from LLVM.
  const bool told = !bad_unit.empty();  // a unit failed before, and the warning says which
  for (Todo& t : todo) {
    if (t.check.ok) {
      t.facts->dies = Dies::kAll;
    } else {
      t.facts->dies = Dies::kBad;
      if (bad_unit.empty()) bad_unit = detail::describe(*t.unit, t.check);
    }
  }
  if (!bad_unit.empty()) {
    refuse_dwarf("its units refer into one another (DW_FORM_ref_addr), and one is broken" +
                 (told ? std::string() : ": " + bad_unit));
  }
}

const ElfFile* Module::Impl::dwarf_source(bool* from_sections) const {
  const ElfFile* source = nullptr;
  if (origin.source == DebugSource::kSelf) source = &file;
  if (debug_file) source = &*debug_file;
  if (source == nullptr || !dwarf_usable) return nullptr;
  // From the sections, unless LLVM must see the file: to apply relocations (an object file)
  // or to find a DWARF package (FILE.dwp, named after the file) for split-DWARF units.
  std::error_code ec;
  const std::string path = source->buffer->getBufferIdentifier().str();
  *from_sections =
      !source->object->isRelocatableObject() && !std::filesystem::exists(path + ".dwp", ec);
  return source;
}

void Module::read_debug_info_ahead() const {
  if (impl_->dwarf_tried || impl_->inflation || worker_threads() < 2) return;
  bool from_sections = false;
  const ElfFile* source = impl_->dwarf_source(&from_sections);
  if (source == nullptr || !from_sections) return;
  impl_->inflation = std::make_unique<detail::SectionInflation>(*source->object);
  impl_->inflation->start_ahead();
  if (impl_->sup != nullptr) impl_->sup->read_ahead();
}

std::uint64_t Module::debug_bytes_inflating() const {
  return impl_->inflation && !impl_->dwarf_tried ? impl_->inflation->bytes() : 0;
}

const llvm::DWARFContext* Module::Impl::dwarf_context() const {
  if (!dwarf_tried) {
    dwarf_tried = true;
    bool from_sections = false;
    if (const ElfFile* source = dwarf_source(&from_sections)) {
      if (from_sections) {
        if (!inflation) inflation = std::make_unique<detail::SectionInflation>(*source->object);
        std::vector<std::string> failed;
        dwarf = detail::dwarf_from_sections(*source->object, *inflation, dwarf_sections, failed,
                                            /*thread_safe=*/true);
        for (const std::string& why : failed) {
          add_warning("debug info of " + origin.path + ": " + why);
        }
      } else {
        // Malformed DWARF is reported by LLVM through these handlers; it must not reach stderr
        // of the tools (the answer degrades to the symbol table instead).
        auto ignore = [](llvm::Error e) { llvm::consumeError(std::move(e)); };
        dwarf = llvm::DWARFContext::create(*source->object,
                                           llvm::DWARFContext::ProcessDebugRelocations::Process,
                                           nullptr, "", ignore, ignore, /*ThreadSafe=*/true);
      }
      // The first address LLVM maps to a unit makes it read the unit DIE of every unit that
      // .debug_aranges leaves out: those are checked now, and one that fails would be read
      // whatever the address, so the file's DWARF is not used.
      for (llvm::DWARFUnit* unit : detail::units_outside_aranges(*dwarf)) {
        const detail::DieCheck check = detail::check_dies(*unit, /*unit_die_only=*/true);
        if (!check.ok) {
          refuse_dwarf(detail::describe(*unit, check));
          break;
        }
        units[unit].dies = UnitFacts::Dies::kUnitDie;
      }
    }
  }
  return dwarf_refused ? nullptr : dwarf.get();
}

Module::Module(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Module::~Module() = default;

llvm::Expected<std::unique_ptr<Module>> Module::open(const std::string& path,
                                                     const DebugSearch& search) {
  auto file = open_elf(path);
  if (!file) return file.takeError();
  auto impl = build_impl(path, std::move(*file), &search);
  if (!impl) return impl.takeError();
  return std::unique_ptr<Module>(new Module(std::move(*impl)));
}

llvm::Expected<std::unique_ptr<Module>> Module::from_buffer(
    std::unique_ptr<llvm::MemoryBuffer> buffer) {
  std::string name = buffer->getBufferIdentifier().str();
  auto file = parse_elf(std::move(buffer), FileIdentity{});
  if (!file) return file.takeError();
  auto impl = build_impl(name, std::move(*file), nullptr);
  if (!impl) return impl.takeError();
  return std::unique_ptr<Module>(new Module(std::move(*impl)));
}

const std::string& Module::path() const { return impl_->path; }
const FileIdentity& Module::identity() const { return impl_->file.identity; }
std::span<const LoadSegment> Module::segments() const { return impl_->segments; }
const std::string& Module::build_id() const { return impl_->build_id; }
const std::string& Module::warning() const { return impl_->warning; }
const DebugInfoOrigin& Module::debug_origin() const { return impl_->origin; }
std::uint16_t Module::machine() const { return impl_->machine; }
bool Module::is_64bit() const { return impl_->is_64; }

std::optional<VirtAddr> Module::to_virt(FileOffset offset) const {
  return sym::to_virt(impl_->segments, offset);
}

std::optional<FileOffset> Module::to_file_offset(VirtAddr vaddr) const {
  return sym::to_file_offset(impl_->segments, vaddr);
}

std::optional<SymbolHit> Module::symbol_at(VirtAddr vaddr) const {
  return impl_->symbol_table().find(vaddr.value());
}

namespace {

// Calls add(name, address, size, type, section index, file) for every symbol the file's own
// table defines in one of its sections (.symtab, else .dynsym when .symtab gives none: what
// binutils and LLVM read of a file without its debug file) whose type `wanted` accepts. `file`
// is a local symbol's source: the name of the STT_FILE symbol before it, else empty.
// Whether LLVM can read every entry of the file's symbol tables of this type (SHT_SYMTAB or
// SHT_DYNSYM): ELFSymbolRef's getELFType, getBinding and getSize end the process on an entry it
// cannot read (a bad sh_entsize, a table past the end of the file).
template <class ELFT>
bool symbol_tables_readable(const obj::ELFFile<ELFT>& file, std::uint32_t type) {
  auto sections = file.sections();
  if (!sections) {
    llvm::consumeError(sections.takeError());
    return false;
  }
  for (const auto& section : *sections) {
    if (section.sh_type != type) continue;
    auto symbols = file.symbols(&section);
    if (!symbols) {
      llvm::consumeError(symbols.takeError());
      return false;
    }
  }
  return true;
}

bool symbol_tables_readable(const obj::ELFObjectFileBase& elf, std::uint32_t type) {
  bool readable = false;
  detail::with_elf(elf, [&](const auto& file) { readable = symbol_tables_readable(file, type); });
  return readable;
}

template <class Wanted, class Add>
void for_each_own_symbol(const obj::ELFObjectFileBase& elf, Wanted wanted, Add add) {
  std::size_t added = 0;
  llvm::StringRef file;  // the last STT_FILE symbol's name
  auto visit = [&](const obj::ELFSymbolRef& symbol) {
    const std::uint8_t type = symbol.getELFType();
    if (type == llvm::ELF::STT_FILE) {
      auto name = symbol.getName();
      if (!name) llvm::consumeError(name.takeError());
      file = name ? *name : llvm::StringRef();
      return;
    }
    if (!wanted(type)) return;
    // In a section: not undefined (imported), absolute (version names) or common.
    auto section = symbol.getSection();
    if (!section) {
      llvm::consumeError(section.takeError());
      return;
    }
    if (*section == elf.section_end()) return;
    auto name = symbol.getName();
    auto address = symbol.getAddress();
    if (!name || !address || name->empty()) {
      if (!name) llvm::consumeError(name.takeError());
      if (!address) llvm::consumeError(address.takeError());
      return;
    }
    // A local symbol's source file: the STT_FILE before it (binutils and LLVM print it).
    const bool local = symbol.getBinding() == llvm::ELF::STB_LOCAL;
    add(*name, *address, symbol.getSize(), type, (*section)->getIndex(),
        local ? file : llvm::StringRef());
    ++added;
  };
  if (symbol_tables_readable(elf, llvm::ELF::SHT_SYMTAB)) {
    for (const obj::ELFSymbolRef symbol : elf.symbols()) visit(symbol);
  }
  if (added == 0 && symbol_tables_readable(elf, llvm::ELF::SHT_DYNSYM)) {
    for (const obj::ELFSymbolRef symbol : elf.getDynamicSymbolIterators()) visit(symbol);
  }
}

bool is_function_type(std::uint8_t type) {
  return type == llvm::ELF::STT_FUNC || type == llvm::ELF::STT_GNU_IFUNC;
}

}  // namespace

void Module::Impl::make_llvm_symbols() const {
  const obj::ELFObjectFileBase* elf = file.elf();
  if (elf == nullptr) return;
  for_each_own_symbol(
      *elf,
      [](std::uint8_t type) {
        return is_function_type(type) || type == llvm::ELF::STT_OBJECT ||
               type == llvm::ELF::STT_NOTYPE;
      },
      [&](llvm::StringRef name, std::uint64_t address, std::uint64_t size, std::uint8_t,
          std::uint64_t, llvm::StringRef file) {
        // ARM's and AArch64's mapping symbols ($x, $d, $a, $t and "$x.N") name no code.
        if (name.starts_with("$") && name.size() >= 2 && std::strchr("xdat", name[1]) &&
            (name.size() == 2 || name[2] == '.')) {
          return;
        }
        llvm_symbols.push_back({address, size, llvm_symbols.size(), name.str(), file.str()});
      });
  // Of several at one address the largest stays, of those the one latest in the table: by
  // address, and at one address that one first.
  std::sort(llvm_symbols.begin(), llvm_symbols.end(), [](const auto& a, const auto& b) {
    if (a.address != b.address) return a.address < b.address;
    return std::tie(a.size, a.index) > std::tie(b.size, b.index);
  });
  auto same_address = [](const auto& a, const auto& b) { return a.address == b.address; };
  llvm_symbols.erase(std::unique(llvm_symbols.begin(), llvm_symbols.end(), same_address),
                     llvm_symbols.end());
}

void Module::Impl::make_gnu_symbols() const {
  const obj::ELFObjectFileBase* elf = file.elf();
  if (elf == nullptr) return;
  for_each_own_symbol(
      *elf,
      [](std::uint8_t type) { return is_function_type(type) || type == llvm::ELF::STT_NOTYPE; },
      [&](llvm::StringRef name, std::uint64_t address, std::uint64_t size, std::uint8_t type,
          std::uint64_t section, llvm::StringRef file) {
        gnu_symbols.push_back({address, size == 0 ? 1 : size, gnu_symbols.size(),
                               is_function_type(type), name.str(), section, file.str()});
      });
  std::sort(gnu_symbols.begin(), gnu_symbols.end(), [](const auto& a, const auto& b) {
    return std::tie(a.address, a.index) < std::tie(b.address, b.index);
  });
}

std::optional<std::string> Module::gnu_alias(VirtAddr vaddr, std::uint64_t value) const {
  const Impl::GnuSymbol* best = impl_->gnu_best(vaddr, value, std::nullopt);
  if (best == nullptr) return std::nullopt;
  return best->name;
}

const Module::Impl::GnuSymbol* Module::Impl::gnu_best(
    VirtAddr vaddr, std::uint64_t value, std::optional<std::uint64_t> section) const {
  std::call_once(gnu_symbols_made, [this] { make_gnu_symbols(); });
  const auto& symbols = gnu_symbols;
  auto [first, last] = std::equal_range(
      symbols.begin(), symbols.end(), value, [](const auto& a, const auto& b) {
        if constexpr (std::is_integral_v<std::decay_t<decltype(a)>>) {
          return a < b.address;
        } else {
          return a.address < b;
        }
      });
  // binutils' better_fit between symbols at one address, in table order.
  const std::uint64_t offset = vaddr.value();
  const Impl::GnuSymbol* best = nullptr;
  for (auto it = first; it != last; ++it) {
    const Impl::GnuSymbol& c = *it;
    if (section && c.section != *section) continue;
    if (best == nullptr) {
      best = &c;
    } else if (value + best->size <= offset) {
      if (c.size > best->size) best = &c;  // neither covers it: the larger gets closer
    } else if (value + c.size <= offset) {
      continue;
    } else if (best->function != c.function) {
      if (c.function) best = &c;
    } else if (c.size < best->size) {
      best = &c;
    }
  }
  return best;
}

std::optional<SymbolHit> Module::llvm_symbol(VirtAddr vaddr) const {
  std::call_once(impl_->llvm_symbols_made, [this] { impl_->make_llvm_symbols(); });
  const auto& symbols = impl_->llvm_symbols;
  auto it = std::upper_bound(symbols.begin(), symbols.end(), vaddr.value(),
                             [](std::uint64_t a, const auto& s) { return a < s.address; });
  if (it == symbols.begin()) return std::nullopt;
  --it;
  if (it->size != 0 && vaddr.value() - it->address >= it->size) return std::nullopt;
  SymbolHit hit;
  hit.name = it->name;
  hit.value = it->address;
  hit.size = it->size;
  hit.offset = vaddr.value() - it->address;
  hit.file = it->file;
  return hit;
}

namespace {

// The address a variable's location expression names when it is exactly DW_OP_addr A or
// DW_OP_addrx I (a static object; not TLS, not a register, not a computed value).
std::optional<std::uint64_t> static_address(const llvm::DWARFDie& die, bool* op_addr) {
  auto location = die.find(llvm::dwarf::DW_AT_location);
  if (!location) return std::nullopt;
  auto block = location->getAsBlock();
  if (!block || block->empty()) return std::nullopt;
  llvm::DWARFUnit& unit = *die.getDwarfUnit();
  const std::uint8_t size = unit.getAddressByteSize();
  const std::uint8_t op = (*block)[0];
  if (op == llvm::dwarf::DW_OP_addr && block->size() == 1U + size && (size == 4 || size == 8)) {
    *op_addr = true;
    std::uint64_t address = 0;
    const bool little = unit.getContext().isLittleEndian();
    for (std::uint8_t i = 0; i < size; ++i) {
      const std::uint64_t byte = (*block)[1U + (little ? i : size - 1U - i)];
      address |= byte << (8U * i);
    }
    return address;
  }
  if (op == llvm::dwarf::DW_OP_addrx || op == llvm::dwarf::DW_OP_GNU_addr_index) {
    unsigned length = 0;
    const char* error = nullptr;
    const std::uint64_t index =
        llvm::decodeULEB128(block->data() + 1, &length, block->data() + block->size(), &error);
    if (error != nullptr || 1U + length != block->size()) return std::nullopt;
    auto item = unit.getAddrOffsetSectionItem(static_cast<std::uint32_t>(index));
    if (!item) return std::nullopt;
    *op_addr = false;
    return item->Address;
  }
  return std::nullopt;
}

// The size in bytes of a type DIE, following typedefs and qualifiers and multiplying an array's
// bounds; none when unknown. Not DWARFDie::getTypeSize, which recurses without end on a type
// that refers to itself: here at most `budget` DIEs are followed, read through `dies`.
std::optional<std::uint64_t> type_size(detail::DieReader& dies, llvm::DWARFDie die,
                                       std::uint8_t pointer_size, int budget = 32) {
  for (; die && budget > 0; --budget) {
    if (auto size = die.find(llvm::dwarf::DW_AT_byte_size)) return size->getAsUnsignedConstant();
    switch (die.getTag()) {
      case llvm::dwarf::DW_TAG_pointer_type:
      case llvm::dwarf::DW_TAG_reference_type:
      case llvm::dwarf::DW_TAG_rvalue_reference_type:
        return pointer_size;
      case llvm::dwarf::DW_TAG_array_type: {
        auto element = type_size(dies, dies.referenced(die, llvm::dwarf::DW_AT_type),
                                 pointer_size, budget - 1);
        if (!element) return std::nullopt;
        std::optional<std::uint64_t> size = *element;
        dies.children(die, [&](const llvm::DWARFDie& child) {
          if (child.getTag() != llvm::dwarf::DW_TAG_subrange_type) return true;
          std::optional<std::uint64_t> count;
          if (auto c = child.find(llvm::dwarf::DW_AT_count)) {
            count = c->getAsUnsignedConstant();
          } else if (auto upper = child.find(llvm::dwarf::DW_AT_upper_bound)) {
            // C's and C++'s arrays start at 0; a lower bound is Fortran's, Ada's...
            auto lower = child.find(llvm::dwarf::DW_AT_lower_bound);
            const auto last = upper->getAsUnsignedConstant();
            const std::optional<std::uint64_t> first =
                lower ? lower->getAsUnsignedConstant() : std::optional<std::uint64_t>(0);
            if (last && first && *last >= *first && *last - *first < UINT64_MAX) {
              count = *last - *first + 1;
            }
          }
          if (!count || (*count != 0 && *size > UINT64_MAX / *count)) {
            size.reset();
            return false;
          }
          *size *= *count;
          return true;
        });
        return size;
      }
      default:
        die = dies.referenced(die, llvm::dwarf::DW_AT_type);
    }
  }
  return std::nullopt;
}

}  // namespace

void Module::Impl::make_variables() const {
  variables_made = true;
  if (dwarf_context() == nullptr || dwarf_refused) return;
  // Each unit's DIEs read where they lie (a walk, and the DIE tree of its bounds check for the
  // references), not from LLVM's DIE array: 24 bytes a DIE for every unit of the file, kept
  // (one data address in a C++ program with 32 MB of .debug_info: 0.44 s and 140 MB).
  for (const auto& unit : dwarf->normal_units()) {
    if (unit->isTypeUnit()) continue;
    UnitFacts& facts = units[unit.get()];
    if (!all_dies_checked(*unit, facts)) continue;  // LLVM would read past its section
    const std::uint8_t pointer_size = unit->getAddressByteSize();
    detail::DieReader dies(*unit, facts.cache.functions.tree());
    (void)detail::walk_dies(
        *unit, unit->getOffset() + unit->getHeaderSize(), std::numeric_limits<std::uint64_t>::max(),
        [&](const llvm::DWARFDebugInfoEntry& entry, std::uint32_t /*depth*/) {
          const llvm::DWARFAbbreviationDeclaration* decl = entry.getAbbreviationDeclarationPtr();
          if (decl == nullptr || decl->getTag() != llvm::dwarf::DW_TAG_variable) return true;
          const llvm::DWARFDie die(unit.get(), &entry);
          bool op_addr = false;
          const auto address = static_address(die, &op_addr);
          if (!address) return true;
          // The type is the declaration's when this is the definition of a declared variable.
          llvm::DWARFDie typed = die;
          if (!typed.find(llvm::dwarf::DW_AT_type)) {
            if (auto declared = dies.referenced(die, llvm::dwarf::DW_AT_specification)) {
              typed = declared;
            }
          }
          std::uint64_t size = 0;
          if (auto type = dies.referenced(typed, llvm::dwarf::DW_AT_type)) {
            size = type_size(dies, type, pointer_size).value_or(0);
          }
          variables.push_back({*address, size, op_addr, unit.get(), entry.getOffset()});
          return true;
        });
  }
  // By address, and at one address in the order of the DWARF (units in order, DIEs by offset).
  std::sort(variables.begin(), variables.end(), [](const Variable& a, const Variable& b) {
    if (a.address != b.address) return a.address < b.address;
    return a.offset < b.offset;
  });
  std::uint64_t reach = 0;
  for (Variable& v : variables) {
    const std::uint64_t size = std::max<std::uint64_t>(v.size, 1);
    reach = std::max(reach, size > UINT64_MAX - v.address ? UINT64_MAX : v.address + size);
    v.reach = reach;
  }
}

// The file a DIE (or the declaration it completes) is declared in, named through the unit's
// line table as frames' files are (UnitLines). Not DWARFDie::getDeclFile: LLVM 19 loses the unit
// of a DW_FORM_implicit_const value, as GCC writes DW_AT_decl_file, and then finds no file.
std::string Module::Impl::declaration_file(const llvm::DWARFDie& die) const {
  llvm::DWARFDie at = die;
  for (int hops = 0; at && hops < 8; ++hops) {
    if (auto value = at.find(llvm::dwarf::DW_AT_decl_file)) {
      const auto index = value->getAsUnsignedConstant();
      llvm::DWARFUnit* unit = at.getDwarfUnit();
      detail::UnitLines& lines = units[unit].cache.lines;
      if (!index || !lines.load(*dwarf, *unit, line_tables, sup.get())) return {};
      const std::string* name = lines.file(*index);
      return name != nullptr ? *name : std::string();
    }
    llvm::DWARFDie next = at.getAttributeValueAsReferencedDie(llvm::dwarf::DW_AT_specification);
    if (!next) next = at.getAttributeValueAsReferencedDie(llvm::dwarf::DW_AT_abstract_origin);
    at = next;
  }
  return {};
}

std::optional<DataObject> Module::data_object(VirtAddr vaddr) const {
  if (impl_->is_code(vaddr.value())) return std::nullopt;
  if (!impl_->variables_made) impl_->make_variables();
  const auto& vars = impl_->variables;
  // The last variable starting at or before vaddr that covers it (of several at one address,
  // the first in the DWARF).
  auto it = std::upper_bound(
      vars.begin(), vars.end(), vaddr.value(),
      [](std::uint64_t a, const Impl::Variable& v) { return a < v.address; });
  // Back only as far as a variable before might still reach vaddr.
  while (it != vars.begin() && std::prev(it)->reach > vaddr.value()) {
    --it;
    const std::uint64_t offset = vaddr.value() - it->address;
    if (offset >= std::max<std::uint64_t>(it->size, 1)) continue;
    auto first = it;
    while (first != vars.begin() && std::prev(first)->address == it->address) --first;
    const llvm::DWARFDie die = first->die();
    DataObject data;
    // The linkage name; else the symbol at its address (a function's static "calls" is
    // _ZZ3getvE5calls there: get()::calls), else DWARF's short name.
    if (const char* name = die.getLinkageName()) {
      data.name = name;
    } else if (auto symbol = llvm_symbol(VirtAddr(first->address));
               symbol && symbol->value == first->address) {
      data.name = std::move(symbol->name);
    } else if (const char* short_name = die.getShortName()) {
      data.name = short_name;
    }
    data.value = first->address;
    data.size = first->size;
    data.file = impl_->declaration_file(die);
    data.line = static_cast<std::uint32_t>(die.getDeclLine());
    if (!data.name.empty()) return data;
    break;
  }
  // No DWARF: the sized object symbol covering vaddr.
  if (auto symbol = llvm_symbol(vaddr); symbol && symbol->size != 0) {
    DataObject data;
    data.name = std::move(symbol->name);
    data.value = symbol->value;
    data.size = symbol->size;
    return data;
  }
  return std::nullopt;
}

std::optional<Module::GnuData> Module::gnu_data(VirtAddr vaddr) const {
  if (impl_->is_code(vaddr.value()) || impl_->file.object == nullptr) return std::nullopt;
  // With a separate debug file, binutils reads that file's symbols and variables in ways not
  // reproduced here: no answer (GNU's may be a label of the debug file's table).
  const DebugSource source = impl_->origin.source;
  if (source != DebugSource::kSelf && source != DebugSource::kNone) return std::nullopt;
  // The allocated section holding vaddr, as addr2line finds it.
  std::optional<std::uint64_t> section;
  std::uint64_t section_start = 0;
  for (const obj::SectionRef& s : impl_->file.object->sections()) {
    if ((obj::ELFSectionRef(s).getFlags() & llvm::ELF::SHF_ALLOC) == 0) continue;
    if (vaddr.value() >= s.getAddress() && vaddr.value() - s.getAddress() < s.getSize()) {
      section = s.getIndex();
      section_start = s.getAddress();
      break;
    }
  }
  if (!section) return std::nullopt;
  GnuData out;
  std::call_once(impl_->gnu_symbols_made, [this] { impl_->make_gnu_symbols(); });
  // The last symbol of the section at or before vaddr (gnu_symbols is sorted by address).
  // BFD counts a symbol's value from its section's start: one placed before that start
  // (__bss_start ahead of an aligned .bss) lies past every offset.
  const auto& symbols = impl_->gnu_symbols;
  std::optional<std::uint64_t> value;
  for (auto it = std::upper_bound(
           symbols.begin(), symbols.end(), vaddr.value(),
           [](std::uint64_t a, const Impl::GnuSymbol& g) { return a < g.address; });
       it != symbols.begin() && std::prev(it)->address >= section_start; --it) {
    if (std::prev(it)->section == *section) {
      value = std::prev(it)->address;
      break;
    }
  }
  if (value) {
    if (const Impl::GnuSymbol* best = impl_->gnu_best(vaddr, *value, section)) {
      out.name = best->name;
      out.file = best->file;  // a local label's source, as elf_find_function gives it
    }
  }
  if (!impl_->variables_made) impl_->make_variables();
  const auto& vars = impl_->variables;
  auto it = std::lower_bound(
      vars.begin(), vars.end(), vaddr.value(),
      [](const Impl::Variable& v, std::uint64_t a) { return v.address < a; });
  for (; it != vars.end() && it->address == vaddr.value(); ++it) {
    if (!it->op_addr) continue;
    const llvm::DWARFDie die = it->die();
    out.file = impl_->declaration_file(die);
    out.line = static_cast<std::uint32_t>(die.getDeclLine());
    break;
  }
  if (out.name.empty() && out.file.empty()) return std::nullopt;
  return out;
}

std::optional<Module::CodeRange> Module::unwind_range(VirtAddr vaddr) const {
  std::call_once(impl_->unwind_made, [this] {
    auto loaded = [this](llvm::StringRef name) -> detail::LoadedBytes {
      if (impl_->file.object == nullptr) return {};
      const auto section = find_section(*impl_->file.object, name);
      if (!section || section->isBSS() || section->isVirtual()) return {};
      const auto data = contents_of(*section);
      if (!data) return {};
      return {llvm::arrayRefFromStringRef(*data), section->getAddress()};
    };
    const bool little = impl_->file.object == nullptr || impl_->file.object->isLittleEndian();
    const detail::ElfFormat format{impl_->is_64, little};
    detail::LoadedBytes eh_frame = loaded(".eh_frame");
    detail::LoadedBytes hdr = loaded(".eh_frame_hdr");
    if (hdr.bytes.empty() && impl_->eh_frame_hdr) {
      // No section headers (sstrip, a file cut short): .eh_frame_hdr through PT_GNU_EH_FRAME,
      // .eh_frame from where it says up to the end of the segment holding it (bytes_at).
      const std::uint64_t hdr_at = impl_->eh_frame_hdr->vaddr;
      hdr = {bytes_at(VirtAddr(hdr_at), impl_->eh_frame_hdr->filesz), hdr_at};
      if (auto at = detail::eh_frame_address(hdr, format)) {
        eh_frame = {bytes_at(VirtAddr(*at), std::numeric_limits<std::size_t>::max()), *at};
      }
    }
    impl_->unwind = std::make_unique<detail::UnwindTable>(eh_frame, hdr, format);
  });
  const auto range = impl_->unwind->find(vaddr.value());
  if (!range) return std::nullopt;
  return CodeRange{range->begin, range->end};
}

std::optional<Module::SectionRange> Module::section(std::string_view name) const {
  if (impl_->file.object == nullptr) return std::nullopt;
  const auto section = find_section(*impl_->file.object, name);
  if (!section) return std::nullopt;
  return SectionRange{section->getAddress(), section->getSize()};
}

std::span<const std::uint8_t> Module::bytes_at(VirtAddr vaddr, std::size_t size) const {
  auto offset = to_file_offset(vaddr);
  if (!offset) return {};
  const LoadSegment* seg = segment_for(impl_->segments, *offset);
  auto data = impl_->file.buffer->getBuffer();
  if (seg == nullptr || offset->value() >= data.size()) return {};
  std::uint64_t in_segment = seg->offset + seg->filesz - offset->value();
  std::uint64_t in_file = data.size() - offset->value();
  std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>({size, in_segment, in_file}));
  return {reinterpret_cast<const std::uint8_t*>(data.data()) + offset->value(), n};
}

std::vector<Frame> Module::frames_at(VirtAddr vaddr, const FrameOptions& options) const {
  return lookup(vaddr, options).frames;
}

void Module::prepare(std::span<const VirtAddr> vaddrs, const FrameOptions& options) const {
  // The symbol tables first, while the debug sections may still inflate on the queue's threads
  // (read at the first lookup instead, they would hold up the other threads of lookup_all).
  static_cast<void>(impl_->symbol_table());
  impl_->unit_hints.clear();
  if (!options.lines || vaddrs.size() < 2) return;
  if (worker_threads() < 2) return;
  const llvm::DWARFContext* ctx = impl_->dwarf_context();
  if (ctx == nullptr) return;
  auto* dwarf = const_cast<llvm::DWARFContext*>(ctx);
  // The compile units holding the addresses, each with its addresses, found on this thread.
  struct Work {
    llvm::DWARFUnit* unit;
    std::vector<std::uint64_t> addresses;
    Impl::UnitFacts* facts = nullptr;
    std::optional<detail::LineTables::Job> lines = std::nullopt;
    bool fresh = false;     // its unit DIE is read by the threads
    bool skeleton = false;  // found to be a split-DWARF skeleton by the threads
    std::optional<detail::DieCheck> unit_check = std::nullopt;  // the threads checked its unit DIE
    std::optional<detail::DieCheck> check = std::nullopt;  // the threads checked all its DIEs
  };
  std::vector<Work> work;
  std::unordered_map<const llvm::DWARFUnit*, std::size_t> index;
  // Each distinct address once, in order: neighbours share LLVM's search paths (half the time
  // of input order on 100 000 random addresses in libc) and mostly their unit.
  std::vector<std::uint64_t> sorted(vaddrs.size());
  std::transform(vaddrs.begin(), vaddrs.end(), sorted.begin(),
                 [](VirtAddr v) { return v.value(); });
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  auto& hints = impl_->unit_hints;
  hints.reserve(sorted.size());
  // What getCompileUnitForCodeAddress does, its two steps apart: the unit of an address range,
  // and its slot, are looked up (the unit under the context's lock) only when the range's unit
  // offset changes.
  const llvm::DWARFDebugAranges* aranges = dwarf->getDebugAranges();
  std::optional<std::uint64_t> last_offset;
  llvm::DWARFCompileUnit* unit = nullptr;
  std::size_t slot = 0;
  for (std::uint64_t vaddr : sorted) {
    const std::uint64_t offset = aranges->findAddress(vaddr);
    if (offset != last_offset) {
      last_offset = offset;
      unit = dwarf->getCompileUnitForOffset(offset);
      if (unit != nullptr) {
        auto [it, fresh] = index.try_emplace(unit, work.size());
        if (fresh) work.push_back(Work{unit, {}});
        slot = it->second;
      }
    }
    hints.emplace_back(vaddr, unit);
    if (unit != nullptr) work[slot].addresses.push_back(vaddr);
  }
  if (work.size() < 2) return;  // nothing to share out
  // The units' slots are made here (the map is shared). A unit met before is settled here too;
  // one met for the first time is read by the threads. Split-DWARF skeletons are left to
  // lookup: their DIEs live in another context.
  using Prepared = Impl::UnitFacts::Prepared;
  using Dies = Impl::UnitFacts::Dies;
  std::erase_if(work, [&](Work& w) {
    w.facts = &impl_->units[w.unit];
    if (w.facts->dies == Dies::kBad) return true;
    switch (w.facts->prepared) {
      case Prepared::kYes: return false;  // only the clusters of its new addresses are left
      case Prepared::kSkeleton: return true;
      case Prepared::kNo: break;
    }
    w.fresh = !w.facts->read;
    if (w.fresh) return false;
    const llvm::DWARFDie die = w.unit->getUnitDIE();
    if (is_skeleton(die)) {
      w.facts->prepared = Prepared::kSkeleton;
      return true;
    }
    w.lines = impl_->line_tables.reserve(*dwarf, *w.unit);
    return false;
  });
  // Then each unit's own work, units taken in turn by the threads: LLVM extracts one unit's
  // DIEs from that unit's data alone once it has the unit's abbreviations (as llvm-gsymutil
  // does in parallel), and the function index and line table of a unit are that unit's.
  // What units share: the file's abbreviation sets (LLVM caches each set in one map, without a
  // lock; a unit keeps its own pointer once it has it), parsed by one thread at a time
  // (AbbreviationParse), and the line tables' slots, taken under `shared`. A unit's DIEs are
  // checked (die_bounds.h) before LLVM extracts them: its unit DIE first, then all.
  std::vector<llvm::DWARFUnit*> needs_set(work.size());
  for (std::size_t i = 0; i < work.size(); ++i) {
    if (work[i].fresh) needs_set[i] = work[i].unit;
  }
  AbbreviationParse abbreviations(std::move(needs_set));
  std::mutex shared;
  for_each_shared(work.size(), [&](std::size_t i) {
    Work& w = work[i];
    if (w.fresh) {
      abbreviations.await(i);
      if (w.facts->dies == Dies::kUnchecked) {
        w.unit_check = detail::check_dies(*w.unit, /*unit_die_only=*/true);
        if (!w.unit_check->ok) return;  // settled below
        w.facts->dies = Dies::kUnitDie;
      }
      if (is_skeleton(w.unit->getUnitDIE())) {
        w.skeleton = true;  // read by lookup: its language may be in the .dwo
        return;
      }
      impl_->read_unit_die(*w.unit, *w.facts);
      const std::lock_guard lock(shared);
      w.lines = impl_->line_tables.reserve(*dwarf, *w.unit);
    }
    if (w.facts->dies != Dies::kAll) {
      w.check = w.facts->cache.functions.check_and_index(*w.unit);  // one walk for both
      if (!w.check->ok) return;
    }
    w.facts->cache.functions.warm(*w.unit, w.addresses);
    if (w.lines) detail::LineTables::run(*w.lines);
  });
  bool refers_across = false;
  for (Work& w : work) {
    if (w.unit_check && !w.unit_check->ok) {
      impl_->settle(*w.unit, *w.facts, *w.unit_check, Dies::kUnitDie);
      continue;
    }
    if (w.skeleton) {
      w.facts->prepared = Prepared::kSkeleton;
      continue;
    }
    if (w.check) {
      impl_->settle(*w.unit, *w.facts, *w.check, Dies::kAll);
      refers_across = refers_across || w.check->refers_across;
    }
    if (w.facts->dies == Dies::kAll) w.facts->prepared = Prepared::kYes;
  }
  // Before any lookup follows a reference into another unit.
  if (refers_across) impl_->check_every_unit();
}

Module::Lookup Module::lookup(VirtAddr vaddr, const FrameOptions& options) const {
  const llvm::DWARFContext* ctx = options.lines ? impl_->dwarf_context() : nullptr;
  if (ctx == nullptr) return impl_->lookup_in(vaddr, options, nullptr, nullptr, nullptr);
  // LLVM's lookup functions are not const, but they only fill caches.
  auto* dwarf = const_cast<llvm::DWARFContext*>(ctx);
  llvm::DWARFCompileUnit* unit = impl_->unit_for(*dwarf, vaddr.value());
  Impl::UnitFacts* facts = unit != nullptr ? &impl_->unit_facts(*unit) : nullptr;
  // A unit whose DIEs LLVM must not extract is left to the symbol table.
  if (facts != nullptr && !impl_->all_dies_checked(*unit, *facts)) facts = nullptr;
  Lookup result = impl_->lookup_in(vaddr, options, dwarf, unit, facts);
  impl_->note_sup_problem();
  return result;
}

std::vector<Module::Lookup> Module::lookup_all(std::span<const VirtAddr> vaddrs,
                                               const FrameOptions& options) const {
  std::vector<Lookup> out(vaddrs.size());
  const llvm::DWARFContext* ctx = options.lines ? impl_->dwarf_context() : nullptr;
  auto serial = [&] {
    for (std::size_t i = 0; i < vaddrs.size(); ++i) out[i] = lookup(vaddrs[i], options);
  };
  // Threads pay off for a batch, not for a few addresses.
  if (ctx == nullptr || vaddrs.size() < 64 || worker_threads() < 2 || impl_->units_refer_across) {
    serial();
    return out;
  }
  auto* dwarf = const_cast<llvm::DWARFContext*>(ctx);
  using Prepared = Impl::UnitFacts::Prepared;
  using Dies = Impl::UnitFacts::Dies;
  // Addresses in units that prepare() has done, by unit; the others are looked up here and now,
  // on this thread (they may add units, read shared caches, follow references).
  struct Group {
    llvm::DWARFUnit* unit;
    Impl::UnitFacts* facts;
    std::vector<std::size_t> indices;
  };
  std::vector<Group> groups;
  std::unordered_map<const llvm::DWARFUnit*, std::size_t> group_of;
  const llvm::DWARFUnit* last_unit = nullptr;  // and its group: sorted addresses share units
  std::size_t last_group = 0;
  // Sorted addresses (as Symbolizer gives them) meet prepare()'s sorted hints in order: a
  // cursor finds each in a step or two; others are searched for.
  const auto& hints = impl_->unit_hints;
  std::size_t cursor = 0;
  auto unit_of = [&](std::uint64_t vaddr) {
    for (int step = 0; step < 4 && cursor < hints.size() && hints[cursor].first < vaddr; ++step) {
      ++cursor;
    }
    if (cursor < hints.size() && hints[cursor].first == vaddr) return hints[cursor].second;
    return impl_->unit_for(*dwarf, vaddr);
  };
  for (std::size_t i = 0; i < vaddrs.size(); ++i) {
    llvm::DWARFCompileUnit* unit = unit_of(vaddrs[i].value());
    if (unit != nullptr && unit == last_unit) {
      groups[last_group].indices.push_back(i);
      continue;
    }
    const auto found = unit != nullptr ? impl_->units.find(unit) : impl_->units.end();
    if (found == impl_->units.end() || found->second.prepared != Prepared::kYes ||
        found->second.dies != Dies::kAll) {
      out[i] = lookup(vaddrs[i], options);
      continue;
    }
    auto [it, fresh] = group_of.try_emplace(unit, groups.size());
    if (fresh) groups.push_back({unit, &found->second, {}});
    groups[it->second].indices.push_back(i);
    last_unit = unit;
    last_group = it->second;
  }
  // What those lookups found may forbid the threads: references across units, refused DWARF.
  if (impl_->units_refer_across || impl_->dwarf_context() == nullptr) {
    for (const Group& g : groups) {
      for (std::size_t i : g.indices) out[i] = lookup(vaddrs[i], options);
    }
    return out;
  }
  // The one cache shared between units, the line tables by offset, is read here.
  for (Group& g : groups) {
    (void)g.facts->cache.lines.load(*dwarf, *g.unit, impl_->line_tables, impl_->sup.get());
  }
  // A unit's addresses on one thread (its index, caches and LLVM's lazy per-unit maps are its
  // own), the largest groups first.
  std::sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
    return a.indices.size() > b.indices.size();
  });
  for_each_shared(groups.size(), [&](std::size_t g) {
    for (std::size_t i : groups[g].indices) {
      out[i] = impl_->lookup_in(vaddrs[i], options, dwarf, groups[g].unit, groups[g].facts);
    }
  });
  impl_->note_sup_problem();
  return out;
}

Module::Lookup Module::Impl::lookup_in(VirtAddr vaddr, const FrameOptions& options,
                                       llvm::DWARFContext* dwarf, llvm::DWARFUnit* unit,
                                       UnitFacts* facts) const {
  Lookup result{symbol_table().find(vaddr.value()), {}};
  const std::optional<SymbolHit>& hit = result.symbol;
  std::vector<Frame>& frames = result.frames;
  const bool cxx_unit = facts != nullptr && facts->cxx;  // the address is in a C++ compile unit
  if (facts != nullptr) {
    // A range around vaddr that starts outside the code is dead code whose addresses the linker
    // tombstoned (to 0 with GNU ld --gc-sections): it may cover live code (.init, .plt). The
    // compile unit's range list has that range as well as its functions do; it is read once per
    // unit. (Not getDIEsForAddress, which walks the DIE tree for every address.)
    // Live code may be covered by a dead range too (the dead one starts at 0): only an address
    // that no range starting in code covers is tombstoned.
    auto tombstoned = [&] {
      bool covered = false;
      for (const auto& range : facts->ranges) {
        if (range.LowPC <= vaddr.value() && vaddr.value() < range.HighPC) {
          if (is_code(range.LowPC)) return false;
          covered = true;
        }
      }
      return covered;
    };
    if (!tombstoned()) {
      // What getInliningInfoForAddress / getLineInfoForAddress would answer, from a lazy index of
      // the unit's functions and file names and DIE facts read once (dwarf_frames.h).
      detail::dwarf_frames(*dwarf, *unit, facts->cache, line_tables, sup.get(), vaddr.value(),
                           options.inlines, frames, options.qualified_names && cxx_unit);
      for (std::size_t i = 0; i + 1 < frames.size(); ++i) frames[i].inlined = true;
    }
  }
  // In C++, a DWARF name that is not a mangled linkage name is a short one ("main" for the cold
  // part "main.cold", "__adjust_heap<...>" for a ".constprop.0" clone, "_M_manager" of a lambda
  // type): the symbol table's name of the physical function is the full one. binutils and
  // llvm-symbolizer prefer it too. Inlined frames keep their DWARF names.
  // (Without inlines, the one frame may be an inlined function's: then it is left alone.)
  const bool physical = !frames.empty() && !frames.back().inlined;
  if (hit && options.symbol_table_names && cxx_unit && physical &&
      !frames.back().raw_name.starts_with("_Z")) {
    const std::string& dwarf_name = frames.back().raw_name;
    if (hit->name.starts_with("_Z") ||
        (!dwarf_name.empty() && hit->name.starts_with(dwarf_name + "."))) {  // main -> main.cold
      frames.back().raw_name = hit->name;
    }
  }
  // The symbol table names the physical function when DWARF does not cover the address or has
  // no name for it.
  if (hit && (frames.empty() || (physical && frames.back().raw_name.empty()))) {
    if (frames.empty()) {
      frames.emplace_back();
      frames.back().file = hit->file;
    }
    frames.back().raw_name = hit->name;
  }
  for (auto& f : frames) f.function = options.demangle ? demangle(f.raw_name) : f.raw_name;
  return result;
}

}  // namespace sym

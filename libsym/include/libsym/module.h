// One opened ELF file: its PT_LOAD table, build-id, symbol tables and (lazily) its DWARF.
#pragma once

#include <libsym/address.h>
#include <libsym/frame.h>
#include <libsym/io.h>

#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sym {

struct LoadSegment {
  std::uint64_t offset = 0;  // p_offset
  std::uint64_t vaddr = 0;   // p_vaddr
  std::uint64_t filesz = 0;  // p_filesz
  std::uint64_t memsz = 0;   // p_memsz
  std::uint32_t flags = 0;   // PF_R | PF_W | PF_X
  [[nodiscard]] bool executable() const { return (flags & 1U) != 0; }
  auto operator<=>(const LoadSegment&) const = default;
};

// Where to look for separate debug information.
struct DebugSearch {
  std::vector<std::string> debug_dirs;  // tried before the system directory
  std::string sysroot;                  // prefix for every absolute path (another machine's files)
  bool enabled = true;                  // false: only the file itself
  // debuginfod servers (URLs) asked for a module's debug file by build-id when none is found
  // locally, through libdebuginfod (loaded then) and its cache (DEBUGINFOD_CACHE_PATH), with
  // DEBUGINFOD_TIMEOUT 5 s and DEBUGINFOD_RETRY_LIMIT 1 unless set. Empty: no client, no
  // network. The library does not read DEBUGINFOD_URLS: the caller decides (the tools take
  // --debuginfod, else the variable). The first failure of the process becomes the warning() of
  // its module; after a failure other than "not found", the servers are not asked again.
  std::vector<std::string> debuginfod_urls;
};

struct FrameOptions {
  // The whole inline chain; else only the innermost frame, which (as in addr2line without -i
  // and LLVM) names the innermost inlined function with the line of the address. Callers that
  // want the physical function without inline frames take the last frame of the full chain.
  bool inlines = true;
  bool demangle = true;  // fill Frame::function with demangled names
  bool lines = true;     // false: names only (symbol table), no DWARF at all
  // In a C++ unit, a physical function that DWARF names short ("main" for "main.cold",
  // "_M_invoke", "__adjust_heap<...>") is named after the symbol table (of the file or its
  // debug file), as binutils does. false: the DWARF name stays, as llvm-symbolizer keeps it when
  // the file itself has no symbol there (a stripped file whose DWARF is in a debug file).
  bool symbol_table_names = true;
  // In a C++ unit, a function DWARF names without a linkage name (GCC's lambdas, members of
  // local classes, functions only ever inlined) is named with the scopes of its declaration,
  // "main::{lambda}::operator()", where binutils and llvm-symbolizer print "operator()".
  // false (the default): the short name, as they print it.
  bool qualified_names = false;
};

struct DebugInfoOrigin {
  DebugSource source = DebugSource::kNone;
  std::string path;  // the file the DWARF came from
  std::string url;   // kDebuginfod: where it was downloaded from; "" when it came from the cache
  // dwz's supplementary file of `path` (.gnu_debugaltlink or .debug_sup), read for the names
  // and directories kept there; "" when there is none or it was not found (see warning()).
  std::string supplementary;
  // No debug file was found, and the symbols of the file's MiniDebugInfo (.gnu_debugdata: an
  // xz-compressed symbol table, in Fedora's and RHEL's stripped files) were read.
  bool mini_debuginfo = false;
  // No debug file used, but one was found: "PATH not used: why" for the first such (not ELF,
  // cut short, another build-id or CRC); also in warning(). "" otherwise.
  std::string rejected{};
};

// The pure translation: the PT_LOAD segment holding a file offset, bounded by p_filesz.
const LoadSegment* segment_for(std::span<const LoadSegment> segments, FileOffset offset);
// offset - p_offset + p_vaddr of that segment.
std::optional<VirtAddr> to_virt(std::span<const LoadSegment> segments, FileOffset offset);
// The inverse, for ELF virtual addresses given directly (-e mode): the PT_LOAD whose
// [p_vaddr, p_vaddr + p_filesz) holds it.
std::optional<FileOffset> to_file_offset(std::span<const LoadSegment> segments, VirtAddr vaddr);

class Module {
 public:
  // Opens an ELF file given by path (regular files only) and looks for its debug info. The
  // symbol tables are read at the first question that needs them.
  static llvm::Expected<std::unique_ptr<Module>> open(const std::string& path,
                                                      const DebugSearch& search);
  // Builds a module from bytes in memory (fuzzers, tests); no separate debug info is searched.
  static llvm::Expected<std::unique_ptr<Module>> from_buffer(
      std::unique_ptr<llvm::MemoryBuffer> buffer);

  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  ~Module();

  [[nodiscard]] const std::string& path() const;
  [[nodiscard]] const FileIdentity& identity() const;
  [[nodiscard]] std::span<const LoadSegment> segments() const;
  [[nodiscard]] std::optional<VirtAddr> to_virt(FileOffset offset) const;
  [[nodiscard]] std::optional<FileOffset> to_file_offset(VirtAddr vaddr) const;

  // What could not be read though the module opened (unreadable section headers: no symbols,
  // no DWARF, translation still works); "" when all is well. Lookups may add to it, after "; ":
  // a compile unit (or the whole DWARF) that is not used because LLVM would read past the end of
  // .debug_info to extract its DIEs.
  [[nodiscard]] const std::string& warning() const;

  // Hex build-id, "" when the file has none.
  [[nodiscard]] const std::string& build_id() const;
  [[nodiscard]] const DebugInfoOrigin& debug_origin() const;
  [[nodiscard]] std::uint16_t machine() const;  // e_machine
  [[nodiscard]] bool is_64bit() const;

  // The sized function symbol holding vaddr, or the nearest preceding unsized one if no other
  // symbol starts in between. Never a symbol whose [value, value + size) misses vaddr.
  [[nodiscard]] std::optional<SymbolHit> symbol_at(VirtAddr vaddr) const;

  // Frames for vaddr, innermost first: DWARF where it covers the address (inline chain, file,
  // line, column), else one frame from the symbol table, else empty. Never fails.
  [[nodiscard]] std::vector<Frame> frames_at(VirtAddr vaddr, const FrameOptions& options) const;

  // symbol_at and frames_at together, the symbol table searched once.
  struct Lookup {
    std::optional<SymbolHit> symbol;
    std::vector<Frame> frames;
  };
  [[nodiscard]] Lookup lookup(VirtAddr vaddr, const FrameOptions& options) const;
  // lookup() of each address, in order. After prepare() with these addresses, the lookups in
  // compile units it prepared run on all its threads, one unit's on one thread (unless units
  // refer into one another). Must not run concurrently with other calls on this Module.
  [[nodiscard]] std::vector<Lookup> lookup_all(std::span<const VirtAddr> vaddrs,
                                               const FrameOptions& options) const;

  // Optional, before looking up many addresses: does now, spread over the machine's cores (up
  // to 8 threads), the per-compile-unit work their lookups will need (the walk of the unit's
  // DIEs for its DIE tree and function index, its line table), after reading the symbol
  // tables. Answers do not change; lookup does any work left undone.
  // Must not run concurrently with other calls on this Module.
  void prepare(std::span<const VirtAddr> vaddrs, const FrameOptions& options) const;

  // Optional, when lookups with lines will follow: the compressed debug sections they read
  // start inflating (libc6-dbg's take ~30 ms of CPU) on the library's threads, at most one
  // fewer than worker threads for the whole process, largest section first of every module
  // started, so that the work overlaps whatever the caller does meanwhile (reading input,
  // opening other modules); the first lookup finishes what is left on its own thread and the
  // library's. Nothing to do: returns at once.
  // Must not run concurrently with other calls on this Module.
  void read_debug_info_ahead() const;
  // The bytes of the debug sections read_debug_info_ahead() started inflating, until the first
  // lookup with lines has waited for them (0: none). A caller with several modules looks up
  // those with the least first, while the others inflate.
  [[nodiscard]] std::uint64_t debug_bytes_inflating() const;

  // The symbol llvm-symbolizer names the (not inlined) function at vaddr after, in place of
  // DWARF's name: from this file's own symbol table (.symtab, else .dynsym; never a separate
  // debug file's), the function, object or untyped symbol of a section (not an ARM mapping
  // symbol) starting last at or before vaddr, of several at one address the largest, then the
  // one latest in the table; none when that symbol has a size and ends before vaddr. Its name,
  // value and, for a local symbol, the STT_FILE name before it. (symbol_at ranks aliases
  // otherwise, as GNU addr2line does: `__GI_getaddrinfo` where llvm-symbolizer says
  // `getaddrinfo`; and an unsized symbol never reaches past its section.) Thread-safe.
  [[nodiscard]] std::optional<SymbolHit> llvm_symbol(VirtAddr vaddr) const;

  // The data object holding vaddr when vaddr is not code (outside every executable section):
  // the variable whose DWARF location is its address (DW_OP_addr or DW_OP_addrx) and whose
  // type's size covers vaddr, with its declaration's file and line; else the sized object
  // symbol (STT_OBJECT, STT_TLS is not an address) covering it. The first call reads every
  // DIE of the file's DWARF. Must not run concurrently with other calls on this Module.
  [[nodiscard]] std::optional<DataObject> data_object(VirtAddr vaddr) const;

  // What GNU addr2line (binutils 2.40) answers for a vaddr in a section that is not code:
  // the function or label (STT_FUNC, STT_NOTYPE) of that section starting last at or before
  // vaddr (elf_find_function), and the declaration of a variable whose DW_OP_addr location is
  // vaddr itself. Empty name or file when there is none of it; none when neither. Must not
  // run concurrently with other calls on this Module.
  struct GnuData {
    std::string name;
    std::string file;
    std::uint32_t line = 0;
  };
  [[nodiscard]] std::optional<GnuData> gnu_data(VirtAddr vaddr) const;

  // Of this file's own symbols at `value` (.symtab, else .dynsym; functions and untyped
  // labels), the one GNU addr2line names vaddr after when no DWARF names it (binutils 2.40,
  // elf_find_function / better_fit): one that covers vaddr over one that does not, a function
  // over a label, the smaller, else the first in the table (`C2` of two equal constructors
  // where symbol_at prefers the shorter or alphabetically first name). Its raw name; none
  // when the file has no such symbol at `value`. Thread-safe.
  [[nodiscard]] std::optional<std::string> gnu_alias(VirtAddr vaddr, std::uint64_t value) const;

  // The function holding vaddr as the file's unwind table bounds it: [begin, end) of the
  // .eh_frame entry (FDE) covering vaddr, found through .eh_frame_hdr's sorted index (or, without
  // one, every FDE read at the first call). Known in stripped files, where no symbol names a
  // static function; a function's .cold part has an entry of its own. None outside every entry,
  // and in files without .eh_frame. Thread-safe.
  struct CodeRange {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
  };
  [[nodiscard]] std::optional<CodeRange> unwind_range(VirtAddr vaddr) const;

  // The address and size of the section called `name` (addr2line -j), if the file has one.
  struct SectionRange {
    std::uint64_t address = 0;
    std::uint64_t size = 0;
  };
  [[nodiscard]] std::optional<SectionRange> section(std::string_view name) const;

  // Up to `size` bytes of file content at vaddr (within the segment's file image).
  [[nodiscard]] std::span<const std::uint8_t> bytes_at(VirtAddr vaddr, std::size_t size) const;

  struct Impl;

 private:
  explicit Module(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sym

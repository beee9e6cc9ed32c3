// What an address resolves to: frames (innermost first), the covering symbol, and when nothing
// could be found, the reason why.
#pragma once

#include <libsym/address.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sym {

// One source-level frame. In a frame vector, index 0 is the innermost frame (where the PC is);
// the last entry is the physical (not inlined) function.
struct Frame {
  std::string function;  // demangled when demangling was asked for, else == raw_name
  std::string raw_name;  // as written in DWARF or the symbol table (mangled)
  std::string file;      // as DWARF names it (absolute when the CU has a comp_dir); "" unknown
  std::uint32_t line = 0;         // 0 = unknown
  std::uint32_t column = 0;       // 0 = unknown
  std::uint32_t discriminator = 0;
  bool inlined = false;  // this frame was inlined into the next one

  auto operator<=>(const Frame&) const = default;
};

// The symbol-table entry covering an address.
struct SymbolHit {
  std::string name;  // raw (mangled) name
  std::uint64_t value = 0;
  std::uint64_t size = 0;    // 0 = the symbol had no size (then the next symbol bounds it)
  std::uint64_t offset = 0;  // looked-up vaddr - value
  std::string file;  // for local symbols: the STT_FILE symbol before it (a source name), or ""
  auto operator<=>(const SymbolHit&) const = default;
};

// A variable (or other data object) holding an address that is not code.
struct DataObject {
  std::string name;        // raw (mangled) name
  std::uint64_t value = 0;  // its first byte
  std::uint64_t size = 0;   // 0 = unknown
  std::string file;         // where it is declared, "" unknown (from DWARF)
  std::uint32_t line = 0;   // 0 = unknown
  auto operator<=>(const DataObject&) const = default;
};

// Why an address has no frames. kNone means frames were found.
enum class Reason {
  kNone,
  kUnmapped,         // no mapping holds the address
  kAnonymous,        // anonymous memory (JIT code, heap, ...)
  kPseudo,           // [vdso], [vsyscall], [stack], ... : nothing on disk to read
  kMemfd,            // /memfd:... mapping, never on disk
  kFileMissing,      // the mapped file does not exist (any more)
  kNotRegularFile,   // the path names a FIFO, device, directory or socket
  kFileChanged,      // the file on disk is not the one that was mapped
  kBadObject,        // not a readable ELF file
  kOutsideSegments,  // the file offset is in no PT_LOAD segment
  kNoSymbol,         // valid module and vaddr, but no symbol or debug info covers it
  kDataObject,       // not code: a data object (Symbolized::data) covers it
  kNotAnAddress,     // the input was no address (llvm-symbolizer answers such a line "??")
};

// A short lowercase phrase ("unmapped address", "file changed since the snapshot", ...).
std::string_view describe(Reason reason);
// A stable identifier for machine-readable output ("unmapped", "file_changed", ...).
std::string_view reason_id(Reason reason);

// Itanium, Rust (legacy and v0), D and MSVC names demangled, as LLVM's demangler does, except
// Rust legacy names ("_ZN...17h<hash>E"), which LLVM reads as C++: those as rustc-demangle and
// binutils print them ("RawTable<T,A>::reserve", not "RawTable$LT$T$C$A$GT$::reserve::h..."),
// without hash or ".llvm." suffix. Anything else returned as is.
std::string demangle(std::string_view name);

// False when no demangler above would change the name: it does not begin with '_' followed
// (after more underscores) by 'Z', 'R' or 'D', nor with '.' or '?'. C names such as "malloc"
// or "__libc_start_main" are answered without trying a demangler.
bool may_be_mangled(std::string_view name);

// Demangled as GNU binutils prints it (addr2line -C): libiberty's C++ style ("> >",
// "std::string", "[clone .cold]"), Rust legacy names decoded and without their hash.
std::string demangle_gnu(std::string_view name);

// Where debug information came from.
enum class DebugSource { kNone, kSelf, kBuildId, kDebugLink, kDebuginfod };
std::string_view describe(DebugSource source);

}  // namespace sym

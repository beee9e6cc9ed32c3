// The debug sections a symbolizer reads of an ELF file, and the inflating of the compressed ones
// (SHF_COMPRESSED zlib or zstd, and GNU's .zdebug_*) on several threads, with libdeflate when the
// build has it. Used for a module's DWARF and for its dwz supplementary file's.
#pragma once

#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Support/MemoryBuffer.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace llvm {
class DWARFContext;
namespace object {
class ObjectFile;
class SectionRef;
}  // namespace object
}  // namespace llvm

namespace sym::detail {

// Threads for work that can be shared out: the CPUs this process may run on (its affinity mask,
// which taskset and container CPU sets limit), at most 8. LIBSYM_THREADS=N sets it (1: one
// thread, as before threads were used).
unsigned worker_threads();

// A section's contents, if they can be read.
std::optional<llvm::StringRef> contents_of(const llvm::object::SectionRef& section);

// A section compressed the GNU way (binutils' --compress-debug-sections=zlib-gnu, the default
// of older toolchains): named .zdebug_*, holding "ZLIB", the size inflated (8 bytes, big
// endian) and a zlib stream. LLVM 19 no longer reads these; GNU addr2line does, and so do we.
struct GnuCompressed {
  std::uint64_t size;
  llvm::StringRef stream;
};
std::optional<GnuCompressed> gnu_compressed(llvm::StringRef name, llvm::StringRef data);

// The compressed debug sections a lookup reads, each inflated by whichever thread takes it,
// largest first (LLVM inflates every compressed debug section, one after the other: 205 M of
// the 501 M instructions of 1 000 lookups in libc).
class SectionInflation {
 public:
  // The sections are found now; nothing is inflated yet. `object` must outlive this.
  explicit SectionInflation(const llvm::object::ObjectFile& object);
  SectionInflation(const SectionInflation&) = delete;
  SectionInflation& operator=(const SectionInflation&) = delete;
  ~SectionInflation();

  // One thread of its own starts taking sections, unless worker_threads() such threads (of any
  // file) are inflating already: a process map of many modules with compressed debug files
  // starts a few, the others inflate when first looked up.
  void start_ahead();

  // Every section inflated, by this thread, the one started ahead and up to worker_threads()
  // in all; then the inflated ones by name. Those that failed are left out, and said.
  void finish(llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>>& sections,
              std::vector<std::string>& failed);

 private:
  struct Job {
    std::string name;         // as DWARFContext names the section
    std::uint32_t type;       // ELFCOMPRESS_ZLIB (also .zdebug) or ELFCOMPRESS_ZSTD
    llvm::StringRef payload;  // the zlib stream or the zstd frames
    std::uint64_t size;       // what the header claims
    std::unique_ptr<std::uint8_t[]> out = nullptr;
    bool ok = false;  // out holds exactly `size` bytes of the section
  };

  void take();

  std::vector<Job> jobs_;
  std::atomic<std::size_t> next_{0};
  std::thread ahead_;
  static inline std::atomic<unsigned> running_ahead{0};
};

// What DWARFContext::create(ObjectFile) reads of an executable, a shared object or a debug file,
// with only the sections a lookup needs, the compressed ones from `inflation` (which names in
// `failed` those that did not inflate). Relocations are not applied. `sections` holds what the
// context refers to and must outlive it.
std::unique_ptr<llvm::DWARFContext> dwarf_from_sections(
    const llvm::object::ObjectFile& object, SectionInflation& inflation,
    llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>>& sections,
    std::vector<std::string>& failed, bool thread_safe);

}  // namespace sym::detail

// The debug sections a symbolizer reads of an ELF file, and the inflating of the compressed ones
// (SHF_COMPRESSED zlib or zstd, and GNU's .zdebug_*) on several threads, with libdeflate when the
// build has it. Used for a module's DWARF and for its dwz supplementary file's.
#pragma once

#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Support/MemoryBuffer.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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
//
// The sections of every file started ahead wait in one queue for the process, largest first
// whatever their file, and are taken by at most worker_threads() - 1 threads, so that the
// thread that started them goes on with a core of its own. A process map of many modules thus
// inflates its largest section (libc6-dbg's .debug_info, 15 ms) first, as soon as its file is
// found, and never more sections at once than there are cores.
class SectionInflation {
 public:
  // The sections are found now; nothing is inflated yet. `object` must outlive this.
  explicit SectionInflation(const llvm::object::ObjectFile& object);
  SectionInflation(const SectionInflation&) = delete;
  SectionInflation& operator=(const SectionInflation&) = delete;
  // Its sections still waiting are withdrawn from the queue; one being inflated is waited for.
  ~SectionInflation();

  // Its sections join the process's queue. Does nothing with worker_threads() of 1.
  void start_ahead();

  // The bytes its sections inflate to.
  [[nodiscard]] std::uint64_t bytes() const;

  // Every section inflated: by this thread, largest first, and by the queue's threads, which
  // take this file's sections before any other file's; then the inflated ones by name. Those
  // that failed are left out, and said.
  void finish(llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>>& sections,
              std::vector<std::string>& failed);

 private:
  friend class InflationQueue;
  struct Job {
    std::string name;         // as DWARFContext names the section
    std::uint32_t type;       // ELFCOMPRESS_ZLIB (also .zdebug) or ELFCOMPRESS_ZSTD
    llvm::StringRef payload;  // the zlib stream or the zstd frames
    std::uint64_t size;       // what the header claims
    std::unique_ptr<std::uint8_t[], void (*)(std::uint8_t*)> out{nullptr, nullptr};
    bool ok = false;  // out holds exactly `size` bytes of the section
  };

  static void inflate(Job& job);

  std::vector<Job> jobs_;  // largest first, and taken in that order
  // Under the queue's lock: how many jobs a thread has taken, whether they are in the queue,
  // whether finish() waits for them, and how many of them the queue's threads are inflating.
  std::size_t taken_ = 0;
  bool queued_ = false;
  bool waited_for_ = false;
  unsigned inflating_ahead_ = 0;
};

// While one lives, the queue's threads take no section: a symbolizer opening every module of a
// batch under one has the largest section of them all inflated first (the first module's
// would otherwise be taken at once). finish() still inflates its own.
class InflationHold {
 public:
  InflationHold();
  InflationHold(const InflationHold&) = delete;
  InflationHold& operator=(const InflationHold&) = delete;
  ~InflationHold();
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

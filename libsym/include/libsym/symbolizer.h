// Resolves batches of addresses: groups them by module, opens each module once, resolves each
// distinct address once and returns the answers in input order.
#pragma once

#include <libsym/address.h>
#include <libsym/frame.h>
#include <libsym/mapping.h>
#include <libsym/module.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sym {

// The full answer for one input address. Not finding anything is a value (reason), not an error.
struct Symbolized {
  std::uint64_t input = 0;   // the address as given (absolute, or a vaddr in -e mode)
  std::uint64_t lookup = 0;  // what was looked up: input, or input - 1 for return addresses
  const Mapping* mapping = nullptr;  // the maps line holding it (process mode)
  std::string module;                // path of the file, "" when none
  std::optional<FileOffset> file_offset;
  std::optional<VirtAddr> vaddr;  // of `lookup`
  std::optional<SymbolHit> symbol;
  std::vector<Frame> frames;  // innermost first
  // When no frame names it: where the function holding `lookup` begins by the module's unwind
  // table (Module::unwind_range), so that a stripped file's static function is still one.
  std::optional<VirtAddr> function_start;
  // Not code (Reason::kDataObject): the variable holding `lookup` (symbol names it too).
  std::optional<DataObject> data;
  Reason reason = Reason::kNone;
  std::string detail;  // extra words for the reason (an error message), may be empty
};

enum class Adjust { kNone, kReturnAddress };

struct SymbolizerOptions {
  FrameOptions frames;
  DebugSearch debug;
  // Compare the inode in the maps line with the file on disk (when both name the same device)
  // and refuse a replaced file. Off automatically when a sysroot is given (the files are copies).
  bool verify_identity = true;
  // The live process the map was read from, if any: a mapping whose file was deleted (or
  // replaced) is then read through /proc/PID/map_files/START-END, which the kernel keeps.
  std::optional<std::uint64_t> live_pid;
};

// A module that could not be used (reason set), or was opened with a warning (reason kNone,
// e.g. unreadable section headers), reported once per path.
struct ModuleProblem {
  std::string path;
  Reason reason = Reason::kNone;
  std::string detail;
};

class Symbolizer {
 public:
  explicit Symbolizer(SymbolizerOptions options = {});
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;
  ~Symbolizer();

  // Called once for each module that cannot be used (missing, replaced, not ELF, ...), once for
  // each module that opened with a warning, and once for each problem a lookup finds later
  // (a compile unit with broken DWARF: Module::warning() grows).
  void on_problem(std::function<void(const ModuleProblem&)> handler);

  // Absolute addresses in a process described by `map`. The returned values point into `map`.
  // `room`: a vector whose storage the answers may take, its elements dropped (a caller that
  // answers batch after batch hands the last batch's vector back: a batch of 7 000 answers is
  // 2.5 MB, fresh pages each time otherwise).
  std::vector<Symbolized> symbolize(const ProcessMap& map, std::span<const AbsAddr> addresses,
                                    Adjust adjust, std::vector<Symbolized> room = {});
  Symbolized symbolize(const ProcessMap& map, AbsAddr address, Adjust adjust);

  // ELF virtual addresses in one file (classic addr2line -e). `room` as for symbolize.
  std::vector<Symbolized> symbolize_elf(const std::string& path,
                                        std::span<const VirtAddr> addresses, Adjust adjust,
                                        std::vector<Symbolized> room = {});

  // For answers to be printed in OutputStyle::kLlvm: names the function that is not inlined
  // (each answer's last frame) as llvm-symbolizer does, after the file's own symbol table
  // (Module::llvm_symbol), where that symbol is an alias of the one holding the address (it
  // starts where that one does): `getaddrinfo` where DWARF and symbol_at say
  // `__GI_getaddrinfo`; never an unsized symbol reaching past its section (`_init` for a .plt
  // entry) or a sized one into padding. `demangle`: Frame::function demangled, as printed.
  // GNU addr2line's choice of alias for a function that only the symbol table names
  // (Module::gnu_alias), in answers of symbolize or symbolize_elf: what its gnu style prints.
  void use_gnu_names(std::span<Symbolized> answers);
  void use_llvm_names(std::span<Symbolized> answers, bool demangle);

  // Registers a module built elsewhere (e.g. Module::from_buffer) under a path: mappings of that
  // path use it instead of the file system, without the inode check.
  void add_module(const std::string& path, std::unique_ptr<Module> module);

  // The module for a path (opened and cached), or the reason it cannot be used. `mapping`, when
  // given, is checked against the file on disk.
  const Module* module_for(const std::string& path, const Mapping* mapping, Reason* reason,
                           std::string* detail);

  [[nodiscard]] const SymbolizerOptions& options() const { return options_; }

 private:
  // The module of the answer before, while a run of answers comes from one module.
  struct LastModule {
    const Module* module = nullptr;
    const std::string* path = nullptr;  // of `module`
  };
  // The module an answer's address is in (module_for), reusing `last` for the same path.
  const Module* module_of(const Symbolized& r, LastModule& last);

  struct Entry {
    const Module* module = nullptr;
    Reason reason = Reason::kNone;
    std::string detail;
    bool trusted = false;  // registered by add_module: no identity check
  };
  Entry& entry_for(const std::string& path);
  // Looks up out[i] for each i in `which` (their vaddr set) and fills in the answers.
  void resolve_all(const Module& module, std::vector<Symbolized>& out,
                   std::span<const std::size_t> which);
  void report_new_warning(const std::string& path, const Module& module);

  SymbolizerOptions options_;
  std::function<void(const ModuleProblem&)> on_problem_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;     // opened, by path
  std::map<std::string, Entry> checked_;                      // checked against a maps line
  std::map<FileIdentity, std::unique_ptr<Module>> modules_;  // by file identity
  std::vector<std::unique_ptr<Module>> added_;                // from add_module
  std::map<const Module*, std::size_t> warned_;               // how much of warning() is told
};

}  // namespace sym

// One line of /proc/PID/maps (Mapping) and a whole snapshot (ProcessMap).
#pragma once

#include <libsym/address.h>
#include <libsym/diagnostic.h>

#include <llvm/Support/Error.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sym {

enum class MappingKind {
  kFile,       // backed by a path on disk
  kAnonymous,  // no path at all
  kPseudo,     // [heap], [stack], [vdso], [vvar], [vsyscall], [anon:name], ...
  kMemfd,      // /memfd:name, never on disk
};

struct Perms {
  bool read = false;
  bool write = false;
  bool exec = false;
  bool shared = false;
  auto operator<=>(const Perms&) const = default;
};

struct DevId {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  auto operator<=>(const DevId&) const = default;
};

struct Mapping {
  AbsAddr start;
  AbsAddr end;  // exclusive
  Perms perms;
  std::uint64_t pgoff = 0;
  DevId dev;
  std::uint64_t inode = 0;
  std::string path;  // without the " (deleted)" suffix
  MappingKind kind = MappingKind::kAnonymous;
  bool deleted = false;
  std::size_t line_number = 0;  // 1-based line in the text it came from
  std::string line;             // the line as it was written

  [[nodiscard]] bool contains(AbsAddr addr) const { return start <= addr && addr < end; }
  // addr - start + pgoff; addr must be inside the mapping.
  [[nodiscard]] FileOffset file_offset(AbsAddr addr) const;
  // The file name without directories, "[vdso]" for pseudo mappings, "" when anonymous.
  [[nodiscard]] std::string_view basename() const;
};

// Parses one maps line. On failure returns nullopt and sets *why to what was expected.
std::optional<Mapping> parse_maps_line(std::string_view line, std::string* why);

class ProcessMap {
 public:
  ProcessMap() = default;

  // Parses any /proc/PID/maps text: a live file, a saved snapshot or the section embedded in a
  // heap dump. Malformed lines are reported through `diags` (with `first_line` added to their
  // 1-based number) and skipped; all other lines are kept. Blank lines are ignored.
  static ProcessMap parse(std::string_view text, Diagnostics* diags = nullptr,
                          std::size_t first_line = 1);

  // Reads /proc/PID/maps (or the given file) and parses it.
  static llvm::Expected<ProcessMap> read_file(const std::string& path, Diagnostics* diags);

  // The mapping holding addr, or nullptr. Mappings are sorted by start and never overlap (parse
  // drops a line that overlaps an earlier one, with a diagnostic).
  [[nodiscard]] const Mapping* find(AbsAddr addr) const;

  [[nodiscard]] std::span<const Mapping> mappings() const { return mappings_; }
  [[nodiscard]] bool empty() const { return mappings_.empty(); }

  // Inserts in order; false (and nothing added) if it would overlap an existing mapping.
  bool add(Mapping mapping);

 private:
  std::vector<Mapping> mappings_;
};

}  // namespace sym

// Heap profiles: jemalloc heap_v2 dumps and gperftools/tcmalloc (and jemalloc <= 3.6) heap
// profiles, parsed into one model.
#pragma once

#include <libsym/address.h>
#include <libsym/diagnostic.h>
#include <libsym/mapping.h>

#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sym {

// Largest profile read into memory (compressed input is limited after decompression).
inline constexpr std::uint64_t kMaxProfileBytes = 16ULL << 30;

// One "CUROBJS: CURBYTES [ACCUMOBJS: ACCUMBYTES]" group as written in the file.
struct CountsLine {
  std::uint64_t inuse_objects = 0;
  std::uint64_t inuse_bytes = 0;
  std::uint64_t alloc_objects = 0;
  std::uint64_t alloc_bytes = 0;
  auto operator<=>(const CountsLine&) const = default;
};

struct ThreadCounts {
  std::uint64_t thread = 0;  // jemalloc's thread uid (not an OS tid)
  CountsLine counts;
};

struct StackSample {
  std::vector<AbsAddr> pcs;  // leaf first, return addresses, as in the file
  CountsLine counts;         // the t* line (jemalloc) or the line itself (gperftools)
  std::vector<ThreadCounts> threads;
  std::size_t line_number = 0;  // where the record starts
};

enum class ProfileFormat { kJemallocV2, kGperftools };

// How the printed counts relate to the true ones.
enum class Sampling {
  kNone,     // every allocation recorded (gperftools heapprofile, jemalloc lg_prof_sample:0 too)
  kPoisson,  // heap_v2/R, heapz_v2/R: k = 1 / (1 - exp(-(s/n)/R)) per counts line
  kLegacy,   // heap/2R: ratio = (s/n)/R, counts divided by it when below 1
};

struct ThreadInfo {
  std::uint64_t thread = 0;
  CountsLine counts;
  std::string name;  // "" when the dump has none
};

struct HeapProfile {
  ProfileFormat format = ProfileFormat::kJemallocV2;
  Sampling sampling = Sampling::kNone;
  std::uint64_t period = 1;  // R, mean bytes between samples
  CountsLine totals;         // header line
  std::vector<ThreadInfo> threads;
  std::vector<StackSample> samples;
  bool has_maps = false;
  ProcessMap maps;
};

// A profile's text: a regular uncompressed file is mapped (read as the parser goes, its pages
// released behind it); gzip input and standard input are read (and decompressed) into memory.
class ProfileText {
 public:
  [[nodiscard]] std::string_view text() const { return mapped_ ? mapped_view() : owned_; }
  [[nodiscard]] bool mapped() const { return mapped_ != nullptr; }

 private:
  friend llvm::Expected<ProfileText> open_profile_file(const std::string&, std::uint64_t);
  [[nodiscard]] std::string_view mapped_view() const;
  std::shared_ptr<llvm::MemoryBuffer> mapped_;
  std::string owned_;
};
llvm::Expected<ProfileText> open_profile_file(const std::string& path,
                                              std::uint64_t max_bytes = kMaxProfileBytes);

// The whole content of a heap profile: a regular file, or standard input for "-". Input that
// starts with the gzip magic (1f 8b) is decompressed (several members are concatenated). Both
// the raw and the decompressed size are bounded by max_bytes.
llvm::Expected<std::string> read_profile_file(const std::string& path,
                                              std::uint64_t max_bytes = kMaxProfileBytes);

// Decompresses gzip data (all members), at most max_bytes of output.
llvm::Expected<std::string> gunzip(std::string_view data, std::uint64_t max_bytes);

struct MapsSection {
  std::string_view text;      // the maps lines, up to the end of the input
  std::size_t first_line = 0;  // 1-based number of its first line
};

// The maps part of a profile: after a "MAPPED_LIBRARIES:" or "--- Memory map: ---" line.
std::optional<MapsSection> find_maps_section(std::string_view text);

// jeprof's "symbolized profile" (what `jeprof --raw` and ClickHouse write, so that a profile can
// be read without the program's files): a symbol section, then the profile itself.
//   --- symbol
//   binary=/path/to/program                 (optional)
//   0x00007f0123456789 outer--inlined--...  (names of one address, outermost function first)
//   ---
//   --- heap                                (optional)
//   heap_v2/524288 ...                      (the profile, as the allocator wrote it)
// The addresses are those jeprof looks up: a caller's return address minus one, the leaf's as
// written. Lines starting with '%' before it are skipped, as jeprof skips them.
struct SymbolSection {
  std::string binary;  // "binary=" when given
  std::unordered_map<std::uint64_t, std::string> names;  // "outer--inlined--..." by address
  std::size_t profile_offset = 0;  // where the profile's text starts
  std::size_t profile_line = 0;    // the number of lines before it
};
// The symbol section at the start of `text`; none when `text` does not start with one. Lines
// it cannot read go to diags; a section without its closing "---" is an error.
llvm::Expected<std::optional<SymbolSection>> read_symbol_section(std::string_view text,
                                                                  Diagnostics* diags);

// Parses either family (told apart by the first line). Problems with single lines go to diags
// (the line is skipped and the rest still parsed). An input that is no heap profile at all is an
// error; when that is because of its first line, diags also has that line (number 1).
llvm::Expected<HeapProfile> parse_heap_profile(std::string_view text, Diagnostics* diags);

// The streaming form: every complete record goes to `sink` in file order, with the profile's
// header as read so far (format, sampling, period, threads), instead of into
// HeapProfile::samples (which stays empty), so memory does not grow with the dump.
using SampleSink = std::function<void(StackSample&&, const HeapProfile& header)>;
struct ParseOptions {
  // `text` is a read-only file mapping (ProfileText::mapped): pages already parsed are handed
  // back to the kernel as the parser goes. Never set for text in ordinary memory.
  bool release_read_pages = false;
};
llvm::Expected<HeapProfile> parse_heap_profile(std::string_view text, Diagnostics* diags,
                                               const SampleSink& sink,
                                               const ParseOptions& options = {});

// True values for one counts line: objects and bytes multiplied by the sampling correction.
struct Estimate {
  double objects = 0;
  double bytes = 0;
};
Estimate unbias(std::uint64_t objects, std::uint64_t bytes, Sampling sampling,
                std::uint64_t period);

}  // namespace sym

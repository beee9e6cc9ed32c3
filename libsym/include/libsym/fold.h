// Heap profile processing (layer 4): picks a metric, unbiases every counts line, symbolizes each
// distinct return address of a dump once, expands inline frames, cuts allocator frames, applies
// --drop/--focus, folds identical symbolized stacks, sums several dumps and diffs against a base.
// The output formats are in fold_printer.h.
#pragma once

#include <libsym/mapping.h>
#include <libsym/profile.h>
#include <libsym/symbolizer.h>

#include <llvm/Support/Error.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace sym {

enum class Metric { kInuseSpace, kInuseObjects, kAllocSpace, kAllocObjects };

// "inuse_space", "inuse_objects", "alloc_space", "alloc_objects".
std::string_view metric_name(Metric metric);
// True for the two *_space metrics (values are bytes); false for object counts.
bool metric_is_bytes(Metric metric);

// How frames are told apart when identical stacks are merged.
enum class FrameKey {
  kFullName,   // demangled name with parameter list (folded output)
  kShortName,  // name without return type and parameter list (text table)
  kLocation,   // name, module, file offset, file, line (JSON: one entry per code location)
  kAddress,    // the dump's address and the frame's place in its inline chain (pprof: one
               // Location per distinct address); stacks stay apart by address
};

struct FoldOptions {
  Metric metric = Metric::kInuseSpace;
  std::optional<std::uint64_t> thread;  // only this jemalloc thread uid's lines
  bool inlines = true;                  // expand inline frames
  bool inline_marker = false;           // append "_[i]" to inlined frames
  bool lines = false;                   // append ":LINE" when known
  bool keep_allocator = false;          // do not cut allocator frames
  FrameKey key = FrameKey::kFullName;
  std::vector<std::regex> drop;   // frames whose name matches any are removed
  std::vector<std::regex> focus;  // only stacks with a frame matching any are kept
};

// One distinct frame of the output.
struct FoldedFrame {
  std::string label;     // ready for folded output: sanitized, ":LINE" and "_[i]" applied
  std::string function;  // demangled full name as binutils (and jeprof) print it; "" unknown
  std::string module;    // file path of the mapping, "" when none
  std::optional<std::uint64_t> offset;  // file offset looked up (return address - 1)
  std::string file;
  std::uint32_t line = 0;
  bool inlined = false;
  // Filled with FrameKey::kAddress (and kept for the others where cheap):
  std::optional<std::uint64_t> address;  // the return address as written in the dump
  std::uint32_t depth = 0;               // place in that address's inline chain, 0 = innermost
  std::int32_t mapping = -1;             // index into FoldedProfile::mappings, -1 when none
  std::string raw_name;                  // the name before demangling (DWARF linkage or symbol)
};

// A mapped file that frames point into (pprof's Mapping).
struct FoldedMapping {
  std::uint64_t start = 0;
  std::uint64_t limit = 0;   // exclusive
  std::uint64_t offset = 0;  // file offset of start
  std::string path;
  std::string build_id;  // hex, "" when unknown
};

struct FoldedStack {
  std::vector<std::uint32_t> frames;  // indices into FoldedProfile::frames, root first
  double value = 0;                   // summed over the dumps
  double base = 0;                    // summed over the --base dumps
  // Every metric, indexed by Metric, summed over the dumps and over the base dumps.
  std::array<double, 4> metrics{};
  std::array<double, 4> base_metrics{};
};

struct FoldedProfile {
  Metric metric = Metric::kInuseSpace;
  bool has_base = false;
  bool has_alloc = false;  // some dump had allocation (prof_accum) counts
  std::vector<FoldedFrame> frames;
  std::vector<FoldedMapping> mappings;
  std::vector<FoldedStack> stacks;  // sorted by their folded text (byte order)
};

// Accumulates dumps. Not thread-safe; the symbolizer is shared so modules open once.
class Folder {
 public:
  Folder(FoldOptions options, Symbolizer& symbolizer);
  Folder(const Folder&) = delete;
  Folder& operator=(const Folder&) = delete;
  ~Folder();

  // Warnings about a dump as a whole (no maps, no accum data, thread absent), one line each,
  // without the tool's name.
  void on_warning(std::function<void(const std::string&)> handler);

  // Adds one parsed dump. `maps` overrides the dump's own MAPPED_LIBRARIES section; without
  // either, frames are labelled with their raw addresses. `source` names the dump in warnings.
  void add(const HeapProfile& profile, const ProcessMap* maps, const std::string& source,
           bool is_base = false);

  // Parses and adds one dump's text without keeping its samples: a first pass collects the
  // distinct addresses and the maps section (it comes last), a second folds each record as it
  // is read, so memory grows with the distinct addresses and folded stacks, not with the dump.
  // `text` may be a file mapping (ProfileText::mapped()): its pages are released behind the
  // parser. Line problems go to `diags`; an input that is no heap profile is an error.
  // `written_ns`, when known, is when the dump was written (its file's mtime): a mapped file
  // modified after it (rebuilt in place, keeping its inode) is named in a warning, since its
  // names may not be those of the code that ran.
  llvm::Error add_text(std::string_view text, bool mapped, const ProcessMap* maps,
                       const std::string& source, bool is_base, Diagnostics* diags,
                       std::optional<std::int64_t> written_ns = std::nullopt);

  // The folded result (stacks whose rounded values are all zero are left out).
  [[nodiscard]] FoldedProfile result() const;
  // The same, moved out without copying the stacks; the folder is left empty, as if new.
  [[nodiscard]] FoldedProfile take_result();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// ---- Name helpers (exposed for tests) ----

// The demangled name without its return type and parameter list (and trailing cv/ref
// qualifiers, ABI tags): "void* fallback_impl<false>(unsigned long)" -> "fallback_impl<false>",
// "ns::f(int) const" -> "ns::f", "operator new[](unsigned long)" -> "operator new[]".
std::string_view function_short_name(std::string_view demangled);

// The name without the suffixes of a compiler's clone of the function: demangled " [clone
// .cold]" (GNU) or " (.constprop.0)" (LLVM), or a symbol's ".cold", ".part.N", ".isra.N",
// ".constprop.N", ".lto_priv.N", ".localalias": "foo(int) [clone .isra.0]" -> "foo(int)",
// "main.cold" -> "main". A clone is the same function in a profile.
std::string_view without_clone_suffixes(std::string_view name);

// The last component of the short name without template arguments:
// "void* fallback_impl<false>(unsigned long)" -> "fallback_impl", "a::b<int>::c<x>()" -> "c".
std::string_view function_base_name(std::string_view demangled);

// Whether a (demangled) function name is part of a memory allocator (jemalloc internals with any
// private prefix, the public malloc family, operator new/new[], tcmalloc, glibc's __libc_*).
bool is_allocator_function(std::string_view demangled);

// Whether a mapped file is an allocator library (basename libjemalloc* or libtcmalloc*).
bool is_allocator_module(std::string_view path);

// A name safe inside a folded line: ';' -> ':', control characters -> ' ', empty ->
// "[unknown]", and a final " DIGITS" becomes "_DIGITS" (it would read as a count).
std::string sanitize_frame_name(std::string_view name);

}  // namespace sym

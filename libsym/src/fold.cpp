#include <libsym/fold.h>

#include "fold_detail.h"
#include <libsym/printer.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <iterator>
#include <map>
#include <numeric>
#include <set>
#include <tuple>
#include <unordered_map>

namespace sym {

// ---------------------------------------------------------------------------------------------
// Metrics

std::string_view metric_name(Metric metric) {
  switch (metric) {
    case Metric::kInuseSpace: return "inuse_space";
    case Metric::kInuseObjects: return "inuse_objects";
    case Metric::kAllocSpace: return "alloc_space";
    case Metric::kAllocObjects: return "alloc_objects";
  }
  return "inuse_space";
}

bool metric_is_bytes(Metric metric) {
  return metric == Metric::kInuseSpace || metric == Metric::kAllocSpace;
}

namespace {

bool metric_is_alloc(Metric metric) {
  return metric == Metric::kAllocSpace || metric == Metric::kAllocObjects;
}

// ---------------------------------------------------------------------------------------------
// Demangled-name surgery

bool is_ident(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$';
}

bool ends_with_word(std::string_view s, std::string_view word) {
  if (!s.ends_with(word)) return false;
  return s.size() == word.size() || !is_ident(s[s.size() - word.size() - 1]);
}

// At s[i] the word "operator" starts: the index just past the operator's name ("operator<<",
// "operator()", "operator new[]", "operator< <int>" keeps its space; a conversion operator
// "operator bool" runs to the end).
std::size_t skip_operator(std::string_view s, std::size_t i) {
  i += 8;  // "operator"
  static constexpr std::string_view kSymbols[] = {
      "<=>", "<<=", ">>=", "->*", "<<", ">>", "<=", ">=", "->", "()", "[]", "<", ">", ","};
  for (std::string_view op : kSymbols) {
    if (s.substr(i).starts_with(op)) {
      i += op.size();
      // "operator< <int>": the space belongs to the name.
      if (s.substr(i).starts_with(" <")) ++i;
      return i;
    }
  }
  if (i < s.size() && s[i] == ' ') {
    for (std::string_view word : {std::string_view("new[]"), std::string_view("delete[]"),
                                  std::string_view("new"), std::string_view("delete")}) {
      if (s.substr(i + 1).starts_with(word) &&
          (i + 1 + word.size() == s.size() || !is_ident(s[i + 1 + word.size()]))) {
        return i + 1 + word.size();
      }
    }
    if (s.substr(i + 1).starts_with("\"\"")) return i + 1;  // operator"" _suffix
    return s.size();  // conversion operator: the type is the rest of the name
  }
  return i;
}

bool operator_at(std::string_view s, std::size_t i) {
  return s.substr(i).starts_with("operator") && (i == 0 || !is_ident(s[i - 1])) &&
         (i + 8 == s.size() || !is_ident(s[i + 8]));
}

// Calls f(i) for every character at nesting depth 0 (outside (), <>, [], {}), operator names
// skipped as a whole.
template <class F>
void scan_top_level(std::string_view s, F f) {
  int depth = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (depth == 0 && operator_at(s, i)) {
      i = skip_operator(s, i);
      continue;
    }
    const char c = s[i];
    if (c == '(' || c == '<' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == '>' || c == ']' || c == '}') {
      if (depth > 0) --depth;
    } else if (depth == 0) {
      f(i);
    }
    ++i;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// Whether `rest` ("constprop.0.isra.0", "cold") is nothing but the suffixes GCC gives clones of
// a function: cold, localalias, and part, isra, constprop, lto_priv with a number.
bool only_clone_suffixes(std::string_view rest) {
  auto number = [](std::string_view n) {
    return !n.empty() && n.find_first_not_of("0123456789") == std::string_view::npos;
  };
  // The text up to the next '.', taken off `rest`.
  auto next_word = [](std::string_view& rest) {
    const std::size_t dot = rest.find('.');
    const std::string_view word = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    return word;
  };
  for (;;) {
    const std::string_view word = next_word(rest);
    const bool numbered =
        word == "part" || word == "isra" || word == "constprop" || word == "lto_priv";
    if (!numbered && word != "cold" && word != "localalias") return false;
    std::string_view peek = rest;
    if (numbered || (word == "cold" && number(next_word(peek)))) {
      if (!number(next_word(rest))) return false;
    }
    if (rest.empty()) return true;
  }
}

// Removes what may follow a parameter list: cv/ref qualifiers, noexcept, clone suffixes.
std::string_view strip_suffixes(std::string_view s) {
  for (;;) {
    s = trim(s);
    // " [clone .cold]" (GNU) and " (.cold)" (LLVM) clone suffixes.
    if (s.ends_with("]")) {
      auto open = s.rfind(" [clone ");
      if (open != std::string_view::npos) {
        s = s.substr(0, open);
        continue;
      }
    }
    if (s.ends_with(")")) {
      auto open = s.rfind(" (.");
      if (open != std::string_view::npos && s.find(')', open) == s.size() - 1) {
        s = s.substr(0, open);
        continue;
      }
    }
    // Qualifiers count only when a parameter list precedes them ("operator&&" is a name).
    std::string_view t = s;
    bool stripped = false;
    for (bool matched = true; matched;) {
      matched = false;
      t = trim(t);
      for (std::string_view q :
           {std::string_view("const"), std::string_view("volatile"), std::string_view("noexcept"),
            std::string_view("&&"), std::string_view("&")}) {
        if (t.ends_with(q) && (q.front() == '&' || ends_with_word(t, q))) {
          t.remove_suffix(q.size());
          matched = stripped = true;
          break;
        }
      }
    }
    if (stripped && trim(t).ends_with(")")) {
      s = trim(t);
      continue;
    }
    return s;
  }
}

}  // namespace

std::string_view function_short_name(std::string_view demangled) {
  std::string_view s = strip_suffixes(demangled);
  // The parameter list: the balanced (...) group at the end, unless it is operator()'s name.
  if (s.ends_with(")")) {
    int depth = 0;
    std::size_t open = std::string_view::npos;
    for (std::size_t i = s.size(); i-- > 0;) {
      if (s[i] == ')') ++depth;
      if (s[i] == '(' && --depth == 0) {
        open = i;
        break;
      }
    }
    if (open != std::string_view::npos && open > 0 &&
        !ends_with_word(s.substr(0, open), "operator")) {
      s = trim(s.substr(0, open));
    }
  }
  // ABI tags: "f[abi:cxx11]".
  while (s.ends_with("]")) {
    auto tag = s.rfind("[abi:");
    if (tag == std::string_view::npos || tag == 0) break;
    s = s.substr(0, tag);
  }
  // The return type ends at the last top-level blank.
  std::size_t last_blank = std::string_view::npos;
  scan_top_level(s, [&](std::size_t i) {
    if (s[i] == ' ') last_blank = i;
  });
  if (last_blank != std::string_view::npos) s = s.substr(last_blank + 1);
  // "void* f" demangles with the '*' next to the type; a leading '*' or '&' would be odd.
  while (!s.empty() && (s.front() == '*' || s.front() == '&')) s.remove_prefix(1);
  return s.empty() ? trim(demangled) : s;
}

std::string_view function_base_name(std::string_view demangled) {
  std::string_view s = function_short_name(demangled);
  std::size_t start = 0;
  scan_top_level(s, [&](std::size_t i) {
    if (s[i] == ':' && i + 1 < s.size() && s[i + 1] == ':') start = i + 2;
  });
  s = s.substr(std::min(start, s.size()));
  if (operator_at(s, 0)) {
    // "operator< <int>" -> "operator<"; other operator names stay whole.
    auto end = skip_operator(s, 0);
    std::string_view name = s.substr(0, end);
    if (name.ends_with(" ")) name.remove_suffix(1);
    return name;
  }
  // Trailing template arguments.
  if (s.ends_with(">")) {
    int depth = 0;
    for (std::size_t i = s.size(); i-- > 0;) {
      if (s[i] == '>') ++depth;
      if (s[i] == '<' && --depth == 0) {
        if (i > 0) s = s.substr(0, i);
        break;
      }
    }
  }
  return s;
}

std::string_view without_clone_suffixes(std::string_view name) {
  for (;;) {
    // Demangled: " [clone .cold]" (GNU), " (.cold)" (LLVM).
    if (name.ends_with("]")) {
      const auto open = name.rfind(" [clone .");
      if (open != std::string_view::npos && name.find(']', open) == name.size() - 1) {
        name = name.substr(0, open);
        continue;
      }
    }
    if (name.ends_with(")")) {
      const auto open = name.rfind(" (.");
      if (open != std::string_view::npos && name.find(')', open) == name.size() - 1) {
        name = name.substr(0, open);
        continue;
      }
    }
    // A plain symbol name: "main.cold", "foo.constprop.0.isra.0".
    bool cut = false;
    for (std::size_t dot = name.find('.'); dot != std::string_view::npos && dot > 0;
         dot = name.find('.', dot + 1)) {
      if (only_clone_suffixes(name.substr(dot + 1))) {
        name = name.substr(0, dot);
        cut = true;
        break;
      }
    }
    if (!cut) return name;
  }
}

namespace {

// Base names (after any private prefix) that belong to an allocator.
constexpr std::string_view kAllocatorNames[] = {
    // jemalloc internals
    "prof_backtrace_impl", "prof_backtrace", "prof_tctx_create", "prof_alloc_prep", "imalloc",
    "imalloc_body", "imalloc_fastpath", "malloc_default", "newImpl", "fallback_impl",
    "fallbackNewImpl", "alignedNewImpl", "handleOOM", "do_rallocx", "do_realloc_nonnull_zero",
    "batch_alloc", "sdallocx_noflags", "ialloc", "iallocztm", "ipalloc", "ipallocztm",
    // public entry points
    "malloc", "calloc", "realloc", "reallocarray", "free", "cfree", "memalign", "posix_memalign",
    "aligned_alloc", "valloc", "pvalloc", "mallocx", "rallocx", "xallocx", "sdallocx", "dallocx",
    "operator new", "operator new[]", "operator delete", "operator delete[]",
    // glibc
    "__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_free", "__libc_memalign",
    "__libc_valloc", "__libc_pvalloc", "__posix_memalign",
    // gperftools
    "do_malloc", "do_malloc_or_cpp_alloc", "DoSampledAllocation", "__builtin_new",
    "__builtin_vec_new", "__builtin_delete", "__builtin_vec_delete",
    // Rust's allocator shims: __rust_alloc calls __rdl_alloc (the System allocator) or
    // __rg_alloc (a #[global_allocator]); rustc 1.80+ names them __rustc::__rust_alloc
    "__rust_alloc", "__rust_alloc_zeroed", "__rust_realloc", "__rust_dealloc", "__rdl_alloc",
    "__rdl_alloc_zeroed", "__rdl_realloc", "__rdl_dealloc", "__rg_alloc", "__rg_alloc_zeroed",
    "__rg_realloc", "__rg_dealloc"};

constexpr std::string_view kAllocatorPrefixes[] = {
    "irallocx_prof", "ixallocx_prof", "irealloc_prof", "prof_backtrace",
    "tc_",           "malloc_zone_",  "imalloc"};

// Rust's operator new: the alloc::alloc functions (alloc, realloc, exchange_malloc, ...),
// Global's Allocator implementation, every GlobalAlloc implementation (std's System,
// tikv-jemallocator's Jemalloc, a program's own counting wrapper) and the helpers System's
// calls. Collections that allocate through them (RawVec, hashbrown, Box::new) stay, as
// std::vector does in C++.
bool rust_allocator(std::string_view qualified) {
  // (The traits' default methods too: GlobalAlloc::realloc for an allocator without its own.)
  constexpr std::string_view kPrefixes[] = {"alloc::alloc::", "<alloc::alloc::Global>::",
                                            "<alloc::alloc::Global as ",
                                            "core::alloc::global::GlobalAlloc::",
                                            "core::alloc::Allocator::"};
  if (std::any_of(std::begin(kPrefixes), std::end(kPrefixes),
                  [&](std::string_view p) { return qualified.starts_with(p); })) {
    return true;
  }
  // "<X as core::alloc::global::GlobalAlloc>::alloc"; std's own in its older spelling too:
  // "std::sys::unix::alloc::<impl core::alloc::global::GlobalAlloc for std::alloc::System>::
  // alloc".
  if (qualified.find(" as core::alloc::global::GlobalAlloc>::") != std::string_view::npos ||
      qualified.find("<impl core::alloc::global::GlobalAlloc for ") != std::string_view::npos) {
    return true;
  }
  return qualified.starts_with("std::sys::") &&
         (qualified.ends_with("::aligned_malloc") || qualified.ends_with("::realloc_fallback"));
}

bool allocator_base(std::string_view base) {
  if (base.empty()) return false;
  if (std::find(std::begin(kAllocatorNames), std::end(kAllocatorNames), base) !=
      std::end(kAllocatorNames)) {
    return true;
  }
  return std::any_of(std::begin(kAllocatorPrefixes), std::end(kAllocatorPrefixes),
                     [&](std::string_view p) { return base.starts_with(p); });
}

}  // namespace

bool is_allocator_function(std::string_view demangled) {
  const std::string_view qualified = function_short_name(demangled);
  if (qualified.find("TCMalloc") != std::string_view::npos || qualified.starts_with("tcmalloc::") ||
      qualified == "__malloc_alloc_template::allocate" || qualified == "simple_alloc::allocate" ||
      rust_allocator(qualified)) {
    return true;
  }
  const std::string_view base = function_base_name(demangled);
  if (base.empty()) return false;
  // The allocators' functions are C functions (or global operators, in tcmalloc's anonymous
  // namespace, rustc's __rustc:: shims): a name in any other scope is the program's own
  // (Arena::malloc, Pool::free, a class's operator new), as in jeprof, which matches whole names.
  if (!qualified.starts_with(base) && !qualified.starts_with("(anonymous namespace)::") &&
      !qualified.starts_with("{anonymous}::") && !qualified.starts_with("__rustc::")) {
    return false;
  }
  if (allocator_base(base)) return true;
  // jemalloc's private namespace: "je_", "_rjem_je_", any "_X_je_"; the public prefix "_rjem_".
  if (base.starts_with("_rjem_") && allocator_base(base.substr(6))) return true;
  const auto je = base.find("je_");
  if (je != std::string_view::npos && (je == 0 || base.front() == '_') &&
      allocator_base(base.substr(je + 3))) {
    return true;
  }
  return false;
}

bool is_allocator_module(std::string_view path) {
  auto slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return base.starts_with("libjemalloc") || base.starts_with("libtcmalloc");
}

std::string sanitize_frame_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ';') {
      out += ':';
    } else if (u < 0x20 || u == 0x7f) {
      out += ' ';
    } else {
      out += c;
    }
  }
  if (trim(out).empty()) return "[unknown]";
  // A name ending in " DIGITS" would be read as a count column.
  std::size_t digits = 0;
  while (digits < out.size() && out[out.size() - 1 - digits] >= '0' &&
         out[out.size() - 1 - digits] <= '9') {
    ++digits;
  }
  if (digits > 0 && digits < out.size() && out[out.size() - 1 - digits] == ' ') {
    out[out.size() - 1 - digits] = '_';
  }
  return out;
}

namespace detail {

void append_labels(std::string& out, const std::vector<FoldedFrame>& frames,
                   const std::vector<std::uint32_t>& ids) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ';';
    out += frames[ids[i]].label;
  }
}

int compare_joined(const std::vector<FoldedFrame>& frames, const std::vector<std::uint32_t>& a,
                   const std::vector<std::uint32_t>& b) {
  // Both texts as streams of bytes: frame k's label, then ';' unless it is the last frame.
  std::size_t ka = 0;  // frame, and byte within its label followed by the separator
  std::size_t ia = 0;
  std::size_t kb = 0;
  std::size_t ib = 0;
  // The next byte of a text (-1 past its end), and a step past it.
  auto next = [&frames](const std::vector<std::uint32_t>& ids, std::size_t& k, std::size_t& i) {
    if (k >= ids.size()) return -1;
    const std::string& label = frames[ids[k]].label;
    if (i < label.size()) return static_cast<int>(static_cast<unsigned char>(label[i++]));
    ++k;
    i = 0;
    return k < ids.size() ? static_cast<int>(';') : -1;
  };
  for (;;) {
    // At the start of the same frame in both: the same bytes up to its end.
    while (ia == 0 && ib == 0 && ka < a.size() && kb < b.size() && a[ka] == b[kb] &&
           (ka + 1 < a.size()) == (kb + 1 < b.size())) {
      ++ka;
      ++kb;
    }
    const int ca = next(a, ka, ia);
    const int cb = next(b, kb, ib);
    if (ca != cb) return ca < cb ? -1 : 1;
    if (ca < 0) return 0;
  }
}

double rounded(double v) { return std::isfinite(v) ? std::round(v) : 0.0; }

std::string format_count(double v) {
  const double r = rounded(v);
  if (r <= 0) return "0";
  // Unbiased counts can pass 2^63 (a hostile dump's counts near 2^64, times the sampling
  // factor); printed in full, never wrapped.
  if (r < 9.0e18) return std::to_string(static_cast<long long>(r));
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.0f", r);
  return buf;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Folding

namespace {

enum class FrameClass : std::uint8_t { kOther, kAllocator, kUnresolved };

// One distinct return address of a dump, symbolized: built for one address at a time.
struct AddrInfo {
  std::vector<std::uint32_t> frames;  // innermost first
  std::vector<FrameClass> classes;
  std::uint32_t run = 0;  // leading frames that are allocator or unresolved
  int last_alloc = -1;    // index of the last allocator frame within that run

  void clear() {
    frames.clear();
    classes.clear();
    run = 0;
    last_alloc = -1;
  }
};

// What the fold keeps of an AddrInfo: its frames are a range of DumpAddresses::frames.
struct AddrFrames {
  std::uint32_t first = 0;  // innermost
  std::uint32_t count = 0;
  std::uint32_t run = 0;
  std::int32_t last_alloc = -1;
};

// The distinct return addresses of a dump, numbered in the order first seen. Open addressing
// over those numbers: a few million addresses (a dump of random stacks) cost about 20 bytes
// each, where a node-based set and map took about 90.
class AddressIndex {
 public:
  static constexpr std::uint32_t kAbsent = UINT32_MAX;

  // The number of `pc`, a new one when it was not seen before.
  std::uint32_t insert(std::uint64_t pc) {
    if (2 * (pcs_.size() + 1) > slots_.size()) grow();
    std::uint32_t& slot = slots_[slot_of(pc)];
    if (slot == kAbsent) {
      slot = static_cast<std::uint32_t>(pcs_.size());
      pcs_.push_back(pc);
    }
    return slot;
  }
  // The number of `pc`, kAbsent when it was never inserted.
  [[nodiscard]] std::uint32_t find(std::uint64_t pc) const {
    return slots_.empty() ? kAbsent : slots_[slot_of(pc)];
  }
  // Indexed by number.
  [[nodiscard]] const std::vector<std::uint64_t>& addresses() const { return pcs_; }

 private:
  // Where `pc` is, or the empty slot it would take (linear probing; the table is at most half
  // full, so the walk is short and ends).
  [[nodiscard]] std::size_t slot_of(std::uint64_t pc) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t at = static_cast<std::size_t>((pc * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
    while (slots_[at] != kAbsent && pcs_[slots_[at]] != pc) at = (at + 1) & mask;
    return at;
  }
  void grow() {
    slots_.assign(std::max<std::size_t>(1024, 2 * slots_.size()), kAbsent);
    for (std::size_t i = 0; i < pcs_.size(); ++i) {
      slots_[slot_of(pcs_[i])] = static_cast<std::uint32_t>(i);
    }
  }

  std::vector<std::uint64_t> pcs_;
  std::vector<std::uint32_t> slots_;  // a number, or kAbsent; the size a power of two
};

struct VectorHash {
  std::size_t operator()(const std::vector<std::uint32_t>& v) const noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL ^ v.size();
    for (std::uint32_t x : v) {
      h ^= x;
      h *= 0x100000001b3ULL;
      h ^= h >> 29;
    }
    return static_cast<std::size_t>(h);
  }
};

struct Values {
  double value = 0;
  double base = 0;
  std::array<double, 4> metrics{};
  std::array<double, 4> base_metrics{};
};

constexpr std::array<Metric, 4> kMetrics = {Metric::kInuseSpace, Metric::kInuseObjects,
                                            Metric::kAllocSpace, Metric::kAllocObjects};

std::size_t metric_index(Metric m) { return static_cast<std::size_t>(m); }



}  // namespace

struct Folder::Impl {
  FoldOptions options;
  Symbolizer& symbolizer;
  std::function<void(const std::string&)> warn;
  std::vector<FoldedFrame> frames;
  std::vector<std::uint8_t> dropped;  // per frame: matches --drop
  std::vector<std::uint8_t> focused;  // per frame: matches --focus
  std::unordered_map<std::string, std::uint32_t> frame_ids;
  std::unordered_map<std::vector<std::uint32_t>, Values, VectorHash> stacks;
  std::vector<FoldedMapping> mappings;
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::string>, std::int32_t>
      mapping_ids;
  bool has_base = false;
  bool has_alloc = false;
  std::vector<const AddrFrames*> scratch_stack;  // fold_sample's buffers
  std::vector<std::uint32_t> scratch_ids;
  std::uint32_t no_frames = UINT32_MAX;
  std::unordered_map<std::string, std::string> demangled;  // raw name -> name_of's answer

  Impl(FoldOptions o, Symbolizer& s) : options(std::move(o)), symbolizer(s) {}

  // A frame's name as jeprof prints it (binutils' demangler, c++filt's "> >" and "[clone .x]"),
  // whether or not the symbolizer demangled it: every output names frames as that oracle does.
  const std::string& name_of(const Frame& frame) {
    if (frame.raw_name.empty()) return frame.function;
    if (!may_be_mangled(frame.raw_name)) return frame.raw_name;
    auto it = demangled.find(frame.raw_name);
    if (it == demangled.end()) {
      it = demangled.emplace(frame.raw_name, demangle_gnu(frame.raw_name)).first;
    }
    return it->second;
  }

  void warning(const std::string& message) const {
    if (warn) warn(message);
  }

  static bool matches(const std::vector<std::regex>& patterns, const std::string& name) {
    for (const auto& re : patterns) {
      try {
        if (std::regex_search(name, re)) return true;
      } catch (const std::regex_error&) {
        // Too complex for this name: treated as no match.
      }
    }
    return false;
  }

  // The id of a frame, interned by the key the options ask for.
  std::uint32_t intern(FoldedFrame frame, const std::string& plain_name) {
    std::string key = frame.label;
    if (options.key == FrameKey::kLocation) {
      key += '\0';
      key += frame.function;
      key += '\0';
      key += frame.module;
      key += '\0';
      key += frame.offset ? to_hex(*frame.offset) : std::string();
      key += '\0';
      key += frame.file;
      key += '\0';
      key += std::to_string(frame.line);
      key += '\0';
      key += frame.inlined ? 'i' : 'o';
    } else if (options.key == FrameKey::kAddress) {
      key += '\0';
      key += frame.address ? to_hex(*frame.address) : std::string("-");
      key += '\0';
      key += std::to_string(frame.depth);
      key += '\0';
      key += frame.function;
    }
    auto [it, fresh] =
        frame_ids.try_emplace(std::move(key), static_cast<std::uint32_t>(frames.size()));
    if (fresh) {
      dropped.push_back(options.drop.empty() ? 0 : matches(options.drop, plain_name) ? 1 : 0);
      focused.push_back(options.focus.empty() ? 0 : matches(options.focus, plain_name) ? 1 : 0);
      frames.push_back(std::move(frame));
    }
    return it->second;
  }

  std::uint32_t placeholder() {
    if (no_frames == UINT32_MAX) {
      FoldedFrame f;
      f.label = "[no frames]";
      no_frames = intern(std::move(f), "[no frames]");
    }
    return no_frames;
  }

  // Label text for a frame named `name` (sanitized), decorated as the options ask.
  std::string label_for(const std::string& name, std::uint32_t line, bool inlined) const {
    std::string label = name;
    if (options.lines && line != 0) label += ":" + std::to_string(line);
    if (options.inline_marker && inlined) label += "_[i]";
    return label;
  }

  void add_frame(AddrInfo& info, FoldedFrame frame, const std::string& plain, FrameClass cls) {
    info.frames.push_back(intern(std::move(frame), plain));
    info.classes.push_back(cls);
  }

  // The index of the mapping holding a symbolized address (pprof needs start, limit, offset,
  // file and build id), -1 when it has none.
  std::int32_t mapping_of(const Symbolized& r) {
    if (r.mapping == nullptr || options.key != FrameKey::kAddress) return -1;
    const Mapping& m = *r.mapping;
    auto key = std::make_tuple(m.start.value(), m.end.value(), m.pgoff, m.path);
    auto [it, fresh] = mapping_ids.try_emplace(key, static_cast<std::int32_t>(mappings.size()));
    if (fresh) {
      FoldedMapping fm;
      fm.start = m.start.value();
      fm.limit = m.end.value();
      fm.offset = m.pgoff;
      fm.path = m.path;
      if (m.kind == MappingKind::kFile) {
        Reason reason = Reason::kNone;
        std::string detail;
        if (const Module* module = symbolizer.module_for(m.path, &m, &reason, &detail)) {
          fm.build_id = module->build_id();
        }
      }
      mappings.push_back(std::move(fm));
    }
    return it->second;
  }

  // Fills `info` (cleared first).
  void describe_address(std::uint64_t pc, const Symbolized* r, AddrInfo& info) {
    info.clear();
    if (r == nullptr) {
      // No maps: the raw return address, as written in the dump.
      FoldedFrame f;
      f.label = to_hex(pc);
      f.address = pc;
      std::string plain = f.label;
      add_frame(info, std::move(f), plain, FrameClass::kUnresolved);
    } else {
      const std::string module = !r->module.empty()      ? r->module
                                 : r->mapping != nullptr ? r->mapping->path
                                                         : std::string();
      const bool alloc_module = r->mapping != nullptr && is_allocator_module(r->mapping->path);
      const std::optional<std::uint64_t> offset =
          r->file_offset ? std::optional<std::uint64_t>(r->file_offset->value()) : std::nullopt;
      const std::int32_t mapping = mapping_of(*r);
      auto unknown = [&](std::uint32_t depth) {
        FoldedFrame f;
        f.label = sanitize_frame_name(unknown_frame_name(*r));
        f.module = module;
        f.offset = offset;
        f.address = pc;
        f.depth = depth;
        f.mapping = mapping;
        std::string plain = f.label;
        add_frame(info, std::move(f), plain,
                  alloc_module ? FrameClass::kAllocator : FrameClass::kUnresolved);
      };
      if (r->frames.empty()) {
        unknown(0);
      } else {
        // Innermost first; without inlines only the physical (outermost) function.
        const std::size_t first = options.inlines ? 0 : r->frames.size() - 1;
        for (std::size_t i = first; i < r->frames.size(); ++i) {
          const Frame& src = r->frames[i];
          // A clone (".cold", ".isra.0") is its function: one frame in every output.
          const std::string name(without_clone_suffixes(name_of(src)));
          if (name.empty()) {
            unknown(static_cast<std::uint32_t>(i - first));
            continue;
          }
          const bool inlined = options.inlines && src.inlined;
          std::string plain = sanitize_frame_name(
              options.key == FrameKey::kShortName ? function_short_name(name) : name);
          FoldedFrame f;
          f.label = label_for(plain, src.line, inlined);
          f.function = name;
          f.module = module;
          f.offset = offset;
          f.file = src.file;
          f.line = src.line;
          f.inlined = inlined;
          f.address = pc;
          f.depth = static_cast<std::uint32_t>(i - first);
          f.mapping = mapping;
          f.raw_name = src.raw_name;
          const FrameClass cls = alloc_module || is_allocator_function(name)
                                     ? FrameClass::kAllocator
                                     : FrameClass::kOther;
          add_frame(info, std::move(f), plain, cls);
        }
      }
    }
    find_run(info);
  }

  // The leading allocator-or-unresolved run of an address's frames and its last allocator
  // frame.
  static void find_run(AddrInfo& info) {
    while (info.run < info.classes.size() && info.classes[info.run] != FrameClass::kOther) {
      if (info.classes[info.run] == FrameClass::kAllocator)
        info.last_alloc = static_cast<int>(info.run);
      ++info.run;
    }
  }

  static double value_of(const CountsLine& c, const HeapProfile& p, Metric metric) {
    const bool alloc = metric_is_alloc(metric);
    const Estimate e = unbias(alloc ? c.alloc_objects : c.inuse_objects,
                              alloc ? c.alloc_bytes : c.inuse_bytes, p.sampling, p.period);
    return metric_is_bytes(metric) ? e.bytes : e.objects;
  }

  double sample_value(const StackSample& s, const HeapProfile& p, Metric metric) const {
    if (!options.thread) return value_of(s.counts, p, metric);
    double v = 0;
    for (const auto& t : s.threads) {
      if (t.thread == *options.thread) v += value_of(t.counts, p, metric);
    }
    return v;
  }

  // What one pass over a dump's samples learns for the warnings about the dump as a whole.
  struct DumpFacts {
    bool any_sample = false;
    bool any_alloc = false;    // some allocation (accum) count is non-zero
    bool thread_seen = false;  // --thread's uid appears in some counts line
  };

  void note(const StackSample& s, DumpFacts& f) const {
    f.any_sample = true;
    auto alloc = [](const CountsLine& c) { return c.alloc_objects != 0 || c.alloc_bytes != 0; };
    f.any_alloc = f.any_alloc || alloc(s.counts);
    for (const auto& t : s.threads) {
      f.any_alloc = f.any_alloc || alloc(t.counts);
      f.thread_seen = f.thread_seen || (options.thread && t.thread == *options.thread);
    }
  }

  void check_dump(const HeapProfile& p, const DumpFacts& f, const std::string& source) const {
    if (metric_is_alloc(options.metric) && !f.any_alloc && f.any_sample) {
      warning(source + ": every allocation (accum) count is zero; " +
              std::string(metric_name(options.metric)) +
              " needs a program run with MALLOC_CONF=prof_accum:true");
    }
    if (options.thread) {
      if (p.format == ProfileFormat::kGperftools) {
        warning(source +
                ": this profile format has no per-thread counts; --thread selects nothing");
        return;
      }
      const bool seen =
          f.thread_seen || std::any_of(p.threads.begin(), p.threads.end(), [&](const ThreadInfo& t) {
            return t.thread == *options.thread;
          });
      if (!seen)
        warning(source + ": thread " + std::to_string(*options.thread) + " does not appear");
    }
  }

  // The maps a dump is symbolized with (--maps, else its own section, else none: raw addresses);
  // without any (and without a symbol section, for which describe_all speaks), a warning.
  const ProcessMap* begin_dump(const HeapProfile& p, const ProcessMap* maps,
                               const std::string& source, bool is_base, bool has_symbols) {
    const ProcessMap* map = maps != nullptr ? maps : p.has_maps ? &p.maps : nullptr;
    if (map == nullptr && !has_symbols) {
      warning(source + ": no MAPPED_LIBRARIES section; frames are shown as raw return addresses");
    }
    if (is_base) has_base = true;
    return map;
  }

  // A sample's values: the chosen metric, or every metric for pprof. All zero: the sample is
  // neither symbolized nor folded.
  using SampleValues = std::array<double, 4>;
  SampleValues values_of(const StackSample& s, const HeapProfile& p) const {
    SampleValues v{};
    if (options.key == FrameKey::kAddress) {
      for (Metric m : kMetrics) v[metric_index(m)] = sample_value(s, p, m);
    } else {
      v[metric_index(options.metric)] = sample_value(s, p, options.metric);
    }
    return v;
  }

  // The distinct addresses of one dump, each described once.
  struct DumpAddresses {
    AddressIndex index;
    std::vector<AddrFrames> infos;      // by the address's number in `index`
    std::vector<std::uint32_t> frames;  // of every address, innermost first

    void store(std::uint32_t number, const AddrInfo& info) {
      infos[number] = {static_cast<std::uint32_t>(frames.size()),
                       static_cast<std::uint32_t>(info.frames.size()), info.run, info.last_alloc};
      frames.insert(frames.end(), info.frames.begin(), info.frames.end());
    }
  };

  // The names a symbolized profile's symbol section gives the return address `pc`: under
  // pc - 1, where jeprof looks a caller up, else under pc itself (the leaf, as written).
  const std::string* given_names(std::uint64_t pc, const SymbolSection* symbols) const {
    if (symbols == nullptr) return nullptr;
    if (pc != 0) {
      if (auto it = symbols->names.find(pc - 1); it != symbols->names.end()) return &it->second;
    }
    auto it = symbols->names.find(pc);
    return it != symbols->names.end() ? &it->second : nullptr;
  }

  // A frame named by the symbol section: "outer--inlined--...", outermost first; jeprof's
  // "<ADDRESS>" tags (16 hex digits, added to names it took from nm) are left out.
  void describe_given(std::uint64_t pc, const std::string& names, const ProcessMap* map,
                      AddrInfo& info) {
    std::vector<std::string> outer_first;
    for (std::size_t at = 0;;) {
      const std::size_t sep = names.find("--", at);
      outer_first.push_back(names.substr(at, sep == std::string::npos ? sep : sep - at));
      if (sep == std::string::npos) break;
      at = sep + 2;
    }
    const Mapping* m = map != nullptr && pc != 0 ? map->find(AbsAddr(pc - 1)) : nullptr;
    const bool alloc_module = m != nullptr && is_allocator_module(m->path);
    // Innermost first, as the symbolizer gives frames; without inlines the outermost only.
    std::vector<std::string> frames(outer_first.rbegin(), outer_first.rend());
    if (!options.inlines) frames.erase(frames.begin(), frames.end() - 1);
    auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    info.clear();
    const std::size_t count = frames.size();
    for (std::size_t depth = 0; depth < count; ++depth) {
      std::string raw(trim(frames[depth]));
      if (raw.size() > 18 && raw.back() == '>' && raw[raw.size() - 18] == '<' &&
          std::all_of(raw.end() - 17, raw.end() - 1, hex)) {
        raw.resize(raw.size() - 18);
      }
      const std::string name(
          without_clone_suffixes(may_be_mangled(raw) ? demangle_gnu(raw) : raw));
      const bool unnamed = name.empty() || (name.starts_with("0x") && parse_hex(name));
      std::string plain = sanitize_frame_name(
          unnamed ? to_hex(pc)
                  : options.key == FrameKey::kShortName ? std::string(function_short_name(name))
                                                        : name);
      const bool inlined = options.inlines && depth + 1 < count;
      FoldedFrame f;
      f.label = unnamed ? plain : label_for(plain, 0, inlined);
      f.function = unnamed ? std::string() : name;
      f.module = m != nullptr ? m->path : std::string();
      f.inlined = inlined;
      f.address = pc;
      f.depth = static_cast<std::uint32_t>(depth);
      // Without the mapping, a name that is no allocator's may still be an allocator internal
      // that nm named after a neighbour (jeprof's names for stripped libjemalloc frames are
      // "malloc_usable_size"): such frames count as unresolved, so the cut goes up to the
      // root-most allocator frame, as jeprof's does.
      const FrameClass cls = alloc_module || (!unnamed && is_allocator_function(name))
                                 ? FrameClass::kAllocator
                             : unnamed || m == nullptr ? FrameClass::kUnresolved
                                                       : FrameClass::kOther;
      add_frame(info, std::move(f), plain, cls);
    }
    find_run(info);
  }

  // A mapped file modified after the dump was written is named, once per dump: rebuilt in
  // place (`cp new prog` keeps the inode, which is all the maps line records), its names are
  // not those of the code that ran.
  // Once per file in `seen`.
  void warn_modified(const std::vector<Symbolized>& symbolized, const std::string& source,
                     std::int64_t written_ns, std::set<std::string>& seen) {
    auto utc = [](std::int64_t ns) {
      const std::time_t t = static_cast<std::time_t>(ns / 1000000000);
      std::tm tm{};
      char buf[32] = "?";
      if (gmtime_r(&t, &tm) != nullptr) std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
      return std::string(buf) + " UTC";
    };
    for (const Symbolized& r : symbolized) {
      if (r.module.empty() || r.mapping == nullptr || !seen.insert(r.module).second) continue;
      const Module* module = symbolizer.module_for(r.module, r.mapping, nullptr, nullptr);
      if (module == nullptr || module->identity().mtime_ns <= written_ns) continue;
      warning(source + ": " + r.module + " was modified at " + utc(module->identity().mtime_ns) +
              ", after the dump was written (" + utc(written_ns) +
              "): if it was rebuilt or replaced in place since, its names are not those of the "
              "code that ran");
    }
  }

  // Describes every address of `addrs.index`, in address order (the symbolizer's, and a
  // deterministic one for the frames' numbering), in batches so that the symbolizer's full
  // answers are held for one batch at a time.
  void describe_all(DumpAddresses& addrs, const ProcessMap* map, const SymbolSection* symbols,
                    const std::string& source,
                    std::optional<std::int64_t> written_ns = std::nullopt) {
    const std::vector<std::uint64_t>& pcs = addrs.index.addresses();
    std::vector<std::uint32_t> order(pcs.size());
    std::iota(order.begin(), order.end(), 0U);
    std::sort(order.begin(), order.end(),
              [&pcs](std::uint32_t a, std::uint32_t b) { return pcs[a] < pcs[b]; });
    addrs.infos.assign(pcs.size(), AddrFrames{});
    // A real dump's addresses are one batch (every module is then opened, and its debug
    // sections inflated, ahead of the lookups); a dump of millions is held a batch at a time.
    constexpr std::size_t kBatch = std::size_t{1} << 16;
    std::size_t unnamed = 0;  // addresses that the symbol section does not name
    std::set<std::string> warned_modified;
    std::vector<const std::string*> given;
    std::vector<AbsAddr> lookups;
    AddrInfo info;
    for (std::size_t from = 0; from < order.size(); from += kBatch) {
      const std::size_t to = std::min(order.size(), from + kBatch);
      // What the dump's symbol section names, as given; the rest from the files in the maps.
      given.assign(to - from, nullptr);
      lookups.clear();
      for (std::size_t i = from; i < to; ++i) {
        given[i - from] = given_names(pcs[order[i]], symbols);
        if (given[i - from] == nullptr) lookups.emplace_back(pcs[order[i]]);
      }
      unnamed += lookups.size();
      std::vector<Symbolized> symbolized;
      if (map != nullptr && !lookups.empty()) {
        symbolized = symbolizer.symbolize(*map, lookups, Adjust::kReturnAddress);
        if (written_ns) warn_modified(symbolized, source, *written_ns, warned_modified);
      }
      std::size_t next = 0;  // in symbolized
      for (std::size_t i = from; i < to; ++i) {
        const std::uint64_t pc = pcs[order[i]];
        if (given[i - from] != nullptr) {
          describe_given(pc, *given[i - from], map, info);
        } else {
          describe_address(pc, symbolized.empty() ? nullptr : &symbolized[next++], info);
        }
        addrs.store(order[i], info);
      }
    }
    if (symbols != nullptr && map == nullptr && unnamed != 0) {
      warning(source + ": " + std::to_string(unnamed) + " of " + std::to_string(pcs.size()) +
              " addresses have no name in the symbol section and there is no MAPPED_LIBRARIES "
              "section; they are shown as raw return addresses");
    }
  }

  // Folds one sample whose addresses are all in `addrs`.
  void fold_sample(const StackSample& s, const SampleValues& v, const DumpAddresses& addrs,
                   bool is_base) {
    scratch_stack.clear();
    for (AbsAddr pc : s.pcs) {
      const std::uint32_t number = addrs.index.find(pc.value());
      if (number == AddressIndex::kAbsent) return;  // not in the first pass: cannot happen
      scratch_stack.push_back(&addrs.infos[number]);
    }
    fold_one(scratch_stack, addrs.frames, scratch_ids);
    if (scratch_ids.empty()) return;  // --focus did not match
    auto it = stacks.find(scratch_ids);
    if (it == stacks.end()) it = stacks.emplace(scratch_ids, Values{}).first;
    Values& sum = it->second;
    (is_base ? sum.base : sum.value) += v[metric_index(options.metric)];
    auto& all = is_base ? sum.base_metrics : sum.metrics;
    for (std::size_t m = 0; m < all.size(); ++m) all[m] += v[m];
  }

  void add(const HeapProfile& p, const ProcessMap* maps, const std::string& source, bool is_base) {
    DumpFacts facts;
    DumpAddresses addrs;
    for (const auto& s : p.samples) {
      note(s, facts);
      if (values_of(s, p) == SampleValues{}) continue;
      for (AbsAddr pc : s.pcs) addrs.index.insert(pc.value());
    }
    check_dump(p, facts, source);
    has_alloc = has_alloc || facts.any_alloc;
    const ProcessMap* map = begin_dump(p, maps, source, is_base, false);
    describe_all(addrs, map, nullptr, source);
    for (const auto& s : p.samples) {
      const SampleValues v = values_of(s, p);
      if (v != SampleValues{}) fold_sample(s, v, addrs, is_base);
    }
  }

  // Two streaming passes over the text: the first collects the distinct addresses (the maps
  // section comes last in a dump), the second folds every sample as it is read.
  llvm::Error add_text(std::string_view text, bool mapped, const ProcessMap* maps,
                       const std::string& source, bool is_base, Diagnostics* diags,
                       std::optional<std::int64_t> written_ns) {
    // A symbolized profile (jeprof --raw, ClickHouse): its symbol section names the addresses;
    // the profile follows it, its lines numbered from the start of the file in diagnostics.
    auto section = read_symbol_section(text, diags);
    if (!section) return section.takeError();
    const SymbolSection* symbols = *section ? &**section : nullptr;
    std::size_t line_offset = 0;
    if (symbols != nullptr) {
      text = text.substr(symbols->profile_offset);
      line_offset = symbols->profile_line;
    }
    const std::size_t diags_before = diags != nullptr ? diags->size() : 0;
    const ParseOptions parse{mapped};
    DumpFacts facts;
    DumpAddresses addrs;
    auto header = parse_heap_profile(
        text, diags,
        [&](StackSample&& s, const HeapProfile& h) {
          note(s, facts);
          if (values_of(s, h) == SampleValues{}) return;
          for (AbsAddr pc : s.pcs) addrs.index.insert(pc.value());
        },
        parse);
    if (diags != nullptr) {
      for (std::size_t i = diags_before; i < diags->size(); ++i) {
        if ((*diags)[i].line != 0) (*diags)[i].line += line_offset;
      }
    }
    if (!header) return header.takeError();
    check_dump(*header, facts, source);
    has_alloc = has_alloc || facts.any_alloc;
    const ProcessMap* map = begin_dump(*header, maps, source, is_base, symbols != nullptr);
    describe_all(addrs, map, symbols, source, written_ns);
    auto second = parse_heap_profile(
        text, nullptr,
        [&](StackSample&& s, const HeapProfile& h) {
          const SampleValues v = values_of(s, h);
          if (v != SampleValues{}) fold_sample(s, v, addrs, is_base);
        },
        parse);
    if (!second) return second.takeError();
    return llvm::Error::success();
  }

  // Whether a stack is written: some rounded value is not zero.
  [[nodiscard]] bool kept(const Values& v) const {
    auto zero = [](const std::array<double, 4>& a) {
      return std::all_of(a.begin(), a.end(), [](double x) { return detail::rounded(x) == 0; });
    };
    if (options.key == FrameKey::kAddress) return !zero(v.metrics) || !zero(v.base_metrics);
    return detail::rounded(v.value) != 0 || detail::rounded(v.base) != 0;
  }

  // The result's metric and flags; its stacks sorted by their folded text, compared in place
  // (the joined text of a deep profile's stacks can be several times the dump's size).
  void finish(FoldedProfile& out) const {
    out.metric = options.metric;
    out.has_base = has_base;
    out.has_alloc = has_alloc;
    const auto& labels = out.frames;
    std::sort(out.stacks.begin(), out.stacks.end(),
              [&labels](const FoldedStack& a, const FoldedStack& b) {
                const int c = detail::compare_joined(labels, a.frames, b.frames);
                return c != 0 ? c < 0 : a.frames < b.frames;
              });
  }

  // The frame ids of one stack, root first, after the allocator cut, --focus and --drop. Empty
  // when --focus rejects the stack.
  void fold_one(const std::vector<const AddrFrames*>& stack,
                const std::vector<std::uint32_t>& frames_of, std::vector<std::uint32_t>& ids) {
    ids.clear();
    const int n = static_cast<int>(stack.size());
    // Allocator frames: everything leafward of and including the root-most allocator frame of
    // the leading run of allocator or unresolved frames.
    int cut_addr = -1;
    int cut_frame = -1;
    if (!options.keep_allocator) {
      for (int k = 0; k < n; ++k) {
        const AddrFrames& info = *stack[static_cast<std::size_t>(k)];
        if (info.last_alloc >= 0) {
          cut_addr = k;
          cut_frame = info.last_alloc;
        }
        if (info.run < info.count) break;
      }
      if (n > 0 && cut_addr == n - 1 && cut_frame == static_cast<int>(stack.back()->count) - 1) {
        cut_frame -= 1;  // never everything: the root-most frame stays
      }
    }
    bool focus_hit = options.focus.empty();
    for (int k = n - 1; k >= 0; --k) {
      const AddrFrames& info = *stack[static_cast<std::size_t>(k)];
      for (int j = static_cast<int>(info.count) - 1; j >= 0; --j) {
        if (k < cut_addr || (k == cut_addr && j <= cut_frame)) continue;
        const std::uint32_t id = frames_of[info.first + static_cast<std::uint32_t>(j)];
        if (!focus_hit && focused[id] != 0) focus_hit = true;
        if (dropped[id] != 0) continue;
        ids.push_back(id);
      }
    }
    if (!focus_hit) {
      ids.clear();
      return;
    }
    if (ids.empty()) ids.push_back(placeholder());
  }
};

Folder::Folder(FoldOptions options, Symbolizer& symbolizer)
    : impl_(std::make_unique<Impl>(std::move(options), symbolizer)) {}
Folder::~Folder() = default;

void Folder::on_warning(std::function<void(const std::string&)> handler) {
  impl_->warn = std::move(handler);
}

void Folder::add(const HeapProfile& profile, const ProcessMap* maps, const std::string& source,
                 bool is_base) {
  impl_->add(profile, maps, source, is_base);
}

llvm::Error Folder::add_text(std::string_view text, bool mapped, const ProcessMap* maps,
                             const std::string& source, bool is_base, Diagnostics* diags,
                             std::optional<std::int64_t> written_ns) {
  return impl_->add_text(text, mapped, maps, source, is_base, diags, written_ns);
}

FoldedProfile Folder::result() const {
  FoldedProfile out;
  out.frames = impl_->frames;
  out.mappings = impl_->mappings;
  out.stacks.reserve(impl_->stacks.size());
  for (const auto& [ids, v] : impl_->stacks) {
    if (impl_->kept(v)) out.stacks.push_back({ids, v.value, v.base, v.metrics, v.base_metrics});
  }
  impl_->finish(out);
  return out;
}

FoldedProfile Folder::take_result() {
  // The folder starts afresh (same options, symbolizer and warning handler); the old state is
  // moved into the result.
  auto old = std::make_unique<Impl>(impl_->options, impl_->symbolizer);
  old->warn = impl_->warn;
  std::swap(old, impl_);
  FoldedProfile out;
  out.frames = std::move(old->frames);
  out.mappings = std::move(old->mappings);
  out.stacks.reserve(old->stacks.size());
  while (!old->stacks.empty()) {
    auto node = old->stacks.extract(old->stacks.begin());
    const Values& v = node.mapped();
    if (old->kept(v)) {
      out.stacks.push_back({std::move(node.key()), v.value, v.base, v.metrics, v.base_metrics});
    }
  }
  old->finish(out);
  return out;
}

}  // namespace sym

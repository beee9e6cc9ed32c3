#include <libsym/profile.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace sym {

namespace {

// A cursor over one line with the few token shapes heap profiles use.
class LineReader {
 public:
  explicit LineReader(std::string_view line) : rest_(line) {}

  void skip_blanks() {
    while (!rest_.empty() && (rest_.front() == ' ' || rest_.front() == '\t')) rest_.remove_prefix(1);
  }
  bool literal(std::string_view word) {
    skip_blanks();
    if (!rest_.starts_with(word)) return false;
    rest_.remove_prefix(word.size());
    return true;
  }
  std::optional<std::uint64_t> number() {
    skip_blanks();
    std::size_t n = 0;
    while (n < rest_.size() && rest_[n] >= '0' && rest_[n] <= '9') ++n;
    auto v = parse_dec(rest_.substr(0, n));
    if (v) rest_.remove_prefix(n);
    return v;
  }
  // The next blank-separated word.
  std::string_view word() {
    skip_blanks();
    std::size_t n = 0;
    while (n < rest_.size() && rest_[n] != ' ' && rest_[n] != '\t') ++n;
    auto w = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return w;
  }
  [[nodiscard]] bool at_end() const {
    return rest_.find_first_not_of(" \t") == std::string_view::npos;
  }
  [[nodiscard]] std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// "C: B [AC: AB]"
std::optional<CountsLine> read_counts(LineReader& r) {
  CountsLine c;
  auto a = r.number();
  if (!a || !r.literal(":")) return std::nullopt;
  auto b = r.number();
  if (!b || !r.literal("[")) return std::nullopt;
  auto d = r.number();
  if (!d || !r.literal(":")) return std::nullopt;
  auto e = r.number();
  if (!e || !r.literal("]")) return std::nullopt;
  c.inuse_objects = *a;
  c.inuse_bytes = *b;
  c.alloc_objects = *d;
  c.alloc_bytes = *e;
  return c;
}

// Frames after "@": hex addresses; "(nil)" (glibc's %p of NULL) is a zero frame.
bool read_frames(LineReader& r, std::vector<AbsAddr>& pcs, std::string* bad) {
  for (;;) {
    auto w = r.word();
    if (w.empty()) return true;
    if (w == "(nil)") {
      pcs.emplace_back(0);
      continue;
    }
    auto v = w.starts_with("0x") || w.starts_with("0X") ? parse_hex(w) : std::nullopt;
    if (!v) {
      *bad = std::string(w);
      return false;
    }
    pcs.emplace_back(*v);
  }
}

struct Lines {
  std::string_view text;
  std::size_t number = 0;
  // With a read-only file mapping as `text`: the pages already read are given back to the
  // kernel every kReleaseBytes, so a large dump does not stay resident.
  bool release = false;
  const char* released = nullptr;  // everything before this was released
  static constexpr std::size_t kReleaseBytes = 32U << 20;

  bool next(std::string_view& line) {
    if (text.empty()) return false;
    auto nl = text.find('\n');
    line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number;
    if (release) release_read_pages();
    return true;
  }

  // Drops the whole pages before the current line (the line itself may still be in use).
  void release_read_pages() {
    if (released == nullptr) released = line_start();
    const char* upto = line_start();
    if (static_cast<std::size_t>(upto - released) < kReleaseBytes) return;
    static const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto first = (reinterpret_cast<std::uintptr_t>(released) + page - 1) & ~(page - 1);
    const auto last = (reinterpret_cast<std::uintptr_t>(upto) - 64 * 1024) & ~(page - 1);
    if (last > first) {
      // MADV_DONTNEED on a private read-only file mapping: the pages are read again from the
      // page cache if ever touched. Failure only means they stay resident.
      (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
    }
    released = upto;
  }
  [[nodiscard]] const char* line_start() const { return text.data(); }
};

bool is_maps_header(std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line == "MAPPED_LIBRARIES:" || line == "--- Memory map: ---";
}

// A first line that is no heap profile header: a diagnostic for line 1 (like every other bad
// line) and an error that says the input cannot be used at all.
llvm::Error header_error(std::string_view line, const std::string& what, Diagnostics* diags) {
  if (diags != nullptr) diags->push_back({1, std::string(line), what});
  return llvm::createStringError(std::errc::invalid_argument, "no heap profile: %s",
                                 what.c_str());
}

// "heap_v2/R", "heapz_v2/R", "heap/2R", "heapprofile", "heap": the sampling rule.
bool read_sampling(std::string_view tag, HeapProfile& p) {
  auto slash = tag.find('/');
  std::string_view kind = tag.substr(0, slash);
  std::optional<std::uint64_t> number;
  if (slash != std::string_view::npos) number = parse_dec(tag.substr(slash + 1));
  if ((kind == "heap_v2" || kind == "heapz_v2") && number) {
    p.sampling = Sampling::kPoisson;
    p.period = *number;
    return true;
  }
  if (kind == "heap" && number) {
    p.sampling = Sampling::kLegacy;
    p.period = *number / 2;
    return true;
  }
  if ((kind == "heapprofile" || kind == "heap") && slash == std::string_view::npos) {
    p.sampling = Sampling::kNone;
    p.period = 1;
    return true;
  }
  return false;
}

void finish_maps(HeapProfile& p, Lines& lines, Diagnostics* diags) {
  p.has_maps = true;
  p.maps = ProcessMap::parse(lines.text, diags, lines.number + 1);
  lines.text = {};
}

void parse_jemalloc(Lines& lines, HeapProfile& p, Diagnostics* diags, const SampleSink& sink) {
  auto report = [&](std::string_view line, std::string message) {
    if (diags != nullptr) diags->push_back({lines.number, std::string(line), std::move(message)});
  };
  // The record whose thread lines we are reading; handed on when the next one starts.
  StackSample record;
  StackSample* current = nullptr;
  bool any_record = false;
  auto flush = [&] {
    if (current != nullptr) sink(std::move(record), p);
    current = nullptr;
  };
  bool header_totals = false;
  std::string_view line;
  while (lines.next(line)) {
    if (line.empty()) continue;
    if (is_maps_header(line)) {
      flush();
      finish_maps(p, lines, diags);
      break;
    }
    LineReader r(line);
    if (line.front() == '@') {
      flush();
      r.literal("@");
      any_record = true;
      record.pcs.clear();
      record.counts = {};
      record.threads.clear();
      record.line_number = lines.number;
      std::string bad;
      if (!read_frames(r, record.pcs, &bad)) {
        report(line, "expected hexadecimal return addresses after '@', got '" +
                         quote_line(bad, 40) + "'");
        continue;
      }
      current = &record;
      header_totals = false;
      continue;
    }
    if (!r.literal("t")) {
      report(line, "expected '@ ADDR...', a '  tN: counts' line or MAPPED_LIBRARIES:");
      continue;
    }
    std::optional<std::uint64_t> thread;
    bool star = r.literal("*");
    if (!star) thread = r.number();
    if ((!star && !thread) || !r.literal(":")) {
      report(line, "expected 't*:' or 'tN:' with a thread number");
      continue;
    }
    auto counts = read_counts(r);
    if (!counts) {
      report(line, "expected counts 'OBJECTS: BYTES [OBJECTS: BYTES]'");
      continue;
    }
    if (current == nullptr && !any_record && !header_totals && star) {
      p.totals = *counts;
      header_totals = true;
    } else if (current == nullptr && !any_record && thread) {
      // Header thread lines may carry the thread's name (any text, spaces included).
      std::string_view name = r.rest();
      while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
      p.threads.push_back({*thread, *counts, std::string(name)});
    } else if (current != nullptr && star) {
      if (current->counts != CountsLine{} || !current->threads.empty()) {
        report(line, "second 't*:' line for the record on line " +
                         std::to_string(current->line_number));
        continue;
      }
      current->counts = *counts;
    } else if (current != nullptr && thread) {
      if (!r.at_end()) {
        report(line, "unexpected text after the counts");
        continue;
      }
      current->threads.push_back({*thread, *counts});
    } else {
      report(line, "counts line outside of a record");
    }
  }
  flush();
}

void parse_gperftools(Lines& lines, HeapProfile& p, Diagnostics* diags, const SampleSink& sink) {
  std::string_view line;
  while (lines.next(line)) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (is_maps_header(line)) {
      finish_maps(p, lines, diags);
      break;
    }
    LineReader r(line);
    StackSample s;
    s.line_number = lines.number;
    auto counts = read_counts(r);
    std::string bad;
    if (!counts || !r.literal("@")) {
      if (diags != nullptr) {
        diags->push_back({lines.number, std::string(line),
                          "expected 'OBJECTS: BYTES [OBJECTS: BYTES] @ ADDR...'"});
      }
      continue;
    }
    if (!read_frames(r, s.pcs, &bad)) {
      if (diags != nullptr) {
        diags->push_back({lines.number, std::string(line),
                          "expected hexadecimal return addresses after '@', got '" +
                              quote_line(bad, 40) + "'"});
      }
      continue;
    }
    s.counts = *counts;
    sink(std::move(s), p);
  }
}

}  // namespace

std::optional<MapsSection> find_maps_section(std::string_view text) {
  Lines lines{text};
  std::string_view line;
  while (lines.next(line)) {
    if (is_maps_header(line)) return MapsSection{lines.text, lines.number + 1};
  }
  return std::nullopt;
}

llvm::Expected<std::optional<SymbolSection>> read_symbol_section(std::string_view text,
                                                                  Diagnostics* diags) {
  Lines lines{text};
  std::string_view line;
  auto trimmed = [](std::string_view l) {
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
    while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
    return l;
  };
  // "--- NAME", any blanks after the dashes.
  auto marker = [&](std::string_view l, std::string_view name) {
    l = trimmed(l);
    return l.starts_with("---") && trimmed(l.substr(3)) == name;
  };
  std::size_t start = 0;  // of the line just read
  auto next = [&] {
    if (lines.line_start() == nullptr) return false;  // all read
    start = static_cast<std::size_t>(lines.line_start() - text.data());
    return lines.next(line);
  };
  // Where the line after the one just read starts.
  auto after = [&] {
    return lines.line_start() == nullptr
               ? text.size()
               : static_cast<std::size_t>(lines.line_start() - text.data());
  };
  auto no_profile = [] {
    return llvm::createStringError(std::errc::invalid_argument,
                                   "no profile follows the symbol section (--- symbol)");
  };
  // jeprof's "%..." command lines may come first.
  do {
    if (!next()) return std::nullopt;
  } while (line.starts_with("%"));
  if (!marker(line, "symbol")) return std::nullopt;
  SymbolSection section;
  auto note = [&](const std::string& why) {
    if (diags != nullptr) diags->push_back({lines.number, std::string(line.substr(0, 200)), why});
  };
  for (;;) {
    if (!next()) return no_profile();
    const std::string_view l = trimmed(line);
    // Any "---" line ends the section, as in jeprof; so does the profile's own first line, should
    // the "---" be missing.
    if (l.starts_with("---")) {
      section.profile_offset = after();
      section.profile_line = lines.number;
      if (marker(l, "heap") || marker(l, "growth")) return section;
      break;
    }
    if (l.starts_with("heap_v2/") || l.starts_with("heap profile:")) {
      section.profile_offset = start;
      section.profile_line = lines.number - 1;
      return section;
    }
    if (l.empty()) continue;
    if (l.starts_with("0x") || l.starts_with("0X")) {
      LineReader r(l);
      auto address = parse_hex(r.word());
      const std::string_view name = trimmed(r.rest());
      if (!address || name.empty()) {
        note("expected '0xADDRESS NAME[--INLINED...]' in the symbol section");
        continue;
      }
      section.names.insert_or_assign(*address, std::string(name));
      continue;
    }
    const auto eq = l.find('=');
    if (eq != std::string_view::npos && l.front() >= 'a' && l.front() <= 'z') {
      if (trimmed(l.substr(0, eq)) == "binary") {
        section.binary = std::string(trimmed(l.substr(eq + 1)));
      } else {
        note("unknown variable in the symbol section, ignored");
      }
      continue;
    }
    note("expected '0xADDRESS NAME[--INLINED...]' in the symbol section");
  }
  // The profile, after its "--- heap" (or "--- growth") line when there is one.
  while (next()) {
    if (trimmed(line).empty() || line.starts_with("%")) continue;
    const bool skip = marker(line, "heap") || marker(line, "growth");
    section.profile_offset = skip ? after() : start;
    section.profile_line = skip ? lines.number : lines.number - 1;
    if (section.profile_offset >= text.size()) return no_profile();
    return section;
  }
  return no_profile();
}

llvm::Expected<HeapProfile> parse_heap_profile(std::string_view text, Diagnostics* diags) {
  std::vector<StackSample> samples;
  auto profile = parse_heap_profile(
      text, diags, [&](StackSample&& s, const HeapProfile&) { samples.push_back(std::move(s)); });
  if (profile) profile->samples = std::move(samples);
  return profile;
}

llvm::Expected<HeapProfile> parse_heap_profile(std::string_view text, Diagnostics* diags,
                                               const SampleSink& sink,
                                               const ParseOptions& options) {
  // Every line an allocator writes ends with a newline: a last line without one was cut short
  // (a dump copied while being written, a full disk). It is left out, whatever it would parse
  // as (a maps line's path cut to "/usr/lib/x86_6" would name a file that is not there), and
  // said.
  std::string_view cut;
  if (const std::size_t nl = text.rfind('\n');
      nl != std::string_view::npos && nl + 1 < text.size()) {
    cut = text.substr(nl + 1);
    text = text.substr(0, nl + 1);
  }
  auto report_cut = [&] {
    if (cut.empty() || diags == nullptr) return;
    const auto number = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    diags->push_back({number, quote_line(cut, 80),
                      "the input ends inside this line (no newline after it): cut short? The "
                      "line is left out"});
  };
  Lines lines{text};
  lines.release = options.release_read_pages;
  std::string_view first;
  if (!lines.next(first)) {
    return llvm::createStringError(std::errc::invalid_argument, "empty input, no heap profile");
  }
  HeapProfile p;
  if (first.starts_with("heap_v2/")) {
    p.format = ProfileFormat::kJemallocV2;
    auto period = parse_dec(first.substr(8));
    if (!period) {
      return header_error(first, "expected 'heap_v2/PERIOD' with a decimal period", diags);
    }
    p.sampling = Sampling::kPoisson;
    p.period = *period;
  } else if (first.starts_with("heap profile:")) {
    p.format = ProfileFormat::kGperftools;
    LineReader r(first.substr(13));
    auto totals = read_counts(r);
    if (!totals || !r.literal("@")) {
      return header_error(first, "expected 'heap profile: N: B [N: B] @ TYPE'", diags);
    }
    p.totals = *totals;
    std::string_view tag = r.word();
    if (!read_sampling(tag, p) || !r.at_end()) {
      return header_error(first,
                          "unsupported profile type '" + std::string(tag) +
                              "' (expected heapprofile, heap_v2/R, heapz_v2/R or heap/2R)",
                          diags);
    }
  } else {
    return header_error(first, "not a heap profile, expected 'heap_v2/PERIOD' or 'heap profile:'",
                        diags);
  }
  if (p.sampling != Sampling::kNone && p.period == 0) {
    if (diags != nullptr) {
      diags->push_back({1, std::string(first),
                        "sample period 0 is impossible; counts are used as written"});
    }
    p.sampling = Sampling::kNone;
    p.period = 1;
  }
  if (p.format == ProfileFormat::kJemallocV2) {
    parse_jemalloc(lines, p, diags, sink);
  } else {
    parse_gperftools(lines, p, diags, sink);
  }
  report_cut();
  return p;
}

Estimate unbias(std::uint64_t objects, std::uint64_t bytes, Sampling sampling,
                std::uint64_t period) {
  Estimate e{static_cast<double>(objects), static_cast<double>(bytes)};
  if (objects == 0 || bytes == 0 || period == 0) return e;
  const double ratio = e.bytes / e.objects / static_cast<double>(period);
  double scale = 1.0;
  switch (sampling) {
    case Sampling::kNone: break;
    case Sampling::kPoisson: scale = 1.0 / -std::expm1(-ratio); break;
    case Sampling::kLegacy: scale = ratio < 1.0 ? 1.0 / ratio : 1.0; break;
  }
  if (!std::isfinite(scale)) scale = 1.0;
  e.objects *= scale;
  e.bytes *= scale;
  return e;
}

}  // namespace sym

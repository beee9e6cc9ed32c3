// mapresolve: addr2line that understands processes.
//
//   mapresolve --maps FILE ADDR...    addresses in a process described by a maps snapshot
//   mapresolve --pid PID ADDR...      addresses in a live process
//   mapresolve --dump FILE ADDR...    addresses in a heap dump's MAPPED_LIBRARIES section
//   mapresolve -e ELF ADDR...         ELF virtual addresses (classic addr2line)
//
// Without ADDR arguments, addresses are read from stdin (whitespace separated) and each batch
// of available input is answered and flushed before more is read, so it works as a coprocess.
#include "cli.h"

#include <libsym/explain.h>
#include <libsym/printer.h>
#include <libsym/profile.h>
#include <libsym/symbolizer.h>

#include <llvm/Support/Error.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <getopt.h>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

constexpr int kExitOk = 0;
constexpr int kExitInput = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage = R"(Usage: mapresolve [OPTION]... (--maps FILE | --pid PID | --dump FILE | -e ELF) [ADDR]...
Resolve runtime addresses to module, file offset, ELF virtual address, symbol, file:line
and inline frames. Without ADDR arguments, addresses are read from standard input.

Where the addresses come from (exactly one):
  -m, --maps=FILE         a /proc/PID/maps snapshot (addresses are absolute)
  -P, --pid=PID           a live process (reads /proc/PID/maps)
  -d, --dump=FILE         the MAPPED_LIBRARIES section of a heap profile
  -e, --exe=ELF           one ELF file; addresses are its virtual addresses (addr2line mode)

addr2line-compatible flags:
  -a, --addresses         print each input address before its answer
  -f, --functions         print function names
  -i, --inlines           print the whole inline chain (innermost first)
  -C, --demangle          demangle C++/Rust names
  -p, --pretty-print      one line per address
  -s, --basenames         strip directories from file names
  -j, --section=NAME      with -e: the addresses are offsets into section NAME
  Also accepted, as GNU addr2line's: --demangle=STYLE (binutils' style), -b/--target=BFD (the
  file's ELF header decides), -R/--recurse-limit, --no-recurse-limit, -H, -v. But -r is
  --return-address here (GNU's -r, --no-recurse-limit, changes nothing in its answers).

Output:
      --output=STYLE      default, gnu (GNU addr2line, exact), llvm (llvm-symbolizer), json
                          (default: gnu with -e, default otherwise)
  -r, --return-address    addresses are return addresses: look up ADDR-1 (the call)
  -x, --explain           show the walk step by step: maps line, file offset, PT_LOAD, vaddr,
                          symbol, debug info source, frames, and the machine code there
      --no-demangle       print raw (mangled) names in the default and json styles
      --symbols-only      names from the symbol tables only, no DWARF: no file:line and no
                          inline frames, but much faster on large binaries

Debug info:
      --debug-dir=DIR     also look for separate debug files in DIR (repeatable)
      --sysroot=DIR       prefix every path from the maps with DIR (another machine's files)
      --no-verify         use a mapped file even if its inode differs from the snapshot
      --debuginfod=URL    when no debug file is found locally, fetch it by build-id from the
                          debuginfod server URL (repeatable; several URLs may be given
                          space-separated). Default: the servers in DEBUGINFOD_URLS
      --no-debuginfod     never ask a debuginfod server, even with DEBUGINFOD_URLS set

  -h, --help              this text
  -V, --version           version

Exit status: 0 all input understood; 1 input errors (unreadable maps, bad address lines),
answers for the rest are still printed; 2 usage errors.
)";

struct Args {
  std::optional<std::string> maps_file;
  std::optional<std::string> pid;
  std::optional<std::string> dump_file;
  std::optional<std::string> exe;
  std::optional<std::string> section;  // -j: addresses are offsets into this section of -e's file
  sym::PrintOptions print;
  std::optional<sym::OutputStyle> style;
  bool return_address = false;
  bool explain = false;
  bool no_demangle = false;
  sym::SymbolizerOptions symbolizer;
  std::vector<std::string> addresses;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "mapresolve: %s\nTry 'mapresolve --help' for more information.\n",
               message.c_str());
  return kExitUsage;
}

std::optional<sym::OutputStyle> parse_style(std::string_view s) {
  if (s == "default") return sym::OutputStyle::kDefault;
  if (s == "gnu" || s == "GNU") return sym::OutputStyle::kGnu;
  if (s == "llvm" || s == "LLVM") return sym::OutputStyle::kLlvm;
  if (s == "json" || s == "JSON") return sym::OutputStyle::kJson;
  return std::nullopt;
}

// Parses argv; returns an exit code to stop with, or nullopt to go on.
std::optional<int> parse_args(int argc, char** argv, Args& args) {
  enum { kOutput = 1000, kNoDemangle, kSymbolsOnly, kRecurseLimit, kNoRecurseLimit };
  static const option kLong[] = {
      {"maps", required_argument, nullptr, 'm'},
      {"pid", required_argument, nullptr, 'P'},
      {"dump", required_argument, nullptr, 'd'},
      {"exe", required_argument, nullptr, 'e'},
      {"addresses", no_argument, nullptr, 'a'},
      {"functions", no_argument, nullptr, 'f'},
      {"inlines", no_argument, nullptr, 'i'},
      {"demangle", optional_argument, nullptr, 'C'},  // GNU's =STYLE: binutils' style anyway
      {"pretty-print", no_argument, nullptr, 'p'},
      {"basenames", no_argument, nullptr, 's'},
      {"output", required_argument, nullptr, kOutput},
      {"return-address", no_argument, nullptr, 'r'},
      {"explain", no_argument, nullptr, 'x'},
      {"no-demangle", no_argument, nullptr, kNoDemangle},
      {"symbols-only", no_argument, nullptr, kSymbolsOnly},
      SYM_CLI_SYMBOLIZER_OPTIONS,
      // GNU addr2line's other options: -j is honoured; the BFD target (the file's own ELF
      // header decides) and the demangler's recursion limit (none applies) change nothing.
      {"section", required_argument, nullptr, 'j'},
      {"target", required_argument, nullptr, 'b'},
      {"recurse-limit", no_argument, nullptr, kRecurseLimit},
      {"no-recurse-limit", no_argument, nullptr, kNoRecurseLimit},
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, 'V'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;
  int c = 0;
  while ((c = getopt_long(argc, argv, "m:P:d:e:afiCpsrxhVj:b:RvH", kLong, nullptr)) != -1) {
    if (sym::cli::apply_symbolizer_option(c, optarg, args.symbolizer)) continue;
    switch (c) {
      case 'm': args.maps_file = optarg; break;
      case 'P': args.pid = optarg; break;
      case 'd': args.dump_file = optarg; break;
      case 'e': args.exe = optarg; break;
      case 'a': args.print.addresses = true; break;
      case 'f': args.print.functions = true; break;
      case 'i': args.print.inlines = true; break;
      case 'C': args.print.demangle = true; break;
      case 'p': args.print.pretty = true; break;
      case 's': args.print.basenames = true; break;
      case 'r': args.return_address = true; break;
      case 'x': args.explain = true; break;
      case kOutput:
        args.style = parse_style(optarg);
        if (!args.style) return usage_error(std::string("unknown output style '") + optarg + "'");
        break;
      case kNoDemangle: args.no_demangle = true; break;
      case kSymbolsOnly: args.symbolizer.frames.lines = false; break;
      case 'j': args.section = optarg; break;
      case 'b':
      case 'R':
      case kRecurseLimit:
      case kNoRecurseLimit: break;
      case 'h':
      case 'H': std::fputs(kUsage, stdout); return kExitOk;
      case 'V':
      case 'v': std::puts("mapresolve (libsym) 0.1.0"); return kExitOk;
      default:
        return usage_error("unknown or incomplete option '" + sym::cli::offending_option(argv) +
                           "'");
    }
  }
  for (int i = optind; i < argc; ++i) args.addresses.emplace_back(argv[i]);
  int sources = (args.maps_file ? 1 : 0) + (args.pid ? 1 : 0) + (args.dump_file ? 1 : 0) +
                (args.exe ? 1 : 0);
  if (sources == 0) return usage_error("say where addresses live: --maps, --pid, --dump or -e");
  if (sources > 1) return usage_error("--maps, --pid, --dump and -e exclude each other");
  if (args.section && !args.exe) return usage_error("-j (--section) needs -e");
  sym::cli::finish_symbolizer_options(args.symbolizer);
  // The GNU style demangles only with -C, and then in binutils' style: the library's
  // (LLVM-style) demangling would be thrown away.
  const bool gnu = args.style ? *args.style == sym::OutputStyle::kGnu : args.exe.has_value();
  args.symbolizer.frames.demangle = !gnu && !args.no_demangle;
  // Without -i the GNU style prints the innermost frame only: the outer frames of the inline
  // chain (their names, call sites, strings) are not even made. The other styles print them all.
  args.symbolizer.frames.inlines = !gnu || args.print.inlines || args.explain;
  // The llvm style names a physical function after the file's own symbol table
  // (Symbolizer::use_llvm_names), else as DWARF names it, as llvm-symbolizer does.
  args.symbolizer.frames.symbol_table_names = args.style != sym::OutputStyle::kLlvm;
  // The gnu and llvm styles print the short names their originals print.
  args.symbolizer.frames.qualified_names = !gnu && args.style != sym::OutputStyle::kLlvm;
  if (args.pid) {
    args.symbolizer.live_pid = sym::parse_dec(*args.pid);
    if (!args.symbolizer.live_pid) {
      return usage_error("--pid needs a decimal process id, got '" + *args.pid + "'");
    }
  }
  return std::nullopt;
}

// GNU addr2line reads an address with binutils 2.40's bfd_scan_vma(text, 16): blanks first
// skipped; "-..." is 0; "+..." is read as C reads a number ("0x" hex, "0" octal, else decimal);
// anything else as hex with an optional "0x"; reading stops at the first other character; no
// digits is 0; a value too large for 64 bits is all ones.
std::uint64_t gnu_scan_vma(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) != 0) ++i;
  unsigned base = 16;
  if (i < s.size() && s[i] == '-') return 0;
  if (i < s.size() && s[i] == '+') {
    ++i;
    base = 0;
  }
  auto digit = [&](std::size_t at) -> unsigned {
    if (at >= s.size()) return 99;
    const char c = s[at];
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
    return 99;
  };
  if (i + 2 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
      digit(i + 2) < 16) {
    i += 2;
    base = 16;
  } else if (base == 0) {
    base = i < s.size() && s[i] == '0' ? 8 : 10;
  }
  std::uint64_t value = 0;
  bool saturated = false;
  for (unsigned d; (d = digit(i)) < base; ++i) {
    if (value > (UINT64_MAX - d) / base) saturated = true;
    value = value * base + d;
  }
  return saturated ? UINT64_MAX : value;
}

// The llvm style reads the first blank-separated word of a line as an address, hexadecimal
// with or without 0x as everywhere in mapresolve (llvm-symbolizer reads a number without 0x as
// decimal); none when it is not one (llvm-symbolizer answers "??" then).
std::optional<std::uint64_t> first_word_address(std::string_view line) {
  const std::size_t start = line.find_first_not_of(" \t\r\n\v\f");
  if (start == std::string_view::npos) return std::nullopt;
  line.remove_prefix(start);
  return sym::parse_hex(line.substr(0, line.find_first_of(" \t\r\n\v\f")));
}

// Writes each chunk's answers in the order the chunks were answered. Reading standard input,
// it does so on a thread of its own: the next chunk is looked up while this one is formatted,
// written and freed (docs/performance.md, fifth round: 5-8 % on libc-rand-100k, same peak memory).
class Writer {
 public:
  using Format = std::function<void(std::string&, const sym::Symbolized&)>;

  Writer(Format format, bool threaded) : format_(std::move(format)) {
    if (threaded) thread_ = std::thread([this] { run(); });
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() {
    if (!thread_.joinable()) return;
    {
      const std::lock_guard lock(mutex_);
      done_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  void write(std::vector<sym::Symbolized> answers) {
    if (!thread_.joinable()) {
      put(answers);
      answers.clear();
      spare_ = std::move(answers);
      return;
    }
    std::unique_lock lock(mutex_);
    // The chunk before is written first: two chunks' answers live at once at most (one written
    // while the next is looked up), whichever of the two is slower.
    changed_.wait(lock, [&] { return !pending_; });
    pending_ = std::move(answers);
    changed_.notify_all();
  }

  // The vector of a chunk written (emptied, its storage kept), for the next chunk's answers:
  // its pages are the process's already.
  std::vector<sym::Symbolized> room() {
    const std::lock_guard lock(mutex_);
    return std::exchange(spare_, {});
  }

  // Returns once everything handed over is written: before a message goes to stderr, so that
  // it follows the answers to the input before it.
  void drain() {
    if (!thread_.joinable()) return;
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !pending_; });
  }

 private:
  // Writes the answers, 64 KiB at a time, and frees each once it is formatted: the next
  // chunk's answers are made meanwhile, and what the two hold together is the peak memory.
  void put(std::vector<sym::Symbolized>& answers) const {
    std::string out;
    for (sym::Symbolized& r : answers) {
      format_(out, r);
      r = {};
      if (out.size() >= kFlushBytes) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  }

  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return done_ || pending_; });
      if (!pending_) return;
      // The chunk stays pending (drain waits for it) until it is written and emptied.
      lock.unlock();
      put(*pending_);
      pending_->clear();
      lock.lock();
      spare_ = std::move(*pending_);
      pending_.reset();
      changed_.notify_all();
    }
  }

  static constexpr std::size_t kFlushBytes = 1 << 16;

  Format format_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::vector<sym::Symbolized>> pending_;  // handed over, not yet written
  std::vector<sym::Symbolized> spare_;                    // written, kept for room()
  bool done_ = false;
  std::thread thread_;  // last: started once the members it uses exist
};

class Resolver {
 public:
  Resolver(Args& args, bool from_stdin)
      : args_(args),
        symbolizer_(args.symbolizer),
        // --explain reads the modules (symbolizer_) as it writes: on this thread.
        writer_([this](std::string& out, const sym::Symbolized& r) { format(out, r); },
                from_stdin && !args.explain) {
    symbolizer_.on_problem([this](const sym::ModuleProblem& p) {
      writer_.drain();
      sym::cli::report_problem("mapresolve", p, "", opening_exe_);
    });
  }
  // Loads the process map; false (with a message) if it cannot be read at all.
  bool load() {
    if (args_.exe) {
      // Classic addr2line: the file must be usable at all, or every answer would be "??".
      sym::Reason reason{};
      std::string detail;
      opening_exe_ = true;  // a problem that keeps it from being used is an error
      const sym::Module* exe = symbolizer_.module_for(*args_.exe, nullptr, &reason, &detail);
      opening_exe_ = false;
      if (exe == nullptr) return false;
      if (args_.section) {
        section_ = exe->section(*args_.section);
        if (!section_) {
          std::fprintf(stderr, "mapresolve: %s: cannot find section %s\n", args_.exe->c_str(),
                       args_.section->c_str());
          return false;
        }
      }
      choose_output(exe);
      return true;
    }
    std::string source;
    sym::Diagnostics diags;
    if (args_.maps_file || args_.pid) {
      source = args_.maps_file ? *args_.maps_file : "/proc/" + *args_.pid + "/maps";
      auto map = sym::ProcessMap::read_file(source, &diags);
      if (!map) {
        std::fprintf(stderr, "mapresolve: %s\n", llvm::toString(map.takeError()).c_str());
        return false;
      }
      map_ = std::move(*map);
    } else {
      source = *args_.dump_file;
      auto text = sym::read_profile_file(source);  // gzip-compressed dumps too
      if (!text) {
        std::fprintf(stderr, "mapresolve: %s\n", llvm::toString(text.takeError()).c_str());
        return false;
      }
      auto section = sym::find_maps_section(*text);
      if (!section) {
        std::fprintf(stderr, "mapresolve: %s: no MAPPED_LIBRARIES section\n", source.c_str());
        return false;
      }
      map_ = sym::ProcessMap::parse(section->text, &diags, section->first_line);
    }
    choose_output(nullptr);
    if (sym::cli::report_diagnostics("mapresolve", diags, source)) had_input_error_ = true;
    return true;
  }

  // Resolves the tokens of one line (or of the command line); bad tokens get a message.
  void answer(std::span<const std::string_view> tokens, const std::string& source,
              std::size_t line) {
    std::vector<std::uint64_t> values;
    values.reserve(tokens.size());
    for (std::string_view token : tokens) {
      if (auto v = sym::parse_hex(token)) {
        values.push_back(*v);
        continue;
      }
      writer_.drain();
      std::fprintf(stderr, "mapresolve: %s%s: not a hexadecimal address: '%s'\n",
                   source.c_str(), line == 0 ? "" : (":" + std::to_string(line)).c_str(),
                   sym::quote_line(token).c_str());
      had_input_error_ = true;
    }
    resolve(values);
  }

  // Resolves addresses and hands their answers to the writer.
  void resolve(std::span<const std::uint64_t> values) {
    if (values.empty()) return;
    hand_over(look_up(values));
  }

  // The gnu and llvm styles answer every line (or argument) once, as their originals do: a
  // line that is no clean address is read as GNU addr2line reads it, or answered "??" as
  // llvm-symbolizer answers it, with a message. The other styles answer every address of a
  // line and report the rest (answer()).
  [[nodiscard]] bool one_answer_per_line() const {
    return style_ == sym::OutputStyle::kGnu || style_ == sym::OutputStyle::kLlvm;
  }

  // One address of a line (one_answer_per_line), or none for llvm's "??". A line that is not a
  // clean address is said, after the answers to what came before it (`before`, resolved
  // first).
  std::optional<std::uint64_t> read_line(std::string_view line, const std::string& source,
                                         std::size_t number,
                                         std::vector<std::optional<std::uint64_t>>& before) {
    // Most lines are a bare hexadecimal address, which both originals read as written (unless
    // GNU's cuts it to 32 bits): read here without the scans below, which searched a set of
    // characters once per character of the line (callgrind, libc: 450 of the 5 600
    // instructions per address, all on the thread that reads).
    if (const auto clean = sym::parse_hex(line);
        clean && !(style_ == sym::OutputStyle::kGnu && exe_is_32bit_ && *clean > 0xffffffffU)) {
      return clean;
    }
    const std::size_t start = line.find_first_not_of(" \t\r");
    const std::string_view text =
        start == std::string_view::npos
            ? std::string_view{}
            : line.substr(start, line.find_last_not_of(" \t\r") - start + 1);
    std::optional<std::uint64_t> hex;
    if (text.find_first_of(" \t") == std::string_view::npos) hex = sym::parse_hex(text);
    std::optional<std::uint64_t> value;
    // The line is the clean hexadecimal address it was read as.
    auto as_written = [&] { return hex.has_value() && value.has_value() && *hex == *value; };
    std::string why;
    if (style_ == sym::OutputStyle::kGnu) {
      value = gnu_scan_vma(line);
      // An ELF32 file's addresses are 32 bits: GNU drops the bits above.
      if (exe_is_32bit_) *value &= 0xffffffffU;
      if (!text.empty() && !as_written()) {
        why = hex ? "is wider than the file's 32-bit addresses" : "is not a hexadecimal address";
        why += "; read as " + sym::to_hex(*value) + ", as GNU addr2line reads it";
      }
    } else {
      value = first_word_address(line);
      if (!text.empty() && !value) {
        why = "is not an address; answered ??, as llvm-symbolizer answers it";
      } else if (!text.empty() && !as_written()) {
        why = "read as " + sym::to_hex(*value) + ", its first word, as llvm-symbolizer reads it";
      }
    }
    if (!why.empty()) {
      answer_lines(before);
      before.clear();
      writer_.drain();
      std::fprintf(stderr, "mapresolve: %s%s: '%s' %s\n", source.c_str(),
                   number == 0 ? "" : (":" + std::to_string(number)).c_str(),
                   sym::quote_line(text).c_str(), why.c_str());
      had_input_error_ = true;
    }
    return value;
  }

  // Answers lines read by read_line, in order.
  void answer_lines(std::span<const std::optional<std::uint64_t>> lines) {
    if (lines.empty()) return;
    std::vector<std::uint64_t> values;
    values.reserve(lines.size());
    for (const auto& v : lines) {
      if (v) values.push_back(*v);
    }
    std::vector<sym::Symbolized> found =
        values.empty() ? std::vector<sym::Symbolized>{} : look_up(values);
    if (found.size() == lines.size()) {
      hand_over(std::move(found));
      return;
    }
    std::vector<sym::Symbolized> out(lines.size());
    for (std::size_t i = 0, k = 0; i < lines.size(); ++i) {
      if (lines[i]) {
        out[i] = std::move(found[k++]);
      } else {
        out[i].reason = sym::Reason::kNotAnAddress;
      }
    }
    hand_over(std::move(out));
  }

  // To the writer; in the llvm and gnu styles, names as their originals give them first (not
  // for --explain, which shows what was found).
  void hand_over(std::vector<sym::Symbolized> answers) {
    if (!args_.explain && style_ == sym::OutputStyle::kLlvm) {
      symbolizer_.use_llvm_names(answers, print_.demangle);
    }
    if (!args_.explain && style_ == sym::OutputStyle::kGnu) symbolizer_.use_gnu_names(answers);
    writer_.write(std::move(answers));
  }

  // addr2line -j: offsets into one section, answered as its address plus the offset and
  // printed as given (--explain walks from that address); an offset past the section's end
  // has no answer ("??"), as in GNU's.
  std::vector<sym::Symbolized> look_up_in_section(std::span<const std::uint64_t> offsets,
                                                  sym::Adjust adjust) {
    std::vector<sym::VirtAddr> addrs;
    std::vector<std::size_t> inside;
    std::vector<sym::Symbolized> out(offsets.size());
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      if (offsets[i] >= section_->size) {  // answered here: nothing
        out[i].input = out[i].lookup = offsets[i];
        out[i].module = *args_.exe;
        out[i].reason = sym::Reason::kNoSymbol;
        continue;
      }
      addrs.emplace_back(section_->address + offsets[i]);
      inside.push_back(i);
    }
    std::vector<sym::Symbolized> found = symbolizer_.symbolize_elf(*args_.exe, addrs, adjust);
    for (std::size_t k = 0; k < inside.size(); ++k) {
      out[inside[k]] = std::move(found[k]);
      if (!args_.explain) out[inside[k]].input = offsets[inside[k]];
    }
    return out;
  }

  // The answers to addresses (to offsets into -j's section).
  std::vector<sym::Symbolized> look_up(std::span<const std::uint64_t> values) {
    const auto adjust = args_.return_address ? sym::Adjust::kReturnAddress : sym::Adjust::kNone;
    if (args_.exe && section_) return look_up_in_section(values, adjust);
    if (args_.exe) {
      std::vector<sym::VirtAddr> addrs(values.begin(), values.end());
      return symbolizer_.symbolize_elf(*args_.exe, addrs, adjust, writer_.room());
    }
    std::vector<sym::AbsAddr> addrs(values.begin(), values.end());
    return symbolizer_.symbolize(map_, addrs, adjust, writer_.room());
  }

  // Everything handed to the writer is written.
  void finish() { writer_.drain(); }

  [[nodiscard]] bool had_input_error() const { return had_input_error_; }

 private:
  // Decided once the input is known: the style, and what it shows.
  void choose_output(const sym::Module* exe) {
    style_ = args_.style.value_or(exe != nullptr ? sym::OutputStyle::kGnu
                                                 : sym::OutputStyle::kDefault);
    print_ = args_.print;
    if (style_ != sym::OutputStyle::kGnu) {
      // The other styles show everything by default, like llvm-symbolizer.
      print_.inlines = true;
      print_.functions = true;
      print_.demangle = !args_.no_demangle;
    }
    if (exe != nullptr) print_.address_width = exe->is_64bit() ? 16 : 8;
    exe_is_32bit_ = exe != nullptr && !exe->is_64bit();
  }

  void format(std::string& out, const sym::Symbolized& r) {
    if (args_.explain) {
      const sym::Module* module =
          r.module.empty() ? nullptr
                           : symbolizer_.module_for(r.module, r.mapping, nullptr, nullptr);
      sym::explain(out, r, module, {args_.return_address, !args_.no_demangle});
    } else {
      sym::print(out, r, style_, print_);
    }
  }

  Args& args_;
  sym::OutputStyle style_ = sym::OutputStyle::kDefault;
  sym::PrintOptions print_;
  std::optional<sym::Module::SectionRange> section_;  // -j's section, once load() found it
  sym::Symbolizer symbolizer_;
  sym::ProcessMap map_;
  bool had_input_error_ = false;
  bool exe_is_32bit_ = false;  // -e names an ELF32 file
  bool opening_exe_ = false;   // load() is opening -e's file: its problems are errors
  Writer writer_;  // last: its thread formats with the members above
};

// Reads stdin in chunks; each chunk's complete lines are answered together and flushed before
// the next read, so a coprocess gets its answer as soon as its line is in.
void serve_stdin(Resolver& resolver) {
  std::string pending;
  std::size_t line_number = 0;
  char buf[1 << 16];
  std::vector<std::uint64_t> values;
  std::vector<std::string_view> line_tokens;
  std::vector<std::optional<std::uint64_t>> lines;  // one_answer_per_line
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    const bool eof = n <= 0;
    if (!eof) pending.append(buf, static_cast<std::size_t>(n));
    std::size_t end = eof ? pending.size() : pending.rfind('\n');
    if (end == std::string::npos) continue;
    std::string_view chunk(pending.data(), end);
    if (resolver.one_answer_per_line()) {
      // Every line of the chunk, empty ones too (its last newline is not in it); at the end of
      // the input, the text after the last newline, unless there is none.
      for (std::size_t pos = 0; !(eof && pending.empty());) {
        const std::size_t nl = chunk.find('\n', pos);
        const std::string_view line = chunk.substr(pos, nl - pos);
        lines.push_back(resolver.read_line(line, "<stdin>", ++line_number, lines));
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
      }
      resolver.answer_lines(lines);
      lines.clear();
      pending.erase(0, eof ? pending.size() : end + 1);
      if (eof) break;
      continue;
    }
    // Good lines are answered together; a line with a bad token is answered on its own so that
    // its message can name it, after everything before it.
    while (!chunk.empty()) {
      auto nl = chunk.find('\n');
      std::string_view line = chunk.substr(0, nl);
      chunk = nl == std::string_view::npos ? std::string_view{} : chunk.substr(nl + 1);
      ++line_number;
      line_tokens.clear();
      const std::size_t before = values.size();
      bool bad = false;
      for (std::size_t pos = 0;
           (pos = line.find_first_not_of(" \t\r", pos)) != std::string_view::npos;) {
        auto stop = line.find_first_of(" \t\r", pos);
        line_tokens.push_back(line.substr(pos, stop - pos));
        if (auto v = sym::parse_hex(line_tokens.back())) {
          values.push_back(*v);
        } else {
          bad = true;
        }
        pos = stop;
      }
      if (bad) {
        values.resize(before);
        resolver.resolve(values);
        values.clear();
        resolver.answer(line_tokens, "<stdin>", line_number);
      }
    }
    resolver.resolve(values);
    values.clear();
    pending.erase(0, eof ? pending.size() : end + 1);
    if (eof) break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (auto code = parse_args(argc, argv, args)) return *code;
  Resolver resolver(args, args.addresses.empty());
  if (!resolver.load()) return kExitInput;
  if (!args.addresses.empty() && resolver.one_answer_per_line()) {
    std::vector<std::optional<std::uint64_t>> lines;
    for (const std::string& a : args.addresses) {
      lines.push_back(resolver.read_line(a, "argument", 0, lines));
    }
    resolver.answer_lines(lines);
  } else if (!args.addresses.empty()) {
    const std::vector<std::string_view> tokens(args.addresses.begin(), args.addresses.end());
    resolver.answer(tokens, "argument", 0);
  } else {
    serve_stdin(resolver);
  }
  resolver.finish();
  // Everything is written: skip tearing down the DWARF contexts (a few percent of a run).
  std::fflush(stdout);
  std::_Exit(resolver.had_input_error() ? kExitInput : kExitOk);
}

// stackfold: jemalloc / gperftools heap profiles to folded stacks (flamegraph.pl, inferno,
// speedscope), a jeprof-style text table, JSON, pprof's profile.proto, an interactive SVG flame
// graph or a Graphviz call graph.
//
//   stackfold jeprof.1234.0.f.heap | flamegraph.pl > heap.svg
//   stackfold --format=svg -o heap.svg jeprof.1234.0.f.heap
//   stackfold --format=pprof -o heap.pb.gz jeprof.1234.0.f.heap && go tool pprof -top heap.pb.gz
//   stackfold --format=text --alloc-space dump.heap.gz
//   stackfold --base old.heap new.heap | flamegraph.pl > growth.svg   (two-column diff)
#include "cli.h"

#include <libsym/callgraph.h>
#include <libsym/flamegraph.h>
#include <libsym/fold_printer.h>
#include <libsym/pprof.h>
#include <libsym/profile.h>
#include <libsym/symbolizer.h>

#include <llvm/Support/Error.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <getopt.h>
#include <unistd.h>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int kExitOk = 0;
constexpr int kExitInput = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage = R"USAGE(Usage: stackfold [OPTION]... DUMP...
Turn jemalloc heap dumps (heap_v2, jeprof.PID.N.f.heap) and gperftools/tcmalloc heap profiles
into folded stacks for flamegraph.pl, inferno or speedscope ("root;...;leaf VALUE", sorted),
a jeprof --text style table, JSON, pprof's profile.proto, an interactive SVG flame graph or a
Graphviz call graph. DUMP may be "-" for standard input; gzip-compressed input is recognised.
Several dumps are summed, each symbolized with its own maps.

Metric (one; values are unbiased per counts line, like jeprof):
      --inuse-space       bytes in use at dump time (default)
      --inuse-objects     objects in use at dump time
      --alloc-space       bytes allocated over the run (needs prof_accum:true)
      --alloc-objects     objects allocated over the run (needs prof_accum:true)
  -t, --thread=N          only jemalloc thread uid N (the tN lines; not an OS thread id)
  -b, --base=FILE         subtract: folded output becomes "stack BASE VALUE" (difffolded's
                          two-column form); repeatable, base dumps are summed

Symbols:
  -m, --maps=FILE         use this /proc/PID/maps snapshot instead of the dumps' own
                          MAPPED_LIBRARIES sections (for every dump and base). Without any
                          maps, frames are printed as the raw return addresses of the dump
      --sysroot=DIR       prefix every path from the maps with DIR (another machine's files)
      --debug-dir=DIR     also look for separate debug files in DIR (repeatable)
      --no-verify         use a mapped file even if its inode differs from the snapshot
      --debuginfod=URL    when no debug file is found locally, fetch it by build-id from the
                          debuginfod server URL (repeatable; several URLs may be given
                          space-separated). Default: the servers in DEBUGINFOD_URLS
      --no-debuginfod     never ask a debuginfod server, even with DEBUGINFOD_URLS set

Frames:
      --keep-allocator    keep malloc/operator new/jemalloc-internal frames at the leaf
      --drop=REGEX        remove every frame whose name matches (repeatable)
      --focus=REGEX       keep only stacks with a frame whose name matches (repeatable;
                          tested after the allocator cut, before --drop)
      --no-inline         physical functions only, no inlined frames
      --inline-marker     append "_[i]" to inlined frames (flamegraph.pl colours them)
      --lines             append ":LINE" to each frame whose line is known
  REGEX is ECMAScript syntax (std::regex), searched anywhere in the demangled name.

Output:
  -f, --format=FORMAT     folded (default), text, json, pprof (gzip-compressed profile.proto
                          for go tool pprof), svg (interactive flame graph) or dot (call
                          graph for Graphviz: dot -Tsvg)
  -o, --output=FILE       write to FILE instead of standard output ("-": standard output)
      --cum               text: sort by cum instead of flat
      --show-bytes        text, svg, dot: integer bytes instead of MB with one decimal
      --title=TEXT        svg, dot: the title (default: the metric and the input)
      --width=PIXELS      svg: image width (default 1200)
      --min-width=PIXELS  svg: merge frames narrower than this into "[merged]" (default 0.1)
      --node-fraction=F   dot: hide functions below F of the total (default 0.005)
      --edge-fraction=F   dot: hide calls below F of the total (default 0.001)
      --node-count=N      dot: at most N functions, largest first (default 80)

Names are demangled. Folded and JSON output use full names with parameter lists
("leak(unsigned long)"); the text table uses names without return type and parameter list
("leak"), like jeprof --text. Frames that cannot be named print as [libfoo.so+0xOFFSET]
(file offset of the call) or [unknown]. Allocator frames (jemalloc internals, malloc family,
operator new, tcmalloc, anything inside libjemalloc*/libtcmalloc*) are cut from the leaf up
to the root-most one. See docs/stackfold.md.

  -h, --help              this text
  -V, --version           version

Exit status: 0 all input understood; 1 input errors (unreadable dump, not a heap profile, bad
lines: each is reported as FILE:LINE: message, output is still produced from the rest);
2 usage errors (unknown option, bad regular expression, no DUMP).
)USAGE";

enum class Format { kFolded, kText, kJson, kPprof, kSvg, kDot };

struct Args {
  sym::FoldOptions fold;
  std::optional<sym::Metric> metric;
  std::optional<std::string> maps_file;
  std::vector<std::string> bases;
  std::vector<std::string> dumps;
  sym::SymbolizerOptions symbolizer;
  Format format = Format::kFolded;
  sym::TextOptions text;
  sym::FlameGraphOptions svg;
  sym::CallGraphOptions dot;
  std::optional<std::string> output;
};

// A decimal number in [lo, hi] ("0.005", "1e-3").
bool parse_fraction(const char* text, double lo, double hi, double& out) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || errno != 0 || !(v >= lo && v <= hi)) return false;
  out = v;
  return true;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "stackfold: %s\nTry 'stackfold --help' for more information.\n",
               message.c_str());
  return kExitUsage;
}

// Compiles a user regex; false (with a usage message) when it is not valid.
bool add_regex(std::vector<std::regex>& out, const char* pattern, const char* option,
               std::string* error) {
  try {
    out.emplace_back(pattern, std::regex::ECMAScript | std::regex::optimize);
    return true;
  } catch (const std::regex_error& e) {
    *error =
        std::string("bad regular expression for ") + option + " '" + pattern + "': " + e.what();
    return false;
  }
}

std::optional<int> parse_args(int argc, char** argv, Args& args) {
  enum {
    kInuseSpace = 1000,
    kInuseObjects,
    kAllocSpace,
    kAllocObjects,
    kKeepAllocator,
    kDrop,
    kFocus,
    kNoInline,
    kInlineMarker,
    kLines,
    kCum,
    kShowBytes,
    kTitle,
    kWidth,
    kMinWidth,
    kNodeFraction,
    kEdgeFraction,
    kNodeCount,
  };
  static const option kLong[] = {
      {"inuse-space", no_argument, nullptr, kInuseSpace},
      {"inuse_space", no_argument, nullptr, kInuseSpace},
      {"inuse-objects", no_argument, nullptr, kInuseObjects},
      {"inuse_objects", no_argument, nullptr, kInuseObjects},
      {"alloc-space", no_argument, nullptr, kAllocSpace},
      {"alloc_space", no_argument, nullptr, kAllocSpace},
      {"alloc-objects", no_argument, nullptr, kAllocObjects},
      {"alloc_objects", no_argument, nullptr, kAllocObjects},
      {"thread", required_argument, nullptr, 't'},
      {"base", required_argument, nullptr, 'b'},
      {"maps", required_argument, nullptr, 'm'},
      SYM_CLI_SYMBOLIZER_OPTIONS,
      {"keep-allocator", no_argument, nullptr, kKeepAllocator},
      {"drop", required_argument, nullptr, kDrop},
      {"focus", required_argument, nullptr, kFocus},
      {"no-inline", no_argument, nullptr, kNoInline},
      {"inline-marker", no_argument, nullptr, kInlineMarker},
      {"lines", no_argument, nullptr, kLines},
      {"format", required_argument, nullptr, 'f'},
      {"output", required_argument, nullptr, 'o'},
      {"title", required_argument, nullptr, kTitle},
      {"width", required_argument, nullptr, kWidth},
      {"min-width", required_argument, nullptr, kMinWidth},
      {"node-fraction", required_argument, nullptr, kNodeFraction},
      {"nodefraction", required_argument, nullptr, kNodeFraction},
      {"edge-fraction", required_argument, nullptr, kEdgeFraction},
      {"edgefraction", required_argument, nullptr, kEdgeFraction},
      {"node-count", required_argument, nullptr, kNodeCount},
      {"nodecount", required_argument, nullptr, kNodeCount},
      {"cum", no_argument, nullptr, kCum},
      {"show-bytes", no_argument, nullptr, kShowBytes},
      {"show_bytes", no_argument, nullptr, kShowBytes},
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, 'V'},
      {nullptr, 0, nullptr, 0},
  };
  auto set_metric = [&](sym::Metric m) -> std::optional<int> {
    if (args.metric && *args.metric != m) {
      return usage_error("choose one metric: --" + std::string(sym::metric_name(*args.metric)) +
                         " and --" + std::string(sym::metric_name(m)) + " both given");
    }
    args.metric = m;
    return std::nullopt;
  };
  opterr = 0;
  int c = 0;
  std::string error;
  while ((c = getopt_long(argc, argv, "t:b:m:f:o:hV", kLong, nullptr)) != -1) {
    if (sym::cli::apply_symbolizer_option(c, optarg, args.symbolizer)) continue;
    std::optional<int> stop;
    switch (c) {
      case kInuseSpace: stop = set_metric(sym::Metric::kInuseSpace); break;
      case kInuseObjects: stop = set_metric(sym::Metric::kInuseObjects); break;
      case kAllocSpace: stop = set_metric(sym::Metric::kAllocSpace); break;
      case kAllocObjects: stop = set_metric(sym::Metric::kAllocObjects); break;
      case 't': {
        auto n = sym::parse_dec(optarg);
        if (!n)
          return usage_error(std::string("--thread needs a decimal thread uid, got '") + optarg +
                             "'");
        args.fold.thread = *n;
        break;
      }
      case 'b': args.bases.emplace_back(optarg); break;
      case 'm': args.maps_file = optarg; break;
      case kKeepAllocator: args.fold.keep_allocator = true; break;
      case kDrop:
        if (!add_regex(args.fold.drop, optarg, "--drop", &error)) return usage_error(error);
        break;
      case kFocus:
        if (!add_regex(args.fold.focus, optarg, "--focus", &error)) return usage_error(error);
        break;
      case kNoInline: args.fold.inlines = false; break;
      case kInlineMarker: args.fold.inline_marker = true; break;
      case kLines: args.fold.lines = true; break;
      case 'f': {
        std::string_view f = optarg;
        if (f == "folded" || f == "collapsed") {
          args.format = Format::kFolded;
        } else if (f == "text") {
          args.format = Format::kText;
        } else if (f == "json") {
          args.format = Format::kJson;
        } else if (f == "pprof" || f == "proto") {
          args.format = Format::kPprof;
        } else if (f == "svg") {
          args.format = Format::kSvg;
        } else if (f == "dot") {
          args.format = Format::kDot;
        } else {
          return usage_error("unknown format '" + std::string(f) +
                             "' (folded, text, json, pprof, svg or dot)");
        }
        break;
      }
      case 'o':  // "-" is standard output, as it is standard input for a dump
        if (std::string_view(optarg) == "-") {
          args.output.reset();
        } else {
          args.output = optarg;
        }
        break;
      case kCum: args.text.cum_sort = true; break;
      case kShowBytes:
        args.text.show_bytes = args.svg.show_bytes = args.dot.show_bytes = true;
        break;
      case kTitle: args.svg.title = args.dot.title = optarg; break;
      case kWidth: {
        auto n = sym::parse_dec(optarg);
        if (!n || *n < 100 || *n > 100000)
          return usage_error(std::string("--width needs a pixel count from 100 to 100000, got '") +
                             optarg + "'");
        args.svg.width = static_cast<int>(*n);
        break;
      }
      case kMinWidth:
        if (!parse_fraction(optarg, 0, 1000, args.svg.min_width))
          return usage_error(std::string("--min-width needs a number of pixels, got '") + optarg +
                             "'");
        break;
      case kNodeFraction:
        if (!parse_fraction(optarg, 0, 1, args.dot.node_fraction))
          return usage_error(std::string("--node-fraction needs a number from 0 to 1, got '") +
                             optarg + "'");
        break;
      case kEdgeFraction:
        if (!parse_fraction(optarg, 0, 1, args.dot.edge_fraction))
          return usage_error(std::string("--edge-fraction needs a number from 0 to 1, got '") +
                             optarg + "'");
        break;
      case kNodeCount: {
        auto n = sym::parse_dec(optarg);
        if (!n || *n < 1 || *n > 1000000)
          return usage_error(std::string("--node-count needs a positive count, got '") + optarg +
                             "'");
        args.dot.node_count = static_cast<int>(*n);
        break;
      }
      case 'h': std::fputs(kUsage, stdout); return kExitOk;
      case 'V': std::puts("stackfold (libsym) 0.1.0"); return kExitOk;
      default:
        return usage_error("unknown or incomplete option '" + sym::cli::offending_option(argv) +
                           "'");
    }
    if (stop) return stop;
  }
  for (int i = optind; i < argc; ++i) args.dumps.emplace_back(argv[i]);
  if (args.dumps.empty()) return usage_error("no heap profile given (use - for standard input)");
  args.fold.metric = args.metric.value_or(sym::Metric::kInuseSpace);
  switch (args.format) {
    case Format::kFolded: args.fold.key = sym::FrameKey::kFullName; break;
    case Format::kText: args.fold.key = sym::FrameKey::kShortName; break;
    case Format::kJson: args.fold.key = sym::FrameKey::kLocation; break;
    case Format::kPprof: args.fold.key = sym::FrameKey::kAddress; break;
    case Format::kSvg: args.fold.key = sym::FrameKey::kFullName; break;
    case Format::kDot: args.fold.key = sym::FrameKey::kShortName; break;
  }
  if (args.format == Format::kPprof && args.fold.inline_marker) {
    return usage_error("--inline-marker changes folded names; pprof marks inlined frames itself");
  }
  if (args.format == Format::kPprof && !args.output && isatty(STDOUT_FILENO) == 1) {
    return usage_error("pprof output is binary; use -o FILE.pb.gz or redirect standard output");
  }
  // Every frame needs DWARF names and the whole inline chain; --no-inline is applied later so
  // that the physical function (not the innermost inlined one) is what remains. The Folder
  // demangles names itself, as binutils does: the symbolizer need not.
  args.symbolizer.frames = sym::FrameOptions{true, false, true};
  // A C++ function DWARF names short (GCC's lambdas, local classes) gets its scopes, so that
  // two lambdas are two frames ("draw::{lambda}::operator()", not "operator()" for both).
  args.symbolizer.frames.qualified_names = true;
  sym::cli::finish_symbolizer_options(args.symbolizer);
  return std::nullopt;
}

std::string display_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

class Run {
 public:
  explicit Run(Args& args)
      : args_(args), symbolizer_(args.symbolizer), folder_(args.fold, symbolizer_) {
    symbolizer_.on_problem([](const sym::ModuleProblem& p) {
      sym::cli::report_problem("stackfold", p, "; its frames are shown as [module+offset]");
    });
    folder_.on_warning([](const std::string& message) {
      std::fprintf(stderr, "stackfold: warning: %s\n", message.c_str());
    });
  }

  // Reads the --maps file; false when it cannot be used at all.
  bool load_maps() {
    if (!args_.maps_file) return true;
    sym::Diagnostics diags;
    auto map = sym::ProcessMap::read_file(*args_.maps_file, &diags);
    if (!map) {
      std::fprintf(stderr, "stackfold: %s\n", llvm::toString(map.takeError()).c_str());
      return false;
    }
    report(diags, *args_.maps_file);
    maps_ = std::move(*map);
    return true;
  }

  void add(const std::string& path, bool is_base) {
    const std::string source = display_name(path);
    auto text = sym::open_profile_file(path);
    if (!text) {
      std::fprintf(stderr, "stackfold: %s\n", llvm::toString(text.takeError()).c_str());
      failed_ = true;
      return;
    }
    // Streamed: the samples are folded as they are read, never all held at once.
    sym::Diagnostics diags;
    // When the dump was written: files modified since are named (Folder::add_text).
    std::optional<std::int64_t> written;
    if (path != "-") {
      if (auto id = sym::identify_regular_file(path)) {
        written = id->mtime_ns;
      } else {
        llvm::consumeError(id.takeError());
      }
    }
    llvm::Error error = folder_.add_text(text->text(), text->mapped(),
                                         args_.maps_file ? &maps_ : nullptr, source, is_base,
                                         &diags, written);
    report(diags, source);
    if (error) {
      // A bad first line was reported above with its number; other reasons (empty input) here.
      std::string message = llvm::toString(std::move(error));
      if (diags.empty()) std::fprintf(stderr, "stackfold: %s: %s\n", source.c_str(), message.c_str());
      failed_ = true;
    }
  }

  void write() {
    const sym::FoldedProfile result = folder_.take_result();
    std::FILE* f = stdout;
    const std::string name = args_.output ? *args_.output : "standard output";
    if (args_.output) {
      f = std::fopen(args_.output->c_str(), "wb");
      if (f == nullptr) {
        std::fprintf(stderr, "stackfold: cannot create %s: %s\n", name.c_str(),
                     std::strerror(errno));
        failed_ = true;
        return;
      }
    }
    // Folded stacks and JSON are streamed (their text can be several times the dump's size);
    // the other formats are made whole.
    bool ok = true;
    const sym::OutputSink sink = [&](std::string_view piece) {
      ok = ok && std::fwrite(piece.data(), 1, piece.size(), f) == piece.size();
    };
    switch (args_.format) {
      case Format::kFolded: sym::write_folded(result, sink); break;
      case Format::kJson: sym::write_json(result, sink); break;
      case Format::kText: sink(sym::format_text(result, args_.text)); break;
      case Format::kPprof: sink(sym::format_pprof(result)); break;
      case Format::kSvg: sink(sym::format_flamegraph_svg(result, with_title(args_.svg))); break;
      case Format::kDot: sink(sym::format_callgraph_dot(result, with_title(args_.dot))); break;
    }
    ok = (f == stdout ? std::fflush(f) == 0 : std::fclose(f) == 0) && ok;
    if (!ok) {
      std::fprintf(stderr, "stackfold: error writing %s\n", name.c_str());
      failed_ = true;
    }
  }

  [[nodiscard]] bool failed() const { return failed_; }

 private:
  // The default title of a picture: the metric and the dumps ("inuse_space of a.heap").
  template <class Options>
  Options with_title(Options options) const {
    if (!options.title.empty()) return options;
    options.title = std::string(sym::metric_name(args_.fold.metric)) + " of ";
    for (std::size_t i = 0; i < args_.dumps.size(); ++i) {
      if (i > 0) options.title += i == 3 ? " ..." : ", ";
      if (i == 3) break;
      const std::string& d = args_.dumps[i];
      const auto slash = d.rfind('/');
      options.title += display_name(slash == std::string::npos ? d : d.substr(slash + 1));
    }
    if (!args_.bases.empty()) options.title += " (minus base)";
    return options;
  }

  void report(const sym::Diagnostics& diags, const std::string& source) {
    if (sym::cli::report_diagnostics("stackfold", diags, source)) failed_ = true;
  }

  Args& args_;
  sym::Symbolizer symbolizer_;
  sym::Folder folder_;
  sym::ProcessMap maps_;
  bool failed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (auto code = parse_args(argc, argv, args)) return *code;
  Run run(args);
  if (!run.load_maps()) return kExitInput;
  for (const auto& base : args.bases) run.add(base, true);
  for (const auto& dump : args.dumps) run.add(dump, false);
  run.write();
  // Everything is written: skip tearing down the folded stacks and DWARF contexts.
  std::fflush(stdout);
  std::_Exit(run.failed() ? kExitInput : kExitOk);
}

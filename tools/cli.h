// What the command-line tools share: the options that say where mapped files and their debug
// info are, and how option errors and module problems are reported.
#pragma once

#include <libsym/diagnostic.h>
#include <libsym/symbolizer.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <getopt.h>
#include <string>
#include <string_view>
#include <vector>

namespace sym::cli {

// getopt_long values of the shared long options (above every character value).
enum SharedOption : int { kDebugDir = 0x1000, kSysroot, kNoVerify, kDebuginfod, kNoDebuginfod };

#define SYM_CLI_SYMBOLIZER_OPTIONS                                            \
  {"debug-dir", required_argument, nullptr, ::sym::cli::kDebugDir},           \
      {"sysroot", required_argument, nullptr, ::sym::cli::kSysroot},          \
      {"no-verify", no_argument, nullptr, ::sym::cli::kNoVerify},             \
      {"debuginfod", required_argument, nullptr, ::sym::cli::kDebuginfod},    \
      {"no-debuginfod", no_argument, nullptr, ::sym::cli::kNoDebuginfod}

// What --debuginfod and --no-debuginfod said, until finish_symbolizer_options applies it.
struct DebuginfodChoice {
  bool option_given = false;  // --debuginfod: its servers, not $DEBUGINFOD_URLS
  bool disabled = false;      // --no-debuginfod: no server at all, whatever else was said
};
inline DebuginfodChoice& debuginfod_choice() {
  static DebuginfodChoice choice;
  return choice;
}

// Appends the blank-separated URLs of `list` (as in DEBUGINFOD_URLS) to `out`.
inline void split_urls(std::string_view list, std::vector<std::string>& out) {
  constexpr std::string_view kBlanks = " \t\n";
  for (std::size_t pos = 0; (pos = list.find_first_not_of(kBlanks, pos)) != list.npos;) {
    const std::size_t end = std::min(list.find_first_of(kBlanks, pos), list.size());
    out.emplace_back(list.substr(pos, end - pos));
    pos = end;
  }
}

// Applies one of the shared options; false when `c` is not one of them.
inline bool apply_symbolizer_option(int c, const char* arg, SymbolizerOptions& options) {
  switch (c) {
    case kDebugDir: options.debug.debug_dirs.emplace_back(arg); return true;
    case kSysroot: options.debug.sysroot = arg; return true;
    case kNoVerify: options.verify_identity = false; return true;
    case kDebuginfod:
      debuginfod_choice().option_given = true;
      split_urls(arg, options.debug.debuginfod_urls);
      return true;
    case kNoDebuginfod: debuginfod_choice().disabled = true; return true;
    default: return false;
  }
}

// After the options are parsed: the debuginfod servers are those of --debuginfod, else those of
// $DEBUGINFOD_URLS (the library never reads the environment itself), and none with
// --no-debuginfod, which wins over both: then no client is created and nothing is fetched.
inline void finish_symbolizer_options(SymbolizerOptions& options) {
  const DebuginfodChoice& choice = debuginfod_choice();
  if (choice.disabled) {
    options.debug.debuginfod_urls.clear();
  } else if (!choice.option_given) {
    if (const char* env = std::getenv("DEBUGINFOD_URLS")) {
      split_urls(env, options.debug.debuginfod_urls);
    }
  }
}

// The option getopt_long just refused, as the user wrote it.
inline std::string offending_option(char** argv) {
  return optopt != 0 ? std::string("-") + static_cast<char>(optopt) : std::string(argv[optind - 1]);
}

// "TOOL: warning: DETAIL (REASON)CONSEQUENCE" for a module that cannot be used, or
// "TOOL: warning: DETAIL" for one that opened with a warning. `fatal`: the tool stops because
// of it, so "TOOL: DETAIL (REASON)CONSEQUENCE", an error.
inline void report_problem(const char* tool, const ModuleProblem& p, const char* consequence,
                           bool fatal = false) {
  const char* label = fatal && p.reason != Reason::kNone ? "" : "warning: ";
  if (p.reason == Reason::kNone) {
    std::fprintf(stderr, "%s: warning: %s\n", tool, p.detail.c_str());
  } else {
    std::fprintf(stderr, "%s: %s%s (%s)%s\n", tool, label, p.detail.c_str(),
                 std::string(describe(p.reason)).c_str(), consequence);
  }
}

// Prints "TOOL: FILE:LINE: MESSAGE" for each diagnostic about one input, the first 20 of them,
// then how many more there were (random bytes given as a maps file would give one per line).
// Returns whether there was any.
inline bool report_diagnostics(const char* tool, const Diagnostics& diags,
                               const std::string& source) {
  constexpr std::size_t kShown = 20;
  for (std::size_t i = 0; i < diags.size() && i < kShown; ++i) {
    std::fprintf(stderr, "%s: %s\n", tool, diags[i].format(source).c_str());
  }
  if (diags.size() > kShown) {
    std::fprintf(stderr, "%s: %s: %zu more problems like these, not shown\n", tool,
                 source.c_str(), diags.size() - kShown);
  }
  return !diags.empty();
}

}  // namespace sym::cli

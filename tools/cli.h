// What the command-line tools share: the options that say where mapped files and their debug
// info are, and how option errors and module problems are reported.
#pragma once

#include <libsym/symbolizer.h>

#include <cstdio>
#include <getopt.h>
#include <string>

namespace sym::cli {

// getopt_long values of the shared long options (above every character value).
enum SharedOption : int { kDebugDir = 0x1000, kSysroot, kNoVerify };

#define SYM_CLI_SYMBOLIZER_OPTIONS                                          \
  {"debug-dir", required_argument, nullptr, ::sym::cli::kDebugDir},         \
      {"sysroot", required_argument, nullptr, ::sym::cli::kSysroot},        \
      {"no-verify", no_argument, nullptr, ::sym::cli::kNoVerify}

// Applies one of the shared options; false when `c` is not one of them.
inline bool apply_symbolizer_option(int c, const char* arg, SymbolizerOptions& options) {
  switch (c) {
    case kDebugDir: options.debug.debug_dirs.emplace_back(arg); return true;
    case kSysroot: options.debug.sysroot = arg; return true;
    case kNoVerify: options.verify_identity = false; return true;
    default: return false;
  }
}

// The option getopt_long just refused, as the user wrote it.
inline std::string offending_option(char** argv) {
  return optopt != 0 ? std::string("-") + static_cast<char>(optopt) : std::string(argv[optind - 1]);
}

// "TOOL: warning: DETAIL (REASON)CONSEQUENCE" for a module that cannot be used, or
// "TOOL: warning: DETAIL" for one that opened with a warning.
inline void report_problem(const char* tool, const ModuleProblem& p, const char* consequence) {
  if (p.reason == Reason::kNone) {
    std::fprintf(stderr, "%s: warning: %s\n", tool, p.detail.c_str());
  } else {
    std::fprintf(stderr, "%s: warning: %s (%s)%s\n", tool, p.detail.c_str(),
                 std::string(describe(p.reason)).c_str(), consequence);
  }
}

}  // namespace sym::cli

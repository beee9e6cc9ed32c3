// Output formats for symbolized addresses. All decisions about "??", "[unknown]" and
// "[libfoo.so+0x1234]" are made here.
#pragma once

#include <libsym/symbolizer.h>

#include <string>
#include <string_view>

namespace sym {

enum class OutputStyle {
  kDefault,  // readable: module, offsets, symbol+offset, then one line per frame
  kGnu,      // byte-for-byte GNU addr2line for the same flags
  kLlvm,     // llvm-symbolizer's default style (its names: Symbolizer::use_llvm_names first)
  kJson,     // one JSON object per address, one per line
};

struct PrintOptions {
  bool addresses = false;  // -a: print the input address first
  bool functions = false;  // -f: print function names
  bool inlines = false;    // -i: print the inline chain, not only the innermost frame
  bool demangle = false;   // -C
  bool pretty = false;     // -p: one line per address
  bool basenames = false;  // -s: file names without directories
  int address_width = 16;  // digits of -a addresses in GNU style (8 for 32-bit files)
};

// Appends the answer for one address to `out`, newline-terminated.
void print(std::string& out, const Symbolized& result, OutputStyle style,
           const PrintOptions& options);

// "[libfoo.so+0x1a2b]" when the module is known, "[unknown]" otherwise: the name of a frame that
// could not be symbolized, for folded stacks and tables. 0x1a2b is the file offset of the
// function's first byte when its start is known (Symbolized::function_start: every call site in
// one unnamed function gets one name), else of the address looked up.
std::string unknown_frame_name(const Symbolized& result);

// JSON string literal (with quotes), escaping control characters and invalid UTF-8 bytes.
std::string json_quote(std::string_view text);

}  // namespace sym

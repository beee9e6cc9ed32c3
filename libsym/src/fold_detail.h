// Helpers shared by the folding (fold.cpp) and its output formats (fold_printer.cpp, pprof.cpp,
// flamegraph.cpp, callgraph.cpp).
#pragma once

#include <libsym/fold.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sym::detail {

// Appends the folded text of a stack: its frames' labels joined with ';', root first.
void append_labels(std::string& out, const std::vector<FoldedFrame>& frames,
                   const std::vector<std::uint32_t>& ids);

// The folded texts of stacks a and b compared in byte order (<0, 0, >0), without building them.
int compare_joined(const std::vector<FoldedFrame>& frames, const std::vector<std::uint32_t>& a,
                   const std::vector<std::uint32_t>& b);

// Rounded to the nearest integer (0 for NaN and infinities).
double rounded(double v);

// A value as a non-negative integer in decimal (negatives print as 0), however large.
std::string format_count(double v);

// Decodes the code point at s[i]; returns its length in bytes, 0 for invalid UTF-8 (overlong
// forms, surrogates, values past U+10FFFF, cut sequences).
inline std::size_t decode_utf8(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t len = 0;
  std::uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}


}  // namespace sym::detail

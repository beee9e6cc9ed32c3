// Helpers shared by the folding (fold.cpp) and its output formats (fold_printer.cpp).
#pragma once

#include <libsym/fold.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sym::detail {

// The folded text of a stack: its frames' labels joined with ';', root first.
std::string join_labels(const std::vector<FoldedFrame>& frames,
                        const std::vector<std::uint32_t>& ids);

// Rounded to the nearest integer (0 for NaN and infinities).
double rounded(double v);

// A value as a non-negative integer in decimal (negatives print as 0), however large.
std::string format_count(double v);

}  // namespace sym::detail

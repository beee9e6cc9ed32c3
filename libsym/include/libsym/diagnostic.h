// Problems found in input text: which line, what it said, what was wrong.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sym {

struct Diagnostic {
  std::size_t line = 0;  // 1-based; 0 when the problem is not about one line
  std::string text;      // the offending line (possibly shortened), may be empty
  std::string message;   // what was expected

  // "SOURCE:LINE: MESSAGE: 'TEXT'" (the parts that are known).
  [[nodiscard]] std::string format(const std::string& source) const;
  bool operator==(const Diagnostic&) const = default;
};

using Diagnostics = std::vector<Diagnostic>;

// A line quoted in a message: control characters escaped, cut at `max` bytes with "...".
std::string quote_line(std::string_view line, std::size_t max = 120);

}  // namespace sym

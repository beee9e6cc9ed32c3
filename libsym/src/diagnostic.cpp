#include <libsym/diagnostic.h>

#include <string_view>

namespace sym {

std::string quote_line(std::string_view line, std::size_t max) {
  std::string out;
  const bool cut = line.size() > max;
  if (cut) line = line.substr(0, max);
  for (unsigned char c : line) {
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut) out += "...";
  return out;
}

std::string Diagnostic::format(const std::string& source) const {
  std::string out = source;
  if (line != 0) out += ":" + std::to_string(line);
  out += ": " + message;
  if (!text.empty()) out += ": '" + quote_line(text) + "'";
  return out;
}

}  // namespace sym

#include <libsym/address.h>

#include <array>
#include <charconv>

namespace sym {

namespace {

// The value of each byte as a hex digit, 0xff for none.
constexpr std::array<std::uint8_t, 256> kHexDigit = [] {
  std::array<std::uint8_t, 256> table{};
  table.fill(0xff);
  for (int c = 0; c < 10; ++c) table['0' + c] = static_cast<std::uint8_t>(c);
  for (int c = 0; c < 6; ++c) {
    table['a' + c] = table['A' + c] = static_cast<std::uint8_t>(10 + c);
  }
  return table;
}();

}  // namespace

// std::from_chars(base 16) semantics (leading zeros, no sign, overflow refused), by table: a heap
// profile is mostly hex addresses, and libstdc++'s from_chars takes a fifth of the time of
// reading one.
std::optional<std::uint64_t> parse_hex(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    const std::uint8_t digit = kHexDigit[static_cast<unsigned char>(c)];
    if (digit == 0xff || (value >> 60) != 0) return std::nullopt;
    value = value << 4 | digit;
  }
  return value;
}

std::optional<std::uint64_t> parse_dec(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

std::string hex_digits(std::span<const std::uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string to_hex(std::uint64_t value) {
  char buf[2 + 16];
  buf[0] = '0';
  buf[1] = 'x';
  auto [ptr, ec] = std::to_chars(buf + 2, buf + sizeof buf, value, 16);
  (void)ec;
  return std::string(buf, ptr);
}

}  // namespace sym

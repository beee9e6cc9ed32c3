#include <libsym/address.h>

#include <charconv>

namespace sym {

std::optional<std::uint64_t> parse_hex(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, 16);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
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

std::string to_hex(std::uint64_t value) {
  char buf[2 + 16];
  buf[0] = '0';
  buf[1] = 'x';
  auto [ptr, ec] = std::to_chars(buf + 2, buf + sizeof buf, value, 16);
  (void)ec;
  return std::string(buf, ptr);
}

}  // namespace sym

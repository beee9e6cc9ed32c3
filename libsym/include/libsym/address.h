// The three address spaces of libsym, as distinct types so that the compiler refuses to mix them.
//
//   AbsAddr    an address in a running (or snapshotted) process
//   FileOffset a byte offset inside an ELF file on disk
//   VirtAddr   an ELF virtual address (what symbol tables and DWARF speak)
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sym {

template <class Tag>
class Address {
 public:
  constexpr Address() = default;
  constexpr explicit Address(std::uint64_t value) : value_(value) {}
  [[nodiscard]] constexpr std::uint64_t value() const { return value_; }
  constexpr auto operator<=>(const Address&) const = default;

 private:
  std::uint64_t value_ = 0;
};

struct AbsTag;
struct FileOffsetTag;
struct VirtTag;
using AbsAddr = Address<AbsTag>;
using FileOffset = Address<FileOffsetTag>;
using VirtAddr = Address<VirtTag>;

// Parses a hexadecimal number with or without a 0x/0X prefix; surrounding blanks are not
// accepted. Returns nullopt on an empty string, a non-hex digit or a value above 2^64-1.
std::optional<std::uint64_t> parse_hex(std::string_view text);

// Parses an unsigned decimal number (no sign, no blanks); nullopt on overflow or bad digits.
std::optional<std::uint64_t> parse_dec(std::string_view text);

// "0x" followed by lowercase hex digits, no padding.
std::string to_hex(std::uint64_t value);

// Two lowercase hex digits per byte, no prefix: how build-ids are written.
std::string hex_digits(std::span<const std::uint8_t> bytes);

}  // namespace sym

// Capstone behind one small RAII class; the ELF machine → capstone mode mapping lives here only.
// The library is loaded (dlopen) by the first Disassembler.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sym::detail {

struct Instruction {
  std::uint64_t address = 0;
  std::uint32_t size = 0;
  std::string text;  // "mnemonic operands"
  bool is_call = false;
  std::optional<std::uint64_t> target;  // direct branch/call target
};

class Disassembler {
 public:
  // For an ELF e_machine; not valid() when capstone does not know it or cannot be loaded.
  explicit Disassembler(std::uint16_t machine);
  Disassembler(const Disassembler&) = delete;
  Disassembler& operator=(const Disassembler&) = delete;
  ~Disassembler();

  [[nodiscard]] bool valid() const { return handle_ != 0; }
  // Why it is not valid ("no disassembler for ELF machine 3", "no disassembler: cannot load
  // libcapstone.so.4 (...)").
  [[nodiscard]] const std::string& problem() const { return problem_; }
  // The one instruction at the start of code (which sits at `address`).
  [[nodiscard]] std::optional<Instruction> decode(std::span<const std::uint8_t> code,
                                                  std::uint64_t address) const;
  // The call instruction ending exactly at `return_address`, decoding backwards over `before`
  // (the bytes just before it). The longest such call wins (a 5-byte direct call over a 2-byte
  // register call hidden in its displacement).
  [[nodiscard]] std::optional<Instruction> call_before(std::span<const std::uint8_t> before,
                                                       std::uint64_t return_address) const;

 private:
  std::size_t handle_ = 0;  // csh
  std::uint16_t machine_ = 0;
  std::string problem_;
};

}  // namespace sym::detail

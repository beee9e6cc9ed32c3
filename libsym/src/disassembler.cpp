#include "disassembler.h"

#include "dynamic_library.h"

#include <capstone/capstone.h>
#include <llvm/BinaryFormat/ELF.h>

namespace sym::detail {

namespace {

// Capstone is loaded with dlopen when --explain first decodes an instruction: linked in, its
// 77 000 relocations and 375 page faults cost every run about 6 ms at start-up (a fifth of a
// one-address lookup), for the one feature that uses it.
struct Capstone {
  decltype(&::cs_open) open = nullptr;
  decltype(&::cs_option) option = nullptr;
  decltype(&::cs_disasm) disasm = nullptr;
  decltype(&::cs_free) free = nullptr;
  decltype(&::cs_close) close = nullptr;
  decltype(&::cs_insn_group) insn_group = nullptr;
  std::string problem;  // why it is not there; "" when it is
};

const Capstone& capstone() {
  static const Capstone loaded = [] {
    Capstone c;
    void* handle = open_library(LIBSYM_CAPSTONE_SONAME, c.problem);
    if (handle == nullptr) return c;
    if (!bind_function(handle, "cs_open", c.open) ||
        !bind_function(handle, "cs_option", c.option) ||
        !bind_function(handle, "cs_disasm", c.disasm) ||
        !bind_function(handle, "cs_free", c.free) ||
        !bind_function(handle, "cs_close", c.close) ||
        !bind_function(handle, "cs_insn_group", c.insn_group)) {
      c = Capstone{};
      c.problem = LIBSYM_CAPSTONE_SONAME " lacks a function of capstone's API";
    }
    return c;
  }();
  return loaded;
}

}  // namespace

Disassembler::Disassembler(std::uint16_t machine) : machine_(machine) {
  cs_arch arch{};
  cs_mode mode{};
  switch (machine) {
    case llvm::ELF::EM_X86_64: arch = CS_ARCH_X86; mode = CS_MODE_64; break;
    case llvm::ELF::EM_386: arch = CS_ARCH_X86; mode = CS_MODE_32; break;
    case llvm::ELF::EM_AARCH64: arch = CS_ARCH_ARM64; mode = CS_MODE_ARM; break;
    case llvm::ELF::EM_ARM: arch = CS_ARCH_ARM; mode = CS_MODE_ARM; break;
    case llvm::ELF::EM_PPC64: arch = CS_ARCH_PPC; mode = CS_MODE_64; break;
    default:
      problem_ = "no disassembler for ELF machine " + std::to_string(machine);
      return;
  }
  const Capstone& cs = capstone();
  if (!cs.problem.empty()) {
    problem_ = "no disassembler: " + cs.problem;
    return;
  }
  csh handle = 0;
  if (cs.open(arch, mode, &handle) != CS_ERR_OK) {
    problem_ = "no disassembler for ELF machine " + std::to_string(machine) +
               " in " LIBSYM_CAPSTONE_SONAME;
    return;
  }
  cs.option(handle, CS_OPT_DETAIL, CS_OPT_ON);
  handle_ = handle;
}

Disassembler::~Disassembler() {
  if (handle_ != 0) {
    csh handle = handle_;
    capstone().close(&handle);
  }
}

std::optional<Instruction> Disassembler::decode(std::span<const std::uint8_t> code,
                                                std::uint64_t address) const {
  if (handle_ == 0 || code.empty()) return std::nullopt;
  cs_insn* insn = nullptr;
  const Capstone& cs = capstone();
  std::size_t count = cs.disasm(handle_, code.data(), code.size(), address, 1, &insn);
  if (count == 0) return std::nullopt;
  Instruction out;
  out.address = insn->address;
  out.size = insn->size;
  out.text = insn->mnemonic;
  if (insn->op_str[0] != '\0') out.text += std::string(" ") + insn->op_str;
  out.is_call = cs.insn_group(handle_, insn, CS_GRP_CALL);
  if (insn->detail != nullptr) {
    if (machine_ == llvm::ELF::EM_X86_64 || machine_ == llvm::ELF::EM_386) {
      const cs_x86& x86 = insn->detail->x86;
      if (x86.op_count == 1 && x86.operands[0].type == X86_OP_IMM) {
        out.target = static_cast<std::uint64_t>(x86.operands[0].imm);
      }
    } else if (machine_ == llvm::ELF::EM_AARCH64) {
      const cs_arm64& a64 = insn->detail->arm64;
      if (a64.op_count == 1 && a64.operands[0].type == ARM64_OP_IMM) {
        out.target = static_cast<std::uint64_t>(a64.operands[0].imm);
      }
    }
  }
  cs.free(insn, count);
  return out;
}

std::optional<Instruction> Disassembler::call_before(std::span<const std::uint8_t> before,
                                                     std::uint64_t return_address) const {
  std::optional<Instruction> best;
  for (std::size_t back = 1; back <= before.size() && back <= 15; ++back) {
    auto insn = decode(before.subspan(before.size() - back), return_address - back);
    if (insn && insn->is_call && insn->size == back) best = insn;
  }
  return best;
}

}  // namespace sym::detail

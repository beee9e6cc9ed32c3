#include "symbol_table.h"

#include <llvm/BinaryFormat/ELF.h>

#include <algorithm>
#include <array>

namespace sym::detail {

namespace {

// Linker-defined markers that label section boundaries, not code.
bool is_marker(std::string_view name) {
  static constexpr std::array<std::string_view, 10> kMarkers = {
      "_etext", "etext", "__etext", "_end", "_edata", "__bss_start", "__ehdr_start",
      "__executable_start", "__GNU_EH_FRAME_HDR", "_init_array_start"};
  return std::find(kMarkers.begin(), kMarkers.end(), name) != kMarkers.end();
}

}  // namespace

void SymbolTable::add(const llvm::object::ELFObjectFileBase& obj) {
  std::string_view file;  // the last STT_FILE seen in .symtab order
  auto take = [&](const llvm::object::ELFSymbolRef& sym, int table_rank) {
    const std::uint8_t type = sym.getELFType();
    if (type == llvm::ELF::STT_FILE && table_rank > 0) {
      auto name = sym.getName();
      file = name ? std::string_view(*name) : std::string_view{};
      if (!name) llvm::consumeError(name.takeError());
      return;
    }
    const bool func = type == llvm::ELF::STT_FUNC || type == llvm::ELF::STT_GNU_IFUNC;
    if (!func && type != llvm::ELF::STT_NOTYPE) return;
    auto flags = sym.getFlags();
    if (!flags || (*flags & llvm::object::SymbolRef::SF_Undefined) != 0) return;
    auto section = sym.getSection();
    if (!section || *section == obj.section_end()) return;
    // Untyped symbols count only when they label code (assembly entry points like _start).
    if (!func && !(*section)->isText()) return;
    auto name = sym.getName();
    if (!name || name->empty() || name->starts_with(".L") || name->starts_with("$") ||
        is_marker(*name)) {
      if (!name) llvm::consumeError(name.takeError());
      return;
    }
    auto addr = sym.getValue();
    if (!addr) {
      llvm::consumeError(addr.takeError());
      return;
    }
    // "memcpy@@GLIBC_2.14" (default version) and "memcpy@GLIBC_2.2.5" (compatibility): the
    // name is the part before the '@'; a compatibility version ranks below other aliases.
    std::string_view plain = *name;
    bool compat_version = false;
    if (auto at = plain.find('@'); at != std::string_view::npos && at > 0) {
      compat_version = plain.substr(at, 2) != "@@";
      plain = plain.substr(0, at);
    }
    const std::uint8_t binding = sym.getBinding();
    int rank = table_rank - (compat_version ? 1 : 0);
    rank += func ? 16 : 0;
    rank += binding == llvm::ELF::STB_GLOBAL ? 8 : binding == llvm::ELF::STB_WEAK ? 4 : 0;
    rank += sym.getSize() != 0 ? 32 : 0;
    // Like binutils and LLVM, a local symbol's source file is the STT_FILE before it.
    std::string_view source = binding == llvm::ELF::STB_LOCAL ? file : std::string_view{};
    const std::uint64_t section_end = (*section)->getAddress() + (*section)->getSize();
    symbols_.push_back({*addr, sym.getSize(), section_end, plain, source, rank, kNoParent});
  };
  for (const auto& sym : obj.symbols()) take(llvm::object::ELFSymbolRef(sym), 1);
  for (const auto& sym : obj.getDynamicSymbolIterators()) take(sym, 0);
}

void SymbolTable::add_plt_entries(const llvm::object::ELFObjectFileBase& obj) {
  // The n-th R_*_JUMP_SLOT relocation of .rela.plt belongs to the n-th PLT entry: in .plt.sec
  // when the file has one (IBT), else in .plt after its header.
  std::uint64_t header = 0;
  const std::uint64_t entry_size = 16;
  switch (obj.getEMachine()) {
    case llvm::ELF::EM_X86_64: header = 16; break;
    case llvm::ELF::EM_AARCH64: header = 32; break;
    default: return;
  }
  std::optional<llvm::object::SectionRef> plt, plt_sec, rela_plt;
  for (const auto& section : obj.sections()) {
    auto name = section.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    if (*name == ".plt") plt = section;
    if (*name == ".plt.sec") plt_sec = section;
    if (*name == ".rela.plt") rela_plt = section;
  }
  if (!rela_plt || (!plt && !plt_sec)) return;
  const std::uint64_t base = plt_sec ? plt_sec->getAddress() : plt->getAddress() + header;
  const std::uint64_t end = plt_sec ? plt_sec->getAddress() + plt_sec->getSize()
                                    : plt->getAddress() + plt->getSize();
  std::uint64_t index = 0;
  for (const auto& reloc : rela_plt->relocations()) {
    const std::uint64_t addr = base + index * entry_size;
    ++index;
    if (addr + entry_size > end) break;
    auto symbol = reloc.getSymbol();
    if (symbol == obj.symbol_end()) continue;
    auto name = symbol->getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    std::string_view plain = *name;
    plain = plain.substr(0, plain.find('@'));
    if (plain.empty()) continue;
    owned_names_.push_back(std::string(plain) + "@plt");
    symbols_.push_back({addr, entry_size, end, {}, {}, 0, kNoParent});
  }
}

void SymbolTable::finish() {
  // Names of synthesized symbols are stored once all are known (the vector no longer moves).
  std::size_t owned = 0;
  for (auto& s : symbols_) {
    if (s.name.empty() && owned < owned_names_.size()) s.name = owned_names_[owned++];
  }
  // By address; at one address the preferred name first: sized over unsized, functions over
  // labels, global over weak over local, .symtab over .dynsym, then the shorter name (fewer
  // internal prefixes like __GI_), then alphabetical for determinism.
  std::sort(symbols_.begin(), symbols_.end(), [](const Symbol& a, const Symbol& b) {
    if (a.addr != b.addr) return a.addr < b.addr;
    if (a.rank != b.rank) return a.rank > b.rank;
    if (a.size != b.size) return a.size > b.size;
    if (a.name.size() != b.name.size()) return a.name.size() < b.name.size();
    return a.name < b.name;
  });
  symbols_.erase(std::unique(symbols_.begin(), symbols_.end(),
                             [](const Symbol& a, const Symbol& b) { return a.addr == b.addr; }),
                 symbols_.end());
  // Link each symbol to the innermost sized symbol that encloses its address, so that a lookup
  // past the end of a small or unsized symbol can fall back to the function around it.
  std::vector<std::uint32_t> open;
  for (std::uint32_t i = 0; i < symbols_.size(); ++i) {
    Symbol& s = symbols_[i];
    while (!open.empty()) {
      const Symbol& top = symbols_[open.back()];
      if (s.addr - top.addr < top.size) break;
      open.pop_back();
    }
    if (!open.empty()) s.parent = open.back();
    if (s.size != 0) open.push_back(i);
  }
  symbols_.shrink_to_fit();
}

SymbolHit SymbolTable::hit(const Symbol& s, std::uint64_t vaddr) {
  return SymbolHit{std::string(s.name), s.addr, s.size, vaddr - s.addr, std::string(s.file)};
}

std::optional<SymbolHit> SymbolTable::find(std::uint64_t vaddr) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), vaddr,
                             [](std::uint64_t v, const Symbol& s) { return v < s.addr; });
  if (it == symbols_.begin()) return std::nullopt;
  const Symbol& candidate = *std::prev(it);
  if (candidate.size != 0 && vaddr - candidate.addr < candidate.size) return hit(candidate, vaddr);
  // An unsized label inside a sized function names the code after it (assembly entry points
  // like _dl_start_user); past the end of a sized symbol, only an enclosing one may claim it.
  if (candidate.size == 0 && vaddr >= candidate.section_end) return std::nullopt;
  if (candidate.size == 0 && candidate.parent == kNoParent) return hit(candidate, vaddr);
  for (std::uint32_t p = candidate.parent; p != kNoParent; p = symbols_[p].parent) {
    const Symbol& outer = symbols_[p];
    if (vaddr - outer.addr < outer.size) {
      return candidate.size == 0 ? hit(candidate, vaddr) : hit(outer, vaddr);
    }
  }
  return std::nullopt;
}

}  // namespace sym::detail

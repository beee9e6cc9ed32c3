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
  // Every marker starts with '_' or 'e' and is 4 to 18 bytes long: most names are out after
  // two comparisons (this runs for every symbol).
  if (name.size() < 4 || name.size() > 18 || (name[0] != '_' && name[0] != 'e')) return false;
  return std::find(kMarkers.begin(), kMarkers.end(), name) != kMarkers.end();
}

}  // namespace

namespace {

namespace obj = llvm::object;

// Every read below goes through ELFFile's checked accessors (Expected results): the generic
// ELFSymbolRef/RelocationRef accessors call report_fatal_error on a malformed table.
template <class ELFT>
struct Reader {
  const obj::ELFFile<ELFT>& elf;
  typename ELFT::ShdrRange sections;

  const typename ELFT::Shdr* section(std::size_t index) const {
    return index < sections.size() ? &sections[index] : nullptr;
  }
  std::optional<llvm::StringRef> name_of(const typename ELFT::Shdr& sec) const {
    auto name = elf.getSectionName(sec);
    if (!name) {
      llvm::consumeError(name.takeError());
      return std::nullopt;
    }
    return *name;
  }
};

template <class ELFT, class Take>
void read_symbols(const Reader<ELFT>& r, const typename ELFT::Shdr& table, Take take) {
  auto symbols = r.elf.symbols(&table);
  auto strings = r.elf.getStringTableForSymtab(table);
  if (!symbols || !strings) {
    if (!symbols) llvm::consumeError(symbols.takeError());
    if (!strings) llvm::consumeError(strings.takeError());
    return;
  }
  for (const auto& sym : *symbols) {
    auto name = sym.getName(*strings);
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    take(sym, std::string_view(*name));
  }
}

}  // namespace

template <class ELFT>
void SymbolTable::add_from(const obj::ELFFile<ELFT>& elf) {
  auto sections = elf.sections();
  if (!sections) {
    llvm::consumeError(sections.takeError());
    return;
  }
  const Reader<ELFT> reader{elf, *sections};
  const bool arm = elf.getHeader().e_machine == llvm::ELF::EM_ARM;
  for (const auto& table : *sections) {
    if (table.sh_type != llvm::ELF::SHT_SYMTAB && table.sh_type != llvm::ELF::SHT_DYNSYM) continue;
    const int table_rank = table.sh_type == llvm::ELF::SHT_SYMTAB ? 1 : 0;
    // Room for every entry, as far as the file can hold them (the header may lie).
    if (table.sh_size <= elf.getBufSize()) {
      symbols_.reserve(symbols_.size() + table.sh_size / sizeof(typename ELFT::Sym));
    }
    std::string_view file;  // the last STT_FILE seen in .symtab order
    read_symbols(reader, table, [&](const typename ELFT::Sym& sym, std::string_view name) {
      const std::uint8_t type = sym.getType();
      if (type == llvm::ELF::STT_FILE) {
        if (table_rank > 0) file = name;
        return;
      }
      const bool func = type == llvm::ELF::STT_FUNC || type == llvm::ELF::STT_GNU_IFUNC;
      if (!func && type != llvm::ELF::STT_NOTYPE) return;
      // Defined in a real section (not undefined, absolute, common or an extended index).
      const std::uint16_t shndx = sym.st_shndx;
      if (shndx == llvm::ELF::SHN_UNDEF || shndx >= llvm::ELF::SHN_LORESERVE) return;
      const auto* section = reader.section(shndx);
      if (section == nullptr) return;
      // Untyped symbols count only when they label code (assembly entry points like _start).
      const bool code = (section->sh_flags & llvm::ELF::SHF_EXECINSTR) != 0;
      if (!func && !code) return;
      if (name.empty() || name.starts_with(".L") || name.starts_with("$") || is_marker(name)) {
        return;
      }
      std::uint64_t addr = sym.st_value;
      if (arm && func) addr &= ~std::uint64_t{1};  // the Thumb bit is not part of the address
      // "memcpy@@GLIBC_2.14" (default version) and "memcpy@GLIBC_2.2.5" (compatibility): the
      // name is the part before the '@'; a compatibility version ranks below other aliases.
      std::string_view plain = name;
      bool compat_version = false;
      if (auto at = plain.find('@'); at != std::string_view::npos && at > 0) {
        compat_version = plain.substr(at, 2) != "@@";
        plain = plain.substr(0, at);
      }
      const std::uint8_t binding = sym.getBinding();
      int rank = table_rank - (compat_version ? 1 : 0);
      rank += func ? 16 : 0;
      rank += binding == llvm::ELF::STB_GLOBAL ? 8 : binding == llvm::ELF::STB_WEAK ? 4 : 0;
      rank += sym.st_size != 0 ? 32 : 0;
      // Like binutils and LLVM, a local symbol's source file is the STT_FILE before it.
      std::string_view source = binding == llvm::ELF::STB_LOCAL ? file : std::string_view{};
      const std::uint64_t section_end = section->sh_addr + section->sh_size;
      symbols_.push_back({addr, sym.st_size, section_end, plain, source, rank, kNoParent});
    });
  }
}

template <class ELFT>
void SymbolTable::add_plt_from(const obj::ELFFile<ELFT>& elf) {
  // The n-th R_*_JUMP_SLOT relocation of .rela.plt belongs to the n-th PLT entry: in .plt.sec
  // when the file has one (IBT), else in .plt after its header.
  std::uint64_t header = 0;
  const std::uint64_t entry_size = 16;
  switch (elf.getHeader().e_machine) {
    case llvm::ELF::EM_X86_64: header = 16; break;
    case llvm::ELF::EM_AARCH64: header = 32; break;
    default: return;
  }
  auto sections = elf.sections();
  if (!sections) {
    llvm::consumeError(sections.takeError());
    return;
  }
  const Reader<ELFT> reader{elf, *sections};
  const typename ELFT::Shdr* plt = nullptr;
  const typename ELFT::Shdr* plt_sec = nullptr;
  const typename ELFT::Shdr* rela_plt = nullptr;
  for (const auto& sec : *sections) {
    auto name = reader.name_of(sec);
    if (!name) continue;
    if (*name == ".plt") plt = &sec;
    if (*name == ".plt.sec") plt_sec = &sec;
    if (*name == ".rela.plt" && sec.sh_type == llvm::ELF::SHT_RELA) rela_plt = &sec;
  }
  if (rela_plt == nullptr || (plt == nullptr && plt_sec == nullptr)) return;
  const auto* symtab = reader.section(rela_plt->sh_link);
  if (symtab == nullptr) return;
  auto relas = elf.relas(*rela_plt);
  auto symbols = elf.symbols(symtab);
  auto strings = elf.getStringTableForSymtab(*symtab);
  if (!relas || !symbols || !strings) {
    if (!relas) llvm::consumeError(relas.takeError());
    if (!symbols) llvm::consumeError(symbols.takeError());
    if (!strings) llvm::consumeError(strings.takeError());
    return;
  }
  const std::uint64_t base = plt_sec != nullptr ? plt_sec->sh_addr : plt->sh_addr + header;
  const std::uint64_t end = plt_sec != nullptr ? plt_sec->sh_addr + plt_sec->sh_size
                                               : plt->sh_addr + plt->sh_size;
  std::uint64_t index = 0;
  for (const auto& rela : *relas) {
    const std::uint64_t addr = base + index * entry_size;
    ++index;
    if (addr < base || addr + entry_size > end) break;
    const std::uint32_t sym_index = rela.getSymbol(elf.isMips64EL());
    if (sym_index == 0 || sym_index >= symbols->size()) continue;
    auto name = (*symbols)[sym_index].getName(*strings);
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

void SymbolTable::add(const obj::ELFObjectFileBase& o) {
  with_elf(o, [&](const auto& elf) { add_from(elf); });
}

void SymbolTable::add_plt_entries(const obj::ELFObjectFileBase& o) {
  with_elf(o, [&](const auto& elf) { add_plt_from(elf); });
}

namespace {

struct AddrKey {
  std::uint64_t addr;
  std::uint32_t index;
};

// Stable LSD radix sort by address, a byte per pass; passes over a byte that all addresses
// share are skipped (most of them: code addresses of one file span a few MiB).
void radix_sort(std::vector<AddrKey>& keys) {
  if (keys.size() < 2) return;
  std::array<std::array<std::uint32_t, 256>, 8> counts{};
  for (const AddrKey& k : keys) {
    for (unsigned d = 0; d < 8; ++d) ++counts[d][(k.addr >> (8 * d)) & 0xff];
  }
  std::vector<AddrKey> other(keys.size());
  for (unsigned d = 0; d < 8; ++d) {
    auto& count = counts[d];
    if (count[(keys[0].addr >> (8 * d)) & 0xff] == keys.size()) continue;
    std::uint32_t sum = 0;
    for (auto& c : count) {
      const std::uint32_t n = c;
      c = sum;
      sum += n;
    }
    for (const AddrKey& k : keys) other[count[(k.addr >> (8 * d)) & 0xff]++] = k;
    keys.swap(other);
  }
}

}  // namespace

void SymbolTable::finish() {
  // Names of synthesized symbols are stored once all are known (the vector no longer moves).
  std::size_t owned = 0;
  for (auto& s : symbols_) {
    if (s.name.empty() && owned < owned_names_.size()) s.name = owned_names_[owned++];
  }
  // By address; at one address the preferred name first: sized over unsized, functions over
  // labels, global over weak over local, .symtab over .dynsym, then the shorter name (fewer
  // internal prefixes like __GI_), then alphabetical for determinism, then one that names its
  // source file. Only the first symbol of each address is kept.
  //
  // The 64-byte symbols are not sorted: 16-byte keys (address, index) are, by address alone
  // with a radix sort (libLLVM has some 40 000 symbols, and a comparison sort spent most of
  // finish() in the comparator), then the best symbol of each address is picked and copied
  // once. Two symbols that tie on every criterion and still differ (where their sections end)
  // leave the choice to std::sort, exactly as before.
  const auto before = [](const Symbol& a, const Symbol& b) {
    if (a.addr != b.addr) return a.addr < b.addr;
    if (a.rank != b.rank) return a.rank > b.rank;
    if (a.size != b.size) return a.size > b.size;
    if (a.name.size() != b.name.size()) return a.name.size() < b.name.size();
    if (a.name != b.name) return a.name < b.name;
    // One symbol from two tables (a file stripped with --strip-debug keeps .symtab without
    // its STT_FILE entries; its debug file has them): the copy that knows its source file.
    if (a.file.empty() != b.file.empty()) return b.file.empty();
    return a.file < b.file;
  };
  std::vector<AddrKey> keys(symbols_.size());
  for (std::uint32_t i = 0; i < keys.size(); ++i) keys[i] = {symbols_[i].addr, i};
  radix_sort(keys);
  std::vector<std::uint32_t> best;  // per address, the index of the preferred symbol
  bool undecided = false;
  for (std::size_t i = 0; i < keys.size() && !undecided; ++i) {
    const Symbol& s = symbols_[keys[i].index];
    if (i == 0 || keys[i].addr != keys[i - 1].addr) {
      best.push_back(keys[i].index);
      continue;
    }
    const Symbol& b = symbols_[best.back()];
    if (before(s, b)) {
      best.back() = keys[i].index;
    } else if (!before(b, s) && (s.file != b.file || s.section_end != b.section_end)) {
      undecided = true;
    }
  }
  if (undecided) {  // the symbols' own order, as std::sort saw it before
    for (std::uint32_t i = 0; i < keys.size(); ++i) keys[i] = {symbols_[i].addr, i};
    std::sort(keys.begin(), keys.end(), [&](const AddrKey& a, const AddrKey& b) {
      return before(symbols_[a.index], symbols_[b.index]);
    });
    best.clear();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i == 0 || keys[i].addr != keys[i - 1].addr) best.push_back(keys[i].index);
    }
  }
  std::vector<Symbol> kept;
  kept.reserve(best.size());
  for (std::uint32_t index : best) kept.push_back(symbols_[index]);
  symbols_ = std::move(kept);
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

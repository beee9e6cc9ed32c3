// A sorted table of code symbols with sizes, built from .symtab/.dynsym of one or two ELF files.
#pragma once

#include <libsym/frame.h>

#include <llvm/Object/ELFObjectFile.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace sym::detail {

// Calls f with the typed ELFFile of whichever class and byte order the object has.
template <class F>
void with_elf(const llvm::object::ELFObjectFileBase& o, F f) {
  namespace obj = llvm::object;
  if (const auto* e = llvm::dyn_cast<obj::ELF64LEObjectFile>(&o)) return f(e->getELFFile());
  if (const auto* e = llvm::dyn_cast<obj::ELF32LEObjectFile>(&o)) return f(e->getELFFile());
  if (const auto* e = llvm::dyn_cast<obj::ELF64BEObjectFile>(&o)) return f(e->getELFFile());
  if (const auto* e = llvm::dyn_cast<obj::ELF32BEObjectFile>(&o)) return f(e->getELFFile());
}

class SymbolTable {
 public:
  // Adds the function symbols of obj (.symtab and .dynsym). Names point into obj's buffer, which
  // must outlive the table.
  void add(const llvm::object::ELFObjectFileBase& obj);
  // Adds "name@plt" for each PLT entry of an x86-64 or AArch64 file (the stubs calls go through).
  void add_plt_entries(const llvm::object::ELFObjectFileBase& obj);
  // Sorts, picks one name per address, links symbols to the sized symbols enclosing them.
  void finish();

  [[nodiscard]] std::optional<SymbolHit> find(std::uint64_t vaddr) const;
  [[nodiscard]] std::size_t size() const { return symbols_.size(); }

 private:
  struct Symbol {
    std::uint64_t addr = 0;
    std::uint64_t size = 0;
    std::uint64_t section_end = 0;  // an unsized symbol never reaches past its section
    std::string_view name;
    std::string_view file;  // STT_FILE before a local symbol
    int rank = 0;  // higher wins among symbols at one address
    std::uint32_t parent = kNoParent;  // innermost sized symbol enclosing addr
  };
  static constexpr std::uint32_t kNoParent = 0xffffffffU;
  template <class ELFT>
  void add_from(const llvm::object::ELFFile<ELFT>& elf);
  template <class ELFT>
  void add_plt_from(const llvm::object::ELFFile<ELFT>& elf);
  static SymbolHit hit(const Symbol& s, std::uint64_t vaddr);

  std::vector<Symbol> symbols_;
  std::vector<std::string> owned_names_;  // synthesized names (PLT entries)
};

}  // namespace sym::detail

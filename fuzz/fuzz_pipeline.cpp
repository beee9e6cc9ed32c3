// libFuzzer target: the whole pipeline. Input = maps text, a NUL byte, the ELF image's size
// (8 bytes, little endian; cut to what is left), the ELF bytes, then addresses (8 bytes each).
// The ELF image is registered under the first paths the maps name; the others are missing
// files. (The image is given by its size: ELF files hold NUL bytes from their first eight on.)
#include <libsym/printer.h>
#include <libsym/symbolizer.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  auto first = all.find('\0');
  if (first == std::string_view::npos) return 0;
  std::string_view maps_text = all.substr(0, first);
  std::string_view rest = all.substr(first + 1);
  std::uint64_t elf_size = 0;
  if (rest.size() >= 8) {
    std::memcpy(&elf_size, rest.data(), 8);
    rest.remove_prefix(8);
  } else {
    rest = {};
  }
  const std::string_view elf = rest.substr(0, std::min<std::uint64_t>(elf_size, rest.size()));
  const std::string_view addr_bytes = rest.substr(elf.size());
  auto map = sym::ProcessMap::parse(maps_text);
  // A sysroot that does not exist keeps every lookup off the disk: only the registered images
  // are found, everything else is a missing file.
  sym::SymbolizerOptions options;
  options.debug.sysroot = "/nonexistent-libsym-fuzz-root";
  options.debug.enabled = false;
  sym::Symbolizer symbolizer(options);
  std::set<std::string> paths;
  for (const auto& m : map.mappings()) paths.insert(m.path);
  // A few paths are enough for coverage; parsing the image once per path of a huge mutated
  // maps text would make each execution slow.
  std::size_t registered = 0;
  for (const auto& path : paths) {
    if (path.empty() || path.front() != '/') continue;
    if (++registered > 4) break;
    auto module = sym::Module::from_buffer(
        llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(elf.data(), elf.size()), path));
    if (!module) {
      llvm::consumeError(module.takeError());
      continue;
    }
    symbolizer.add_module(options.debug.sysroot + path, std::move(*module));
  }
  std::vector<sym::AbsAddr> addrs;
  for (std::size_t i = 0; i + 8 <= addr_bytes.size() && addrs.size() < 64; i += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, addr_bytes.data() + i, 8);
    addrs.emplace_back(v);
  }
  // Also every mapping's first and last byte.
  for (const auto& m : map.mappings()) {
    if (addrs.size() >= 128) break;
    addrs.push_back(m.start);
    addrs.emplace_back(m.end.value() - 1);
  }
  auto results = symbolizer.symbolize(map, addrs, sym::Adjust::kReturnAddress);
  if (results.size() != addrs.size()) __builtin_trap();
  std::string out;
  for (const auto& r : results) {
    if (r.input != addrs[&r - results.data()].value()) __builtin_trap();
    for (auto style : {sym::OutputStyle::kDefault, sym::OutputStyle::kGnu, sym::OutputStyle::kLlvm,
                       sym::OutputStyle::kJson}) {
      sym::print(out, r, style, {true, true, true, true, false, false, 16});
    }
    (void)sym::unknown_frame_name(r);
  }
  return 0;
}

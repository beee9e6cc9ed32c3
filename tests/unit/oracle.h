// Test helpers: running commands, the fixture directory, and llvm-symbolizer-19 as an oracle.
#pragma once

#include <libsym/mapping.h>

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace llvm {
class DWARFContext;
}  // namespace llvm

namespace test {

// Runs a shell command, returns its stdout; fails the test if it cannot be started.
std::string run(const std::string& command, int* status = nullptr);

// FIXTURE_DIR from the environment (set by meson), where build_fixtures.sh put its output.
std::string fixture_dir();
// FIXTURE_SOURCES (set by meson): the fixtures' sources, for tests that build variants.
std::string fixture_sources();
// An empty directory of the system's temporary directory, its name made of `name` and the pid.
std::string temp_dir(const std::string& name);
std::vector<std::string> fixture_variants();

struct OracleFrame {
  std::string function;  // raw (mangled) name, "" for "??"
  std::string file;      // "" when unknown
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::uint64_t start = 0;  // StartAddress: the function's (or symbol's) first byte
};

// llvm-symbolizer-19 --inlines --no-demangle on (file, vaddr) pairs, one frame list per address.
std::vector<std::vector<OracleFrame>> llvm_symbolize(const std::string& file,
                                                     const std::vector<std::uint64_t>& vaddrs,
                                                     const std::string& debug_dir = "");

// The uncompressed debug sections of an ELF file, by the names DWARFContext::create expects
// (".debug_info" as "debug_info"); compressed ones are left out.
std::map<std::string, std::string> debug_sections(const std::string& path);
// A DWARF context that reads `sections` in place (they must outlive it); errors are ignored.
std::unique_ptr<llvm::DWARFContext> context_of(const std::map<std::string, std::string>& sections);

// Overwrites 1-8 random bytes of `sections` (.debug_info three times in four, else
// .debug_abbrev) with random values or ones that derail a DIE walk: block lengths, forms, codes,
// children flags and unit lengths all go wrong in turn.
void corrupt_dwarf(std::map<std::string, std::string>& sections, std::mt19937_64& random);

// Name of the allocated section holding vaddr in an ELF file ("" if none).
std::string section_of(const std::string& file, std::uint64_t vaddr);

// A fixture program that ran: "name -> runtime address" from its output, and the maps it wrote.
struct LiveFixture {
  std::map<std::string, std::uint64_t> addrs;
  sym::ProcessMap map;
};

// Runs a fixture program, which writes its /proc/self/maps to maps_path; that file must parse
// without a single malformed line.
LiveFixture run_fixture(const std::string& program, const std::string& maps_path);

}  // namespace test

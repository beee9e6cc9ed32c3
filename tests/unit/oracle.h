// Test helpers: running commands, the fixture directory, and llvm-symbolizer-19 as an oracle.
#pragma once

#include <libsym/mapping.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

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

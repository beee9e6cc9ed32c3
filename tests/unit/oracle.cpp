#include "oracle.h"

#include <libsym/address.h>

#include <llvm/ADT/StringMap.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/MemoryBuffer.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace test {

namespace {
void ignore(llvm::Error e) { llvm::consumeError(std::move(e)); }
}  // namespace

std::map<std::string, std::string> debug_sections(const std::string& path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, false, false);
  REQUIRE(static_cast<bool>(buffer));
  auto object = llvm::object::ObjectFile::createObjectFile((*buffer)->getMemBufferRef());
  REQUIRE(static_cast<bool>(object));
  std::map<std::string, std::string> out;
  for (const auto& section : (*object)->sections()) {
    auto name = section.getName();
    auto data = section.getContents();
    if (!name || !data || !name->starts_with(".debug_") || section.isCompressed()) {
      if (!name) ignore(name.takeError());
      if (!data) ignore(data.takeError());
      continue;
    }
    out[name->drop_front().str()] = data->str();
  }
  return out;
}

void corrupt_dwarf(std::map<std::string, std::string>& sections, std::mt19937_64& random) {
  const int flips = 1 + static_cast<int>(random() % 8);
  for (int i = 0; i < flips; ++i) {
    std::string& target = sections[random() % 4 == 0 ? "debug_abbrev" : "debug_info"];
    if (target.empty()) continue;
    const std::size_t at = random() % target.size();
    // 0xff: a long LEB128; 0x04, 0x09, 0x18: DW_FORM_block4, block, exprloc in an abbreviation
    // (and lengths, codes, sizes in DIEs); 0x00, 0x01: null entries, children flags.
    static constexpr std::uint8_t kPicks[] = {0xff, 0x04, 0x09, 0x18, 0x00, 0x01};
    target[at] = static_cast<char>(random() % 2 == 0 ? kPicks[random() % 6] : random() & 0xff);
  }
}

std::unique_ptr<llvm::DWARFContext> context_of(const std::map<std::string, std::string>& sections) {
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> buffers;
  for (const auto& [name, bytes] : sections) {
    buffers[name] = llvm::MemoryBuffer::getMemBuffer(bytes, name, false);
  }
  return llvm::DWARFContext::create(buffers, 8, true, ignore, ignore);
}

std::string run(const std::string& command, int* status) {
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int rc = ::pclose(pipe);
  if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

std::string fixture_dir() {
  const char* dir = std::getenv("FIXTURE_DIR");
  REQUIRE(dir != nullptr);
  return dir;
}

std::string fixture_sources() {
  const char* dir = std::getenv("FIXTURE_SOURCES");
  REQUIRE(dir != nullptr);
  return dir;
}

std::string temp_dir(const std::string& name) {
  const std::string dir = std::filesystem::temp_directory_path().string() + "/libsym-test-" +
                          name + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<std::string> fixture_variants() {
  std::ifstream in(fixture_dir() + "/variants.txt");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  REQUIRE(out.size() >= 10);
  return out;
}

std::vector<std::vector<OracleFrame>> llvm_symbolize(const std::string& file,
                                                     const std::vector<std::uint64_t>& vaddrs,
                                                     const std::string& debug_dir) {
  std::string input_path = fixture_dir() + "/oracle_input." + std::to_string(::getpid());
  {
    std::ofstream in(input_path);
    for (auto v : vaddrs) in << sym::to_hex(v) << "\n";
  }
  std::string cmd = "llvm-symbolizer-19 --inlines --no-demangle --output-style=JSON --obj='" +
                    file + "'";
  if (!debug_dir.empty()) cmd += " --debug-file-directory='" + debug_dir + "'";
  cmd += " < '" + input_path + "'";
  std::string out = run(cmd);
  std::remove(input_path.c_str());
  std::vector<std::vector<OracleFrame>> result;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto parsed = llvm::json::parse(line);
    REQUIRE(static_cast<bool>(parsed));
    const auto* obj = parsed->getAsObject();
    REQUIRE(obj != nullptr);
    std::vector<OracleFrame> frames;
    if (const auto* symbols = obj->getArray("Symbol")) {
      for (const auto& s : *symbols) {
        const auto* f = s.getAsObject();
        OracleFrame frame;
        frame.function = f->getString("FunctionName").value_or("").str();
        if (frame.function == "??") frame.function.clear();
        frame.file = f->getString("FileName").value_or("").str();
        frame.line = static_cast<std::uint32_t>(f->getInteger("Line").value_or(0));
        frame.column = static_cast<std::uint32_t>(f->getInteger("Column").value_or(0));
        frame.start = sym::parse_hex(f->getString("StartAddress").value_or("").str()).value_or(0);
        frames.push_back(frame);
      }
    }
    result.push_back(std::move(frames));
  }
  REQUIRE(result.size() == vaddrs.size());
  return result;
}

std::string section_of(const std::string& file, std::uint64_t vaddr) {
  auto binary = llvm::object::ObjectFile::createObjectFile(file);
  REQUIRE(static_cast<bool>(binary));
  for (const auto& section : binary->getBinary()->sections()) {
    if (section.getAddress() <= vaddr && vaddr - section.getAddress() < section.getSize()) {
      auto name = section.getName();
      return name ? name->str() : std::string();
    }
  }
  return {};
}

LiveFixture run_fixture(const std::string& program, const std::string& maps_path) {
  int status = -1;
  std::string out = run("'" + program + "' '" + maps_path + "'", &status);
  REQUIRE(status == 0);
  LiveFixture live;
  std::istringstream lines(out);
  std::string name, value;
  while (lines >> name >> value) {
    auto v = sym::parse_hex(value);
    REQUIRE(v.has_value());
    live.addrs[name] = *v;
  }
  REQUIRE(live.addrs.size() == 7);
  sym::Diagnostics diags;
  auto map = sym::ProcessMap::read_file(maps_path, &diags);
  REQUIRE(static_cast<bool>(map));
  REQUIRE(diags.empty());
  live.map = std::move(*map);
  return live;
}

}  // namespace test

#include "oracle.h"

#include <libsym/address.h>

#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/JSON.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace test {

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

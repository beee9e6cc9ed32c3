// Live fixture processes and whole-module sweeps, checked against llvm-symbolizer-19.
#include "oracle.h"

#include "debug_sections.h"

#include <libsym/symbolizer.h>

#include <catch2/catch.hpp>
#include <llvm/Demangle/Demangle.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace fs = std::filesystem;
using sym::AbsAddr;
using sym::Adjust;
using sym::Reason;

namespace {

sym::SymbolizerOptions fixture_options() {
  sym::SymbolizerOptions options;
  options.debug.debug_dirs = {test::fixture_dir() + "/debugroot"};
  return options;
}

std::vector<std::string> raw_names(const sym::Symbolized& r) {
  std::vector<std::string> names;
  for (const auto& f : r.frames) names.push_back(f.raw_name);
  return names;
}

// Our frames must be llvm-symbolizer's: same chain, names, files, lines and columns. One known
// difference: for the physical (outermost) frame llvm-symbolizer replaces the DWARF name with
// its symbol-table name (glibc's `__res_context_send` for DWARF's `__GI___res_context_send`);
// GNU addr2line and eu-addr2line print the DWARF name, as we do. So there the oracle must name
// a symbol starting where ours does (aliases at one address are many: __GI_x, __x, x).
void check_against_oracle(const sym::Symbolized& r, const std::vector<test::OracleFrame>& oracle) {
  INFO("address " << sym::to_hex(r.input) << " vaddr " << sym::to_hex(r.vaddr->value()) << " in "
                  << r.module);
  REQUIRE(r.frames.size() == oracle.size());
  for (std::size_t i = 0; i < oracle.size(); ++i) {
    INFO("frame " << i);
    const bool physical = i + 1 == oracle.size();
    if (physical && r.frames[i].raw_name != oracle[i].function) {
      REQUIRE(r.symbol.has_value());
      CHECK(oracle[i].start == r.symbol->value);
    } else {
      CHECK(r.frames[i].raw_name == oracle[i].function);
    }
    CHECK(r.frames[i].file == oracle[i].file);
    CHECK(r.frames[i].line == oracle[i].line);
    CHECK(r.frames[i].column == oracle[i].column);
  }
}

}  // namespace

TEST_CASE("every fixture layout resolves its live addresses like llvm-symbolizer") {
  const std::string dir = test::fixture_dir();
  for (const auto& variant : test::fixture_variants()) {
    DYNAMIC_SECTION(variant) {
      auto [addrs, map] = test::run_fixture(dir + "/" + variant, dir + "/" + variant + ".maps");
      sym::Symbolizer symbolizer(fixture_options());

      const std::map<std::string, std::vector<std::string>> expected = {
          // At a function's entry the compiler may already be inside inlined code, so only the
          // physical frame is fixed there; return addresses have a known inline chain.
          {"outer", {"outer"}},
          {"outer_ra", {"inner", "middle", "outer"}},
          {"far_function", {"far_function"}},
          {"far_ra", {"far_function"}},
          {"lib_function", {"lib_function"}},
          {"lib_ra", {"lib_inner", "lib_capture_site"}},
          {"main", {"main"}},
      };
      for (const auto& [name, names] : expected) {
        INFO(variant << ": " << name);
        const bool ra = name.ends_with("_ra");
        auto r = symbolizer.symbolize(map, AbsAddr(addrs.at(name)),
                                      ra ? Adjust::kReturnAddress : Adjust::kNone);
        REQUIRE(r.reason == Reason::kNone);
        CHECK(r.lookup == addrs.at(name) - (ra ? 1 : 0));
        CHECK(fs::path(r.module).filename() ==
              (name.starts_with("lib") ? "libfixture.so" : variant));
        if (ra) {
          CHECK(raw_names(r) == names);
        } else {
          REQUIRE(!r.frames.empty());
          CHECK(r.frames.back().raw_name == names.back());
        }
        for (std::size_t i = 0; i < r.frames.size(); ++i) {
          CHECK(r.frames[i].inlined == (i + 1 < r.frames.size()));
          CHECK(r.frames[i].line != 0);
          CHECK(fs::path(r.frames[i].file).filename().string().starts_with("fixture"));
        }
        if (!ra) {
          REQUIRE(r.symbol.has_value());
          CHECK(r.symbol->offset == 0);
          CHECK(r.symbol->size > 0);
        }
        const std::string debug_dir = variant == "buildid_clang" ? dir + "/debugroot" : "";
        check_against_oracle(r, test::llvm_symbolize(r.module, {r.vaddr->value()}, debug_dir)[0]);
      }
      if (variant.starts_with("multiseg")) {
        // far_function lives in its own executable PT_LOAD with another vaddr-offset delta.
        auto a = symbolizer.symbolize(map, AbsAddr(addrs.at("outer")), Adjust::kNone);
        auto b = symbolizer.symbolize(map, AbsAddr(addrs.at("far_function")), Adjust::kNone);
        CHECK(a.vaddr->value() - a.file_offset->value() !=
              b.vaddr->value() - b.file_offset->value());
      }
    }
  }
}

TEST_CASE("a stripped file without debug info answers from .dynsym or says why not") {
  const std::string dir = test::fixture_dir();
  auto [addrs, map] = test::run_fixture(dir + "/stripped_gcc", dir + "/stripped_gcc.maps");
  sym::Symbolizer symbolizer;
  auto outer = symbolizer.symbolize(map, AbsAddr(addrs.at("outer")), Adjust::kNone);
  CHECK(outer.reason == Reason::kNoSymbol);
  CHECK(outer.frames.empty());
  REQUIRE(outer.vaddr.has_value());
  auto lib = symbolizer.symbolize(map, AbsAddr(addrs.at("lib_function")), Adjust::kNone);
  CHECK(lib.reason == Reason::kNone);
  CHECK(raw_names(lib) == std::vector<std::string>{"lib_function"});
}

TEST_CASE("separate debug info is found and reported by its origin") {
  const std::string dir = test::fixture_dir();
  sym::DebugSearch search;
  search.debug_dirs = {dir + "/debugroot"};
  auto link = sym::Module::open(dir + "/debuglink_gcc", search);
  REQUIRE(static_cast<bool>(link));
  CHECK((*link)->debug_origin().source == sym::DebugSource::kDebugLink);
  CHECK(fs::equivalent((*link)->debug_origin().path, dir + "/debuglink_gcc.debug"));
  auto id = sym::Module::open(dir + "/buildid_clang", search);
  REQUIRE(static_cast<bool>(id));
  CHECK((*id)->debug_origin().source == sym::DebugSource::kBuildId);
  CHECK((*id)->build_id().size() >= 16);
  // Without the debug directory the build-id file is not found; names then come only from
  // the (stripped) file itself.
  auto alone = sym::Module::open(dir + "/buildid_clang", sym::DebugSearch{});
  REQUIRE(static_cast<bool>(alone));
  CHECK((*alone)->debug_origin().source == sym::DebugSource::kNone);
}

TEST_CASE("a debuglink file whose CRC does not match is refused") {
  const std::string dir = test::temp_dir("crc");
  fs::copy_file(test::fixture_dir() + "/debuglink_gcc", dir + "/debuglink_gcc");
  fs::copy_file(test::fixture_dir() + "/debuglink_gcc.debug", dir + "/debuglink_gcc.debug");
  // Strip the build-id note from the debug file so that only the CRC can vouch for it, then
  // change one byte: the CRC no longer matches.
  test::run("objcopy --remove-section .note.gnu.build-id '" + dir + "/debuglink_gcc.debug'");
  {
    std::fstream f(dir + "/debuglink_gcc.debug", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x55');
  }
  auto m = sym::Module::open(dir + "/debuglink_gcc", sym::DebugSearch{});
  REQUIRE(static_cast<bool>(m));
  CHECK((*m)->debug_origin().source == sym::DebugSource::kNone);
  fs::remove_all(dir);
}

TEST_CASE("libc resolves to file:line through its build-id debug file (libc6-dbg)") {
  auto libc = sym::Module::open("/lib/x86_64-linux-gnu/libc.so.6", sym::DebugSearch{});
  REQUIRE(static_cast<bool>(libc));
  REQUIRE((*libc)->debug_origin().source == sym::DebugSource::kBuildId);
  // The return address of the clone() frame of every thread: inside the clone wrapper.
  auto hit = (*libc)->symbol_at(sym::VirtAddr(0));
  (void)hit;
  sym::Symbolizer symbolizer;
  auto map = sym::ProcessMap::read_file("/proc/self/maps", nullptr);
  REQUIRE(static_cast<bool>(map));
  auto r = symbolizer.symbolize(*map, AbsAddr(reinterpret_cast<std::uintptr_t>(&::getpid)),
                                Adjust::kNone);
  REQUIRE(r.reason == Reason::kNone);
  CHECK(fs::path(r.module).filename() == "libc.so.6");
  CHECK(r.frames.back().raw_name.find("getpid") != std::string::npos);
  CHECK(!r.frames.back().file.empty());
  CHECK(r.frames.back().line != 0);
  check_against_oracle(r, test::llvm_symbolize(r.module, {r.vaddr->value()})[0]);
}

TEST_CASE("whole-module sweeps agree with llvm-symbolizer") {
  // Addresses spread over every executable segment, each compared frame by frame. Where the
  // symbol table alone answers (no DWARF), the names may legitimately differ between aliases,
  // so only the presence of an answer is compared there.
  const std::string dir = test::fixture_dir();
  std::vector<std::string> files = {dir + "/libfixture.so", dir + "/pie_gcc", dir + "/lld_clang",
                                    dir + "/dwarf4_gcc", dir + "/gz_gcc", dir + "/multiseg_gcc",
                                    dir + "/dwarf5_clang", dir + "/gcsections_gcc",
                                    dir + "/gcsections_lld", dir + "/foreign_aarch64",
                                    dir + "/foreign_i386", dir + "/cxx_gcc", dir + "/cxx_clang",
                                    "/lib/x86_64-linux-gnu/libc.so.6"};
  std::mt19937_64 rng(42);
  for (const auto& file : files) {
    DYNAMIC_SECTION(file) {
      auto module = sym::Module::open(file, sym::DebugSearch{});
      REQUIRE(static_cast<bool>(module));
      std::vector<sym::VirtAddr> vaddrs;
      for (const auto& seg : (*module)->segments()) {
        if (!seg.executable() || seg.filesz == 0) continue;
        const std::size_t n = file.find("libc") != std::string::npos ? 3000 : 300;
        for (std::size_t i = 0; i < n; ++i) vaddrs.emplace_back(seg.vaddr + rng() % seg.filesz);
      }
      REQUIRE(!vaddrs.empty());
      sym::Symbolizer symbolizer;
      auto results = symbolizer.symbolize_elf(file, vaddrs, Adjust::kNone);
      std::vector<std::uint64_t> raw;
      for (auto v : vaddrs) raw.push_back(v.value());
      auto oracle = test::llvm_symbolize(file, raw);
      std::size_t with_lines = 0;
      for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        // A DWARF answer has a chain, a line or a column (clang writes line 0 for compiler-made
        // code); a symbol-table answer has none of them, even with an STT_FILE name.
        const bool oracle_has_lines =
            !oracle[i].empty() &&
            (oracle[i].size() > 1 || oracle[i][0].line != 0 || oracle[i][0].column != 0);
        // fixture.c's dead_function (lines 42-44) is removed by --gc-sections; its DWARF range is
        // tombstoned to [0, size), which covers .init/.plt/.fini. llvm-symbolizer (and GNU
        // addr2line) answer those addresses with the dead function's lines; we recognize the
        // tombstone and do not.
        const bool dead_answer = file.find("gcsections") != std::string::npos &&
                                 oracle_has_lines && oracle[i][0].file.ends_with("fixture.c") &&
                                 oracle[i][0].line >= 42 && oracle[i][0].line <= 44;
        if (dead_answer) {
          INFO("vaddr " << sym::to_hex(r.lookup));
          CHECK(test::section_of(file, r.lookup) != ".text");
          for (const auto& f : r.frames) CHECK(f.line == 0);
        } else if (oracle_has_lines) {
          ++with_lines;
          check_against_oracle(r, oracle[i]);
        } else if (oracle[i].empty() || oracle[i][0].function.empty()) {
          // llvm-symbolizer reads only the stripped file's .dynsym; we also read the separate
          // debug file's .symtab (as eu-addr2line does), so we may know more, never less.
          INFO("vaddr " << sym::to_hex(r.lookup));
          if (!r.frames.empty()) CHECK(r.symbol.has_value());
        } else if (r.frames.empty()) {
          // llvm-symbolizer lets an unsized symbol (_init, _fini) run on into the next section
          // (.plt): we stop unsized symbols at the end of their section.
          INFO("vaddr " << sym::to_hex(r.lookup) << " oracle " << oracle[i][0].function);
          CHECK(oracle[i][0].line == 0);
          CHECK(test::section_of(file, r.lookup) != test::section_of(file, oracle[i][0].start));
        } else if (r.symbol && r.symbol->name.ends_with("@plt")) {
          // A PLT stub, named as objdump names it; llvm-symbolizer lets _init run over it.
          CHECK(test::section_of(file, r.lookup).starts_with(".plt"));
          CHECK(test::section_of(file, oracle[i][0].start) != test::section_of(file, r.lookup));
        } else {
          INFO("vaddr " << sym::to_hex(r.lookup));
          CHECK((r.frames.back().raw_name == oracle[i][0].function ||
                 (r.symbol && r.symbol->value == oracle[i][0].start)));
        }
      }
      // Not vacuous: a good share of the addresses has DWARF lines (crt code has none).
      CHECK(with_lines > vaddrs.size() / 10);
    }
  }
}

TEST_CASE("return addresses are looked up at the call, not after it") {
  const std::string dir = test::fixture_dir();
  auto [addrs, map] = test::run_fixture(dir + "/pie_gcc", dir + "/pie_gcc.ra.maps");
  sym::Symbolizer symbolizer;
  auto as_ra = symbolizer.symbolize(map, AbsAddr(addrs.at("outer_ra")), Adjust::kReturnAddress);
  auto as_pc = symbolizer.symbolize(map, AbsAddr(addrs.at("outer_ra")), Adjust::kNone);
  CHECK(as_ra.vaddr->value() + 1 == as_pc.vaddr->value());
  // The call to capture() is on the line of inner() that calls it.
  REQUIRE(!as_ra.frames.empty());
  CHECK(as_ra.frames[0].raw_name == "inner");
}

TEST_CASE("files that changed, vanished or are not regular get their reason, reported once") {
  const std::string dir = test::temp_dir("changed");
  const std::string program = dir + "/prog";
  fs::copy_file(test::fixture_dir() + "/pie_gcc", program);
  fs::copy_file(test::fixture_dir() + "/libfixture.so", dir + "/libfixture.so");
  auto [addrs, map] = test::run_fixture(program, dir + "/maps");

  // Replace the program by a copy: same bytes, new inode (made while the old one still exists,
  // so the file system cannot hand out the same inode number). The snapshot no longer
  // describes it.
  fs::copy_file(test::fixture_dir() + "/pie_gcc", program + ".new");
  fs::rename(program + ".new", program);
  std::vector<sym::ModuleProblem> problems;
  sym::Symbolizer symbolizer;
  symbolizer.on_problem([&](const sym::ModuleProblem& p) { problems.push_back(p); });
  std::vector<AbsAddr> batch = {AbsAddr(addrs.at("outer")), AbsAddr(addrs.at("main")),
                                AbsAddr(addrs.at("lib_function")), AbsAddr(addrs.at("outer"))};
  auto results = symbolizer.symbolize(map, batch, Adjust::kNone);
  CHECK(results[0].reason == Reason::kFileChanged);
  CHECK(results[1].reason == Reason::kFileChanged);
  CHECK(results[3].reason == Reason::kFileChanged);
  CHECK(results[0].file_offset.has_value());
  CHECK(results[2].reason == Reason::kNone);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].path == program);
  CHECK_THAT(problems[0].detail, Catch::Contains("inode"));
  // Asking again reports nothing new.
  symbolizer.symbolize(map, batch, Adjust::kNone);
  CHECK(problems.size() == 1);

  // Without verification the (identical) copy is used.
  sym::SymbolizerOptions trusting;
  trusting.verify_identity = false;
  sym::Symbolizer trusting_symbolizer(trusting);
  CHECK(trusting_symbolizer.symbolize(map, batch[0], Adjust::kNone).reason == Reason::kNone);

  // Gone altogether.
  fs::remove(program);
  sym::Symbolizer after_delete;
  CHECK(after_delete.symbolize(map, batch[0], Adjust::kNone).reason == Reason::kFileMissing);

  // A FIFO, a device and a directory named by a hostile snapshot: refused without blocking.
  REQUIRE(::mkfifo((dir + "/fifo").c_str(), 0600) == 0);
  std::string hostile =
      "10000-11000 r-xp 00000000 00:00 1 " + dir + "/fifo\n" +
      "12000-13000 r-xp 00000000 00:00 1 /dev/zero\n" +
      "14000-15000 r-xp 00000000 00:00 1 " + dir + "\n" +
      "16000-17000 r-xp 00000000 00:00 0 [vdso]\n" +
      "18000-19000 r-xp 00000000 00:00 0 /memfd:jit (deleted)\n" +
      "1a000-1b000 r-xp 00000000 00:00 0 \n" +
      "1c000-1d000 r-xp 00000000 00:00 1 /nonexistent/lib.so (deleted)\n";
  auto hostile_map = sym::ProcessMap::parse(hostile);
  sym::Symbolizer careful;
  std::vector<AbsAddr> probes = {AbsAddr(0x10010), AbsAddr(0x12010), AbsAddr(0x14010),
                                 AbsAddr(0x16010), AbsAddr(0x18010), AbsAddr(0x1a010),
                                 AbsAddr(0x1c010), AbsAddr(0x20000)};
  auto hostile_results = careful.symbolize(hostile_map, probes, Adjust::kNone);
  CHECK(hostile_results[0].reason == Reason::kNotRegularFile);
  CHECK(hostile_results[1].reason == Reason::kNotRegularFile);
  CHECK(hostile_results[2].reason == Reason::kNotRegularFile);
  CHECK(hostile_results[3].reason == Reason::kPseudo);
  CHECK(hostile_results[4].reason == Reason::kMemfd);
  CHECK(hostile_results[5].reason == Reason::kAnonymous);
  CHECK(hostile_results[6].reason == Reason::kFileMissing);
  CHECK_THAT(hostile_results[6].detail, Catch::Contains("deleted"));
  CHECK(hostile_results[7].reason == Reason::kUnmapped);
  fs::remove_all(dir);
}

TEST_CASE("batches keep input order and resolve duplicates consistently") {
  const std::string dir = test::fixture_dir();
  auto [addrs, map] = test::run_fixture(dir + "/pie_gcc", dir + "/pie_gcc.batch.maps");
  std::vector<AbsAddr> batch;
  for (int round = 0; round < 3; ++round) {
    for (const auto& [name, addr] : addrs) batch.emplace_back(addr);
  }
  batch.emplace_back(0x10);
  sym::Symbolizer symbolizer;
  auto results = symbolizer.symbolize(map, batch, Adjust::kReturnAddress);
  REQUIRE(results.size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) CHECK(results[i].input == batch[i].value());
  for (std::size_t i = 0; i + addrs.size() < batch.size() - 1; ++i) {
    CHECK(results[i].frames == results[i + addrs.size()].frames);
  }
  CHECK(results.back().reason == Reason::kUnmapped);
}

TEST_CASE("--sysroot finds another machine's files under a prefix") {
  // The snapshot names /opt/app/prog and /opt/app/libfixture.so, which exist only under the
  // sysroot. Identity checks are off there (the files are copies).
  const std::string root = test::temp_dir("sysroot");
  fs::create_directories(root + "/opt/app");
  fs::copy_file(test::fixture_dir() + "/pie_gcc", root + "/opt/app/prog");
  fs::copy_file(test::fixture_dir() + "/libfixture.so", root + "/opt/app/libfixture.so");
  const auto addrs = test::run_fixture(root + "/opt/app/prog", root + "/maps").addrs;
  std::ifstream in(root + "/maps");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t at; (at = text.find(root)) != std::string::npos;) text.erase(at, root.size());
  auto map = sym::ProcessMap::parse(text);
  sym::SymbolizerOptions options;
  options.debug.sysroot = root;
  sym::Symbolizer symbolizer(options);
  auto r = symbolizer.symbolize(map, AbsAddr(addrs.at("lib_ra")), Adjust::kReturnAddress);
  REQUIRE(r.reason == Reason::kNone);
  CHECK(r.module == root + "/opt/app/libfixture.so");
  CHECK(raw_names(r) == std::vector<std::string>{"lib_inner", "lib_capture_site"});
  sym::Symbolizer without;
  CHECK(without.symbolize(map, AbsAddr(addrs.at("lib_ra")), Adjust::kReturnAddress).reason ==
        Reason::kFileMissing);
  fs::remove_all(root);
}

TEST_CASE("names are demangled: Itanium, Rust legacy and v0, and left alone otherwise") {
  CHECK(sym::demangle("_ZN3foo3barEv") == "foo::bar()");
  CHECK(sym::demangle("_ZNSt6vectorIiSaIiEE9push_backERKi") ==
        "std::vector<int, std::allocator<int>>::push_back(int const&)");
  CHECK(sym::demangle("_ZN4core3fmt5write17h01234567890abcdeE") == "core::fmt::write");
  CHECK(sym::demangle("_ZN4core3ptr23drop_in_place$LT$u8$GT$17h0123456789abcdefE.llvm.42") ==
        "core::ptr::drop_in_place<u8>");
  CHECK(sym::demangle("_RNvCs1234_7mycrate4main") == "mycrate::main");
  CHECK(sym::demangle("_Z3foov.cold") == "foo() (.cold)");
  CHECK(sym::demangle("plain_c_function") == "plain_c_function");
  CHECK(sym::demangle("") == "");
}

TEST_CASE("names no demangler would change skip the demanglers, and only those") {
  // Every symbol of libc, libstdc++ and the C++ fixtures, and hand-made edges of each scheme.
  const std::string list = test::fixture_dir() + "/all_names." + std::to_string(::getpid());
  test::run("{ nm '" + test::fixture_dir() + "/cxx_gcc'; "
            "nm -D /usr/lib/x86_64-linux-gnu/libc.so.6; "
            "nm -D /usr/lib/x86_64-linux-gnu/libstdc++.so.6; } | "
            "awk '{print $NF}' | sed 's/@.*//' | sort -u > '" + list + "'");
  std::ifstream in(list);
  std::vector<std::string> names{"_Z3foov", "__Z3foov", "___Z3foov", "____Z3foov", "_____Z3foov",
                                 "______Z3foov", "_RNvCs1234_7mycrate4main", "__RNvC1a1b",
                                 "_D3foo3barFZv", "__D3foo3barFZv", "?foo@@YAXXZ", ".?AVfoo@@",
                                 "._Z3foov", "_", "__", "Z3foov", "malloc", "__libc_start_main",
                                 "_IO_file_write", "_dl_start", "_Zfoo", "_R", "_D"};
  for (std::string name; std::getline(in, name);) names.push_back(name);
  fs::remove(list);
  REQUIRE(names.size() > 3000);
  std::size_t plain = 0;
  for (const std::string& name : names) {
    INFO(name);
    const bool maybe = sym::may_be_mangled(name);
    if (!maybe) {
      CHECK(llvm::demangle(name) == name);
      CHECK(sym::demangle_gnu(name) == name);
      ++plain;
    }
    CHECK(sym::demangle(name) == llvm::demangle(name));
    if (llvm::demangle(name) != name) CHECK(maybe);
  }
  CHECK(plain > 1000);  // libc's names
  CHECK_FALSE(sym::may_be_mangled("__libc_start_main"));
  CHECK(sym::may_be_mangled("_ZN3foo3barEv"));
}

namespace {

std::string write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("broken ELF files: what can still be answered is answered") {
  const std::string dir = test::temp_dir("broken-elf");
  const std::string good = read_bytes(test::fixture_dir() + "/pie_gcc");
  auto reference = sym::Module::open(test::fixture_dir() + "/pie_gcc", sym::DebugSearch{});
  REQUIRE(static_cast<bool>(reference));
  const sym::LoadSegment text = [&] {
    for (const auto& s : (*reference)->segments()) {
      if (s.executable()) return s;
    }
    FAIL("no executable segment");
    return sym::LoadSegment{};
  }();
  const sym::FileOffset probe(text.offset + 0x10);

  SECTION("corrupt e_shoff: program headers still translate, no symbols, a warning") {
    std::string bytes = good;
    const std::uint64_t huge = 0x7fffffff;
    std::memcpy(bytes.data() + 40, &huge, 8);  // e_shoff of ELF64
    auto m = sym::Module::open(write_bytes(dir + "/shoff", bytes), sym::DebugSearch{});
    REQUIRE(static_cast<bool>(m));
    CHECK_THAT((*m)->warning(), Catch::Contains("section headers unreadable"));
    CHECK((*m)->to_virt(probe) == (*reference)->to_virt(probe));
    auto vaddr = (*m)->to_virt(probe);
    REQUIRE(vaddr.has_value());
    CHECK((*m)->frames_at(*vaddr, {}).empty());
    CHECK((*m)->build_id() == (*reference)->build_id());  // from PT_NOTE
  }
  SECTION("truncated anywhere: an error or a degraded module, never a crash") {
    for (std::size_t cut : {0UL, 3UL, 16UL, 63UL, 64UL, 100UL, 700UL, 4096UL, 8000UL,
                            good.size() / 2, good.size() - 1}) {
      INFO("cut at " << cut);
      auto m = sym::Module::open(write_bytes(dir + "/cut", good.substr(0, cut)), sym::DebugSearch{});
      if (!m) {
        CHECK_THAT(llvm::toString(m.takeError()), Catch::Contains("/cut"));
        continue;
      }
      for (std::uint64_t off = 0; off < good.size(); off += 97) {
        if (auto v = (*m)->to_virt(sym::FileOffset(off))) {
          (void)(*m)->frames_at(*v, {});
          (void)(*m)->bytes_at(*v, 16);
        }
      }
    }
  }
  SECTION("a relocatable object, a non-ELF file and an empty file are refused with a reason") {
    test::run("printf 'int f(void) { return 1; }\\n' | gcc -c -g -x c - -o '" + dir + "/obj.o'");
    auto obj = sym::Module::open(dir + "/obj.o", sym::DebugSearch{});
    REQUIRE(!obj);
    CHECK_THAT(llvm::toString(obj.takeError()), Catch::Contains("not an executable or shared object"));
    auto text_file = sym::Module::open(write_bytes(dir + "/text", "hello\n"), sym::DebugSearch{});
    REQUIRE(!text_file);
    CHECK_THAT(llvm::toString(text_file.takeError()), Catch::Contains("not an ELF file"));
    auto empty = sym::Module::open(write_bytes(dir + "/empty", ""), sym::DebugSearch{});
    REQUIRE(!empty);
    llvm::consumeError(empty.takeError());
  }
  fs::remove_all(dir);
}

namespace {

// Where a section's bytes are in an ELF file: {file offset, size}; {0, 0} when absent.
std::pair<std::size_t, std::size_t> section_bytes(const std::string& bytes, llvm::StringRef name) {
  auto object = llvm::object::ObjectFile::createObjectFile(
      llvm::MemoryBufferRef(llvm::StringRef(bytes.data(), bytes.size()), "elf"));
  REQUIRE(static_cast<bool>(object));
  for (const llvm::object::SectionRef& section : (*object)->sections()) {
    auto section_name = section.getName();
    auto data = section.getContents();
    REQUIRE(static_cast<bool>(section_name));
    REQUIRE(static_cast<bool>(data));
    if (*section_name == name) {
      return {static_cast<std::size_t>(data->data() - bytes.data()), data->size()};
    }
  }
  return {0, 0};
}

// Each function symbol's address, answered by `m`: innermost name and line of each.
std::vector<std::string> answers_for_symbols(const sym::Module& m, const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(
      test::run("nm --defined-only '" + path + "' | awk '$2 ~ /[tT]/ {print $1}'"));
  for (std::string hex; in >> hex;) {
    const sym::VirtAddr v(std::stoull(hex, nullptr, 16));
    std::string line = hex;
    for (const sym::Frame& f : m.frames_at(v, {})) {
      line += " " + f.function + "@" + f.file + ":" + std::to_string(f.line);
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("compressed debug sections: zlib, zstd, GNU .zdebug and none answer alike; "
          "a damaged stream is dropped") {
  const std::string dir = test::temp_dir("compressed");
  const std::string zlib = test::fixture_dir() + "/gz_gcc";
  test::run("objcopy --compress-debug-sections=zstd '" + zlib + "' '" + dir + "/zstd'");
  test::run("objcopy --compress-debug-sections=zlib-gnu '" + zlib + "' '" + dir + "/zdebug'");
  test::run("objcopy --decompress-debug-sections '" + zlib + "' '" + dir + "/plain'");
  auto open = [](const std::string& path) {
    auto m = sym::Module::open(path, sym::DebugSearch{});
    REQUIRE(static_cast<bool>(m));
    return std::move(*m);
  };
  const auto reference = answers_for_symbols(*open(dir + "/plain"), zlib);
  REQUIRE(reference.size() > 5);
  CHECK(answers_for_symbols(*open(zlib), zlib) == reference);
  CHECK(answers_for_symbols(*open(dir + "/zstd"), zlib) == reference);
  CHECK(answers_for_symbols(*open(dir + "/zdebug"), zlib) == reference);  // LLVM 19: no lines
  for (const std::string& copy : {zlib, dir + "/zstd", dir + "/zdebug"}) {
    INFO(copy);
    auto ahead = open(copy);
    ahead->read_debug_info_ahead();  // inflating on its own thread while the module is asked
    CHECK(answers_for_symbols(*ahead, zlib) == reference);
    open(copy)->read_debug_info_ahead();  // the module gone before its sections are inflated
    // What is inflating is known until the first lookup with lines has waited for it.
    auto early = open(copy);
    CHECK(early->debug_bytes_inflating() == 0);
    early->read_debug_info_ahead();
    if (sym::detail::worker_threads() > 1) CHECK(early->debug_bytes_inflating() > 0);
    CHECK(answers_for_symbols(*early, zlib) == reference);
    CHECK(early->debug_bytes_inflating() == 0);
  }
  {  // Nothing compressed: nothing to wait for.
    auto plain = open(dir + "/plain");
    plain->read_debug_info_ahead();
    CHECK(plain->debug_bytes_inflating() == 0);
  }
  {  // More modules reading ahead at once than there are threads for: some inflate when asked.
    std::vector<std::unique_ptr<sym::Module>> many;
    for (int i = 0; i < 12; ++i) {
      many.push_back(open(i % 2 == 0 ? zlib : dir + "/zstd"));
      many.back()->read_debug_info_ahead();
    }
    for (const auto& m : many) CHECK(answers_for_symbols(*m, zlib) == reference);
  }
  std::size_t with_lines = 0;
  for (const std::string& answer : reference) with_lines += answer.find(".c:") != std::string::npos;
  CHECK(with_lines > 5);

  // Damaged: .debug_info's zlib stream cut short, or its header (zlib or zstd) claiming one
  // byte more or less than the stream holds. The section is left out (as LLVM leaves out what
  // it cannot inflate; LLVM itself would take zstd frames that fall short and leave the rest
  // of its buffer unwritten): the symbol table answers, with no line, and nothing crashes.
  for (const std::string& copy : {zlib, dir + "/zstd"}) {
    const std::string good = read_bytes(copy);
    const auto [offset, size] = section_bytes(good, ".debug_info");
    REQUIRE(size > 64);
    std::uint64_t claimed = 0;
    std::memcpy(&claimed, good.data() + offset + 8, 8);  // Elf64_Chdr::ch_size
    for (const std::string damage : {"cut", "longer", "shorter"}) {
      if (damage == "cut" && copy != zlib) continue;  // zstd frames carry no check here
      INFO(copy << ": " << damage);
      std::string bytes = good;
      if (damage == "cut") {
        std::memset(bytes.data() + offset + size / 2, 0, size - size / 2);
      } else {
        const std::uint64_t wrong = damage == "longer" ? claimed + 1 : claimed - 1;
        std::memcpy(bytes.data() + offset + 8, &wrong, 8);
      }
      auto m = open(write_bytes(dir + "/" + damage, bytes));
      for (const std::string& answer : answers_for_symbols(*m, zlib)) {
        INFO(answer);
        CHECK(answer.find(":0") != std::string::npos);
        CHECK_FALSE(std::regex_search(answer, std::regex(":[1-9]")));
      }
      CHECK_THAT(m->warning(), Catch::Contains(".debug_info does not inflate to the " +
                                               std::to_string(damage == "longer" ? claimed + 1
                                                              : damage == "shorter" ? claimed - 1
                                                                                    : claimed) +
                                               " bytes its header claims"));
    }
  }
  // A .zdebug section claiming more than any stream inflates to: the DWARF is not used at all.
  {
    std::string bytes = read_bytes(dir + "/zdebug");
    const auto [zoffset, zsize] = section_bytes(bytes, ".zdebug_info");
    REQUIRE(zsize > 12);
    REQUIRE(bytes.compare(zoffset, 4, "ZLIB") == 0);
    for (int i = 0; i < 8; ++i) bytes[zoffset + 4 + i] = i == 0 ? '\x01' : '\0';  // 2^56 bytes
    auto m = open(write_bytes(dir + "/zdebug-huge", bytes));
    CHECK_THAT(m->warning(), Catch::Contains(".zdebug_info claims"));
    for (const std::string& answer : answers_for_symbols(*m, zlib)) {
      INFO(answer);
      CHECK_FALSE(std::regex_search(answer, std::regex(":[1-9]")));
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("the inflation queue: many files, holds, files gone before their turn") {
  const std::string dir = test::temp_dir("inflation_queue");
  const std::string zlib = test::fixture_dir() + "/gz_gcc";
  test::run("objcopy --compress-debug-sections=zstd '" + zlib + "' '" + dir + "/zstd'");
  test::run("objcopy --decompress-debug-sections '" + zlib + "' '" + dir + "/plain'");
  auto load = [](const std::string& path) {
    auto binary = llvm::object::ObjectFile::createObjectFile(path);
    REQUIRE(static_cast<bool>(binary));
    return std::move(*binary);
  };
  // The plain copy's debug sections, by the names DWARFContext gives them.
  const auto plain = load(dir + "/plain");
  std::map<std::string, std::string> expected;
  for (const auto& section : plain.getBinary()->sections()) {
    auto name = section.getName();
    auto data = section.getContents();
    REQUIRE(static_cast<bool>(name));
    REQUIRE(static_cast<bool>(data));
    if (name->starts_with(".debug_")) expected[name->drop_front().str()] = data->str();
  }
  const auto gz = load(zlib);
  const auto zs = load(dir + "/zstd");
  const llvm::object::ObjectFile* files[] = {gz.getBinary(), zs.getBinary()};
  // Every section finish() hands over is the plain copy's, .debug_info and its line table among
  // them.
  auto check_inflated = [&expected](sym::detail::SectionInflation& inflation) {
    llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> sections;
    std::vector<std::string> failed;
    inflation.finish(sections, failed);
    CHECK(failed.empty());
    CHECK(sections.count("debug_info") == 1);
    CHECK(sections.count("debug_line") == 1);
    for (const auto& entry : sections) {
      INFO(entry.getKey().str());
      REQUIRE(expected.count(entry.getKey().str()) == 1);
      CHECK(entry.getValue()->getBuffer() == expected.at(entry.getKey().str()));
    }
  };
  {  // Held: sections started wait; finish() inflates its own meanwhile; a file goes while held.
    sym::detail::InflationHold hold;
    sym::detail::SectionInflation first(*files[0]);
    first.start_ahead();
    auto second = std::make_unique<sym::detail::SectionInflation>(*files[1]);
    second->start_ahead();
    check_inflated(first);
    second.reset();
  }
  {  // Holds nest: the queue is taken from once the last is gone.
    std::optional<sym::detail::InflationHold> outer(std::in_place);
    { const sym::detail::InflationHold inner; }
    sym::detail::SectionInflation inflation(*files[1]);
    inflation.start_ahead();
    outer.reset();
    check_inflated(inflation);
  }
  {  // More files than threads, finished in the reverse order of their start; a third of them
     // destroyed unfinished (waiting in the queue, or being inflated).
    std::vector<std::unique_ptr<sym::detail::SectionInflation>> many;
    for (int i = 0; i < 24; ++i) {
      many.push_back(std::make_unique<sym::detail::SectionInflation>(*files[i % 2]));
      many.back()->start_ahead();
    }
    for (int i = 23; i >= 0; --i) {
      INFO("file " << i);
      if (i % 3 == 0) {
        many[i].reset();
      } else {
        check_inflated(*many[i]);
      }
    }
  }
  {  // Started twice, finished without a start, or with no thread but the caller's.
    sym::detail::SectionInflation twice(*files[0]);
    twice.start_ahead();
    twice.start_ahead();
    check_inflated(twice);
    sym::detail::SectionInflation never(*files[1]);
    check_inflated(never);
  }
  {  // A section of 2 MiB or more lands on a 2 MiB boundary (whole huge pages where the
     // allocator asks for them): libc6-dbg's .debug_info, 5.8 MB.
    auto libc = sym::Module::open("/lib/x86_64-linux-gnu/libc.so.6", sym::DebugSearch{});
    REQUIRE(static_cast<bool>(libc));
    REQUIRE((*libc)->debug_origin().source == sym::DebugSource::kBuildId);
    const auto debug = load((*libc)->debug_origin().path);
    sym::detail::SectionInflation inflation(*debug.getBinary());
    inflation.start_ahead();
    llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> sections;
    std::vector<std::string> failed;
    inflation.finish(sections, failed);
    CHECK(failed.empty());
    REQUIRE(sections.count("debug_info") == 1);
    const llvm::MemoryBuffer& info = *sections["debug_info"];
    REQUIRE(info.getBufferSize() >= (std::size_t{2} << 20));
    CHECK(reinterpret_cast<std::uintptr_t>(info.getBufferStart()) % (std::uintptr_t{2} << 20) == 0);
    CHECK(info.getBuffer().take_front(4) != llvm::StringRef("\0\0\0\0", 4));  // a unit length
  }
  fs::remove_all(dir);
}

TEST_CASE("GNU-style demangling is c++filt's (without its verbose abbreviation expansion)") {
  // Every C++ symbol of the C++ fixtures and of libstdc++'s dynamic symbol table.
  const std::string list = test::fixture_dir() + "/cxx_names." + std::to_string(::getpid());
  test::run("{ nm '" + test::fixture_dir() + "/cxx_gcc'; nm '" + test::fixture_dir() +
            "/cxx_clang'; nm -D /usr/lib/x86_64-linux-gnu/libstdc++.so.6; } | awk '{print $NF}' | "
            "sed 's/@.*//' | grep '^_Z' | sort -u > '" + list + "'");
  std::string names = read_bytes(list);
  std::string expected = test::run("c++filt < '" + list + "'");
  fs::remove(list);
  std::istringstream in_names(names), in_expected(expected);
  std::size_t compared = 0;
  for (std::string name, want; std::getline(in_names, name) && std::getline(in_expected, want);) {
    // c++filt expands std::string & co. (DMGL_VERBOSE); addr2line -C does not.
    if (want.find("std::basic_string<char, std::char_traits<char>, std::allocator<char> >") !=
            std::string::npos ||
        want.find("std::basic_istream<") != std::string::npos ||
        want.find("std::basic_ostream<") != std::string::npos ||
        want.find("std::basic_iostream<") != std::string::npos) {
      continue;
    }
    INFO(name);
    CHECK(sym::demangle_gnu(name) == want);
    ++compared;
  }
  CHECK(compared > 1000);
  CHECK(sym::demangle_gnu("_Z3foov.cold") == "foo() [clone .cold]");
  CHECK(sym::demangle_gnu("_ZN4core3fmt5write17h01234567890abcdeE") == "core::fmt::write");
  CHECK(sym::demangle_gnu("plain") == "plain");
}

TEST_CASE("Rust legacy names are demangled as binutils does: escapes decoded, hash left out") {
  // Valid names, bad escapes, bad lengths, hashes that are not one (fewer than 5 distinct
  // digits, upper case), suffixes; binutils' own answer is the oracle: nm -C, which demangles
  // as addr2line -C does (c++filt would print the hash).
  const std::vector<std::string> names = {
      R"(_ZN4core3fmt5write17h0123456789abcdefE)",
      R"(_ZN9hashbrown3raw21RawTable$LT$T$C$A$GT$14reserve_rehash17h33048ff71dfe9d92E.llvm.1687563772422836281)",
      R"(_ZN4core3ptr58drop_in_place$LT$m..Thing$LT$alloc..string..String$GT$$GT$17h0123456789abcdefE)",
      R"(_ZN77_$LT$alloc..raw_vec..RawVec$LT$T$C$A$GT$$u20$as$u20$core..ops..drop..Drop$GT$4drop17h0123456789abcdefE)",
      R"(_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h0123456789abcdefE)",
      R"(_ZN4core3ops8function6FnOnce40call_once$u7b$$u7b$vtable.shim$u7d$$u7d$17h0123456789abcdefE)",
      R"(_ZN4core3ptr56drop_in_place$LT$$LP$alloc..string..String$C$u64$RP$$GT$17h0123456789abcdefE)",
      R"(_ZN1a42$SP$$BP$$RF$$u27$$u5b$$u5d$$u3b$$u2b$$u22$17h0123456789abcdefE)",
      R"(_ZN3foo8bar$XY$z17h0123456789abcdefE)",
      R"(_ZN3foo7a$u1f$b17h0123456789abcdefE)",
      R"(_ZN3foo7a$uZZ$b17h0123456789abcdefE)",
      R"(_ZN3foo7a$u80$b17h0123456789abcdefE)",
      R"(_ZN3foo7a$u41$b17h0123456789abcdefE)",
      R"(_ZN3foo7a$u7E$b17h0123456789abcdefE)",
      R"(_ZN3foo2$x17h0123456789abcdefE)",
      R"(_ZN3foo5a.b.c17h0123456789abcdefE)",
      R"(_ZN3foo4..ab17h0123456789abcdefE)",
      R"(_ZN3foo3bar17h0000000000000000E)",
      R"(_ZN3foo3bar17h0123401234012340E)",
      R"(_ZN3foo3bar17h0123012301230123E)",
      R"(_ZN3foo3bar17h0123456789ABCDEFE)",
      R"(_ZN3foo3bar17h0123456789abcdefE.cold)",
      R"(_ZN3foo3bar17h0123456789abcdefE.llvm.1.2)",
      R"(_ZN3foo3bar17h0123456789abcdefEx)",
      R"(_ZN3foo17h0123456789abcdefE)",
      R"(_ZN17h0123456789abcdefE)",
      R"(_ZN3foo3barE)",
      R"(_ZN3foo3bar17h0123456789abcdefEv)",
      R"(_ZN03foo3bar17h0123456789abcdefE)",
  };
  const std::string dir = test::fixture_dir() + "/rust_names." + std::to_string(::getpid());
  fs::create_directories(dir);
  {
    std::ofstream s(dir + "/names.s");
    for (const std::string& name : names) s << ".globl \"" << name << "\"\n\"" << name << "\":\n";
  }
  test::run("as '" + dir + "/names.s' -o '" + dir + "/names.o'");
  std::istringstream raw(test::run("nm -p '" + dir + "/names.o' | cut -c20-"));
  std::istringstream want(test::run("nm -p -C '" + dir + "/names.o' | cut -c20-"));
  fs::remove_all(dir);
  std::size_t compared = 0, rust = 0;
  for (std::string name, expected; std::getline(raw, name) && std::getline(want, expected);) {
    INFO(name);
    CHECK(sym::demangle_gnu(name) == expected);
    // The library's own demangling decodes Rust names the same way (LLVM's would not).
    if (expected.find("::h") == std::string::npos && expected.find('(') == std::string::npos) {
      CHECK(sym::demangle(name) == expected);
      ++rust;
    }
    ++compared;
  }
  CHECK(compared == names.size());
  CHECK(rust > 15);
}

TEST_CASE("inode numbers are compared only when maps and stat name the same device") {
  // A snapshot whose line names another device (as overlayfs or btrfs may) with another inode:
  // not a replaced file. The same device with another inode: replaced.
  const std::string file = test::fixture_dir() + "/libfixture.so";
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  auto line = [&](unsigned dev_major, unsigned dev_minor, std::uint64_t inode) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "10000-12000 r-xp 00001000 %02x:%02x %llu %s\n", dev_major,
                  dev_minor, static_cast<unsigned long long>(inode), file.c_str());
    return sym::ProcessMap::parse(buf);
  };
  const unsigned maj = major(st.st_dev), min = minor(st.st_dev);
  sym::Symbolizer a;
  auto other_device = line(maj + 1, min, st.st_ino + 12345);
  CHECK(a.symbolize(other_device, AbsAddr(0x10100), Adjust::kNone).reason != Reason::kFileChanged);
  sym::Symbolizer b;
  auto same_device = line(maj, min, st.st_ino + 12345);
  CHECK(b.symbolize(same_device, AbsAddr(0x10100), Adjust::kNone).reason == Reason::kFileChanged);
  sym::Symbolizer c;
  auto same_file = line(maj, min, st.st_ino);
  CHECK(c.symbolize(same_file, AbsAddr(0x10100), Adjust::kNone).reason != Reason::kFileChanged);
}

TEST_CASE("Module::prepare and lookup_all on all cores change no answer") {
  // Three opens of each file: one looks addresses up cold, one after prepare() spread the units'
  // work over threads, one looks them up with lookup_all after prepare (on the threads, one unit
  // per thread). Addresses: every executable byte at a stride, so that most units of the file
  // are touched by one batch (libc: over a thousand), in two batches that share units.
  for (const std::string& path : {std::string("/proc/self/exe"),
                                 std::string("/lib/x86_64-linux-gnu/libc.so.6")}) {
    INFO(path);
    auto cold = sym::Module::open(path, sym::DebugSearch{});
    auto warm = sym::Module::open(path, sym::DebugSearch{});
    auto all = sym::Module::open(path, sym::DebugSearch{});
    REQUIRE(static_cast<bool>(cold));
    REQUIRE(static_cast<bool>(warm));
    REQUIRE(static_cast<bool>(all));
    std::vector<sym::VirtAddr> vaddrs;
    for (const auto& seg : (*cold)->segments()) {
      if (!seg.executable()) continue;
      for (std::uint64_t a = seg.vaddr; a < seg.vaddr + seg.filesz; a += 97) vaddrs.emplace_back(a);
    }
    REQUIRE(vaddrs.size() > 1000);
    sym::FrameOptions options;
    const std::size_t half = vaddrs.size() / 2;
    std::size_t with_lines = 0;
    for (auto batch : {std::span(vaddrs).first(half), std::span(vaddrs).subspan(half / 2)}) {
      (*warm)->prepare(batch, options);
      (*all)->prepare(batch, options);
      const auto answers = (*all)->lookup_all(batch, options);
      REQUIRE(answers.size() == batch.size());
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const sym::VirtAddr v = batch[i];
        const auto a = (*cold)->lookup(v, options);
        const auto b = (*warm)->lookup(v, options);
        INFO("vaddr " << sym::to_hex(v.value()));
        REQUIRE(a.frames == b.frames);
        REQUIRE(a.frames == answers[i].frames);
        REQUIRE(a.symbol == answers[i].symbol);
        if (!a.frames.empty() && a.frames.front().line != 0) ++with_lines;
      }
    }
    CHECK(with_lines > 5000);  // DWARF answers compared, not just symbol names
  }
}

TEST_CASE("without inlines the one frame is the full chain's innermost") {
  // addr2line without -i: the innermost (possibly inlined) function, the line of the address.
  // The physical function's symbol-table name must not be pasted onto an inlined frame.
  for (const std::string& path : {std::string("/proc/self/exe"),
                                  std::string("/lib/x86_64-linux-gnu/libc.so.6")}) {
    INFO(path);
    auto m = sym::Module::open(path, sym::DebugSearch{});
    REQUIRE(static_cast<bool>(m));
    sym::FrameOptions chain_options;
    sym::FrameOptions one_options;
    one_options.inlines = false;
    std::size_t inlined = 0;
    std::size_t compared = 0;
    for (const auto& seg : (*m)->segments()) {
      if (!seg.executable()) continue;
      for (std::uint64_t a = seg.vaddr; a < seg.vaddr + seg.filesz; a += 61) {
        const auto chain = (*m)->lookup(sym::VirtAddr(a), chain_options).frames;
        const auto one = (*m)->lookup(sym::VirtAddr(a), one_options).frames;
        INFO("vaddr " << sym::to_hex(a));
        REQUIRE(one.size() == std::min<std::size_t>(chain.size(), 1));
        if (one.empty()) continue;
        CHECK(one[0].raw_name == chain[0].raw_name);
        CHECK(one[0].function == chain[0].function);
        CHECK(one[0].file == chain[0].file);
        CHECK(one[0].line == chain[0].line);
        CHECK(one[0].column == chain[0].column);
        CHECK(one[0].inlined == (chain.size() > 1));
        inlined += chain.size() > 1 ? 1 : 0;
        ++compared;
      }
    }
    CHECK(compared > 10000);
    CHECK(inlined > 1000);
  }
}

TEST_CASE("DIEs LLVM would read past the end of .debug_info: the symbol table answers, a warning says why") {
  // tests/fixtures/src/broken_dies.S: hand-made DWARF whose DIEs LLVM 19 extracts by reading
  // outside the section (llvm-symbolizer-19 and llvm-dwarfdump-19 crash on these files).
  struct Case {
    std::string file;
    std::string warning;  // expected in the problem reported; "" for none
  };
  const std::string dir = test::fixture_dir();
  const std::string past = ", past the end of .debug_info";
  const std::vector<Case> cases = {
      {"broken_unit_die", "debug info of " + dir + "/broken_unit_die not used: the DIE at 0xb of "
                          "the unit at 0x0 has a value at 0x7fffff10" + past},
      {"broken_unit_die_aranges", "debug info of " + dir + "/broken_unit_die_aranges: a compile "
                                  "unit not used: the DIE at 0xb of the unit at 0x0" },
      {"broken_child", "debug info of " + dir + "/broken_child: a compile unit not used: the DIE "
                       "at 0x43 of the unit at 0x0 has a value at 0x7fffff48" + past},
      {"broken_across", "not used: its units refer into one another (DW_FORM_ref_addr), and one "
                        "is broken"},
      {"sound_across", ""},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    const std::string path = dir + "/" + c.file;
    auto address_of = [&](const std::string& name) {
      const std::string out = test::run("nm '" + path + "' | awk '$3 == \"" + name + "\" {print $1}'");
      return sym::VirtAddr(std::stoull(out, nullptr, 16));
    };
    const sym::VirtAddr victim = address_of("victim"), other = address_of("other");
    // One address (lookup alone) and both (Module::prepare first, on the worker threads).
    for (const std::vector<sym::VirtAddr>& batch : {std::vector{victim}, std::vector{victim, other}}) {
      sym::Symbolizer symbolizer{sym::SymbolizerOptions{}};
      std::string problems;
      symbolizer.on_problem([&](const sym::ModuleProblem& p) { problems += p.detail + "\n"; });
      const auto results = symbolizer.symbolize_elf(path, batch, Adjust::kNone);
      REQUIRE(results.size() == batch.size());
      REQUIRE(results[0].frames.size() == 1);
      CHECK(results[0].frames[0].file.empty());  // no line table in these files
      if (c.warning.empty()) {
        // DWARF is read, the name through DW_AT_specification in the other unit.
        CHECK(results[0].frames[0].function == "victim_declared");
        CHECK(problems.empty());
      } else {
        CHECK(results[0].frames[0].function == "victim");  // from the symbol table
        CHECK_THAT(problems, Catch::Contains(c.warning));
        CHECK_THAT(problems, Catch::StartsWith(path + ": "));
      }
      if (batch.size() == 2) {
        REQUIRE(results[1].frames.size() == 1);
        CHECK(results[1].frames[0].function == "other");
      }
    }
  }
}

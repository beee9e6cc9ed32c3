#include <libsym/mapping.h>

#include <catch2/catch.hpp>

#include <charconv>

using sym::AbsAddr;
using sym::MappingKind;

// Pasted from real processes on Debian 12 (x86_64), plus the odd kinds the kernel writes.
static const char* const kRealMaps =
    "559277788000-559277789000 r--p 00000000 fe:00 10961985                   /tmp/hp/t2\n"
    "559277789000-55927778a000 r-xp 00001000 fe:00 10961985                   /tmp/hp/t2\n"
    "5592779c1000-5592779e2000 rw-p 00000000 00:00 0                          [heap]\n"
    "7f4ed7400000-7f4ed7600000 rw-p 00000000 00:00 0 \n"
    "7f4ed7622000-7f4ed7648000 r--p 00000000 fe:00 14884879                   /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f4ed7648000-7f4ed779d000 r-xp 00026000 fe:00 14884879                   /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f4ed7800000-7f4ed7801000 r-xp 00000000 00:05 1234                       /memfd:doublemapper (deleted)\n"
    "7f4ed7802000-7f4ed7803000 r-xp 00002000 fe:00 777                        /opt/my app/lib with spaces.so\n"
    "7f4ed7804000-7f4ed7805000 r-xp 00000000 fe:00 778                        /tmp/old lib.so (deleted)\n"
    "7f4ed7806000-7f4ed7807000 rw-s 00000000 00:01 5                          /dev/zero (deleted)\n"
    "7f4ed7808000-7f4ed7809000 rw-p 00000000 00:00 0                          [anon:jemalloc]\n"
    "7f4ed780a000-7f4ed780b000 r-xp 00000000 fe:00 779                        /tmp/new\\012line.so\n"
    "7ffd3b5a1000-7ffd3b5c2000 rw-p 00000000 00:00 0                          [stack]\n"
    "7ffd3b5f7000-7ffd3b5fb000 r--p 00000000 00:00 0                          [vvar]\n"
    "7ffd3b5fb000-7ffd3b5fd000 r-xp 00000000 00:00 0                          [vdso]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

TEST_CASE("maps parser reads every line kind of a real snapshot") {
  sym::Diagnostics diags;
  auto map = sym::ProcessMap::parse(kRealMaps, &diags);
  REQUIRE(diags.empty());
  REQUIRE(map.mappings().size() == 16);

  const auto* text = map.find(AbsAddr(0x559277789123));
  REQUIRE(text != nullptr);
  CHECK(text->path == "/tmp/hp/t2");
  CHECK(text->kind == MappingKind::kFile);
  CHECK(text->perms.read);
  CHECK(text->perms.exec);
  CHECK(!text->perms.write);
  CHECK(!text->perms.shared);
  CHECK(text->pgoff == 0x1000);
  CHECK(text->dev.major == 0xfe);
  CHECK(text->dev.minor == 0);
  CHECK(text->inode == 10961985);
  CHECK(text->line_number == 2);
  CHECK(text->file_offset(AbsAddr(0x559277789123)).value() == 0x1123);
  CHECK(text->basename() == "t2");

  CHECK(map.find(AbsAddr(0x5592779c1000))->kind == MappingKind::kPseudo);
  CHECK(map.find(AbsAddr(0x5592779c1000))->path == "[heap]");
  CHECK(map.find(AbsAddr(0x7f4ed7400000))->kind == MappingKind::kAnonymous);
  CHECK(map.find(AbsAddr(0x7f4ed7400000))->path.empty());

  const auto* memfd = map.find(AbsAddr(0x7f4ed7800010));
  CHECK(memfd->kind == MappingKind::kMemfd);
  CHECK(memfd->deleted);
  CHECK(memfd->path == "/memfd:doublemapper");

  CHECK(map.find(AbsAddr(0x7f4ed7802000))->path == "/opt/my app/lib with spaces.so");
  const auto* deleted = map.find(AbsAddr(0x7f4ed7804000));
  CHECK(deleted->deleted);
  CHECK(deleted->path == "/tmp/old lib.so");
  CHECK(map.find(AbsAddr(0x7f4ed7806000))->perms.shared);
  CHECK(map.find(AbsAddr(0x7f4ed7808000))->path == "[anon:jemalloc]");
  CHECK(map.find(AbsAddr(0x7f4ed7808000))->kind == MappingKind::kPseudo);
  CHECK(map.find(AbsAddr(0x7f4ed780a000))->path == "/tmp/new\nline.so");
  CHECK(map.find(AbsAddr(0x7ffd3b5fb000))->path == "[vdso]");
  CHECK(map.find(AbsAddr(0xffffffffff600fff))->path == "[vsyscall]");
  CHECK(map.find(AbsAddr(0xffffffffff601000)) == nullptr);
}

TEST_CASE("maps lookup respects boundaries and gaps") {
  auto map = sym::ProcessMap::parse(kRealMaps);
  CHECK(map.find(AbsAddr(0x559277787fff)) == nullptr);
  CHECK(map.find(AbsAddr(0x559277788000)) != nullptr);
  CHECK(map.find(AbsAddr(0x55927778a000)) == nullptr);  // end is exclusive, then a gap
  CHECK(map.find(AbsAddr(0x55927778a000 - 1))->pgoff == 0x1000);
  CHECK(map.find(AbsAddr(0)) == nullptr);
}

TEST_CASE("malformed maps lines are reported with number and text, the rest still parses") {
  const char* text =
      "00400000-00401000 r-xp 00000000 08:01 1 /bin/a\n"
      "this is not a maps line\n"
      "00402000-00401000 r-xp 00000000 08:01 1 /bin/b\n"
      "00403000-00404000 rwzp 00000000 08:01 1 /bin/c\n"
      "00405000-00406000 r-xp 0000zz00 08:01 1 /bin/d\n"
      "00407000-00408000 r-xp 00000000 0801 1 /bin/e\n"
      "00409000-0040a000 r-xp 00000000 08:01 -5 /bin/f\n"
      "0040b000-0040c000 r-xp 00000000 08:01 7 /bin/g\r\n"
      "0040b800-0040c800 r-xp 00000000 08:01 8 /bin/overlap\n"
      "\n"
      "   \n"
      "0040d000-0040e000 r-xp 00000000 08:01 9\n";
  sym::Diagnostics diags;
  auto map = sym::ProcessMap::parse(text, &diags, 10);
  REQUIRE(map.mappings().size() == 3);
  CHECK(map.mappings()[0].path == "/bin/a");
  CHECK(map.mappings()[1].path == "/bin/g");  // CRLF stripped
  CHECK(map.mappings()[2].kind == MappingKind::kAnonymous);
  REQUIRE(diags.size() == 7);
  CHECK(diags[0].line == 11);
  CHECK(diags[0].text == "this is not a maps line");
  CHECK_THAT(diags[0].message, Catch::Contains("START-END"));
  CHECK(diags[1].line == 12);
  CHECK_THAT(diags[1].message, Catch::Contains("END must be above START"));
  CHECK_THAT(diags[2].message, Catch::Contains("permissions"));
  CHECK_THAT(diags[3].message, Catch::Contains("file offset"));
  CHECK_THAT(diags[4].message, Catch::Contains("MAJOR:MINOR"));
  CHECK_THAT(diags[5].message, Catch::Contains("inode"));
  CHECK(diags[6].line == 18);
  CHECK_THAT(diags[6].message, Catch::Contains("overlaps the one on line 17"));
  CHECK(diags[0].format("maps.txt") ==
        "maps.txt:11: malformed maps line, expected START-END with a '-': "
        "'this is not a maps line'");
}

TEST_CASE("a file offset whose mapping would pass 2^64 is refused, not wrapped") {
  sym::Diagnostics diags;
  auto map = sym::ProcessMap::parse(
      "7f0000000000-7f0000100000 r-xp fffffffffff00000 08:01 1 /bin/edge\n"
      "7f0000100000-7f0000200000 r-xp fffffffffff00001 08:01 1 /bin/past\n",
      &diags);
  REQUIRE(map.mappings().size() == 1);  // exactly reaching 2^64 is still an offset
  CHECK(map.mappings()[0].file_offset(sym::AbsAddr(0x7f00000fffffULL)).value() == UINT64_MAX);
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].line == 2);
  CHECK_THAT(diags[0].message, Catch::Contains("passes 2^64"));
}

TEST_CASE("the live /proc/self/maps parses completely") {
  sym::Diagnostics diags;
  auto map = sym::ProcessMap::read_file("/proc/self/maps", &diags);
  REQUIRE(static_cast<bool>(map));
  CHECK(diags.empty());
  CHECK(map->mappings().size() > 5);
  // This very function is in an executable file mapping of this test program.
  const auto* self = map->find(AbsAddr(reinterpret_cast<std::uintptr_t>(&sym::parse_hex)));
  REQUIRE(self != nullptr);
  CHECK(self->perms.exec);
  CHECK(self->kind == MappingKind::kFile);
}

TEST_CASE("reading maps refuses what is not a regular file") {
  auto dir = sym::ProcessMap::read_file("/tmp", nullptr);
  REQUIRE(!dir);
  CHECK_THAT(llvm::toString(dir.takeError()), Catch::Contains("directory"));
  auto dev = sym::ProcessMap::read_file("/dev/zero", nullptr);
  REQUIRE(!dev);
  CHECK_THAT(llvm::toString(dev.takeError()), Catch::Contains("character device"));
  auto missing = sym::ProcessMap::read_file("/nonexistent/maps", nullptr);
  REQUIRE(!missing);
  CHECK_THAT(llvm::toString(missing.takeError()), Catch::Contains("/nonexistent/maps"));
}

TEST_CASE("hex and decimal parsing") {
  CHECK(sym::parse_hex("0x7f4067a9be72") == 0x7f4067a9be72ULL);
  CHECK(sym::parse_hex("7F4067A9BE72") == 0x7f4067a9be72ULL);
  CHECK(sym::parse_hex("ffffffffffffffff") == ~0ULL);
  CHECK(!sym::parse_hex("1ffffffffffffffff"));
  CHECK(!sym::parse_hex("0x"));
  CHECK(!sym::parse_hex(""));
  CHECK(!sym::parse_hex("0x12g"));
  CHECK(!sym::parse_hex(" 12"));
  CHECK(sym::parse_hex("00000000000000000000ffffffffffffffff") == ~0ULL);  // leading zeros
  CHECK(sym::parse_hex("0X00aBcD") == 0xabcdULL);
  CHECK(!sym::parse_hex("-1"));
  CHECK(!sym::parse_hex("+1"));
  CHECK(!sym::parse_hex("0x0x1"));
  CHECK(!sym::parse_hex(std::string_view("12\0", 3)));
  // Every string of up to 4 characters from a small alphabet: as std::from_chars decides.
  const std::string alphabet = "0aF9xg- ";
  for (std::size_t n = 1; n <= 4; ++n) {
    std::vector<std::size_t> pick(n, 0);
    for (;;) {
      std::string text;
      for (std::size_t k : pick) text += alphabet[k];
      std::string_view digits = text;
      if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
      }
      std::uint64_t value = 0;
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
      const bool valid = !digits.empty() && ec == std::errc{} && ptr == digits.data() + digits.size();
      INFO("'" << text << "'");
      CHECK(sym::parse_hex(text) == (valid ? std::optional<std::uint64_t>(value) : std::nullopt));
      std::size_t k = 0;
      while (k < n && ++pick[k] == alphabet.size()) pick[k++] = 0;
      if (k == n) break;
    }
  }
  CHECK(sym::parse_dec("18446744073709551615") == ~0ULL);
  CHECK(!sym::parse_dec("18446744073709551616"));
  CHECK(!sym::parse_dec("-1"));
  CHECK(sym::to_hex(0) == "0x0");
  CHECK(sym::to_hex(0x39e72) == "0x39e72");
}

// Heap profile parsing and folding on hostile input: huge counts, R = 0, negative numbers,
// absurd lines, enormous records.
#include <libsym/fold_printer.h>
#include <libsym/profile.h>

#include <catch2/catch.hpp>

#include <string>

namespace {

std::string fold(const std::string& text, sym::Diagnostics& diags) {
  auto profile = sym::parse_heap_profile(text, &diags);
  REQUIRE(static_cast<bool>(profile));
  sym::Symbolizer symbolizer;
  sym::Folder folder(sym::FoldOptions{}, symbolizer);
  folder.add(*profile, nullptr, "test.heap");
  return sym::format_folded(folder.result());
}

}  // namespace

TEST_CASE("counts near 2^64 parse, unbias and print in full; 2^64 itself is refused") {
  sym::Diagnostics diags;
  const std::string out = fold(
      "heap_v2/524288\n"
      "  t*: 18446744073709551615: 18446744073709551615 [0: 0]\n"
      "@ 0x1 0x2\n"
      "  t*: 18446744073709551615: 18446744073709551615 [0: 0]\n"
      "@ 0x3\n"
      "  t*: 18446744073709551616: 5 [0: 0]\n",
      diags);
  // 2^64-1 objects of 1 byte, sampled every 524288 bytes: about 524288.5 * (2^64-1) bytes.
  REQUIRE(out.starts_with("0x2;0x1 "));
  const std::string value = out.substr(8, out.size() - 9);
  CHECK(value.size() == 25);
  CHECK(value.find_first_not_of("0123456789") == std::string::npos);
  CHECK(value.starts_with("96714"));
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].line == 6);
  CHECK_THAT(diags[0].message, Catch::Contains("counts"));
}

TEST_CASE("a header with R = 0 is reported and the counts are used as written") {
  sym::Diagnostics diags;
  CHECK(fold("heap_v2/0\n  t*: 1: 100 [0: 0]\n@ 0x1\n  t*: 1: 100 [0: 0]\n", diags) ==
        "0x1 100\n");
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].line == 1);
  CHECK_THAT(diags[0].message, Catch::Contains("period 0"));
}

TEST_CASE("negative numbers are errors naming the line; the rest is still used") {
  sym::Diagnostics diags;
  CHECK(fold("heap_v2/1\n  t*: 2: 200 [0: 0]\n@ 0x1\n  t*: -5: -100 [0: 0]\n"
             "@ 0x2\n  t*: 2: 200 [0: 0]\n",
             diags) == "0x2 200\n");
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].line == 4);
}

TEST_CASE("absurdly long lines: the message quotes a bounded excerpt") {
  sym::Diagnostics diags;
  const std::string junk(5'000'000, 'x');
  fold("heap_v2/1\n@ " + junk + "\n  t*: 1: 1 [0: 0]\n", diags);
  REQUIRE(!diags.empty());
  CHECK(diags[0].line == 2);
  CHECK(diags[0].message.size() < 200);
  CHECK(diags[0].format("test.heap").size() < 400);
}

TEST_CASE("a record with a million frames folds, leaf last") {
  std::string text = "heap_v2/1\n@";
  for (int i = 0; i < 1'000'000; ++i) text += " " + sym::to_hex(0x100000 + i);
  text += "\n  t*: 1: 64 [0: 0]\n";
  sym::Diagnostics diags;
  const std::string out = fold(text, diags);
  CHECK(diags.empty());
  CHECK(out.starts_with(sym::to_hex(0x100000 + 999'999) + ";"));
  CHECK(out.ends_with(";0x100000 64\n"));
}

TEST_CASE("no heap profile at all: an error, with line 1 among the diagnostics") {
  for (const char* text : {"", "hello\n", "\x7f" "ELF\x02\x01", "heap_v2/abc\n",
                           "heap profile: 1: 2 [3: 4] @ growthz\n"}) {
    sym::Diagnostics diags;
    auto p = sym::parse_heap_profile(text, &diags);
    CHECK(!p);
    if (!p) llvm::consumeError(p.takeError());
    if (std::string(text).size() > 0) {
      REQUIRE(diags.size() == 1);
      CHECK(diags[0].line == 1);
    }
  }
}

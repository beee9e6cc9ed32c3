// Heap profile parsing and folding on hostile input: huge counts, R = 0, negative numbers,
// absurd lines, enormous records.
#include <libsym/fold_printer.h>
#include <libsym/profile.h>

#include "fold_detail.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

namespace {

// Folds a parsed profile (Folder::add).
std::string fold_parsed(const std::string& text, sym::Diagnostics& diags,
                        sym::FoldOptions options = {}) {
  auto profile = sym::parse_heap_profile(text, &diags);
  REQUIRE(static_cast<bool>(profile));
  sym::Symbolizer symbolizer;
  sym::Folder folder(std::move(options), symbolizer);
  folder.add(*profile, nullptr, "test.heap");
  return sym::format_json(folder.result());
}

// Folds the text in two streaming passes (Folder::add_text).
std::string fold_streamed(std::string_view text, bool mapped, sym::Diagnostics& diags,
                          sym::FoldOptions options = {}) {
  sym::Symbolizer symbolizer;
  sym::Folder folder(std::move(options), symbolizer);
  llvm::Error error = folder.add_text(text, mapped, nullptr, "test.heap", false, &diags);
  REQUIRE(!error);
  return sym::format_json(folder.result());
}

// The folded output; the streamed fold must agree with the parsed one, diagnostics included.
std::string fold(const std::string& text, sym::Diagnostics& diags, bool compare = true) {
  auto profile = sym::parse_heap_profile(text, &diags);
  REQUIRE(static_cast<bool>(profile));
  sym::Symbolizer symbolizer;
  sym::Folder folder(sym::FoldOptions{}, symbolizer);
  folder.add(*profile, nullptr, "test.heap");
  if (compare) {
    sym::Diagnostics streamed_diags;
    sym::Diagnostics parsed_diags;
    CHECK(fold_streamed(text, false, streamed_diags) == fold_parsed(text, parsed_diags));
    CHECK(streamed_diags == parsed_diags);
  }
  return sym::format_folded(folder.result());
}

// A jemalloc dump with thread lines, accum counts, sampling and repeated addresses.
std::string synthetic_dump(int records) {
  std::string text = "heap_v2/524288\n  t*: 100: 900000 [200: 1800000]\n  t0: 60: 500000 [0: 0] main\n";
  for (int i = 0; i < records; ++i) {
    text += "@";
    for (int f = 0; f < 1 + i % 7; ++f) text += " " + sym::to_hex(0x400000 + 16 * ((i * 31 + f * 7) % 97));
    text += "\n  t*: " + std::to_string(1 + i % 5) + ": " + std::to_string(64 * (1 + i % 11)) +
            " [" + std::to_string(i % 3) + ": " + std::to_string(4096 * (i % 3)) + "]\n";
    text += "  t" + std::to_string(i % 4) + ": " + std::to_string(1 + i % 5) + ": " +
            std::to_string(64 * (1 + i % 11)) + " [" + std::to_string(i % 3) + ": " +
            std::to_string(4096 * (i % 3)) + "]\n";
  }
  return text;
}

}  // namespace

TEST_CASE("streamed folding equals folding the parsed profile, for every metric, key and thread") {
  const std::string text = synthetic_dump(3000);
  for (auto metric : {sym::Metric::kInuseSpace, sym::Metric::kInuseObjects,
                      sym::Metric::kAllocSpace, sym::Metric::kAllocObjects}) {
    for (auto key : {sym::FrameKey::kFullName, sym::FrameKey::kShortName,
                     sym::FrameKey::kLocation, sym::FrameKey::kAddress}) {
      for (std::optional<std::uint64_t> thread : {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{2}}) {
        sym::FoldOptions options;
        options.metric = metric;
        options.key = key;
        options.thread = thread;
        sym::Diagnostics a;
        sym::Diagnostics b;
        const std::string parsed = fold_parsed(text, a, options);
        CHECK(parsed.size() > 200);
        CHECK(fold_streamed(text, false, b, options) == parsed);
        CHECK(a == b);
      }
    }
  }
  // gperftools' format streams too.
  const std::string gperf =
      "heap profile: 3: 300 [4: 400] @ heapprofile\n1: 100 [2: 200] @ 0x10 0x20\n"
      "2: 200 [2: 200] @ 0x30 0x20\n\nMAPPED_LIBRARIES:\n";
  sym::Diagnostics a;
  sym::Diagnostics b;
  CHECK(fold_streamed(gperf, false, b) == fold_parsed(gperf, a));
}

TEST_CASE("a large profile file is mapped, streamed with its pages released, and folds the same") {
  // More than Lines::kReleaseBytes (32 MiB), so pages are handed back while parsing: records,
  // 40 MiB of blank lines (skipped), more records.
  std::string text = synthetic_dump(20'000);
  const std::size_t middle = text.find("\n@", text.size() / 2) + 1;
  text.insert(middle, std::string(40U << 20, '\n'));
  REQUIRE(text.size() > (40U << 20));
  char path[] = "/tmp/libsym-profile-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  auto mapped = sym::open_profile_file(path);
  REQUIRE(static_cast<bool>(mapped));
  CHECK(mapped->mapped());
  CHECK(mapped->text().size() == text.size());
  sym::Diagnostics a;
  sym::Diagnostics b;
  const std::string streamed = fold_streamed(mapped->text(), mapped->mapped(), b);
  CHECK(streamed == fold_parsed(text, a));
  CHECK(b.empty());
  // The mapping still reads correctly after its pages were released.
  CHECK(mapped->text().substr(0, 15) == "heap_v2/524288\n");
  CHECK(mapped->text().substr(text.size() - 12) == text.substr(text.size() - 12));
  std::remove(path);
}

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
  const std::string out = fold(text, diags, /*compare=*/false);  // the slow part: run once
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

TEST_CASE("stacks compare as their folded text's bytes, without the text being built") {
  // Labels that are prefixes of one another, bytes on both sides of ';' (0x3b), above 0x7f, an
  // empty label and two frames with one label.
  const std::vector<std::string> labels = {"", "a", "a", "a(", "a:", "a<", "a ", "ab", "a\x7f",
                                           "a\xc3\xa9", "b", "[unknown]"};
  std::vector<sym::FoldedFrame> frames;
  for (const auto& label : labels) {
    frames.emplace_back();
    frames.back().label = label;
  }
  std::mt19937 rng(7);
  auto random_stack = [&] {
    std::vector<std::uint32_t> ids(1 + rng() % 4);
    for (auto& id : ids) id = static_cast<std::uint32_t>(rng() % labels.size());
    return ids;
  };
  auto sign = [](int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; };
  for (int i = 0; i < 50'000; ++i) {
    const auto a = random_stack();
    const auto b = i % 5 == 0 ? a : random_stack();
    std::string text_a;
    std::string text_b;
    sym::detail::append_labels(text_a, frames, a);
    sym::detail::append_labels(text_b, frames, b);
    INFO("'" << text_a << "' vs '" << text_b << "'");
    REQUIRE(sign(sym::detail::compare_joined(frames, a, b)) == sign(text_a.compare(text_b)));
  }
}

TEST_CASE("a dump of more distinct addresses than one symbolizer batch folds as its parts do") {
  // 90 000 return addresses in this test program's code: more than the 65 536 that describe_all
  // symbolizes at a time. Folded whole, they must give what three dumps of a third each give.
  auto map = sym::ProcessMap::read_file("/proc/self/maps", nullptr);
  REQUIRE(static_cast<bool>(map));
  const sym::Mapping* code = map->find(sym::AbsAddr(reinterpret_cast<std::uintptr_t>(&fold)));
  REQUIRE(code != nullptr);
  const std::uint64_t size = code->end.value() - code->start.value();
  std::mt19937_64 rng(11);
  const std::string header = "heap_v2/524288\n  t*: 3000: 3000000 [0: 0]\n";
  std::string whole = header;
  std::string parts[3] = {header, header, header};
  for (int i = 0; i < 3000; ++i) {
    std::string record = "@";
    for (int f = 0; f < 30; ++f) record += " " + sym::to_hex(code->start.value() + 1 + rng() % size);
    record += "\n  t*: 1: " + std::to_string(1000 + i) + " [0: 0]\n";
    whole += record;
    parts[i % 3] += record;
  }
  sym::Symbolizer symbolizer;
  sym::Folder one(sym::FoldOptions{}, symbolizer);
  sym::Folder three(sym::FoldOptions{}, symbolizer);
  sym::Diagnostics diags;
  REQUIRE(!one.add_text(whole, false, &*map, "whole.heap", false, &diags));
  for (const auto& part : parts) {
    REQUIRE(!three.add_text(part, false, &*map, "part.heap", false, &diags));
  }
  CHECK(diags.empty());
  const std::string expected = sym::format_folded(three.result());
  CHECK(std::count(expected.begin(), expected.end(), '\n') > 2000);
  // result() copies, take_result() moves out and leaves an empty folder.
  CHECK(sym::format_folded(one.result()) == expected);
  CHECK(sym::format_folded(one.take_result()) == expected);
  CHECK(one.result().stacks.empty());
  CHECK(one.result().frames.empty());
}

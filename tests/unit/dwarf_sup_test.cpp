// The links to dwz's supplementary files: .gnu_debugaltlink and DWARF 5's .debug_sup, as dwz
// writes them into the fixtures, and malformed ones.
#include "dwarf_sup.h"
#include "oracle.h"

#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>

#include <catch2/catch.hpp>

#include <string>

namespace {

using sym::detail::parse_alt_link;
using sym::detail::parse_debug_sup;

// The contents of section `name` of the fixture file `file` ("" when it has none).
std::string section_of(const std::string& file, const std::string& name) {
  auto buffer = llvm::MemoryBuffer::getFile(test::fixture_dir() + "/" + file);
  REQUIRE(static_cast<bool>(buffer));
  auto object = llvm::object::ObjectFile::createObjectFile((*buffer)->getMemBufferRef());
  REQUIRE(static_cast<bool>(object));
  for (const auto& section : (*object)->sections()) {
    auto section_name = section.getName();
    REQUIRE(static_cast<bool>(section_name));
    if (*section_name != name) continue;
    auto data = section.getContents();
    REQUIRE(static_cast<bool>(data));
    return data->str();
  }
  return {};
}

bool is_hex_id(const std::string& id) {
  return id.size() == 40 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

TEST_CASE("dwz's .gnu_debugaltlink: the path as written and the build-id") {
  const auto link = parse_alt_link(section_of("dwz_gcc", ".gnu_debugaltlink"));
  REQUIRE(link);
  CHECK(link->path == test::fixture_dir() + "/dwz_common.debug");
  CHECK(is_hex_id(link->build_id));
  const auto relative = parse_alt_link(section_of("dwz4_gcc", ".gnu_debugaltlink"));
  REQUIRE(relative);
  CHECK(relative->path == "dwz4_common.debug");
  CHECK(relative->build_id != link->build_id);
}

TEST_CASE("dwz -5's .debug_sup: the link's checksum is the supplementary file's") {
  const auto link = parse_debug_sup(section_of("dwz5_gcc", ".debug_sup"), false);
  REQUIRE(link);
  CHECK(link->path == test::fixture_dir() + "/dwz5_common.debug");
  const std::string own = section_of("dwz5_common.debug", ".debug_sup");
  const auto checksum = parse_debug_sup(own, true);
  REQUIRE(checksum);
  CHECK(checksum->path.empty());
  CHECK(checksum->build_id == link->build_id);
  CHECK(is_hex_id(link->build_id));
  // Each kind is refused as the other.
  CHECK_FALSE(parse_debug_sup(own, false));
  CHECK_FALSE(parse_debug_sup(section_of("dwz5_gcc", ".debug_sup"), true));
}

TEST_CASE("malformed links are refused") {
  using namespace std::string_literals;
  CHECK_FALSE(parse_alt_link(""));
  CHECK_FALSE(parse_alt_link("no terminator"));
  CHECK_FALSE(parse_alt_link("path\0"s));         // no build-id
  CHECK_FALSE(parse_alt_link("\0\x12\x34"s));     // no path
  CHECK(parse_alt_link("p\0\x12\xab"s)->build_id == "12ab");
  // .debug_sup: version 5, is_supplementary, name, ULEB128 length, checksum.
  CHECK(parse_debug_sup("\x05\x00\x00p\0\x02\x12\xab"s, false)->build_id == "12ab");
  CHECK_FALSE(parse_debug_sup("\x05\x00\x00p\0\x03\x12\xab"s, false));  // checksum cut short
  CHECK_FALSE(parse_debug_sup("\x05\x00\x00p\0\x80"s, false));          // length cut short
  CHECK_FALSE(parse_debug_sup("\x05\x00\x00p\0\x00"s, false));          // empty checksum
  CHECK_FALSE(parse_debug_sup("\x05\x00\x00\0\x02\x12\xab"s, false));   // no name
  CHECK_FALSE(parse_debug_sup("\x05\x00\x00p"s, false));                 // no terminator
  CHECK_FALSE(parse_debug_sup("\x05\x00"s, false));
  CHECK(parse_debug_sup("\x05\x00\x01\0\x01\x7f"s, true)->build_id == "7f");
  CHECK_FALSE(parse_debug_sup("\x05\x00\x01p\0\x01\x7f"s, true));  // a name in the supplementary
}

#include <libsym/io.h>
#include <libsym/mapping.h>

#include <algorithm>

namespace sym {

FileOffset Mapping::file_offset(AbsAddr addr) const {
  // Wraps only for a Mapping made by hand with pgoff near 2^64: a maps line whose pgoff plus
  // length passes 2^64 is refused (parse_fields).
  return FileOffset(addr.value() - start.value() + pgoff);
}

std::string_view Mapping::basename() const {
  std::string_view p = path;
  if (kind != MappingKind::kFile && kind != MappingKind::kMemfd) return p;
  auto slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

namespace {

// Splits off the next field ending at a single space. Returns false if there is none.
bool next_field(std::string_view& rest, std::string_view& field) {
  auto space = rest.find(' ');
  if (space == std::string_view::npos) {
    field = rest;
    rest = {};
  } else {
    field = rest.substr(0, space);
    rest = rest.substr(space + 1);
  }
  return !field.empty();
}

// The kernel writes a newline inside a path as "\012" (seq_file_path's escaping).
std::string unescape_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path.substr(i, 4) == "\\012") {
      out += '\n';
      i += 3;
    } else {
      out += path[i];
    }
  }
  return out;
}

MappingKind classify(std::string_view path) {
  if (path.empty()) return MappingKind::kAnonymous;
  if (path.starts_with("/memfd:")) return MappingKind::kMemfd;
  if (path.front() == '/') return MappingKind::kFile;
  return MappingKind::kPseudo;  // [heap], [stack], [vdso], [anon:x], anon_inode:..., ...
}

bool fail(std::string* why, const char* message) {
  if (why != nullptr) *why = message;
  return false;
}

bool parse_fields(std::string_view line, Mapping& m, std::string* why) {
  std::string_view rest = line;
  std::string_view range, perms, offset, dev, inode;
  if (!next_field(rest, range)) return fail(why, "expected START-END");
  auto dash = range.find('-');
  if (dash == std::string_view::npos) return fail(why, "expected START-END with a '-'");
  auto start = parse_hex(range.substr(0, dash));
  auto end = parse_hex(range.substr(dash + 1));
  if (!start || !end || range.substr(0, dash).starts_with("0x")) {
    return fail(why, "expected hexadecimal START-END");
  }
  if (*end <= *start) return fail(why, "END must be above START");
  m.start = AbsAddr(*start);
  m.end = AbsAddr(*end);

  if (!next_field(rest, perms) || perms.size() != 4) {
    return fail(why, "expected permissions like r-xp");
  }
  auto flag = [&](std::size_t i, char yes, bool& out) {
    if (perms[i] == yes) {
      out = true;
      return true;
    }
    return perms[i] == '-';
  };
  bool private_flag = false;
  if (!flag(0, 'r', m.perms.read) || !flag(1, 'w', m.perms.write) || !flag(2, 'x', m.perms.exec) ||
      !(flag(3, 's', m.perms.shared) || flag(3, 'p', private_flag))) {
    return fail(why, "expected permissions like r-xp");
  }

  if (!next_field(rest, offset)) return fail(why, "expected a hexadecimal file offset");
  auto off = parse_hex(offset);
  if (!off || offset.starts_with("0x")) return fail(why, "expected a hexadecimal file offset");
  if (*end - *start - 1 > UINT64_MAX - *off) {  // the last byte's offset past 2^64 - 1
    return fail(why, "file offset plus the mapping's length passes 2^64");
  }
  m.pgoff = *off;

  if (!next_field(rest, dev)) return fail(why, "expected a device MAJOR:MINOR");
  auto colon = dev.find(':');
  auto major = colon == std::string_view::npos ? std::nullopt : parse_hex(dev.substr(0, colon));
  auto minor = colon == std::string_view::npos ? std::nullopt : parse_hex(dev.substr(colon + 1));
  if (!major || !minor || *major > 0xffffffffU || *minor > 0xffffffffU) {
    return fail(why, "expected a device MAJOR:MINOR in hexadecimal");
  }
  m.dev = DevId{static_cast<std::uint32_t>(*major), static_cast<std::uint32_t>(*minor)};

  if (!next_field(rest, inode)) return fail(why, "expected an inode number");
  auto ino = parse_dec(inode);
  if (!ino) return fail(why, "expected a decimal inode number");
  m.inode = *ino;

  // The path follows after padding spaces; it may itself contain spaces.
  auto path_start = rest.find_first_not_of(' ');
  std::string_view path = path_start == std::string_view::npos ? std::string_view{}
                                                                : rest.substr(path_start);
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.size() > kDeleted.size() && path.ends_with(kDeleted)) {
    m.deleted = true;
    path.remove_suffix(kDeleted.size());
  }
  m.path = unescape_path(path);
  m.kind = classify(m.path);
  return true;
}

}  // namespace

std::optional<Mapping> parse_maps_line(std::string_view line, std::string* why) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Mapping m;
  if (!parse_fields(line, m, why)) return std::nullopt;
  m.line = std::string(line);
  return m;
}

ProcessMap ProcessMap::parse(std::string_view text, Diagnostics* diags, std::size_t first_line) {
  ProcessMap map;
  std::size_t number = first_line;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) {
      std::string why;
      if (auto m = parse_maps_line(line, &why)) {
        m->line_number = number;
        map.mappings_.push_back(std::move(*m));
      } else if (diags != nullptr) {
        diags->push_back({number, std::string(line), "malformed maps line, " + why});
      }
    }
    ++number;
  }
  // By start, then by line: the first of two overlapping lines is the one kept below.
  std::sort(map.mappings_.begin(), map.mappings_.end(), [](const Mapping& a, const Mapping& b) {
    return a.start != b.start ? a.start < b.start : a.line_number < b.line_number;
  });
  // A real snapshot never overlaps; hostile text may. Keep the first line of an overlap so that
  // find() stays a single binary search.
  std::vector<Mapping> kept;
  kept.reserve(map.mappings_.size());
  for (auto& m : map.mappings_) {
    if (!kept.empty() && m.start < kept.back().end) {
      if (diags != nullptr) {
        diags->push_back({m.line_number, m.line,
                          "mapping overlaps the one on line " +
                              std::to_string(kept.back().line_number) + ", ignored"});
      }
      continue;
    }
    kept.push_back(std::move(m));
  }
  map.mappings_ = std::move(kept);
  return map;
}

llvm::Expected<ProcessMap> ProcessMap::read_file(const std::string& path, Diagnostics* diags) {
  constexpr std::uint64_t kMaxMapsBytes = 256ULL << 20;
  auto text = read_text_file(path, kMaxMapsBytes);
  if (!text) return text.takeError();
  return parse(*text, diags);
}

bool ProcessMap::add(Mapping mapping) {
  auto at = std::upper_bound(mappings_.begin(), mappings_.end(), mapping.start,
                             [](AbsAddr a, const Mapping& m) { return a < m.start; });
  if (at != mappings_.end() && at->start < mapping.end) return false;
  if (at != mappings_.begin() && mapping.start < std::prev(at)->end) return false;
  mappings_.insert(at, std::move(mapping));
  return true;
}

const Mapping* ProcessMap::find(AbsAddr addr) const {
  auto it = std::upper_bound(mappings_.begin(), mappings_.end(), addr,
                             [](AbsAddr a, const Mapping& m) { return a < m.start; });
  if (it == mappings_.begin()) return nullptr;
  --it;
  return it->contains(addr) ? &*it : nullptr;
}

}  // namespace sym

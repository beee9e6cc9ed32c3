#include <libsym/printer.h>

#include <charconv>
#include <string_view>
#include <unordered_map>

namespace sym {

namespace {

std::string_view base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view file_of(const Frame& f, const PrintOptions& o) {
  return o.basenames ? base_name(f.file) : std::string_view(f.file);
}

std::string_view name_of(const Frame& f, bool demangle) {
  std::string_view name = demangle ? f.function : f.raw_name;
  return name.empty() ? std::string_view("??") : name;
}

// GNU addr2line demangles with libiberty, whose C++ output differs from LLVM's ("> >").
// __cxa_demangle was half of a 100 000-address run, for a few thousand distinct names: each name
// is demangled once per thread (the memo is dropped when it grows past a bound).
// The view stays valid until the next call on this thread.
std::string_view gnu_name_of(const Frame& f, bool demangle) {
  if (f.raw_name.empty()) return "??";
  if (!demangle || !may_be_mangled(f.raw_name)) return f.raw_name;
  thread_local std::unordered_map<std::string, std::string> memo;
  if (auto it = memo.find(f.raw_name); it != memo.end()) return it->second;
  if (memo.size() >= (1U << 18)) memo.clear();
  return memo.emplace(f.raw_name, demangle_gnu(f.raw_name)).first->second;
}

// "0x" and the value in at least `width` hex digits (zero-padded), as printf's "0x%0*llx".
void append_padded_hex(std::string& out, std::uint64_t value, int width) {
  char digits[16];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[value & 15];
    value >>= 4;
  } while (value != 0);
  out += "0x";
  if (width > n) out.append(static_cast<std::size_t>(width - n), '0');
  while (n > 0) out += digits[--n];
}

void append_decimal(std::string& out, std::uint64_t value) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  out.append(buf, end);
}

// GNU addr2line (binutils 2.40, translate_addresses): a frame with a file prints "file:line"
// and " (discriminator N)" with the innermost frame's discriminator, on every frame that has a
// line (GNU reads it once, for the address, and prints it with each frame of the inline
// chain); a known function without lines prints "??:?"; an address nothing covers "??:0".
// A PLT entry's name ("abort@plt") is made up from relocations, which binutils' addr2line does
// not read (llvm-symbolizer does): it answers "??" there.
void print_gnu(std::string& out, const Symbolized& r, const PrintOptions& o) {
  if (o.addresses) {
    append_padded_hex(out, r.input, o.address_width);
    out += o.pretty ? ": " : "\n";
  }
  const bool plt_entry = r.symbol && r.symbol->name.ends_with("@plt") && r.frames.size() == 1 &&
                         r.frames[0].line == 0;
  if (r.frames.empty() || plt_entry) {
    if (o.functions) out += o.pretty ? "?? " : "??\n";
    out += "??:0\n";
    return;
  }
  const std::size_t n = o.inlines ? r.frames.size() : 1;
  const std::uint32_t discriminator = r.frames[0].discriminator;
  for (std::size_t i = 0; i < n; ++i) {
    const Frame& f = r.frames[i];
    if (i > 0 && o.pretty) out += " (inlined by) ";
    if (o.functions) {
      out += gnu_name_of(f, o.demangle);
      out += o.pretty ? " at " : "\n";
    }
    out += f.file.empty() ? std::string_view("??") : file_of(f, o);
    out += ':';
    if (f.line == 0) {
      out += "?";
    } else {
      append_decimal(out, f.line);
      if (discriminator != 0) {
        out += " (discriminator ";
        append_decimal(out, discriminator);
        out += ')';
      }
    }
    out += '\n';
  }
}

// llvm-symbolizer's default LLVM style: "function\nfile:line:column\n" per frame, a blank line
// after each address; -p joins frames with " (inlined by) ".
void print_llvm(std::string& out, const Symbolized& r, const PrintOptions& o) {
  if (o.addresses && r.reason != Reason::kNotAnAddress) {  // no address to print: "??" alone
    out += to_hex(r.input);
    out += o.pretty ? ": " : "\n";
  }
  auto location = [&](const Frame* f) {
    if (f == nullptr || f->file.empty()) return std::string("??:0:0");
    return std::string(file_of(*f, o)) + ":" + std::to_string(f->line) + ":" +
           std::to_string(f->column);
  };
  if (r.frames.empty()) {
    out += o.pretty ? "?? at ??:0:0\n" : "??\n??:0:0\n";
  } else {
    const std::size_t n = o.inlines ? r.frames.size() : 1;
    for (std::size_t i = 0; i < n; ++i) {
      const Frame& f = r.frames[i];
      if (o.pretty) {
        if (i > 0) out += " (inlined by) ";
        out += std::string(name_of(f, o.demangle)) + " at " + location(&f) + "\n";
      } else {
        out += std::string(name_of(f, o.demangle)) + "\n" + location(&f) + "\n";
      }
    }
  }
  out += '\n';
}

void print_default(std::string& out, const Symbolized& r, const PrintOptions& o) {
  out += to_hex(r.input);
  if (!r.module.empty()) {
    out += "  ";
    out += o.basenames ? base_name(r.module) : std::string_view(r.module);
  } else if (r.mapping != nullptr && !r.mapping->path.empty()) {
    out += "  " + r.mapping->path;
  }
  if (r.file_offset) out += "  offset " + to_hex(r.file_offset->value());
  if (r.vaddr) out += "  vaddr " + to_hex(r.vaddr->value());
  if (r.symbol) {
    out += "  " + (o.demangle ? demangle(r.symbol->name) : r.symbol->name);
    if (r.symbol->offset != 0) out += "+" + to_hex(r.symbol->offset);
  }
  out += '\n';
  if (r.data) {
    // "    counter: data, not code (4 bytes at +0x2), declared at d.c:2"
    const DataObject& d = *r.data;
    out += "    ";
    out += o.demangle ? demangle(d.name) : d.name;
    out += ": data, not code (";
    out += d.size == 0   ? std::string("size unknown")
           : d.size == 1 ? std::string("1 byte")
                         : std::to_string(d.size) + " bytes";
    if (r.vaddr && r.vaddr->value() != d.value) {
      out += " at +" + to_hex(r.vaddr->value() - d.value);
    }
    out += ')';
    if (!d.file.empty()) {
      out += ", declared at ";
      out += o.basenames ? base_name(d.file) : std::string_view(d.file);
      if (d.line != 0) out += ":" + std::to_string(d.line);
    }
    out += '\n';
    return;
  }
  if (r.reason != Reason::kNone) {
    out += "    (";
    out += describe(r.reason);
    if (!r.detail.empty()) out += ": " + r.detail;
    if (r.function_start && r.vaddr) {
      out += "; its function starts at " + to_hex(r.function_start->value()) + " (+" +
             to_hex(r.vaddr->value() - r.function_start->value()) + ") by .eh_frame";
    }
    out += ")\n";
    return;
  }
  for (const Frame& f : r.frames) {
    out += "    ";
    out += name_of(f, o.demangle);
    if (!f.file.empty()) {
      out += " at ";
      out += file_of(f, o);
      if (f.line != 0) out += ":" + std::to_string(f.line);
      if (f.column != 0) out += ":" + std::to_string(f.column);
    }
    if (f.inlined) out += " (inlined)";
    out += '\n';
  }
}

void print_json(std::string& out, const Symbolized& r, const PrintOptions& o) {
  auto hex_field = [&](const char* key, std::optional<std::uint64_t> v) {
    out += ",\"";
    out += key;
    out += "\":";
    out += v ? "\"" + to_hex(*v) + "\"" : std::string("null");
  };
  out += "{\"address\":\"" + to_hex(r.input) + "\"";
  hex_field("lookup", r.lookup);
  out += ",\"module\":";
  out += r.module.empty() ? std::string("null") : json_quote(r.module);
  hex_field("file_offset",
            r.file_offset ? std::optional<std::uint64_t>(r.file_offset->value()) : std::nullopt);
  hex_field("vaddr", r.vaddr ? std::optional<std::uint64_t>(r.vaddr->value()) : std::nullopt);
  out += ",\"symbol\":";
  if (r.symbol) {
    out += "{\"name\":" + json_quote(r.symbol->name) + ",\"value\":\"" + to_hex(r.symbol->value) +
           "\",\"size\":" + std::to_string(r.symbol->size) + ",\"offset\":\"" +
           to_hex(r.symbol->offset) + "\"}";
  } else {
    out += "null";
  }
  hex_field("function_start", r.function_start ? std::optional<std::uint64_t>(
                                                     r.function_start->value())
                                               : std::nullopt);
  out += ",\"frames\":[";
  for (std::size_t i = 0; i < r.frames.size(); ++i) {
    const Frame& f = r.frames[i];
    if (i > 0) out += ',';
    out += "{\"function\":" + json_quote(o.demangle ? f.function : f.raw_name);
    out += ",\"linkage_name\":" + json_quote(f.raw_name);
    out += ",\"file\":" + (f.file.empty() ? std::string("null") : json_quote(file_of(f, o)));
    out += ",\"line\":" + std::to_string(f.line);
    out += ",\"column\":" + std::to_string(f.column);
    out += ",\"inlined\":";
    out += f.inlined ? "true" : "false";
    out += '}';
  }
  out += ']';
  if (r.data) {
    const DataObject& d = *r.data;
    out += ",\"data\":{\"name\":" + json_quote(o.demangle ? demangle(d.name) : d.name);
    out += ",\"linkage_name\":" + json_quote(d.name);
    out += ",\"value\":\"" + to_hex(d.value) + "\",\"size\":" + std::to_string(d.size);
    out += ",\"file\":";
    out += d.file.empty() ? std::string("null") : json_quote(d.file);
    out += ",\"line\":" + std::to_string(d.line) + "}";
  }
  out += ",\"reason\":";
  out += r.reason == Reason::kNone ? std::string("null")
                                   : "\"" + std::string(reason_id(r.reason)) + "\"";
  if (!r.detail.empty()) out += ",\"detail\":" + json_quote(r.detail);
  out += "}\n";
}

}  // namespace

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\t': out += "\\t"; continue;
      case '\r': out += "\\r"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    // Copy a valid UTF-8 sequence; replace a stray byte with U+FFFD so the output stays JSON.
    std::size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool ok = len != 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len - 1;
    } else {
      out += "\\ufffd";
    }
  }
  out += '"';
  return out;
}

std::string unknown_frame_name(const Symbolized& r) {
  std::string_view module = r.module;
  if (module.empty() && r.mapping != nullptr) module = r.mapping->path;
  if (module.empty() || !r.file_offset) return "[unknown]";
  std::uint64_t offset = r.file_offset->value();
  // The function's first byte, in the same segment as the address (a function never spans two).
  if (r.function_start && r.vaddr && *r.function_start <= *r.vaddr &&
      r.vaddr->value() - r.function_start->value() <= offset) {
    offset -= r.vaddr->value() - r.function_start->value();
  }
  return "[" + std::string(base_name(module)) + "+" + to_hex(offset) + "]";
}

void print(std::string& out, const Symbolized& result, OutputStyle style,
           const PrintOptions& options) {
  switch (style) {
    case OutputStyle::kDefault: print_default(out, result, options); return;
    case OutputStyle::kGnu: print_gnu(out, result, options); return;
    case OutputStyle::kLlvm: print_llvm(out, result, options); return;
    case OutputStyle::kJson: print_json(out, result, options); return;
  }
}

}  // namespace sym

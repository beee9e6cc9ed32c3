#include <libsym/explain.h>

#include "disassembler.h"

#include <algorithm>
#include <cstdio>

namespace sym {

namespace {

std::string hex(std::uint64_t v) { return to_hex(v); }

std::string segment_flags(std::uint32_t flags) {
  std::string s;
  s += (flags & 4U) != 0 ? 'R' : '-';
  s += (flags & 2U) != 0 ? 'W' : '-';
  s += (flags & 1U) != 0 ? 'E' : '-';
  return s;
}

std::string name_of(const std::string& raw, bool demangle_names) {
  return demangle_names ? demangle(raw) : raw;
}

// "call 0x1040 <malloc@plt>": the instruction with its direct target resolved to a symbol.
std::string describe_instruction(const detail::Instruction& insn, const Module& module,
                                 const ExplainOptions& options) {
  std::string text = hex(insn.address) + ": " + insn.text;
  if (insn.target) {
    if (auto target = module.symbol_at(VirtAddr(*insn.target))) {
      text += " <" + name_of(target->name, options.demangle);
      if (target->offset != 0) text += "+" + hex(target->offset);
      text += ">";
    }
  }
  return text;
}

void explain_code(std::string& out, const Symbolized& r, const Module& module,
                  const ExplainOptions& options, int step) {
  detail::Disassembler disassembler(module.machine());
  if (!disassembler.valid()) {
    out += "  " + std::to_string(step) + ". (" + disassembler.problem() + ")\n";
    return;
  }
  const std::uint64_t at = r.vaddr->value() + (r.input - r.lookup);  // the input's own vaddr
  out += "  " + std::to_string(step) + ". Machine code";
  auto here = disassembler.decode(module.bytes_at(VirtAddr(at), 16), at);
  if (here) {
    out += " at " + hex(at) + ":\n       " + describe_instruction(*here, module, options) + "\n";
  } else {
    out += ": no decodable instruction at " + hex(at) + "\n";
  }
  if (!options.return_address) return;
  // Return addresses follow the call that pushed them: decode backwards until a call ends
  // exactly at the return address.
  const std::uint64_t back = std::min<std::uint64_t>(15, at);
  auto before = module.bytes_at(VirtAddr(at - back), back);
  auto call = before.size() == back ? disassembler.call_before(before, at) : std::nullopt;
  if (call) {
    out += "     The call before the return address " + hex(at) + ":\n       " +
           describe_instruction(*call, module, options) + "\n";
  } else {
    out += "     Warning: no call instruction ends at " + hex(at) +
           "; this may not be a return address (try without --return-address).\n";
  }
}

}  // namespace

void explain(std::string& out, const Symbolized& r, const Module* module,
             const ExplainOptions& options) {
  out += "Address " + hex(r.input);
  if (r.lookup != r.input) {
    out += " (a return address: looking up " + hex(r.input) + " - 1 = " + hex(r.lookup) +
           ", inside the call)";
  }
  out += "\n";
  int step = 1;
  const Mapping* m = r.mapping;
  if (m != nullptr) {
    out += "  " + std::to_string(step++) + ". The maps line " + std::to_string(m->line_number) +
           " holds it:\n       " + m->line + "\n";
    if (r.file_offset) {
      out += "     file offset = addr - start + pgoff = " + hex(r.lookup) + " - " +
             hex(m->start.value()) + " + " + hex(m->pgoff) + " = " +
             hex(r.file_offset->value()) + "\n";
    }
  } else if (r.reason == Reason::kUnmapped) {
    out += "  " + std::to_string(step++) + ". No maps line holds " + hex(r.lookup) + ".\n";
  }
  if (module != nullptr && r.file_offset) {
    const LoadSegment* seg = segment_for(module->segments(), *r.file_offset);
    if (seg != nullptr && r.vaddr) {
      std::size_t index = static_cast<std::size_t>(seg - module->segments().data());
      out += "  " + std::to_string(step++) + ". PT_LOAD #" + std::to_string(index) + " of " +
             module->path() + " holds that offset: p_offset " + hex(seg->offset) + ", p_vaddr " +
             hex(seg->vaddr) + ", p_filesz " + hex(seg->filesz) + " (" +
             segment_flags(seg->flags) + ")\n";
      if (m != nullptr) {
        out += "     vaddr = off - p_offset + p_vaddr = " + hex(r.file_offset->value()) + " - " +
               hex(seg->offset) + " + " + hex(seg->vaddr) + " = " + hex(r.vaddr->value()) + "\n";
      } else {
        out += "     (an ELF virtual address given directly; its file offset is " +
               hex(r.file_offset->value()) + ")\n";
      }
    } else if (seg == nullptr) {
      out += "  " + std::to_string(step++) + ". No PT_LOAD segment of " + module->path() +
             " holds file offset " + hex(r.file_offset->value()) + " (p_filesz bounds each).\n";
    }
  }
  if (r.reason != Reason::kNone && r.reason != Reason::kNoSymbol &&
      r.reason != Reason::kDataObject) {
    out += "  " + std::to_string(step++) + ". Stop: " + std::string(describe(r.reason));
    if (!r.detail.empty()) out += " (" + r.detail + ")";
    out += ".\n\n";
    return;
  }
  if (r.symbol) {
    out += "  " + std::to_string(step++) + ". Symbol " + name_of(r.symbol->name, options.demangle) +
           " (value " + hex(r.symbol->value) + ", size " +
           (r.symbol->size != 0 ? std::to_string(r.symbol->size) : std::string("unknown")) +
           ") covers it: " + hex(r.vaddr->value()) + " - " + hex(r.symbol->value) + " = +" +
           hex(r.symbol->offset) + "\n";
  } else if (r.vaddr) {
    out += "  " + std::to_string(step++) + ". No symbol covers " + hex(r.vaddr->value()) +
           " (symbol sizes are respected: no neighbour's name is borrowed).\n";
    if (r.function_start) {
      out += "     The unwind table (.eh_frame) has a function starting at " +
             hex(r.function_start->value()) + ": " + hex(r.vaddr->value()) + " - " +
             hex(r.function_start->value()) + " = +" +
             hex(r.vaddr->value() - r.function_start->value()) +
             " (stackfold names the frame after that start).\n";
    }
  }
  if (module != nullptr) {
    const DebugInfoOrigin& origin = module->debug_origin();
    out += "  " + std::to_string(step++) + ". Debug info: ";
    if (origin.source == DebugSource::kNone) {
      // A debug file found but not used: "none found" would not be true.
      if (!origin.rejected.empty()) {
        out += "none used: debug file " + origin.rejected;
      } else {
        out += "none found (no DWARF in the file, no build-id or .gnu_debuglink match)";
      }
    } else {
      out += origin.path + " (found through " + std::string(describe(origin.source));
      if (origin.source == DebugSource::kDebuginfod) {
        out += origin.url.empty() ? ", from its cache" : ", downloaded from " + origin.url;
      }
      out += ")";
      if (!origin.supplementary.empty()) {
        out += ", with dwz's supplementary file " + origin.supplementary;
      }
    }
    if (origin.mini_debuginfo) out += "; symbols also from the file's .gnu_debugdata";
    if (!module->build_id().empty()) out += ", build-id " + module->build_id();
    out += "\n";
  }
  if (r.data) {
    out += "     No frames: " + std::string(describe(r.reason)) + " (outside every executable " +
           "section). The variable " + name_of(r.data->name, options.demangle) + " holds it";
    if (!r.data->file.empty()) {
      out += ", declared at " + r.data->file;
      if (r.data->line != 0) out += ":" + std::to_string(r.data->line);
    }
    out += ".\n";
  } else if (r.frames.empty()) {
    out += "     No frames: " + std::string(describe(r.reason)) + ".\n";
  }
  for (std::size_t i = 0; i < r.frames.size(); ++i) {
    const Frame& f = r.frames[i];
    out += "     #" + std::to_string(i) + " " +
           (f.raw_name.empty() ? std::string("??") : name_of(f.raw_name, options.demangle));
    if (!f.file.empty()) {
      out += " at " + f.file;
      if (f.line != 0) out += ":" + std::to_string(f.line);
      if (f.column != 0) out += ":" + std::to_string(f.column);
    }
    if (f.inlined) out += "  (inlined into #" + std::to_string(i + 1) + ")";
    out += "\n";
  }
  // Machine code only where the segment holding the address is executable (data disassembles
  // into nonsense).
  if (module != nullptr && r.vaddr) {
    const std::uint64_t v = r.vaddr->value();
    const auto segments = module->segments();
    const bool code = std::any_of(segments.begin(), segments.end(), [&](const LoadSegment& s) {
      return s.executable() && v >= s.vaddr && v - s.vaddr < s.memsz;
    });
    if (code) explain_code(out, r, *module, options, step);
  }
  out += "\n";
}

}  // namespace sym

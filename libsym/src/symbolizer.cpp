#include <libsym/symbolizer.h>

#include "debug_sections.h"

#include <algorithm>
#include <cerrno>
#include <numeric>
#include <tuple>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unordered_map>

namespace sym {

Symbolizer::Symbolizer(SymbolizerOptions options) : options_(std::move(options)) {
  if (!options_.debug.sysroot.empty()) options_.verify_identity = false;
}
Symbolizer::~Symbolizer() = default;

void Symbolizer::on_problem(std::function<void(const ModuleProblem&)> handler) {
  on_problem_ = std::move(handler);
}

namespace {

// Sorts out what kind of failure opening a path was, from errno-style facts on disk.
Reason classify_open_failure(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Reason::kFileMissing;
  if (!S_ISREG(st.st_mode)) return Reason::kNotRegularFile;
  return Reason::kBadObject;
}

}  // namespace

Symbolizer::Entry& Symbolizer::entry_for(const std::string& path) {
  auto& slot = entries_[path];
  if (slot) return *slot;
  slot = std::make_unique<Entry>();
  auto identity = identify_regular_file(path);
  if (!identity) {
    slot->reason = classify_open_failure(path);
    slot->detail = llvm::toString(identity.takeError());
    return *slot;
  }
  // One Module per file identity: symlinked paths to one file share it.
  FileIdentity key{identity->dev, identity->inode, identity->size};
  auto found = modules_.find(key);
  if (found != modules_.end()) {
    slot->module = found->second.get();
    return *slot;
  }
  auto module = Module::open(path, options_.debug);
  if (!module) {
    slot->reason = classify_open_failure(path);
    if (slot->reason == Reason::kFileMissing) slot->reason = Reason::kBadObject;
    slot->detail = llvm::toString(module.takeError());
    return *slot;
  }
  slot->module = module->get();
  modules_.emplace(key, std::move(*module));
  // Usable, but not fully: said once, with Reason::kNone.
  report_new_warning(path, *slot->module);
  return *slot;
}

void Symbolizer::report_new_warning(const std::string& path, const Module& module) {
  const std::string& warning = module.warning();
  std::size_t& told = warned_[&module];
  if (warning.size() <= told) return;
  // Module::warning() only grows, each new part after "; ".
  const std::size_t from = told == 0 ? 0 : told + 2;
  told = warning.size();
  if (on_problem_ && from < warning.size()) {
    on_problem_(ModuleProblem{path, Reason::kNone, path + ": " + warning.substr(from)});
  }
}

void Symbolizer::add_module(const std::string& path, std::unique_ptr<Module> module) {
  auto entry = std::make_unique<Entry>();
  entry->module = module.get();
  entry->trusted = true;
  added_.push_back(std::move(module));
  entries_[path] = std::move(entry);
  // Forget earlier checks of this path.
  for (auto it = checked_.begin(); it != checked_.end();) {
    it = it->first.starts_with(path + '\0') || it->first == path ? checked_.erase(it) : std::next(it);
  }
}

const Module* Symbolizer::module_for(const std::string& path, const Mapping* mapping,
                                     Reason* reason, std::string* detail) {
  // Problems are remembered per (path, mapped inode) so each is reported once.
  std::string key = path;
  if (mapping != nullptr) key += '\0' + std::to_string(mapping->inode);
  auto [it, fresh] = checked_.try_emplace(key);
  Entry& checked = it->second;
  if (fresh) {
    Entry& entry = entry_for(path);
    checked = entry;
    if (checked.module != nullptr && mapping != nullptr && options_.verify_identity &&
        !checked.trusted) {
      // The maps line names the device and inode that were mapped; another inode at the path on
      // the same device means the file was replaced (rebuilt, upgraded). Inode numbers mean
      // something only within one device: where maps and stat name different devices for the
      // same file (overlayfs on some kernels, btrfs subvolumes) they are not compared.
      const FileIdentity& id = checked.module->identity();
      const bool same_device = DevId{major(static_cast<dev_t>(id.dev)),
                                     minor(static_cast<dev_t>(id.dev))} == mapping->dev;
      if (same_device && mapping->inode != 0 && id.inode != mapping->inode) {
        checked = Entry{nullptr, Reason::kFileChanged,
                        path + ": inode " + std::to_string(id.inode) + " on disk, " +
                            std::to_string(mapping->inode) + " in the snapshot",
                        false};
      } else if (mapping->pgoff >= id.size && mapping->pgoff != 0) {
        checked = Entry{nullptr, Reason::kFileChanged,
                        path + ": mapped at file offset " + to_hex(mapping->pgoff) +
                            " but the file has only " + std::to_string(id.size) + " bytes",
                        false};
      }
    }
    if (mapping != nullptr && mapping->deleted && checked.reason == Reason::kFileMissing) {
      checked.detail = path + ": deleted after it was mapped";
    }
    if (checked.module == nullptr && on_problem_) {
      on_problem_(ModuleProblem{path, checked.reason, checked.detail});
    }
    // Lookups with lines will read its debug sections: their inflating starts now.
    if (checked.module != nullptr && options_.frames.lines) {
      checked.module->read_debug_info_ahead();
    }
  }
  if (reason != nullptr) *reason = checked.reason;
  if (detail != nullptr) *detail = checked.detail;
  return checked.module;
}

const Module* Symbolizer::module_of(const Symbolized& r, LastModule& last) {
  if (last.path == nullptr || *last.path != r.module) {
    last.module = module_for(r.module, r.mapping, nullptr, nullptr);
    last.path = &r.module;
  }
  return last.module;
}

namespace {

// An address of a module read without error that no frame names (nothing covers it, or data).
bool unnamed_in_module(const Symbolized& r) {
  return r.frames.empty() && r.vaddr && !r.module.empty() &&
         (r.reason == Reason::kNoSymbol || r.reason == Reason::kDataObject);
}

}  // namespace

void Symbolizer::use_llvm_names(std::span<Symbolized> answers, bool demangle) {
  LastModule last;
  for (Symbolized& r : answers) {
    // Nothing covers it, or data: llvm-symbolizer names it after a symbol all the same.
    if (unnamed_in_module(r)) {
      const Module* module = module_of(r, last);
      if (module == nullptr) continue;
      if (auto llvm = module->llvm_symbol(*r.vaddr)) {
        Frame f;
        f.function = demangle ? sym::demangle(llvm->name) : llvm->name;
        f.raw_name = std::move(llvm->name);
        f.file = std::move(llvm->file);  // a local symbol's STT_FILE
        r.frames.push_back(std::move(f));
      }
      continue;
    }
    if (r.frames.empty() || r.frames.back().inlined || !r.vaddr || !r.symbol || r.module.empty()) {
      continue;
    }
    const Module* module = module_of(r, last);
    if (module == nullptr) continue;
    auto llvm = module->llvm_symbol(*r.vaddr);
    if (llvm && llvm->value == r.symbol->value) {
      Frame& f = r.frames.back();
      f.function = demangle ? sym::demangle(llvm->name) : llvm->name;
      f.raw_name = std::move(llvm->name);
    }
  }
}

void Symbolizer::use_gnu_names(std::span<Symbolized> answers) {
  LastModule last;
  for (Symbolized& r : answers) {
    // Nothing covers it, or data: GNU's label of the section and a variable's declaration.
    if (unnamed_in_module(r)) {
      const Module* module = module_of(r, last);
      if (module == nullptr) continue;
      if (auto gnu = module->gnu_data(*r.vaddr)) {
        Frame f;
        f.function = gnu->name;
        f.raw_name = std::move(gnu->name);
        f.file = std::move(gnu->file);
        f.line = gnu->line;
        r.frames.push_back(std::move(f));
      }
      continue;
    }
    // A frame of the symbol table alone: one, without a line, named after the symbol.
    if (r.frames.size() != 1 || r.frames[0].line != 0 || !r.vaddr || !r.symbol ||
        r.frames[0].raw_name != r.symbol->name || r.module.empty()) {
      continue;
    }
    const Module* module = module_of(r, last);
    if (module == nullptr) continue;
    if (auto alias = module->gnu_alias(*r.vaddr, r.symbol->value)) {
      r.frames[0].function = *alias;
      r.frames[0].raw_name = std::move(*alias);
    }
  }
}

void Symbolizer::resolve_all(const Module& module, std::vector<Symbolized>& out,
                             std::span<const std::size_t> which) {
  std::vector<VirtAddr> vaddrs;
  vaddrs.reserve(which.size());
  for (std::size_t i : which) vaddrs.push_back(*out[i].vaddr);
  std::vector<Module::Lookup> found = module.lookup_all(vaddrs, options_.frames);
  for (std::size_t k = 0; k < which.size(); ++k) {
    Symbolized& s = out[which[k]];
    s.symbol = std::move(found[k].symbol);
    s.frames = std::move(found[k].frames);
    s.reason = s.frames.empty() ? Reason::kNoSymbol : Reason::kNone;
    if (s.frames.empty()) {
      s.detail = module.warning();
      if (auto function = module.unwind_range(*s.vaddr)) {
        s.function_start = VirtAddr(function->begin);
      } else if (auto data = module.data_object(*s.vaddr)) {
        s.reason = Reason::kDataObject;
        if (!s.symbol) {
          s.symbol = SymbolHit{data->name, data->value, data->size,
                               s.vaddr->value() - data->value, {}};
        }
        s.data = std::move(data);
      }
    }
  }
}

namespace {

// `count` default answers, in `room`'s storage when it has enough. New storage has an eighth to
// spare, never touched unless a later batch (handed back as room) is that much larger: batches
// of lines vary in count.
std::vector<Symbolized> fresh_answers(std::size_t count, std::vector<Symbolized> room) {
  room.clear();
  if (room.capacity() < count) {
    room = {};
    room.reserve(count + count / 8);
  }
  room.resize(count);
  return room;
}

std::uint64_t adjusted(std::uint64_t input, Adjust adjust) {
  return adjust == Adjust::kReturnAddress && input > 0 ? input - 1 : input;
}

// Resolves the entries of `group` (indices into `out`) that share a key once each: sorts them
// by key, resolves the first of each run (all of them in one call: resolve(firsts)) and copies
// the answer to the rest.
template <class Key, class Resolve>
void resolve_distinct(std::vector<Symbolized>& out, std::vector<std::size_t>& group, Key key,
                      Resolve resolve) {
  // By key, sorted as (key, index) pairs in one array rather than through the indices.
  std::vector<std::pair<std::uint64_t, std::size_t>> keyed(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) keyed[i] = {key(out[group[i]]), group[i]};
  std::sort(keyed.begin(), keyed.end());
  for (std::size_t i = 0; i < group.size(); ++i) group[i] = keyed[i].second;
  std::vector<std::size_t> firsts;
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (i == 0 || key(out[group[i]]) != key(out[group[i - 1]])) firsts.push_back(group[i]);
  }
  resolve(std::span<const std::size_t>(firsts));
  for (std::size_t i = 1; i < group.size(); ++i) {
    const Symbolized& first = out[group[i - 1]];  // already answered: a first or a copy
    if (key(out[group[i]]) != key(first)) continue;
    Symbolized& dup = out[group[i]];
    const std::uint64_t input = dup.input;
    dup = first;
    dup.input = input;
  }
}

}  // namespace

std::vector<Symbolized> Symbolizer::symbolize(const ProcessMap& map,
                                              std::span<const AbsAddr> addresses, Adjust adjust,
                                              std::vector<Symbolized> room) {
  std::vector<Symbolized> out = fresh_answers(addresses.size(), std::move(room));
  // Group by module path; answer what needs no file right away.
  std::unordered_map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    Symbolized& r = out[i];
    r.input = addresses[i].value();
    r.lookup = adjusted(r.input, adjust);
    const Mapping* m = map.find(AbsAddr(r.lookup));
    r.mapping = m;
    if (m == nullptr) {
      r.reason = Reason::kUnmapped;
      continue;
    }
    r.file_offset = m->file_offset(AbsAddr(r.lookup));
    switch (m->kind) {
      case MappingKind::kAnonymous: r.reason = Reason::kAnonymous; continue;
      case MappingKind::kPseudo: r.reason = Reason::kPseudo; continue;
      case MappingKind::kMemfd: r.reason = Reason::kMemfd; continue;
      case MappingKind::kFile: break;
    }
    r.module = options_.debug.sysroot + m->path;
    if (m->deleted && options_.live_pid) {
      // "/proc/PID/map_files/START-END", hex without 0x: the mapped file itself.
      r.module = "/proc/" + std::to_string(*options_.live_pid) + "/map_files/" +
                 to_hex(m->start.value()).substr(2) + "-" + to_hex(m->end.value()).substr(2);
    }
    groups[r.module].push_back(i);
  }
  // Every module opened first (their symbol tables are read at the first question), their debug
  // sections queued to inflate ahead (module_for), the largest of all first; then looked up,
  // those with the least still inflating first, so that the wait for the largest comes last.
  struct Opened {
    const Module* module;
    const std::string* path;
    std::vector<std::size_t>* group;
    std::uint64_t inflating;
  };
  std::vector<Opened> modules;
  {
    const detail::InflationHold hold;
    for (auto& [path, group] : groups) {
      Reason reason = Reason::kNone;
      std::string detail;
      const Module* module = module_for(path, out[group.front()].mapping, &reason, &detail);
      if (module == nullptr) {
        for (std::size_t i : group) {
          out[i].reason = reason;
          out[i].detail = detail;
        }
        continue;
      }
      modules.push_back({module, &path, &group, module->debug_bytes_inflating()});
    }
  }
  std::sort(modules.begin(), modules.end(), [](const Opened& a, const Opened& b) {
    return std::tie(a.inflating, *a.path) < std::tie(b.inflating, *b.path);
  });
  for (const Opened& opened : modules) {
    const Module* module = opened.module;
    const std::string& path = *opened.path;
    std::vector<std::size_t>& group = *opened.group;
    std::vector<VirtAddr> vaddrs;
    vaddrs.reserve(group.size());
    for (std::size_t i : group) {
      if (auto vaddr = module->to_virt(*out[i].file_offset)) vaddrs.push_back(*vaddr);
    }
    module->prepare(vaddrs, options_.frames);
    resolve_distinct(
        out, group, [](const Symbolized& s) { return s.file_offset->value(); },
        [&](std::span<const std::size_t> firsts) {
          std::vector<std::size_t> inside;
          inside.reserve(firsts.size());
          for (std::size_t i : firsts) {
            out[i].vaddr = module->to_virt(*out[i].file_offset);
            if (out[i].vaddr) {
              inside.push_back(i);
            } else {
              out[i].reason = Reason::kOutsideSegments;
            }
          }
          resolve_all(*module, out, inside);
        });
    report_new_warning(path, *module);
  }
  return out;
}

Symbolized Symbolizer::symbolize(const ProcessMap& map, AbsAddr address, Adjust adjust) {
  return std::move(symbolize(map, std::span(&address, 1), adjust).front());
}

std::vector<Symbolized> Symbolizer::symbolize_elf(const std::string& path,
                                                  std::span<const VirtAddr> addresses,
                                                  Adjust adjust, std::vector<Symbolized> room) {
  std::vector<Symbolized> out = fresh_answers(addresses.size(), std::move(room));
  Reason reason = Reason::kNone;
  std::string detail;
  const Module* module = module_for(path, nullptr, &reason, &detail);
  std::vector<std::size_t> group(addresses.size());
  std::iota(group.begin(), group.end(), std::size_t{0});
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    out[i].input = addresses[i].value();
    out[i].lookup = adjusted(out[i].input, adjust);
    out[i].module = path;
    if (module == nullptr) {
      out[i].reason = reason;
      out[i].detail = detail;
    }
  }
  if (module == nullptr) return out;
  std::vector<VirtAddr> vaddrs;
  vaddrs.reserve(out.size());
  for (const Symbolized& s : out) vaddrs.emplace_back(s.lookup);
  module->prepare(vaddrs, options_.frames);
  resolve_distinct(
      out, group, [](const Symbolized& s) { return s.lookup; },
      [&](std::span<const std::size_t> firsts) {
        for (std::size_t i : firsts) {
          out[i].file_offset = module->to_file_offset(VirtAddr(out[i].lookup));
          out[i].vaddr = VirtAddr(out[i].lookup);
        }
        resolve_all(*module, out, firsts);
      });
  report_new_warning(path, *module);
  return out;
}

}  // namespace sym

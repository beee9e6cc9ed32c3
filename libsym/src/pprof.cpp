// A folded profile as pprof's profile.proto (layer 5), gzip-compressed.
//
// The message layout follows the public field numbers of perftools.profiles.Profile
// (github.com/google/pprof/proto/profile.proto). The encoder below is our own and writes only
// the wire types profile.proto uses: varints (0), length-delimited (2), packed repeated varints.
//
// Mapping to pprof: every distinct (address, inline chain) of the folded stacks becomes one
// Location whose Lines are that chain innermost first (pprof: "the last entry represents the
// caller into which the preceding entries were inlined"); a sample lists its locations leaf
// first. Frames without a function name (unresolved addresses) get a Function named like the
// folded label ("[libfoo.so+0x1234]"), so `pprof -top` and the folded output name the same
// things. Mappings say they carry functions, file names, lines and inline frames, so pprof does
// not try to symbolize again.
#include <libsym/pprof.h>

#include "fold_detail.h"

#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace sym {

namespace {

// ---------------------------------------------------------------------------------------------
// Protobuf wire format

class ProtoWriter {
 public:
  void varint_field(std::uint32_t field, std::uint64_t v) {
    if (v == 0) return;  // proto3 default: omitted
    tag(field, 0);
    varint(v);
  }
  void int_field(std::uint32_t field, std::int64_t v) {
    varint_field(field, static_cast<std::uint64_t>(v));
  }
  void bool_field(std::uint32_t field, bool v) { varint_field(field, v ? 1 : 0); }
  void bytes_field(std::uint32_t field, std::string_view bytes) {
    tag(field, 2);
    varint(bytes.size());
    out_.append(bytes);
  }
  // A nested message or a packed repeated field, written by `fill` into a fresh writer.
  template <class Fill>
  void message_field(std::uint32_t field, Fill fill) {
    ProtoWriter inner;
    fill(inner);
    bytes_field(field, inner.out_);
  }
  void packed_field(std::uint32_t field, const std::vector<std::uint64_t>& values) {
    if (values.empty()) return;
    ProtoWriter inner;
    for (auto v : values) inner.varint(v);
    bytes_field(field, inner.out_);
  }
  std::string& bytes() { return out_; }

 private:
  void tag(std::uint32_t field, std::uint32_t wire_type) {
    varint((static_cast<std::uint64_t>(field) << 3) | wire_type);
  }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  std::string out_;
};

// Field numbers of profile.proto.
namespace field {
enum Profile : std::uint32_t {
  kSampleType = 1,
  kSample = 2,
  kMapping = 3,
  kLocation = 4,
  kFunction = 5,
  kStringTable = 6,
  kPeriodType = 11,
  kComment = 13,
  kDefaultSampleType = 14,
};
enum ValueType : std::uint32_t { kType = 1, kUnit = 2 };
enum Sample : std::uint32_t { kLocationId = 1, kValue = 2 };
enum Mapping : std::uint32_t {
  kMappingId = 1,
  kMemoryStart = 2,
  kMemoryLimit = 3,
  kFileOffset = 4,
  kFilename = 5,
  kBuildId = 6,
  kHasFunctions = 7,
  kHasFilenames = 8,
  kHasLineNumbers = 9,
  kHasInlineFrames = 10,
};
enum Location : std::uint32_t { kLocationIdField = 1, kMappingId2 = 2, kAddress = 3, kLine = 4 };
enum Line : std::uint32_t { kFunctionId = 1, kLineNumber = 2 };
enum Function : std::uint32_t { kFunctionIdField = 1, kName = 2, kSystemName = 3, kFileName = 4 };
}  // namespace field

// ---------------------------------------------------------------------------------------------
// The profile's tables

class StringTable {
 public:
  StringTable() { index(""); }
  std::int64_t index(const std::string& s) {
    auto [it, fresh] = ids_.try_emplace(s, static_cast<std::int64_t>(strings_.size()));
    if (fresh) strings_.push_back(s);
    return it->second;
  }
  [[nodiscard]] const std::vector<std::string>& strings() const { return strings_; }

 private:
  std::unordered_map<std::string, std::int64_t> ids_;
  std::vector<std::string> strings_;
};

struct FunctionRow {
  std::int64_t name = 0;
  std::int64_t system_name = 0;
  std::int64_t file = 0;
};

struct LocationRow {
  std::uint64_t address = 0;
  std::uint64_t mapping_id = 0;  // 0 = none
  std::vector<std::pair<std::uint64_t, std::int64_t>> lines;  // (function id, line), innermost first
};

class Tables {
 public:
  explicit Tables(const FoldedProfile& profile) : profile_(profile) {}

  // The location ids of one stack (frame ids root first), leaf first.
  std::vector<std::uint64_t> locations_of(const std::vector<std::uint32_t>& frames) {
    std::vector<std::uint64_t> out;
    std::vector<std::uint32_t> group;  // frame ids of one location, innermost first
    for (std::size_t i = frames.size(); i-- > 0;) {
      const FoldedFrame& f = profile_.frames[frames[i]];
      if (!group.empty()) {
        const FoldedFrame& prev = profile_.frames[group.back()];
        // Leaf first, one location's frames come with rising depth at one address.
        if (f.address != prev.address || !f.address || f.depth <= prev.depth) {
          out.push_back(location_id(group));
          group.clear();
        }
      }
      group.push_back(frames[i]);
    }
    if (!group.empty()) out.push_back(location_id(group));
    return out;
  }

  StringTable strings;
  std::vector<FunctionRow> functions;  // id = index + 1
  std::vector<LocationRow> locations;  // id = index + 1

 private:
  std::uint64_t location_id(const std::vector<std::uint32_t>& group) {
    auto [it, fresh] = location_ids_.try_emplace(group, locations.size() + 1);
    if (!fresh) return it->second;
    const FoldedFrame& first = profile_.frames[group.front()];
    LocationRow row;
    row.address = first.address.value_or(0);
    row.mapping_id = first.mapping >= 0 ? static_cast<std::uint64_t>(first.mapping) + 1 : 0;
    for (auto id : group) {
      const FoldedFrame& f = profile_.frames[id];
      row.lines.emplace_back(function_id(f), static_cast<std::int64_t>(f.line));
    }
    locations.push_back(std::move(row));
    return it->second;
  }

  std::uint64_t function_id(const FoldedFrame& f) {
    // Unnamed frames keep their folded label ("[libfoo.so+0x1234]", "0x7f..", "[no frames]").
    const std::string& name = f.function.empty() ? f.label : f.function;
    const std::string& system = f.raw_name.empty() ? name : f.raw_name;
    auto key = std::make_tuple(name, system, f.file);
    auto [it, fresh] = function_ids_.try_emplace(key, functions.size() + 1);
    if (fresh) functions.push_back({strings.index(name), strings.index(system), strings.index(f.file)});
    return it->second;
  }

  const FoldedProfile& profile_;
  std::map<std::vector<std::uint32_t>, std::uint64_t> location_ids_;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> function_ids_;
};

// A value for pprof's int64 fields: rounded, clamped to the int64 range.
std::int64_t to_int64(double v) {
  const double r = detail::rounded(v);
  if (r >= 9.2e18) return INT64_MAX;
  if (r <= -9.2e18) return INT64_MIN;
  return static_cast<std::int64_t>(r);
}

std::string gzip(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(data.size())) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

}  // namespace

std::string format_pprof(const FoldedProfile& profile) {
  Tables t(profile);
  ProtoWriter w;

  // Sample types: allocation counts when some dump had them (as Go's heap profiles order
  // them), then the in-use ones. Values are new - base for a diff.
  std::vector<Metric> types;
  if (profile.has_alloc) types = {Metric::kAllocObjects, Metric::kAllocSpace};
  types.push_back(Metric::kInuseObjects);
  types.push_back(Metric::kInuseSpace);
  for (Metric m : types) {
    w.message_field(field::kSampleType, [&](ProtoWriter& v) {
      v.int_field(field::kType, t.strings.index(std::string(metric_name(m))));
      v.int_field(field::kUnit, t.strings.index(metric_is_bytes(m) ? "bytes" : "count"));
    });
  }

  for (const FoldedStack& s : profile.stacks) {
    const std::vector<std::uint64_t> locations = t.locations_of(s.frames);
    std::vector<std::uint64_t> values;
    values.reserve(types.size());
    for (Metric m : types) {
      const auto i = static_cast<std::size_t>(m);
      values.push_back(static_cast<std::uint64_t>(to_int64(s.metrics[i] - s.base_metrics[i])));
    }
    w.message_field(field::kSample, [&](ProtoWriter& sample) {
      sample.packed_field(field::kLocationId, locations);
      sample.packed_field(field::kValue, values);
    });
  }

  for (std::size_t i = 0; i < profile.mappings.size(); ++i) {
    const FoldedMapping& m = profile.mappings[i];
    const std::int64_t file = t.strings.index(m.path);
    const std::int64_t build_id = t.strings.index(m.build_id);
    w.message_field(field::kMapping, [&](ProtoWriter& mw) {
      mw.varint_field(field::kMappingId, i + 1);
      mw.varint_field(field::kMemoryStart, m.start);
      mw.varint_field(field::kMemoryLimit, m.limit);
      mw.varint_field(field::kFileOffset, m.offset);
      mw.int_field(field::kFilename, file);
      mw.int_field(field::kBuildId, build_id);
      // Symbolized already: pprof must not look for the binaries again.
      mw.bool_field(field::kHasFunctions, true);
      mw.bool_field(field::kHasFilenames, true);
      mw.bool_field(field::kHasLineNumbers, true);
      mw.bool_field(field::kHasInlineFrames, true);
    });
  }

  for (std::size_t i = 0; i < t.locations.size(); ++i) {
    const LocationRow& l = t.locations[i];
    w.message_field(field::kLocation, [&](ProtoWriter& lw) {
      lw.varint_field(field::kLocationIdField, i + 1);
      lw.varint_field(field::kMappingId2, l.mapping_id);
      lw.varint_field(field::kAddress, l.address);
      for (const auto& [function, line] : l.lines) {
        lw.message_field(field::kLine, [&](ProtoWriter& ln) {
          ln.varint_field(field::kFunctionId, function);
          ln.int_field(field::kLineNumber, line);
        });
      }
    });
  }

  for (std::size_t i = 0; i < t.functions.size(); ++i) {
    const FunctionRow& f = t.functions[i];
    w.message_field(field::kFunction, [&](ProtoWriter& fw) {
      fw.varint_field(field::kFunctionIdField, i + 1);
      fw.int_field(field::kName, f.name);
      fw.int_field(field::kSystemName, f.system_name);
      fw.int_field(field::kFileName, f.file);
    });
  }

  const std::int64_t space = t.strings.index("space");
  const std::int64_t bytes = t.strings.index("bytes");
  w.message_field(field::kPeriodType, [&](ProtoWriter& v) {
    v.int_field(field::kType, space);
    v.int_field(field::kUnit, bytes);
  });
  w.int_field(field::kComment, t.strings.index("written by stackfold (libsym)"));
  w.int_field(field::kDefaultSampleType,
              t.strings.index(std::string(metric_name(profile.metric))));

  // The string table last: every index above is final by now.
  for (const std::string& s : t.strings.strings()) w.bytes_field(field::kStringTable, s);
  return gzip(w.bytes());
}

}  // namespace sym

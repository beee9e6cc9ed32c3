// Output of folded profiles (layer 5): folded lines, the jeprof-style text table, JSON.
#include <libsym/fold_printer.h>
#include <libsym/printer.h>

#include "fold_detail.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sym {

using detail::append_labels;
using detail::format_count;
using detail::rounded;

namespace {

// Output collected in pieces of about 64 KiB and handed to a sink.
class Chunked {
 public:
  explicit Chunked(const OutputSink& sink) : sink_(sink) { buf_.reserve(kChunk + 4096); }
  Chunked(const Chunked&) = delete;
  Chunked& operator=(const Chunked&) = delete;
  ~Chunked() { flush(); }

  std::string& buffer() { return buf_; }
  // Called between records: hands the buffer over once it is large enough.
  void maybe_flush() {
    if (buf_.size() >= kChunk) flush();
  }
  void flush() {
    if (!buf_.empty()) sink_(buf_);
    buf_.clear();
  }

 private:
  static constexpr std::size_t kChunk = 64 * 1024;
  const OutputSink& sink_;
  std::string buf_;
};

std::string format_amount(double v, Metric metric, bool show_bytes) {
  char buf[400];  // room for any double in full
  if (metric_is_bytes(metric) && !show_bytes) {
    std::snprintf(buf, sizeof buf, "%.1f", v / 1048576.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", rounded(v));
  }
  return buf;
}

std::string percent(double part, double total) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", total == 0 ? 0.0 : 100.0 * part / total);
  return buf;
}

}  // namespace

void write_folded(const FoldedProfile& profile, const OutputSink& sink) {
  Chunked chunked(sink);
  std::string& out = chunked.buffer();
  for (const auto& s : profile.stacks) {
    append_labels(out, profile.frames, s.frames);
    if (profile.has_base) {
      out += ' ';
      out += format_count(s.base);
    }
    out += ' ';
    out += format_count(s.value);
    out += '\n';
    chunked.maybe_flush();
  }
}

std::string format_folded(const FoldedProfile& profile) {
  std::string out;
  write_folded(profile, [&out](std::string_view piece) { out += piece; });
  return out;
}

std::string format_text(const FoldedProfile& profile, const TextOptions& options) {
  const std::size_t nframes = profile.frames.size();
  std::vector<double> flat(nframes, 0.0);
  std::vector<double> cum(nframes, 0.0);
  std::vector<std::size_t> stamp(nframes, SIZE_MAX);
  std::vector<std::uint8_t> seen(nframes, 0);
  double total = 0;
  for (std::size_t si = 0; si < profile.stacks.size(); ++si) {
    const auto& s = profile.stacks[si];
    const double v = s.value - s.base;
    total += v;
    if (s.frames.empty()) continue;
    flat[s.frames.back()] += v;
    seen[s.frames.back()] = 1;
    for (auto id : s.frames) {
      if (stamp[id] == si) continue;  // recursion: once per stack
      stamp[id] = si;
      cum[id] += v;
      seen[id] = 1;
    }
  }
  // Rows by name (frames with one label share a row).
  std::unordered_map<std::string_view, std::size_t> row_of;
  struct Row {
    std::string_view name;
    double flat = 0;
    double cum = 0;
  };
  std::vector<Row> rows;
  for (std::size_t id = 0; id < nframes; ++id) {
    if (seen[id] == 0) continue;
    auto [it, fresh] = row_of.try_emplace(profile.frames[id].label, rows.size());
    if (fresh) rows.push_back({profile.frames[id].label, 0, 0});
    rows[it->second].flat += flat[id];
    rows[it->second].cum += cum[id];
  }
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    const double ka = options.cum_sort ? a.cum : a.flat;
    const double kb = options.cum_sort ? b.cum : b.flat;
    if (ka != kb) return ka > kb;
    return a.name < b.name;
  });
  const Metric m = profile.metric;
  std::string out;
  const bool bytes = metric_is_bytes(m);
  out += "Total: " + format_amount(total, m, options.show_bytes) + " " +
         (bytes ? (options.show_bytes ? "B" : "MB") : "objects") + "\n";
  double running = 0;
  char line[128];
  for (const Row& r : rows) {
    running += r.flat;
    std::snprintf(line, sizeof line, "%8s %6s %6s %8s %6s ",
                  format_amount(r.flat, m, options.show_bytes).c_str(),
                  percent(r.flat, total).c_str(), percent(running, total).c_str(),
                  format_amount(r.cum, m, options.show_bytes).c_str(),
                  percent(r.cum, total).c_str());
    out += line;
    out += r.name;
    out += '\n';
  }
  return out;
}

void write_json(const FoldedProfile& profile, const OutputSink& sink) {
  const bool bytes = metric_is_bytes(profile.metric);
  double total = 0;
  double base_total = 0;
  for (const auto& s : profile.stacks) {
    total += s.value;
    base_total += s.base;
  }
  Chunked chunked(sink);
  std::string& out = chunked.buffer();
  out += "{\"metric\":\"" + std::string(metric_name(profile.metric)) + "\",\"unit\":\"" +
         (bytes ? "bytes" : "objects") + "\",\"total\":" + format_count(total);
  if (profile.has_base) out += ",\"base_total\":" + format_count(base_total);
  out += ",\"stacks\":[";
  // Each distinct frame is written once into a cache of JSON text.
  std::vector<std::string> frame_json(profile.frames.size());
  for (std::size_t si = 0; si < profile.stacks.size(); ++si) {
    const auto& s = profile.stacks[si];
    if (si > 0) out += ',';
    out += "\n{\"value\":" + format_count(s.value);
    if (profile.has_base) out += ",\"base\":" + format_count(s.base);
    out += ",\"frames\":[";
    for (std::size_t i = 0; i < s.frames.size(); ++i) {
      const auto id = s.frames[i];
      std::string& j = frame_json[id];
      if (j.empty()) {
        const FoldedFrame& f = profile.frames[id];
        j = "{\"function\":" + (f.function.empty() ? json_quote(f.label) : json_quote(f.function));
        j += ",\"module\":" + (f.module.empty() ? std::string("null") : json_quote(f.module));
        j += ",\"offset\":" + (f.offset ? "\"" + to_hex(*f.offset) + "\"" : std::string("null"));
        j += ",\"file\":" + (f.file.empty() ? std::string("null") : json_quote(f.file));
        j += ",\"line\":" + (f.line == 0 ? std::string("null") : std::to_string(f.line));
        j += ",\"inlined\":";
        j += f.inlined ? "true" : "false";
        j += ",\"resolved\":";
        j += f.function.empty() ? "false" : "true";
        j += '}';
      }
      if (i > 0) out += ',';
      out += j;
    }
    out += "]}";
    chunked.maybe_flush();
  }
  out += "\n]}\n";
}

std::string format_json(const FoldedProfile& profile) {
  std::string out;
  write_json(profile, [&out](std::string_view piece) { out += piece; });
  return out;
}

}  // namespace sym

// Call graphs of folded profiles in Graphviz DOT (layer 5), in the manner of jeprof --dot.
// See callgraph.h for what is drawn and how it is filtered.
#include <libsym/callgraph.h>

#include "fold_detail.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sym {
namespace {

using detail::rounded;

// Appends `text` for the inside of a DOT double-quoted string that Graphviz reads as an
// escString (label, tooltip), so that it is displayed exactly: '"' and '\' are escaped, control
// characters become spaces, bytes that are not UTF-8 (Graphviz' default charset) are written as
// the visible text "\xNN". '<', '>' and '&' need nothing in a quoted (non-HTML) string; the
// SVG renderer escapes them itself.
void append_escaped(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
      ++i;
    } else if (u < 0x20 || u == 0x7F) {
      out += ' ';
      ++i;
    } else if (std::uint32_t cp = 0; const std::size_t n = detail::decode_utf8(text, i, cp)) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\\\x%02x", static_cast<unsigned>(u));
      out += buf;
      ++i;
    }
  }
}

// A function name for a node label: broken into lines after each "::" outside template
// arguments and parentheses (jeprof breaks at every "::"), lines joined by "\n".
std::string label_name(std::string_view name) {
  std::string out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '<' || c == '(' || c == '[') {
      ++depth;
    } else if ((c == '>' || c == ')' || c == ']') && depth > 0) {
      --depth;
    } else if (c == ':' && depth == 0 && i + 2 < name.size() && name[i + 1] == ':') {
      append_escaped(out, name.substr(start, i + 2 - start));
      out += "\\n";
      start = i + 2;
      ++i;
    }
  }
  append_escaped(out, name.substr(start));
  return out;
}

// Values as the text table prints them: MB with one decimal, or integers.
class Units {
 public:
  Units(Metric metric, bool show_bytes)
      : bytes_(metric_is_bytes(metric)), mb_(bytes_ && !show_bytes) {}

  [[nodiscard]] std::string number(double v) const {
    char buf[400];  // room for any double in full
    if (mb_) {
      std::snprintf(buf, sizeof buf, "%.1f", v / 1048576.0);
    } else {
      std::snprintf(buf, sizeof buf, "%.0f", rounded(v));
    }
    return buf;
  }
  [[nodiscard]] const char* unit() const { return bytes_ ? (mb_ ? "MB" : "B") : "objects"; }
  [[nodiscard]] std::string amount(double v) const { return number(v) + " " + unit(); }
  // A threshold: MB get three decimals so that small limits do not all read "0.0".
  [[nodiscard]] std::string limit(double v) const {
    char buf[400];
    if (mb_) {
      std::snprintf(buf, sizeof buf, "%.3f MB", v / 1048576.0);
    } else {
      std::snprintf(buf, sizeof buf, "%.0f %s", std::ceil(v), unit());
    }
    return buf;
  }

 private:
  bool bytes_;
  bool mb_;
};

std::string percent(double part, double total) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f%%", total == 0 ? 0.0 : 100.0 * part / total);
  return buf;
}

std::string fixed(double v, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

constexpr std::uint32_t kNone = UINT32_MAX;

struct Node {
  std::string_view name;
  double flat = 0;
  double cum = 0;
  std::size_t stamp = SIZE_MAX;  // last stack counted into cum
  std::uint32_t shown = kNone;   // position among the drawn nodes (N<shown+1>)
};

struct Edge {
  std::uint32_t from = 0;  // drawn-node positions
  std::uint32_t to = 0;
  double value = 0;
  bool residual = false;  // some stack passed through hidden nodes between the two
  std::size_t stamp = SIZE_MAX;
};

// Growth red, shrinkage blue (difffolded's convention), as fill and line colours.
const char* fill_colour(double v) { return v > 0 ? "#fddbc7" : "#d1e5f0"; }
const char* line_colour(double v) { return v > 0 ? "#b2182b" : "#2166ac"; }

}  // namespace

std::string format_callgraph_dot(const FoldedProfile& profile, const CallGraphOptions& options) {
  const Units units(profile.metric, options.show_bytes);
  const bool diff = profile.has_base;

  // Nodes by label, flat and cum (once per stack).
  std::vector<Node> nodes;
  std::unordered_map<std::string_view, std::uint32_t> node_of_label;
  std::vector<std::uint32_t> node_of_frame(profile.frames.size(), kNone);
  auto node_of = [&](std::uint32_t frame) {
    std::uint32_t& n = node_of_frame[frame];
    if (n == kNone) {
      const std::string_view label = profile.frames[frame].label;
      auto [it, fresh] = node_of_label.try_emplace(label, static_cast<std::uint32_t>(nodes.size()));
      if (fresh) nodes.push_back(Node{label});
      n = it->second;
    }
    return n;
  };
  double total = 0;
  double magnitude = 0;  // sum of |value| over the stacks: what the fractions refer to
  for (std::size_t si = 0; si < profile.stacks.size(); ++si) {
    const FoldedStack& s = profile.stacks[si];
    const double v = s.value - s.base;
    total += v;
    magnitude += std::fabs(v);
    if (s.frames.empty()) continue;
    nodes[node_of(s.frames.back())].flat += v;
    for (const auto frame : s.frames) {
      Node& n = nodes[node_of(frame)];
      if (n.stamp == si) continue;  // recursion: once per stack
      n.stamp = si;
      n.cum += v;
    }
  }

  // Which nodes are drawn: by |cum|, largest first, ties by name.
  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].flat != 0 || nodes[i].cum != 0) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const double ca = std::fabs(nodes[a].cum);
    const double cb = std::fabs(nodes[b].cum);
    if (ca != cb) return ca > cb;
    return nodes[a].name < nodes[b].name;
  });
  const double node_limit = options.node_fraction * magnitude;
  const double edge_limit = options.edge_fraction * magnitude;
  const std::size_t max_nodes =
      static_cast<std::size_t>(std::max(options.node_count, 0));
  std::vector<std::uint32_t> shown;  // node indices in drawing order
  std::size_t dropped_small = 0;
  std::size_t dropped_count = 0;
  for (const auto i : order) {
    if (std::fabs(nodes[i].cum) < node_limit) {
      ++dropped_small;
    } else if (shown.size() >= max_nodes) {
      ++dropped_count;
    } else {
      nodes[i].shown = static_cast<std::uint32_t>(shown.size());
      shown.push_back(i);
    }
  }

  // Edges between drawn nodes that are neighbours once the hidden ones are taken out.
  std::vector<Edge> edges;
  std::unordered_map<std::uint64_t, std::uint32_t> edge_of;
  std::vector<std::uint32_t> path;       // drawn-node positions of one stack, root first
  std::vector<std::uint8_t> gap_before;  // a hidden frame lies between path[i-1] and path[i]
  for (std::size_t si = 0; si < profile.stacks.size(); ++si) {
    const FoldedStack& s = profile.stacks[si];
    const double v = s.value - s.base;
    path.clear();
    gap_before.clear();
    bool gap = false;
    for (const auto frame : s.frames) {
      const std::uint32_t pos = nodes[node_of_frame[frame]].shown;
      if (pos == kNone) {
        gap = true;
        continue;
      }
      path.push_back(pos);
      gap_before.push_back(gap ? 1 : 0);
      gap = false;
    }
    for (std::size_t i = 1; i < path.size(); ++i) {
      const std::uint64_t key = (static_cast<std::uint64_t>(path[i - 1]) << 32) | path[i];
      auto [it, fresh] = edge_of.try_emplace(key, static_cast<std::uint32_t>(edges.size()));
      if (fresh) edges.push_back(Edge{path[i - 1], path[i]});
      Edge& e = edges[it->second];
      if (gap_before[i] != 0) e.residual = true;
      if (e.stamp == si) continue;  // recursion: once per stack
      e.stamp = si;
      e.value += v;
    }
  }
  std::vector<const Edge*> drawn_edges;
  std::size_t dropped_edges = 0;
  for (const Edge& e : edges) {
    if (e.value == 0) continue;
    if (std::fabs(e.value) < edge_limit) {
      ++dropped_edges;
    } else {
      drawn_edges.push_back(&e);
    }
  }
  std::sort(drawn_edges.begin(), drawn_edges.end(), [](const Edge* a, const Edge* b) {
    const double va = std::fabs(a->value);
    const double vb = std::fabs(b->value);
    if (va != vb) return va > vb;
    if (a->from != b->from) return a->from < b->from;
    return a->to < b->to;
  });

  // The document.
  const std::string title =
      options.title.empty() ? std::string(metric_name(profile.metric)) : options.title;
  std::string out;
  out += "digraph \"";
  append_escaped(out, title);
  out += "\" {\n";
  out += "node [shape=box, width=0.375, height=0.25];\n";
  out += "edge [fontsize=10];\n";

  const char* cum_name = diff ? "|cum|" : "cum";
  out += "Legend [shape=plaintext, fontsize=24, label=\"";
  append_escaped(out, title);
  out += "\\l";
  out += "Metric: ";
  out += metric_name(profile.metric);
  if (diff) out += " (dump minus base: red grew, blue shrank)";
  out += "\\lTotal: " + units.amount(total) + "\\l";
  out += "Showing " + plural(shown.size(), "node") + " and " + plural(drawn_edges.size(), "edge") +
         "\\l";
  out += "Dropped " + plural(dropped_small, "node") + " with " + cum_name + " < " +
         units.limit(node_limit) + "\\l";
  out += "Dropped " + plural(dropped_count, "node") + " beyond the " + std::to_string(max_nodes) +
         " largest\\l";
  out += "Dropped " + plural(dropped_edges, "edge") + " with " + (diff ? "|value|" : "value") +
         " < " + units.limit(edge_limit) + "\\l";
  out += "\"];\n";

  double max_flat = 0;
  for (const auto i : shown) max_flat = std::max(max_flat, std::fabs(nodes[i].flat));
  for (std::size_t k = 0; k < shown.size(); ++k) {
    const Node& n = nodes[shown[k]];
    const double fontsize = max_flat > 0 ? 8.0 + 42.0 * std::sqrt(std::fabs(n.flat) / max_flat) : 8.0;
    out += "N" + std::to_string(k + 1) + " [label=\"" + label_name(n.name) + "\\n" +
           units.amount(n.flat) + " (" + percent(n.flat, total) + ")\\r";
    if (n.cum != n.flat) {
      out += "of " + units.amount(n.cum) + " (" + percent(n.cum, total) + ")\\r";
    }
    out += "\", tooltip=\"";
    append_escaped(out, n.name);
    out += "\", fontsize=" + fixed(fontsize, "%.1f");
    if (diff) {
      const double sign = n.flat != 0 ? n.flat : n.cum;
      out += std::string(", style=filled, fillcolor=\"") + fill_colour(sign) + "\", color=\"" +
             line_colour(sign) + "\"";
    }
    out += "];\n";
  }

  for (const Edge* e : drawn_edges) {
    const double share = magnitude > 0 ? std::min(1.0, std::fabs(e->value) / magnitude) : 0.0;
    out += "N" + std::to_string(e->from + 1) + " -> N" + std::to_string(e->to + 1) + " [label=\"" +
           units.number(e->value) + "\", weight=" +
           std::to_string(1 + static_cast<int>(std::floor(99.0 * share))) +
           ", penwidth=" + fixed(1.0 + 5.0 * share, "%.2f");
    if (e->residual) out += ", style=dashed";
    if (diff) out += std::string(", color=\"") + line_colour(e->value) + "\"";
    out += ", tooltip=\"";
    append_escaped(out, nodes[shown[e->from]].name);
    out += " -> ";
    append_escaped(out, nodes[shown[e->to]].name);
    out += e->residual ? " (through hidden functions)" : "";
    out += "\"];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace sym

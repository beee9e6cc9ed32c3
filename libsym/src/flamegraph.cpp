// Interactive SVG flame graphs of folded profiles (layer 5, beside fold_printer.cpp).
//
// The stacks are merged into a tree by frame label in one pass over the frames (visited in
// label order, each stack reuses the nodes of the previous one up to the first different
// label), and the frames wide enough to see are written depth first as flat <g> elements. The script at the end recomputes every frame's exact
// place from the data-v values in that order, which is what zooming needs.
#include <libsym/flamegraph.h>

#include "fold_detail.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sym {

namespace {

using detail::decode_utf8;
using detail::format_count;
using detail::rounded;

constexpr double kXPad = 10;         // left and right margin
constexpr int kFrameHeight = 16;     // a frame's row, 1 pixel of it is the gap
constexpr double kFontSize = 12;     // frame labels, details line
constexpr double kCharWidth = 0.59;  // average character width per font size
constexpr int kTopPad = 58;          // title and subtitle
constexpr int kBottomPad = 34;       // the details line
constexpr std::uint32_t kNone = UINT32_MAX;

// ---- Text ----

// Appends one code point as UTF-8.
void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

void append_escaped(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; ++i; continue;
      case '<': out += "&lt;"; ++i; continue;
      case '>': out += "&gt;"; ++i; continue;
      case '"': out += "&quot;"; ++i; continue;
      case '\'': out += "&#39;"; ++i; continue;
      default: break;
    }
    std::uint32_t cp = 0;
    const std::size_t len = decode_utf8(text, i, cp);
    if (len == 0 || (cp < 0x20 && cp != '\t') || cp == 0x7F || cp == 0xFFFE || cp == 0xFFFF) {
      put_utf8(out, 0xFFFD);  // not allowed (or not wanted) in XML 1.0 text
      i += len == 0 ? 1 : len;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
}

std::size_t count_code_points(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// The first `n` code points of s (a broken sequence counts as its lead byte's code point).
std::string_view first_code_points(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t seen = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == n) break;
      ++seen;
    }
  }
  return s.substr(0, i);
}

// ---- Numbers ----

// Hundredths of a pixel as the shortest decimal: 11800 -> "118", 1050 -> "10.5".
void put_hundredths(std::string& out, long long h) {
  if (h < 0) {
    out += '-';
    h = -h;
  }
  out += std::to_string(h / 100);
  const int frac = static_cast<int>(h % 100);
  if (frac != 0) {
    out += '.';
    out += static_cast<char>('0' + frac / 10);
    if (frac % 10 != 0) out += static_cast<char>('0' + frac % 10);
  }
}

// A value for people: "512 B", "4.0 MiB", "1234 objects"; integer bytes with show_bytes.
std::string format_value(double v, bool bytes, bool show_bytes) {
  const bool negative = v < 0;
  const double a = std::fabs(v);
  std::string out = negative ? "-" : "";
  if (!bytes) return out + format_count(a) + " objects";
  if (show_bytes || rounded(a) < 1024) return out + format_count(a) + " B";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double x = a / 1024;
  std::size_t u = 0;
  while (x >= 1024 && u + 1 < std::size(kUnits)) {
    x /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f %s", x, kUnits[u]);
  return out + buf;
}

std::string format_percent(double part, double whole) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f%%", whole == 0 ? 0.0 : 100.0 * part / whole);
  return buf;
}

// ---- Colours ----

std::uint32_t name_hash(std::string_view s) {
  std::uint32_t h = 2166136261U;  // FNV-1a, then a final avalanche so every bit counts
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619U;
  }
  h ^= h >> 16;
  h *= 0x85EBCA6BU;
  h ^= h >> 13;
  h *= 0xC2B2AE35U;
  h ^= h >> 16;
  return h;
}

void put_hex_color(std::string& out, int r, int g, int b) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '#';
  for (const int c : {r, g, b}) {
    const int v = std::clamp(c, 0, 255);
    out += kHex[v >> 4];
    out += kHex[v & 15];
  }
}

// The memory palette: greens through teals to blues, picked by the name's hash.
void put_mem_color(std::string& out, std::string_view name) {
  const std::uint32_t h = name_hash(name);
  const double a = (h & 0xFFFF) / 65535.0;
  const double b = (h >> 16) / 65535.0;
  const double hue = 105 + 110 * a;      // degrees: green .. blue
  const double sat = 0.50 + 0.25 * b;
  const double light = 0.46 + 0.14 * b;  // never close to white or black
  const double c = (1 - std::fabs(2 * light - 1)) * sat;
  const double hp = hue / 60;
  const double x = c * (1 - std::fabs(std::fmod(hp, 2.0) - 1));
  double r1 = 0;
  double g1 = 0;
  double b1 = 0;
  if (hp < 2) {
    r1 = x, g1 = c;  // 105..120 degrees: hp in [1.75, 2)
  } else if (hp < 3) {
    g1 = c, b1 = x;
  } else {
    g1 = x, b1 = c;
  }
  const double m = light - c / 2;
  put_hex_color(out, static_cast<int>(std::lround((r1 + m) * 255)),
                static_cast<int>(std::lround((g1 + m) * 255)),
                static_cast<int>(std::lround((b1 + m) * 255)));
}

// Diffs: red for growth, blue for shrinkage, the stronger the larger the change relative to
// the frame's larger side ((new - base) / max(new, base), from -1 to 1).
void put_diff_color(std::string& out, double value, double base) {
  const double delta = value - base;
  if (delta == 0) {
    put_hex_color(out, 224, 224, 224);
    return;
  }
  const double ratio = std::fabs(delta) / std::max(value, base);
  const int fade = static_cast<int>(std::lround(205 * (1 - ratio)));
  if (delta > 0) {
    put_hex_color(out, 255, fade, fade);
  } else {
    put_hex_color(out, fade, fade, 255);
  }
}

// ---- The tree ----

struct Node {
  std::uint32_t label = kNone;  // index into the label table; kNone for the root
  std::uint32_t end = 0;        // one past the last node of this node's subtree
  double value = 0;
  double base = 0;
};

// The nodes are stored in depth-first order with the children of each node ordered by label:
// the subtree of node n is nodes[n .. end), its first child (if any) is n + 1, the next
// sibling of a child c is c.end.
struct Tree {
  std::vector<std::string_view> labels;  // distinct frame labels
  std::vector<Node> nodes;               // nodes[0] is the root "all"
};

Tree build_tree(const FoldedProfile& profile) {
  Tree t;
  // Frames with one label are one frame of the picture (as in the folded text); labels are
  // ranked in byte order.
  std::vector<std::uint32_t> rank_of(profile.frames.size());
  {
    std::unordered_map<std::string_view, std::uint32_t> ids;
    ids.reserve(profile.frames.size());
    std::vector<std::uint32_t> label_of(profile.frames.size());
    for (std::size_t i = 0; i < profile.frames.size(); ++i) {
      auto [it, fresh] = ids.try_emplace(profile.frames[i].label,
                                         static_cast<std::uint32_t>(t.labels.size()));
      if (fresh) t.labels.push_back(profile.frames[i].label);
      label_of[i] = it->second;
    }
    std::sort(t.labels.begin(), t.labels.end());
    for (std::size_t i = 0; i < profile.frames.size(); ++i) {
      rank_of[i] = static_cast<std::uint32_t>(
          std::lower_bound(t.labels.begin(), t.labels.end(), profile.frames[i].label) -
          t.labels.begin());
    }
  }
  // Visit the stacks in the order of their label sequences (compared label by label). Then
  // the stacks below any node are consecutive, so a stack's nodes are the previous stack's
  // nodes up to the first differing label and new nodes from there on: no lookups, and the
  // nodes come out in depth-first order with sorted children. The folded order (by text)
  // nearly always is that order already; where it is not (a label that is a prefix of
  // another, followed by a character below ';'), the stacks are sorted here.
  const auto& stacks = profile.stacks;
  auto less = [&](const FoldedStack& a, const FoldedStack& b) {
    const std::size_t n = std::min(a.frames.size(), b.frames.size());
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint32_t ra = rank_of[a.frames[k]];
      const std::uint32_t rb = rank_of[b.frames[k]];
      if (ra != rb) return ra < rb;
    }
    return a.frames.size() < b.frames.size();
  };
  std::vector<std::uint32_t> order;
  for (std::size_t i = 1; i < stacks.size(); ++i) {
    if (less(stacks[i], stacks[i - 1])) {
      order.resize(stacks.size());
      for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<std::uint32_t>(k);
      // Equal stacks keep their input order (std::sort with the index as the last key: the
      // deterministic result of a stable sort without libstdc++'s deprecated temporary buffer).
      std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (less(stacks[a], stacks[b])) return true;
        if (less(stacks[b], stacks[a])) return false;
        return a < b;
      });
      break;
    }
  }

  t.nodes.push_back(Node{});
  std::vector<std::uint32_t> path;  // the previous stack's nodes and labels, root first
  std::vector<std::uint32_t> path_labels;
  std::vector<std::uint32_t> parent;  // per node, for the subtree ends
  parent.push_back(kNone);
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    const FoldedStack& s = stacks[order.empty() ? i : order[i]];
    const double v = std::max(0.0, rounded(s.value));
    const double b = profile.has_base ? std::max(0.0, rounded(s.base)) : 0.0;
    if (v == 0 && b == 0) continue;
    const std::size_t n = s.frames.size();
    std::size_t common = 0;
    while (common < path.size() && common < n && path_labels[common] == rank_of[s.frames[common]])
      ++common;
    path.resize(common);
    path_labels.resize(common);
    for (std::size_t k = common; k < n; ++k) {
      const std::uint32_t label = rank_of[s.frames[k]];
      path.push_back(static_cast<std::uint32_t>(t.nodes.size()));
      path_labels.push_back(label);
      parent.push_back(k == 0 ? 0 : path[k - 1]);
      t.nodes.push_back(Node{label, 0, 0, 0});
    }
    t.nodes[0].value += v;
    t.nodes[0].base += b;
    for (const std::uint32_t id : path) {
      t.nodes[id].value += v;
      t.nodes[id].base += b;
    }
  }
  for (std::size_t i = t.nodes.size(); i-- > 0;) {
    Node& node = t.nodes[i];
    node.end = std::max(node.end, static_cast<std::uint32_t>(i + 1));
    if (parent[i] != kNone) t.nodes[parent[i]].end = std::max(t.nodes[parent[i]].end, node.end);
  }
  return t;
}

// One frame of the picture, in drawing (depth first) order.
struct Drawn {
  std::uint32_t node = kNone;  // kNone: a "[merged]" frame (the cut children of its parent)
  std::uint32_t merged_count = 0;
  double value = 0;
  double base = 0;
  double offset = 0;  // in value units from the left edge
  std::uint32_t depth = 0;
};

// Chooses the frames to draw: depth first, children in label order; children narrower than
// min_width are cut and summed into one "[merged]" frame after their drawn siblings.
std::vector<Drawn> layout(const Tree& t, double scale, double min_width) {
  std::vector<Drawn> out;
  if (t.nodes.empty() || t.nodes[0].value <= 0) return out;
  std::vector<Drawn> todo{Drawn{0, 0, t.nodes[0].value, t.nodes[0].base, 0, 0}};
  std::vector<Drawn> kids;
  while (!todo.empty()) {
    const Drawn d = todo.back();
    todo.pop_back();
    out.push_back(d);
    if (d.node == kNone) continue;
    kids.clear();
    double offset = d.offset;
    Drawn merged{kNone, 0, 0, 0, 0, d.depth + 1};
    for (std::uint32_t c = d.node + 1; c < t.nodes[d.node].end; c = t.nodes[c].end) {
      const Node& child = t.nodes[c];
      if (child.value <= 0) continue;  // only in the base: nothing to draw
      if (child.value * scale < min_width) {
        ++merged.merged_count;
        merged.value += child.value;
        merged.base += child.base;
        continue;
      }
      kids.push_back(Drawn{c, 0, child.value, child.base, offset, d.depth + 1});
      offset += child.value;
    }
    if (merged.merged_count > 0 && merged.value * scale >= min_width) {
      merged.offset = offset;
      kids.push_back(merged);
    }
    todo.insert(todo.end(), kids.rbegin(), kids.rend());
  }
  return out;
}

// The script: hover details, zoom, search. ECMAScript 5, no external resources. The
// constants it needs are set in front of it (W, XPAD, FH, Y0, TY, FS, TOTAL, BYTES, SHOWB).
constexpr std::string_view kScript = R"JS(
var NS = "http://www.w3.org/2000/svg", CW = FS * 0.59, HL = "#e633e6";
var frames = [], zoomed = null, searching = null;
var group = document.getElementById("frames");
var details = document.getElementById("details");
var matched = document.getElementById("matched");
var resetBtn = document.getElementById("reset");
var searchBtn = document.getElementById("search");

function fmt(v) {
  var a = Math.abs(v), s = v < 0 ? "-" : "", u = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"], i = 0;
  if (!BYTES) return s + Math.round(a) + " objects";
  if (SHOWB || Math.round(a) < 1024) return s + Math.round(a) + " B";
  a /= 1024;
  while (a >= 1024 && i + 1 < u.length) { a /= 1024; ++i; }
  return s + a.toFixed(1) + " " + u[i];
}
function pct(v) { return (TOTAL > 0 ? 100 * v / TOTAL : 0).toFixed(2) + "%"; }
function setText(el, s) { el.textContent = s; }

// Every frame's exact place, from the values in document (depth first) order: a frame starts
// where its previous sibling ended, a first child where its parent starts.
(function () {
  var gs = group.getElementsByTagName("g"), next = [0], open = [], i;
  for (i = 0; i < gs.length; ++i) {
    var g = gs[i], r = g.getElementsByTagName("rect")[0], t = g.getElementsByTagName("text")[0];
    var info = g.getElementsByTagName("title")[0].textContent, nl = info.indexOf("\n");
    var d = Math.round((Y0 - Number(r.getAttribute("y"))) / FH), v = Number(g.getAttribute("data-v"));
    var off = next[d] || 0;
    next[d] = off + v;
    next[d + 1] = off;
    while (open.length && frames[open[open.length - 1]].d >= d) frames[open.pop()].end = i;
    frames.push({ g: g, r: r, t: t || null, i: i, d: d, v: v, off: off,
                  name: nl < 0 ? info : info.substring(0, nl), info: info.replace("\n", ": "),
                  x: r.getAttribute("x"), w: r.getAttribute("width"), fill: r.getAttribute("fill"),
                  parent: open.length ? open[open.length - 1] : -1, end: gs.length });
    g.fgIndex = i;
    open.push(i);
  }
})();

function frameOf(e) {
  for (var n = e.target; n && n !== group; n = n.parentNode) {
    if (n.fgIndex !== undefined) return frames[n.fgIndex];
  }
  return null;
}

function label(f, x, w) {
  var n = Math.floor(w / CW), s = "";
  if (n >= 3) s = f.name.length <= n ? f.name : f.name.substring(0, n - 2) + "..";
  if (!f.t) {
    if (!s) return;
    f.t = document.createElementNS(NS, "text");
    f.t.setAttribute("y", Number(f.r.getAttribute("y")) + TY);
    f.g.appendChild(f.t);
  }
  f.t.setAttribute("x", (x + 3).toFixed(2));
  setText(f.t, s);
}

function place(f, x, w, faded) {
  f.g.setAttribute("class", faded ? "fade" : "");
  f.r.setAttribute("x", x.toFixed(2));
  f.r.setAttribute("width", w.toFixed(2));
  label(f, x, w);
}

function zoom(z) {
  var i, k = (W - 2 * XPAD) / z.v;
  for (i = 0; i < frames.length; ++i) frames[i].g.setAttribute("class", "hide");
  for (i = z.i; i < z.end; ++i) {
    var f = frames[i];
    place(f, XPAD + (f.off - z.off) * k, f.v * k, false);
  }
  for (i = z.parent; i >= 0; i = frames[i].parent) place(frames[i], XPAD, W - 2 * XPAD, true);
  zoomed = z;
  resetBtn.setAttribute("class", "btn");
}

function unzoom() {
  for (var i = 0; i < frames.length; ++i) {
    var f = frames[i];
    f.g.setAttribute("class", "");
    f.r.setAttribute("x", f.x);
    f.r.setAttribute("width", f.w);
    label(f, Number(f.x), Number(f.w));
  }
  zoomed = null;
  resetBtn.setAttribute("class", "btn hide");
}

// Highlights the frames whose name matches; the matched value counts each stack once (a
// match inside a matching frame is not added again).
function search(re) {
  var rx, i, sum = 0, until = -1;
  try { rx = new RegExp(re); } catch (err) { setText(matched, "bad regular expression"); return; }
  for (i = 0; i < frames.length; ++i) {
    var f = frames[i];
    if (rx.test(f.name)) {
      f.r.setAttribute("fill", HL);
      if (i >= until) { sum += f.v; until = f.end; }
    } else {
      f.r.setAttribute("fill", f.fill);
    }
  }
  searching = re;
  setText(matched, "Matched: " + fmt(sum) + " (" + pct(sum) + ")");
  setText(searchBtn, "Reset Search");
}

function unsearch() {
  for (var i = 0; i < frames.length; ++i) frames[i].r.setAttribute("fill", frames[i].fill);
  searching = null;
  setText(matched, " ");
  setText(searchBtn, "Search");
}

function ask() {
  var re = window.prompt("Search frames (regular expression):", searching || "");
  if (re) search(re);
}

group.addEventListener("mouseover", function (e) {
  var f = frameOf(e);
  if (f) setText(details, f.info);
});
group.addEventListener("mouseout", function () { setText(details, " "); });
group.addEventListener("click", function (e) {
  var f = frameOf(e);
  if (f) zoom(f);
});
resetBtn.addEventListener("click", unzoom);
searchBtn.addEventListener("click", function () { if (searching !== null) unsearch(); else ask(); });
window.addEventListener("keydown", function (e) {
  if (e.keyCode === 114 || ((e.ctrlKey || e.metaKey) && e.keyCode === 70)) {
    e.preventDefault();
    ask();
  } else if (e.keyCode === 27) {
    unsearch();
    unzoom();
  }
});

// URL parameters: ?s=REGEX searches, ?z=NAME zooms into the first (widest) frame of that name.
(function () {
  var q = window.location && window.location.search, m;
  if (!q) return;
  m = /[?&]s=([^&]*)/.exec(q);
  if (m) search(decodeURIComponent(m[1].replace(/\+/g, " ")));
  m = /[?&]z=([^&]*)/.exec(q);
  if (m) {
    var name = decodeURIComponent(m[1].replace(/\+/g, " ")), best = null;
    for (var i = 0; i < frames.length; ++i) {
      if (frames[i].name === name && (!best || frames[i].v > best.v)) best = frames[i];
    }
    if (best) zoom(best);
  }
})();
)JS";

constexpr std::string_view kStyle = R"CSS(
text{font-family:Verdana,"DejaVu Sans",sans-serif;font-size:12px;fill:#000}
#title{font-size:17px;text-anchor:middle}
#subtitle{text-anchor:middle;fill:#444}
#search,#matched{text-anchor:end}
.btn{cursor:pointer;fill:#0645ad}
#frames g{cursor:pointer}
#frames text{pointer-events:none}
#frames g:hover rect{stroke:#000;stroke-width:0.5}
.hide{display:none}
.fade{opacity:0.5}
)CSS";

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped(out, text);
  return out;
}

std::string flamegraph_fit_label(std::string_view name, double width, double font_size) {
  if (!(width > 0) || !(font_size > 0)) return {};
  const double fit = std::floor(width / (font_size * kCharWidth));
  if (fit < 3) return {};
  const std::size_t chars = fit > 1e9 ? std::size_t{1000000000} : static_cast<std::size_t>(fit);
  if (count_code_points(name) <= chars) return std::string(name);
  std::string out(first_code_points(name, chars - 2));
  out += "..";
  return out;
}

std::string format_flamegraph_svg(const FoldedProfile& profile, const FlameGraphOptions& options) {
  const int width = std::max(options.width, 100);
  const double inner = width - 2 * kXPad;
  const bool bytes = metric_is_bytes(profile.metric);
  const bool diff = profile.has_base;
  const Tree tree = build_tree(profile);
  const double total = tree.nodes[0].value;
  const double base_total = tree.nodes[0].base;
  const double scale = total > 0 ? inner / total : 0;
  const double min_width = std::isfinite(options.min_width) ? std::max(0.0, options.min_width) : 0;
  const std::vector<Drawn> drawn = layout(tree, scale, min_width);

  std::uint32_t max_depth = 0;
  std::size_t merged_frames = 0;
  for (const Drawn& d : drawn) {
    max_depth = std::max(max_depth, d.depth);
    if (d.node == kNone) merged_frames += d.merged_count;
  }
  const int rows = drawn.empty() ? 1 : static_cast<int>(max_depth) + 1;
  const int height = kTopPad + rows * kFrameHeight + kBottomPad;
  const int y0 = height - kBottomPad - kFrameHeight;  // the root's row
  const double text_dy = 11.5;                        // baseline within a row

  const std::string metric(metric_name(profile.metric));
  const std::string title = options.title.empty() ? "Heap: " + metric : options.title;
  std::string subtitle = metric + " (" + (bytes ? "bytes" : "objects") + "), total " +
                         format_value(total, bytes, options.show_bytes);
  if (diff) {
    subtitle += ", base " + format_value(base_total, bytes, options.show_bytes) +
                "; width = new value, red = grew, blue = shrank";
  }
  if (merged_frames > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "; %zu frames narrower than %g px merged", merged_frames,
                  min_width);
    subtitle += buf;
  }

  std::string out;
  out.reserve(2048 + kScript.size() + drawn.size() * 180);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";
  const std::string w = std::to_string(width);
  const std::string h = std::to_string(height);
  out += "<svg version=\"1.1\" width=\"" + w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " +
         h + "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  out += "<style type=\"text/css\"><![CDATA[";
  out += kStyle;
  out += "]]></style>\n";
  out += "<defs><linearGradient id=\"bg\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
         "<stop offset=\"5%\" stop-color=\"#eef2ee\"/><stop offset=\"95%\" stop-color=\"#dde6f0\"/>"
         "</linearGradient></defs>\n";
  out += "<rect x=\"0\" y=\"0\" width=\"" + w + "\" height=\"" + h + "\" fill=\"url(#bg)\"/>\n";
  const std::string mid = std::to_string(width / 2);
  const std::string right = std::to_string(width - static_cast<int>(kXPad));
  const std::string bottom = std::to_string(height - 12);
  out += "<text id=\"title\" x=\"" + mid + "\" y=\"24\">";
  append_escaped(out, title);
  out += "</text>\n<text id=\"subtitle\" x=\"" + mid + "\" y=\"44\">";
  append_escaped(out, subtitle);
  out += "</text>\n";
  out += "<text id=\"reset\" class=\"btn hide\" x=\"10\" y=\"24\">Reset Zoom</text>\n";
  out += "<text id=\"search\" class=\"btn\" x=\"" + right + "\" y=\"24\">Search</text>\n";
  out += "<text id=\"details\" x=\"10\" y=\"" + bottom + "\"> </text>\n";
  out += "<text id=\"matched\" x=\"" + right + "\" y=\"" + bottom + "\"> </text>\n";
  if (drawn.empty()) {
    out += "<text x=\"" + mid + "\" y=\"" + std::to_string(y0 + 12) +
           "\" style=\"text-anchor:middle\">no samples</text>\n";
  }

  out += "<g id=\"frames\">\n";
  std::string name_buf;
  for (const Drawn& d : drawn) {
    std::string_view name;
    if (d.node == 0) {
      name = "all";
    } else if (d.node == kNone) {
      name = "[merged]";
    } else {
      name = tree.labels[tree.nodes[d.node].label];
    }
    const long long x0 = std::llround((kXPad + d.offset * scale) * 100);
    const long long x1 = std::llround((kXPad + (d.offset + d.value) * scale) * 100);
    const int y = y0 - static_cast<int>(d.depth) * kFrameHeight;

    out += "<g data-v=\"";
    out += format_count(d.value);
    if (diff) {
      out += "\" data-b=\"";
      out += format_count(d.base);
    }
    out += "\"><title>";
    append_escaped(out, name);
    out += '\n';
    if (diff) {
      const double delta = d.value - d.base;
      out += format_value(d.value, bytes, options.show_bytes) + " (" +
             format_percent(d.value, total) + "), base " +
             format_value(d.base, bytes, options.show_bytes) + ", " + (delta >= 0 ? "+" : "") +
             format_value(delta, bytes, options.show_bytes);
      if (d.base > 0) {
        out += " (" + std::string(delta >= 0 ? "+" : "") + format_percent(delta, d.base) + ")";
      } else {
        out += " (new)";
      }
    } else {
      out += format_value(d.value, bytes, options.show_bytes) + " (" +
             format_percent(d.value, total) + ")";
    }
    if (d.node == kNone) {
      char buf[96];
      std::snprintf(buf, sizeof buf, ", %u frames narrower than %g px", d.merged_count,
                    min_width);
      out += buf;
    }
    out += "</title><rect x=\"";
    put_hundredths(out, x0);
    out += "\" y=\"" + std::to_string(y) + "\" width=\"";
    put_hundredths(out, x1 - x0);
    out += "\" height=\"" + std::to_string(kFrameHeight - 1) + "\" fill=\"";
    if (d.node == kNone) {
      out += "#b0b0b0";
    } else if (diff) {
      put_diff_color(out, d.value, d.base);
    } else {
      put_mem_color(out, name);
    }
    out += "\" rx=\"2\"/>";
    name_buf = flamegraph_fit_label(name, static_cast<double>(x1 - x0) / 100, kFontSize);
    if (!name_buf.empty()) {
      out += "<text x=\"";
      put_hundredths(out, x0 + 300);
      out += "\" y=\"";
      put_hundredths(out, std::llround((y + text_dy) * 100));
      out += "\">";
      append_escaped(out, name_buf);
      out += "</text>";
    }
    out += "</g>\n";
  }
  out += "</g>\n";

  // The script, with its constants.
  char consts[512];
  std::snprintf(consts, sizeof consts,
                "\"use strict\";\nvar W = %d, XPAD = %g, FH = %d, Y0 = %d, TY = %g, FS = %g, "
                "TOTAL = %.17g, BYTES = %s, SHOWB = %s;",
                width, kXPad, kFrameHeight, y0, text_dy, kFontSize, total,
                bytes ? "true" : "false", options.show_bytes ? "true" : "false");
  out += "<script type=\"text/ecmascript\"><![CDATA[\n";
  out += consts;
  out += kScript;
  out += "]]></script>\n</svg>\n";
  return out;
}

}  // namespace sym

// The Graphviz call graph (format_callgraph_dot) on hand-built folded profiles: flat and cum
// per node (recursion once per stack, the same numbers as the text table), edge weights,
// filtering by fraction and count, edges around hidden nodes, escaping, diffs, empty input.
#include <libsym/callgraph.h>
#include <libsym/fold_printer.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace {

struct StackSpec {
  std::vector<std::string> frames;  // labels, root first
  double value;
  double base = 0;
};

// A profile whose frames are interned by label in the order given by `frame_order` (or first
// use when empty).
sym::FoldedProfile make_profile(const std::vector<StackSpec>& stacks,
                                sym::Metric metric = sym::Metric::kInuseObjects,
                                bool has_base = false,
                                const std::vector<std::string>& frame_order = {}) {
  sym::FoldedProfile p;
  p.metric = metric;
  p.has_base = has_base;
  auto id_of = [&](const std::string& label) {
    for (std::size_t i = 0; i < p.frames.size(); ++i) {
      if (p.frames[i].label == label) return static_cast<std::uint32_t>(i);
    }
    sym::FoldedFrame f;
    f.label = label;
    f.function = label;
    p.frames.push_back(f);
    return static_cast<std::uint32_t>(p.frames.size() - 1);
  };
  for (const auto& l : frame_order) id_of(l);
  for (const auto& s : stacks) {
    sym::FoldedStack fs;
    for (const auto& l : s.frames) fs.frames.push_back(id_of(l));
    fs.value = s.value;
    fs.base = s.base;
    p.stacks.push_back(fs);
  }
  return p;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    out.push_back(text.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

// The node statement whose tooltip (the exact, escaped name) is `escaped_name`; "" if none.
std::string node_line(const std::string& dot, const std::string& escaped_name) {
  for (const auto& l : lines_of(dot)) {
    if (l.starts_with("N") && l.find(" -> ") == std::string::npos &&
        l.find("tooltip=\"" + escaped_name + "\"") != std::string::npos) {
      return l;
    }
  }
  return {};
}

// "N3" for a node's name.
std::string node_id(const std::string& dot, const std::string& escaped_name) {
  const std::string l = node_line(dot, escaped_name);
  return l.substr(0, l.find(' '));
}

// The edge statement from -> to (by names), "" if none.
std::string edge_line(const std::string& dot, const std::string& from, const std::string& to) {
  const std::string a = node_id(dot, from);
  const std::string b = node_id(dot, to);
  if (a.empty() || b.empty()) return {};
  for (const auto& l : lines_of(dot)) {
    if (l.starts_with(a + " -> " + b + " [")) return l;
  }
  return {};
}

std::size_t count_nodes(const std::string& dot) {
  std::size_t n = 0;
  for (const auto& l : lines_of(dot)) {
    if (l.starts_with("N") && l.find(" -> ") == std::string::npos) ++n;
  }
  return n;
}

std::size_t count_edges(const std::string& dot) {
  std::size_t n = 0;
  for (const auto& l : lines_of(dot)) {
    if (l.find(" -> N") != std::string::npos && l.starts_with("N")) ++n;
  }
  return n;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

sym::CallGraphOptions all_shown() {
  sym::CallGraphOptions o;
  o.node_fraction = 0;
  o.edge_fraction = 0;
  o.node_count = 1000;
  return o;
}

// main;a;a;b 100   main;a 50   main;b 10   main;c 1   (total 161)
std::vector<StackSpec> recursive_stacks() {
  return {{{"main", "a", "a", "b"}, 100}, {{"main", "a"}, 50}, {{"main", "b"}, 10},
          {{"main", "c"}, 1}};
}

}  // namespace

TEST_CASE("call graph: flat and cum per node, recursion counted once per stack") {
  const auto p = make_profile(recursive_stacks());
  const std::string dot = sym::format_callgraph_dot(p, all_shown());
  CHECK(dot.starts_with("digraph \""));
  CHECK(dot.ends_with("}\n"));
  CHECK(count_nodes(dot) == 4);
  CHECK(contains(node_line(dot, "a"), "label=\"a\\n50 objects (31.1%)\\rof 150 objects (93.2%)\\r\""));
  CHECK(contains(node_line(dot, "main"), "label=\"main\\n0 objects (0.0%)\\rof 161 objects (100.0%)\\r\""));
  // flat == cum: no "of" part, as jeprof.
  CHECK(contains(node_line(dot, "c"), "label=\"c\\n1 objects (0.6%)\\r\""));
  CHECK(contains(node_line(dot, "b"), "label=\"b\\n110 objects (68.3%)\\r\""));
  // Largest |cum| first: N1 is main.
  CHECK(node_id(dot, "main") == "N1");
  CHECK(node_id(dot, "a") == "N2");
  // The largest flat gets font size 50, flat 0 gets 8.
  CHECK(contains(node_line(dot, "b"), "fontsize=50.0"));
  CHECK(contains(node_line(dot, "main"), "fontsize=8.0"));
  // Edges: main->a 150, a->a 100 (once, not twice), a->b 100, main->b 10, main->c 1.
  CHECK(contains(edge_line(dot, "main", "a"), "label=\"150\""));
  CHECK(contains(edge_line(dot, "a", "a"), "label=\"100\""));
  CHECK(contains(edge_line(dot, "a", "b"), "label=\"100\""));
  CHECK(contains(edge_line(dot, "main", "b"), "label=\"10\""));
  CHECK(contains(edge_line(dot, "main", "c"), "label=\"1\""));
  CHECK(edge_line(dot, "b", "a").empty());
  CHECK(count_edges(dot) == 5);
  CHECK_FALSE(contains(dot, "dashed"));
}

TEST_CASE("call graph: an edge repeated in one stack counts once") {
  // main;f;g;f;g 20: f->g twice, g->f once, f and g once each.
  const auto p = make_profile({{{"main", "f", "g", "f", "g"}, 20}, {{"main", "g"}, 1}});
  const std::string dot = sym::format_callgraph_dot(p, all_shown());
  CHECK(contains(edge_line(dot, "f", "g"), "label=\"20\""));
  CHECK(contains(edge_line(dot, "g", "f"), "label=\"20\""));
  CHECK(contains(edge_line(dot, "main", "g"), "label=\"1\""));
  CHECK(contains(node_line(dot, "g"), "\\n21 objects (100.0%)\\r\""));
  CHECK(contains(node_line(dot, "f"), "\\n0 objects (0.0%)\\rof 20 objects (95.2%)\\r"));
}

TEST_CASE("call graph: node numbers agree with the text table") {
  const auto p = make_profile(recursive_stacks(), sym::Metric::kInuseSpace);
  sym::CallGraphOptions o = all_shown();
  o.show_bytes = true;
  const std::string dot = sym::format_callgraph_dot(p, o);
  sym::TextOptions t;
  t.show_bytes = true;
  const std::string text = sym::format_text(p, t);
  CHECK(contains(text, "      50  31.1%  99.4%      150  93.2% a\n"));
  CHECK(contains(node_line(dot, "a"), "\\n50 B (31.1%)\\rof 150 B (93.2%)\\r"));
  CHECK(contains(dot, "Total: 161 B\\l"));
  CHECK(contains(text, "Total: 161 B\n"));
  // MB without --show-bytes.
  const std::string mb = sym::format_callgraph_dot(p, all_shown());
  CHECK(contains(node_line(mb, "main"), "\\n0.0 MB (0.0%)\\rof 0.0 MB (100.0%)\\r"));
}

TEST_CASE("call graph: frames with one label are one node, counted once per stack") {
  auto p = make_profile({{{"main", "x"}, 7}});
  // A second frame with the label "main" (as two frames whose names differ only in what the
  // label leaves out), used in the same stack as the first: main;x;main'.
  sym::FoldedFrame dup;
  dup.label = "main";
  p.frames.push_back(dup);
  p.stacks.push_back({{0, 1, static_cast<std::uint32_t>(p.frames.size() - 1)}, 3});
  const std::string dot = sym::format_callgraph_dot(p, all_shown());
  CHECK(count_nodes(dot) == 2);
  CHECK(contains(node_line(dot, "main"), "\\n3 objects (30.0%)\\rof 10 objects (100.0%)\\r"));
  CHECK(contains(node_line(dot, "x"), "\\n7 objects (70.0%)\\rof 10 objects (100.0%)\\r"));
  CHECK(contains(edge_line(dot, "main", "x"), "label=\"10\""));
  CHECK(contains(edge_line(dot, "x", "main"), "label=\"3\""));
  CHECK(edge_line(dot, "main", "main").empty());
}

TEST_CASE("call graph: --node-fraction, --node-count and --edge-fraction drop the smallest") {
  const auto p = make_profile(recursive_stacks());
  const std::string all = sym::format_callgraph_dot(p, all_shown());
  CHECK(contains(all, "Dropped 0 nodes with cum < 0 objects\\l"));
  CHECK(contains(all, "Showing 4 nodes and 5 edges\\l"));

  sym::CallGraphOptions o = all_shown();
  o.node_fraction = 0.05;  // limit 8.05: c (cum 1) goes
  std::string dot = sym::format_callgraph_dot(p, o);
  CHECK(count_nodes(dot) == 3);
  CHECK(node_line(dot, "c").empty());
  CHECK(contains(dot, "Dropped 1 node with cum < 9 objects\\l"));
  CHECK(count_edges(dot) == 4);  // main->c went with c

  o.node_fraction = 0.99;  // only main (cum 161 >= 159.39)
  dot = sym::format_callgraph_dot(p, o);
  CHECK(count_nodes(dot) == 1);
  CHECK_FALSE(node_line(dot, "main").empty());

  o = all_shown();
  o.node_count = 2;  // main (161) and a (150); b (110) and c (1) go
  dot = sym::format_callgraph_dot(p, o);
  CHECK(count_nodes(dot) == 2);
  CHECK_FALSE(node_line(dot, "a").empty());
  CHECK(node_line(dot, "b").empty());
  CHECK(contains(dot, "Dropped 2 nodes beyond the 2 largest\\l"));
  CHECK(contains(edge_line(dot, "main", "a"), "label=\"150\""));
  CHECK(contains(edge_line(dot, "a", "a"), "label=\"100\""));

  o = all_shown();
  o.edge_fraction = 0.05;  // limit 8.05: main->c (1) goes, main->b (10) stays
  dot = sym::format_callgraph_dot(p, o);
  CHECK(count_nodes(dot) == 4);
  CHECK(count_edges(dot) == 4);
  CHECK(edge_line(dot, "main", "c").empty());
  CHECK_FALSE(edge_line(dot, "main", "b").empty());
  CHECK(contains(dot, "Dropped 1 edge with value < 9 objects\\l"));
  o.edge_fraction = 0.1;  // limit 16.1: main->b goes too
  dot = sym::format_callgraph_dot(p, o);
  CHECK(count_edges(dot) == 3);
  CHECK(edge_line(dot, "main", "b").empty());
}

TEST_CASE("call graph: callers and callees of a hidden node stay connected, dashed") {
  // main;mid;leaf 100  main;tiny 1  main;mid2;leaf 5: with node_count 3, mid2 and tiny are
  // hidden (smallest cum); main -> leaf then carries the 5 through mid2, dashed.
  const auto p = make_profile(
      {{{"main", "mid", "leaf"}, 100}, {{"main", "tiny"}, 1}, {{"main", "mid2", "leaf"}, 5}});
  sym::CallGraphOptions o = all_shown();
  o.node_count = 3;
  const std::string dot = sym::format_callgraph_dot(p, o);
  CHECK(count_nodes(dot) == 3);
  CHECK(node_line(dot, "mid2").empty());
  const std::string through = edge_line(dot, "main", "leaf");
  CHECK(contains(through, "label=\"5\""));
  CHECK(contains(through, "style=dashed"));
  CHECK_FALSE(contains(edge_line(dot, "main", "mid"), "dashed"));
  CHECK(contains(edge_line(dot, "mid", "leaf"), "label=\"100\""));
}

TEST_CASE("call graph: names are escaped for DOT strings") {
  const std::string weird = "we\"ird\\name<&>";
  const std::string bad_utf8 = std::string("bad\xff") + "x\n";
  const auto p = make_profile({{{"main", weird}, 2},
                               {{"main", "std::vector<std::pair<int, int> >::push_back"}, 3},
                               {{"main", bad_utf8}, 4},
                               {{"main", "caf\xc3\xa9"}, 5}});
  const std::string dot = sym::format_callgraph_dot(p, all_shown());
  CHECK_FALSE(node_line(dot, "we\\\"ird\\\\name<&>").empty());
  CHECK(contains(dot, "label=\"we\\\"ird\\\\name<&>\\n2 objects"));
  // Lines break after "::" outside template arguments only.
  CHECK(contains(dot, "label=\"std::\\nvector<std::pair<int, int> >::\\npush_back\\n3 objects"));
  // Invalid UTF-8 becomes the visible text \xff; control characters become spaces.
  CHECK(contains(dot, "tooltip=\"bad\\\\xffx \""));
  CHECK(contains(dot, "tooltip=\"caf\xc3\xa9\""));
  // Every quote inside a statement is escaped: an even number of unescaped quotes per line.
  for (const auto& l : lines_of(dot)) {
    int quotes = 0;
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (l[i] == '\\') {
        ++i;
      } else if (l[i] == '"') {
        ++quotes;
      }
    }
    CHECK(quotes % 2 == 0);
  }
}

TEST_CASE("call graph: diffs use value - base, negative values, red and blue") {
  const auto p = make_profile({{{"main", "grow"}, 300, 100}, {{"main", "shrink"}, 0, 50}},
                              sym::Metric::kInuseSpace, true);
  sym::CallGraphOptions o = all_shown();
  o.show_bytes = true;
  const std::string dot = sym::format_callgraph_dot(p, o);
  CHECK(contains(dot, "Total: 150 B\\l"));
  CHECK(contains(dot, "dump minus base"));
  const std::string grow = node_line(dot, "grow");
  const std::string shrink = node_line(dot, "shrink");
  CHECK(contains(grow, "\\n200 B (133.3%)\\r"));
  CHECK(contains(grow, "fillcolor=\"#fddbc7\""));
  CHECK(contains(shrink, "\\n-50 B (-33.3%)\\r"));
  CHECK(contains(shrink, "fillcolor=\"#d1e5f0\""));
  CHECK(contains(edge_line(dot, "main", "shrink"), "label=\"-50\""));
  CHECK(contains(edge_line(dot, "main", "shrink"), "color=\"#2166ac\""));
  // Fractions refer to the sum of |value - base| (250): 0.25 x 250 = 62.5 hides shrink.
  o.node_fraction = 0.25;
  const std::string cut = sym::format_callgraph_dot(p, o);
  CHECK(node_line(cut, "shrink").empty());
  CHECK_FALSE(node_line(cut, "grow").empty());
  CHECK(contains(cut, "Dropped 1 node with |cum| < 63 B\\l"));
  // Unchanged functions are not drawn.
  const auto same = make_profile({{{"main", "same"}, 10, 10}}, sym::Metric::kInuseSpace, true);
  CHECK(count_nodes(sym::format_callgraph_dot(same, all_shown())) == 0);
}

TEST_CASE("call graph: an empty profile is a graph with only the legend") {
  const sym::FoldedProfile empty;
  sym::CallGraphOptions o;
  o.title = "nothing \"here\"";
  const std::string dot = sym::format_callgraph_dot(empty, o);
  CHECK(dot.starts_with("digraph \"nothing \\\"here\\\"\" {\n"));
  CHECK(contains(dot, "Legend [shape=plaintext"));
  CHECK(contains(dot, "Total: 0.0 MB\\l"));
  CHECK(count_nodes(dot) == 0);
  CHECK(count_edges(dot) == 0);
  CHECK(dot.ends_with("}\n"));
}

TEST_CASE("call graph: output does not depend on the frame table's order") {
  const auto a = make_profile(recursive_stacks());
  const auto b = make_profile(recursive_stacks(), sym::Metric::kInuseObjects, false,
                              {"c", "b", "a", "main"});
  REQUIRE(a.frames[0].label != b.frames[0].label);
  sym::CallGraphOptions o;
  o.node_count = 3;
  CHECK(sym::format_callgraph_dot(a, o) == sym::format_callgraph_dot(b, o));
  CHECK(sym::format_callgraph_dot(a, all_shown()) == sym::format_callgraph_dot(b, all_shown()));
  // Ties in cum are ordered by name.
  const auto tie = make_profile({{{"zz"}, 5}, {{"aa"}, 5}});
  const std::string dot = sym::format_callgraph_dot(tie, all_shown());
  CHECK(node_id(dot, "aa") == "N1");
  CHECK(node_id(dot, "zz") == "N2");
}

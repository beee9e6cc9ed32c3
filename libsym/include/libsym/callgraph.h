// A call graph of a folded profile in Graphviz DOT, like jeprof --dot/--gif: one node per
// function with its flat and cumulative value, edges weighted by the value flowing through them.
#pragma once

#include <libsym/fold.h>

#include <string>

namespace sym {

struct CallGraphOptions {
  std::string title;             // "" -> derived from the metric and total
  double node_fraction = 0.005;  // hide nodes whose cum is below this fraction of the total
  double edge_fraction = 0.001;  // hide edges whose weight is below this fraction of the total
  int node_count = 80;           // at most this many nodes (largest cum first)
  bool show_bytes = false;       // integer bytes instead of MB with one decimal
};

// The DOT text of the call graph (render with `dot -Tsvg`).
//
// Nodes: one per frame label (frames with the same label merge, like the rows of format_text,
// so a profile folded with FrameKey::kShortName gives jeprof's one node per function). A node's
// flat is the value of the stacks that end in it, its cum the value of the stacks that contain
// it, counted once per stack however often it recurses: the same numbers as format_text.
// Values are value - base for diffs (has_base); they may be negative. Functions whose flat and
// cum are both zero (unchanged in a diff) are not drawn.
//
// The "total" the fractions refer to is the sum of |value - base| over the stacks (the plain
// total when nothing is negative). A node is hidden when |cum| < node_fraction x total; of the
// rest at most node_count are drawn, the largest |cum| first (ties by name). Nodes are numbered
// N1, N2, ... in that order.
//
// Edges: caller -> callee for each pair of drawn nodes that are neighbours in a stack once the
// hidden nodes are taken out of it; the weight is the summed value of those stacks, each stack
// counted once per pair (recursion). A stack passing through hidden functions still connects
// the drawn ones around them, so no flow is lost; such an edge is dashed (if any of its stacks
// went through a hidden node). An edge is hidden when |weight| < edge_fraction x total or the
// weight is zero. Edges are printed by |weight|, largest first.
//
// The legend (node "Legend", first, so dot puts it at the top left) shows the title, metric,
// total, and how many nodes and edges were dropped by which limit. Node font sizes go from 8
// to 50 with sqrt(|flat| / largest |flat|); edge pen widths from 1 to 6 with |weight| / total.
// Diffs colour nodes and edges red (grew) or blue (shrank). Names are escaped for DOT strings
// (quotes, backslashes, control characters, invalid UTF-8 as \xNN text). The output depends
// only on the profile and the options (byte-identical for the same input).
std::string format_callgraph_dot(const FoldedProfile& profile, const CallGraphOptions& options);

}  // namespace sym

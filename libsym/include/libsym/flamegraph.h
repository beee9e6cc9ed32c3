// An interactive flame graph of a folded profile as one self-contained SVG file: hover shows
// a frame's name, value and percent, click zooms into a frame, a search box highlights matches.
// The widths come from the same folded stacks that format_folded prints.
#pragma once

#include <libsym/fold.h>

#include <string>
#include <string_view>

namespace sym {

struct FlameGraphOptions {
  std::string title;          // "" -> derived from the metric ("Heap: inuse_space")
  int width = 1200;           // image width in pixels (at least 100 are used)
  double min_width = 0.1;     // frames narrower than this many pixels (at the unzoomed scale)
                              // are not drawn; the ones cut under one parent are drawn as one
                              // "[N frames merged]" frame when that is at least this wide
  bool show_bytes = false;    // value labels as integer bytes instead of KiB/MiB/GiB
};

// The SVG document. With a base (FoldedProfile::has_base) the widths are the new values and
// frames are coloured by growth (red) or shrinkage (blue), as difffolded + flamegraph.pl do.
//
// Layout: the root frame "all" (the total) is at the bottom, each stack's frames stacked above
// it root first. Frames with the same label under the same parent are one frame (the stacks
// are merged by label, as flamegraph.pl merges sorted folded lines); siblings are ordered by
// label (byte order). A frame's value is the sum of the rounded values of the stacks through it
// (exactly the numbers format_folded prints); stacks whose value is 0 are not drawn (a diff's
// base values still count in the tooltips of their ancestors). Widths are proportional to the
// values; edges are rounded to 1/100 pixel, so children never need more than their parent.
//
// Each drawn frame is one element <g data-v="VALUE" [data-b="BASE"]> holding a <title> ("NAME"
// newline "value (percent)"), a <rect> and, when at least three characters fit, a <text>. The
// frames are written depth first (a frame, then its children in order), so a frame's subtree
// is the run of following frames that sit higher up; the embedded script relies on that.
// The output depends only on the profile and the options (byte-identical for the same input).
std::string format_flamegraph_svg(const FoldedProfile& profile, const FlameGraphOptions& options);

// ---- Helpers (exposed for tests and other SVG writers) ----

// Text escaped for XML content and attribute values: & < > " ' as entities; control
// characters, invalid UTF-8 and the non-characters U+FFFE/U+FFFF become U+FFFD.
std::string xml_escape(std::string_view text);

// The label drawn in a frame `width` pixels wide with `font_size` pixel text (a character is
// taken as 0.59 x font_size wide): the whole name when it fits, else its first characters and
// "..", "" when fewer than three characters fit. Counts UTF-8 code points, never splits one.
std::string flamegraph_fit_label(std::string_view name, double width, double font_size = 12);

}  // namespace sym

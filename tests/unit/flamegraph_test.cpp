// format_flamegraph_svg on hand-built folded profiles: merging by name, widths, escaping,
// the "[merged]" frame of narrow children, diff colours, determinism, a large profile.
#include <libsym/flamegraph.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <numeric>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace {

// A profile from folded-style lines: {"a;b;c", value} or {"a;b", value, base}.
struct Line {
  std::string stack;
  double value;
  double base = 0;
};

sym::FoldedProfile make_profile(const std::vector<Line>& lines, bool has_base = false,
                                sym::Metric metric = sym::Metric::kInuseSpace) {
  sym::FoldedProfile p;
  p.metric = metric;
  p.has_base = has_base;
  std::map<std::string, std::uint32_t> ids;
  for (const Line& l : lines) {
    sym::FoldedStack s;
    std::size_t start = 0;
    while (true) {
      const std::size_t semi = l.stack.find(';', start);
      const std::string name = l.stack.substr(start, semi - start);
      auto [it, fresh] = ids.try_emplace(name, static_cast<std::uint32_t>(p.frames.size()));
      if (fresh) {
        sym::FoldedFrame f;
        f.label = name;
        p.frames.push_back(f);
      }
      s.frames.push_back(it->second);
      if (semi == std::string::npos) break;
      start = semi + 1;
    }
    s.value = l.value;
    s.base = l.base;
    p.stacks.push_back(std::move(s));
  }
  return p;
}

struct Frame {
  std::string name;  // as written (escaped)
  double v = 0;
  double b = 0;
  double x = 0;
  double w = 0;
  int depth = 0;
  std::string fill;
};

std::vector<Frame> parse(const std::string& svg) {
  static const std::regex re(
      R"re(<g data-v="(\d+)"(?: data-b="(\d+)")?><title>([^\n]*)\n[^<]*</title><rect x="([0-9.]+)" y="(\d+)" width="([0-9.]+)" height="15" fill="(#[0-9a-f]{6})" rx="2"/>)re");
  std::vector<Frame> out;
  int y0 = -1;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator();
       ++it) {
    const auto& m = *it;
    Frame f;
    f.v = std::stod(m[1].str());
    f.b = m[2].matched ? std::stod(m[2].str()) : 0;
    f.name = m[3].str();
    f.x = std::stod(m[4].str());
    const int y = std::stoi(m[5].str());
    if (y0 < 0) y0 = y;
    f.depth = (y0 - y) / 16;
    f.w = std::stod(m[6].str());
    f.fill = m[7].str();
    out.push_back(f);
  }
  return out;
}

std::vector<Frame> named(const std::vector<Frame>& frames, const std::string& name) {
  std::vector<Frame> out;
  for (const auto& f : frames)
    if (f.name == name) out.push_back(f);
  return out;
}

// The children of frames[i] in depth-first order: the following frames one level up, until
// the subtree ends.
std::vector<Frame> children(const std::vector<Frame>& frames, std::size_t i) {
  std::vector<Frame> out;
  for (std::size_t j = i + 1; j < frames.size() && frames[j].depth > frames[i].depth; ++j)
    if (frames[j].depth == frames[i].depth + 1) out.push_back(frames[j]);
  return out;
}

}  // namespace

TEST_CASE("flame graph: frames with one name under one parent merge, widths follow values") {
  // Two distinct frames share the label "a" (as distinct functions with one folded name do).
  sym::FoldedProfile p = make_profile({{"a;c", 30}, {"a;b", 10}, {"d", 60}, {"a;b;e", 20}});
  sym::FoldedFrame other_a;
  other_a.label = "a";
  p.frames.push_back(other_a);
  sym::FoldedStack s;
  s.frames = {static_cast<std::uint32_t>(p.frames.size() - 1)};
  s.value = 5;
  p.stacks.push_back(s);
  const std::string svg = sym::format_flamegraph_svg(p, {});
  const auto frames = parse(svg);
  REQUIRE(frames.size() == 6);  // all, a, b, e, c, d
  CHECK(frames[0].name == "all");
  CHECK(frames[0].v == 125);
  CHECK(frames[0].x == 10);
  CHECK(frames[0].w == 1180);
  const auto a = named(frames, "a");
  REQUIRE(a.size() == 1);
  CHECK(a[0].v == 65);
  CHECK(a[0].depth == 1);
  CHECK(named(frames, "b")[0].v == 30);
  CHECK(named(frames, "e")[0].depth == 3);
  // Depth first, children by name: all, a, b, e, c, d.
  std::vector<std::string> order;
  for (const auto& f : frames) order.push_back(f.name);
  CHECK(order == std::vector<std::string>{"all", "a", "b", "e", "c", "d"});
  // Widths proportional, children inside their parent and never wider in sum.
  for (std::size_t i = 0; i < frames.size(); ++i) {
    CHECK(frames[i].w == Approx(frames[i].v * 1180 / 125).margin(0.01));
    const auto kids = children(frames, i);
    double sum = 0;
    for (const auto& k : kids) {
      sum += k.w;
      CHECK(k.x >= frames[i].x);
      CHECK(k.x + k.w <= frames[i].x + frames[i].w + 1e-9);
    }
    CHECK(sum <= frames[i].w + 1e-9);
  }
  // The depth-1 frames fill the width exactly.
  CHECK(named(frames, "a")[0].w + named(frames, "d")[0].w == Approx(1180).margin(1e-9));
  CHECK(named(frames, "d")[0].x == Approx(10 + 65 * 1180.0 / 125).margin(0.006));
  // Units and percent in the tooltip; the script and the details line are there.
  CHECK(svg.find("<title>d\n60 B (48.00%)</title>") != std::string::npos);
  CHECK(svg.find("<script type=\"text/ecmascript\"><![CDATA[") != std::string::npos);
  CHECK(svg.find("id=\"details\"") != std::string::npos);
  CHECK(svg.find("Reset Zoom") != std::string::npos);
  CHECK(svg.find("Heap: inuse_space") != std::string::npos);
}

TEST_CASE("flame graph: a frame is merged even where the folded text order splits it") {
  // Sorted by text, "a!x" comes between "a" and "a;b" ('!' < ';'); flamegraph.pl would draw
  // two "a" frames there. Here "a" is one frame, "a!x" its sibling after it.
  const sym::FoldedProfile p = make_profile({{"a", 10}, {"a!x", 20}, {"a;b", 30}});
  const auto frames = parse(sym::format_flamegraph_svg(p, {}));
  std::vector<std::string> order;
  for (const auto& f : frames) order.push_back(f.name + "=" + std::to_string(int(f.v)));
  CHECK(order == std::vector<std::string>{"all=60", "a=40", "b=30", "a!x=20"});
}

TEST_CASE("flame graph: values as the folded output rounds them; units") {
  sym::FoldedProfile p = make_profile({{"main;big", 3.5 * 1048576 + 0.4}, {"main;small", 0.6}});
  sym::FlameGraphOptions o;
  o.title = "my title";
  o.min_width = 0;  // "small" is 0.0003 px wide
  std::string svg = sym::format_flamegraph_svg(p, o);
  auto frames = parse(svg);
  CHECK(named(frames, "big")[0].v == 3670016);
  CHECK(named(frames, "small")[0].v == 1);
  CHECK(named(frames, "main")[0].v == 3670017);
  CHECK(svg.find("<title>big\n3.5 MiB (100.00%)</title>") != std::string::npos);
  CHECK(svg.find(">my title</text>") != std::string::npos);
  o.show_bytes = true;
  svg = sym::format_flamegraph_svg(p, o);
  CHECK(svg.find("<title>big\n3670016 B (100.00%)</title>") != std::string::npos);
  svg = sym::format_flamegraph_svg(
      make_profile({{"main;f", 1536}}, false, sym::Metric::kAllocObjects), {});
  CHECK(svg.find("<title>f\n1536 objects (100.00%)</title>") != std::string::npos);
  CHECK(svg.find("alloc_objects (objects)") != std::string::npos);
  CHECK(svg.find("BYTES = false") != std::string::npos);
}

TEST_CASE("flame graph: C++ names are escaped, the document stays well formed") {
  const std::string tmpl = "Pool<std::pair<int, char>, 3>::grab()";
  const std::string op = "operator<<(Sink&, int)";
  const std::string udl = "operator\"\" _kb(unsigned long long)";
  const std::string apos = "f'2";
  sym::FoldedProfile p = make_profile(
      {{"main;" + op + ";" + tmpl, 100}, {"main;" + udl, 50}, {"main;" + apos, 50}});
  const std::string svg = sym::format_flamegraph_svg(p, {});
  CHECK(svg.find("Pool&lt;std::pair&lt;int, char&gt;, 3&gt;::grab()") != std::string::npos);
  CHECK(svg.find("operator&lt;&lt;(Sink&amp;, int)") != std::string::npos);
  CHECK(svg.find("operator&quot;&quot; _kb(unsigned long long)") != std::string::npos);
  CHECK(svg.find("f&#39;2") != std::string::npos);
  CHECK(svg.find(tmpl) == std::string::npos);
  CHECK(svg.find(op) == std::string::npos);
  CHECK(svg.find(udl) == std::string::npos);
  // Outside the CDATA sections nothing but entities uses '&' and no '<' is loose.
  std::string body = svg;
  for (std::size_t at; (at = body.find("<![CDATA[")) != std::string::npos;)
    body.erase(at, body.find("]]>", at) + 3 - at);
  CHECK(std::regex_search(body, std::regex("&(?!(amp|lt|gt|quot|#39);)")) == false);
  CHECK(std::regex_search(body, std::regex("<(?![a-zA-Z/?])")) == false);
  CHECK(parse(svg).size() == 6);
}

TEST_CASE("xml_escape and flamegraph_fit_label") {
  CHECK(sym::xml_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
  CHECK(sym::xml_escape("caf\xc3\xa9") == "caf\xc3\xa9");                 // UTF-8 kept
  CHECK(sym::xml_escape("x\x01y") == "x\xef\xbf\xbdy");                   // control -> U+FFFD
  CHECK(sym::xml_escape("x\xffy") == "x\xef\xbf\xbdy");                   // invalid byte
  CHECK(sym::xml_escape("x\xe2\x82") == "x\xef\xbf\xbd\xef\xbf\xbd");     // cut sequence
  CHECK(sym::xml_escape("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  CHECK(sym::xml_escape("tab\there") == "tab\there");
  // 12 px font: 7.08 px a character.
  CHECK(sym::flamegraph_fit_label("leak_test", 200) == "leak_test");
  CHECK(sym::flamegraph_fit_label("leak_test", 64) == "leak_test");   // 9 characters fit
  CHECK(sym::flamegraph_fit_label("leak_test", 63) == "leak_t..");    // 8 fit
  CHECK(sym::flamegraph_fit_label("leak_test", 21.3) == "l..");       // 3 fit
  CHECK(sym::flamegraph_fit_label("leak_test", 21.2) == "");          // 2 do not
  CHECK(sym::flamegraph_fit_label("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 30) ==
        "\xc3\xa9\xc3\xa9..");  // 4 code points fit, never half of one
  CHECK(sym::flamegraph_fit_label("abc", 0) == "");
}

TEST_CASE("flame graph: frames narrower than min_width merge into one [merged] per parent") {
  std::vector<Line> lines{{"main;big", 10000}};
  for (int i = 0; i < 100; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "main;tiny%03d;leaf", i);
    lines.push_back({name, 1});
  }
  const sym::FoldedProfile p = make_profile(lines);
  sym::FlameGraphOptions o;
  o.min_width = 1;  // a tiny frame is 1180 / 10100 = 0.12 px
  std::string svg = sym::format_flamegraph_svg(p, o);
  auto frames = parse(svg);
  REQUIRE(frames.size() == 4);  // all, main, big, [merged]
  CHECK(named(frames, "main")[0].v == 10100);
  const auto merged = named(frames, "[merged]");
  REQUIRE(merged.size() == 1);
  CHECK(merged[0].v == 100);
  CHECK(merged[0].depth == 2);
  CHECK(merged[0].fill == "#b0b0b0");
  // After its drawn siblings, inside the parent.
  CHECK(merged[0].x == Approx(named(frames, "big")[0].x + named(frames, "big")[0].w).margin(0.01));
  CHECK(merged[0].x + merged[0].w <= 1190 + 1e-9);
  CHECK(svg.find("100 frames narrower than 1 px") != std::string::npos);
  CHECK(named(frames, "leaf").empty());

  // Even the sum is too narrow: nothing is drawn for them, the parent keeps the right value.
  o.min_width = 20;
  frames = parse(sym::format_flamegraph_svg(p, o));
  CHECK(named(frames, "[merged]").empty());
  CHECK(named(frames, "main")[0].v == 10100);
  CHECK(named(frames, "big")[0].w < named(frames, "main")[0].w);

  // min_width 0: everything is drawn.
  o.min_width = 0;
  frames = parse(sym::format_flamegraph_svg(p, o));
  CHECK(frames.size() == 3 + 200);  // all, main, big, 100 tiny, 100 leaf
}

TEST_CASE("flame graph: diffs are coloured by growth and shrinkage, width is the new value") {
  const sym::FoldedProfile p = make_profile({{"main;grew", 200, 100},
                                             {"main;new", 50, 0},
                                             {"main;shrank", 10, 40},
                                             {"main;same", 30, 30},
                                             {"main;gone", 0, 500}},
                                            true);
  const std::string svg = sym::format_flamegraph_svg(p, {});
  const auto frames = parse(svg);
  CHECK(named(frames, "gone").empty());  // value 0: not drawn
  const auto main = named(frames, "main");
  REQUIRE(main.size() == 1);
  CHECK(main[0].v == 290);
  CHECK(main[0].b == 670);  // the base still counts what is gone
  CHECK(frames[0].w == 1180);
  const auto grew = named(frames, "grew")[0];
  CHECK(grew.fill.substr(0, 3) == "#ff");
  CHECK(grew.fill.substr(3, 2) == grew.fill.substr(5, 2));
  CHECK(named(frames, "new")[0].fill == "#ff0000");  // all of it is new: full red
  const auto shrank = named(frames, "shrank")[0];
  CHECK(shrank.fill.substr(5, 2) == "ff");
  CHECK(shrank.fill.substr(1, 2) == shrank.fill.substr(3, 2));
  CHECK(shrank.fill != "#0000ff");
  CHECK(named(frames, "same")[0].fill == "#e0e0e0");
  // grew by half of its size: lighter than "new"
  CHECK(std::stoi(grew.fill.substr(3, 2), nullptr, 16) > 0);
  CHECK(svg.find("<title>grew\n200 B (68.97%), base 100 B, +100 B (+100.00%)</title>") !=
        std::string::npos);
  CHECK(svg.find("<title>shrank\n10 B (3.45%), base 40 B, -30 B (-75.00%)</title>") !=
        std::string::npos);
  CHECK(svg.find("<title>new\n50 B (17.24%), base 0 B, +50 B (new)</title>") != std::string::npos);
}

TEST_CASE("flame graph: deterministic; an empty profile is still a document") {
  const sym::FoldedProfile p =
      make_profile({{"_start;main;x", 7}, {"_start;main;y", 9}, {"_start;other", 3}});
  CHECK(sym::format_flamegraph_svg(p, {}) == sym::format_flamegraph_svg(p, {}));
  // The colour comes from the name: the same name, the same colour everywhere.
  const auto frames = parse(sym::format_flamegraph_svg(
      make_profile({{"a;same", 5}, {"b;same", 5}, {"c", 5}}), {}));
  CHECK(named(frames, "same")[0].fill == named(frames, "same")[1].fill);

  const std::string empty = sym::format_flamegraph_svg(sym::FoldedProfile{}, {});
  CHECK(empty.rfind("<?xml", 0) == 0);
  CHECK(empty.find("no samples") != std::string::npos);
  CHECK(empty.find("</svg>\n") != std::string::npos);
  CHECK(parse(empty).empty());
}

TEST_CASE("flame graph: 100 000 stacks render quickly, the root still adds up") {
  // 100 000 distinct stacks of depth 20 through a binary tree of names.
  std::vector<Line> lines;
  lines.reserve(100000);
  for (int i = 0; i < 100000; ++i) {
    std::string s = "_start;main";
    for (int bit = 16; bit >= 0; --bit) s += (i >> bit) & 1 ? ";fa" : ";fb";
    s += ";leaf" + std::to_string(i % 7);
    lines.push_back({s, 16.0 + (i % 9) * 16});
  }
  const sym::FoldedProfile p = make_profile(lines);
  double total = 0;
  for (const auto& s : p.stacks) total += s.value;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string svg = sym::format_flamegraph_svg(p, {});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("rendered in " << seconds << " s, " << svg.size() << " bytes");
  CHECK(seconds < 5.0);  // about 0.1 s in an optimised build; generous for sanitizers
  char root[64];
  std::snprintf(root, sizeof root, "<g data-v=\"%.0f\"><title>all\n", total);
  CHECK(svg.find(root) != std::string::npos);
  CHECK(svg.size() < 8u * 1024 * 1024);  // narrow frames are not written one by one
  CHECK(svg.find("[merged]") != std::string::npos);
}

// Output formats of folded heap profiles: folded stacks, a jeprof-style text table, JSON.
#pragma once

#include <libsym/fold.h>

#include <functional>
#include <string>
#include <string_view>

namespace sym {

// Where streamed output goes, in pieces of about 64 KiB (whole records), in order.
using OutputSink = std::function<void(std::string_view)>;

// "root;...;leaf VALUE\n" lines, values rounded to integers; with a base, "stack BASE VALUE".
std::string format_folded(const FoldedProfile& profile);
// The same, streamed: the text of a deep profile's stacks can be several times the dump's size.
void write_folded(const FoldedProfile& profile, const OutputSink& sink);

struct TextOptions {
  bool cum_sort = false;    // sort by cum instead of flat
  bool show_bytes = false;  // integer bytes instead of MB with one decimal
};
// jeprof --text: "Total: X MB", then "%8s %6s %6s %8s %6s %s" rows flat flat% sum% cum cum% name.
// With a base the values are VALUE - BASE.
std::string format_text(const FoldedProfile& profile, const TextOptions& options);

// {"metric":..,"unit":..,"total":..,"stacks":[{"value":N,"frames":[...root first]}]}
std::string format_json(const FoldedProfile& profile);
// The same, streamed.
void write_json(const FoldedProfile& profile, const OutputSink& sink);

}  // namespace sym

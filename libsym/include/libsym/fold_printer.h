// Output formats of folded heap profiles: folded stacks, a jeprof-style text table, JSON.
#pragma once

#include <libsym/fold.h>

#include <string>

namespace sym {

// "root;...;leaf VALUE\n" lines, values rounded to integers; with a base, "stack BASE VALUE".
std::string format_folded(const FoldedProfile& profile);

struct TextOptions {
  bool cum_sort = false;    // sort by cum instead of flat
  bool show_bytes = false;  // integer bytes instead of MB with one decimal
};
// jeprof --text: "Total: X MB", then "%8s %6s %6s %8s %6s %s" rows flat flat% sum% cum cum% name.
// With a base the values are VALUE - BASE.
std::string format_text(const FoldedProfile& profile, const TextOptions& options);

// {"metric":..,"unit":..,"total":..,"stacks":[{"value":N,"frames":[...root first]}]}
std::string format_json(const FoldedProfile& profile);

}  // namespace sym

// mapresolve --explain: the walk from a raw address to source, step by step with real numbers.
#pragma once

#include <libsym/module.h>
#include <libsym/symbolizer.h>

#include <string>

namespace sym {

struct ExplainOptions {
  bool return_address = false;  // the input is a return address (looked up at input - 1)
  bool demangle = true;
};

// Appends the explanation for one answer. `module` is the opened file of the answer (nullptr
// when none could be used).
void explain(std::string& out, const Symbolized& result, const Module* module,
             const ExplainOptions& options);

}  // namespace sym

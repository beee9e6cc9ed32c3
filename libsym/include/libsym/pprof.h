// A folded profile as pprof's profile.proto, gzip-compressed (what `go tool pprof` and
// pprof-compatible UIs read). Written by a small protobuf encoder of our own.
#pragma once

#include <libsym/fold.h>

#include <string>

namespace sym {

// The gzip-compressed profile.proto bytes. Needs a profile folded with
// FoldOptions::key == FrameKey::kAddress (one Location per distinct address).
std::string format_pprof(const FoldedProfile& profile);

}  // namespace sym

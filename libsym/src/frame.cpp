#include <libsym/frame.h>

namespace sym {

std::string_view describe(Reason reason) {
  switch (reason) {
    case Reason::kNone: return "resolved";
    case Reason::kUnmapped: return "address is not in any mapping";
    case Reason::kAnonymous: return "anonymous memory, no file";
    case Reason::kPseudo: return "kernel-provided mapping, no file on disk";
    case Reason::kMemfd: return "memfd mapping, no file on disk";
    case Reason::kFileMissing: return "file not found";
    case Reason::kNotRegularFile: return "not a regular file";
    case Reason::kFileChanged: return "file changed since the snapshot";
    case Reason::kBadObject: return "not a readable ELF executable or shared object";
    case Reason::kOutsideSegments: return "file offset is outside every PT_LOAD segment";
    case Reason::kNoSymbol: return "no symbol or debug info covers the address";
    case Reason::kDataObject: return "data, not code";
    case Reason::kNotAnAddress: return "the input is not an address";
  }
  return "unknown";
}

std::string_view reason_id(Reason reason) {
  switch (reason) {
    case Reason::kNone: return "none";
    case Reason::kUnmapped: return "unmapped";
    case Reason::kAnonymous: return "anonymous";
    case Reason::kPseudo: return "pseudo";
    case Reason::kMemfd: return "memfd";
    case Reason::kFileMissing: return "file_missing";
    case Reason::kNotRegularFile: return "not_regular_file";
    case Reason::kFileChanged: return "file_changed";
    case Reason::kBadObject: return "bad_object";
    case Reason::kOutsideSegments: return "outside_segments";
    case Reason::kNoSymbol: return "no_symbol";
    case Reason::kDataObject: return "data";
    case Reason::kNotAnAddress: return "not_an_address";
  }
  return "unknown";
}

std::string_view describe(DebugSource source) {
  switch (source) {
    case DebugSource::kNone: return "none";
    case DebugSource::kSelf: return "the file itself";
    case DebugSource::kBuildId: return "build-id";
    case DebugSource::kDebugLink: return ".gnu_debuglink";
    case DebugSource::kDebuginfod: return "debuginfod";
  }
  return "unknown";
}

}  // namespace sym

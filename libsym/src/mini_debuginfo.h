// MiniDebugInfo (.gnu_debugdata): the stripped files of Fedora, RHEL and their kin keep, as one
// xz stream, a small ELF file whose .symtab holds the function symbols .dynsym lacks (static
// functions, and everything of an executable), so that unwinders and symbolizers can name them
// without the debug package. gdb, elfutils, perf and systemd-coredump read it.
#pragma once
#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include <cstdint>
#include <memory>

namespace sym::detail {

// Decompresses xz data (what MiniDebugInfo holds: one stream, or several concatenated as xz
// itself reads them, with stream padding between) into a buffer called `name`; an error saying
// why when it is not well-formed xz, or its indexes say more than `limit` bytes in all (a small
// input can hold gigabytes: it is refused before anything is decoded).
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> decompress_xz(llvm::StringRef data,
                                                                  std::uint64_t limit,
                                                                  llvm::StringRef name);

}  // namespace sym::detail

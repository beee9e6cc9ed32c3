// Reading files named by untrusted input: only regular files are opened, and opening never
// blocks (a FIFO or a device named in a hostile dump is refused, not read).
#pragma once

#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>

namespace sym {

struct FileIdentity {
  std::uint64_t dev = 0;    // st_dev
  std::uint64_t inode = 0;  // st_ino
  std::uint64_t size = 0;   // st_size
  std::int64_t mtime_ns = 0;  // st_mtim, nanoseconds since the epoch; 0 unknown
  auto operator<=>(const FileIdentity&) const = default;
};

// stat() of a path that must be a regular file (symlinks followed).
llvm::Expected<FileIdentity> identify_regular_file(const std::string& path);

// The whole content of a regular file, at most max_bytes (an error beyond). Works for /proc files
// whose st_size is 0.
llvm::Expected<std::string> read_text_file(const std::string& path, std::uint64_t max_bytes);

// Maps a regular file read-only. The identity is that of the file actually opened.
struct MappedFile {
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  FileIdentity identity;
};
llvm::Expected<MappedFile> map_regular_file(const std::string& path);

// Convenience for llvm::createStringError with a path prefix.
llvm::Error file_error(const std::string& path, const std::string& message);

}  // namespace sym

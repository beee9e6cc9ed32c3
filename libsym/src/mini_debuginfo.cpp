#include "mini_debuginfo.h"

#include <lzma.h>

#include <algorithm>
#include <string>
#include <system_error>
#include <vector>

namespace sym::detail {
namespace {

const char* describe(lzma_ret ret) {
  switch (ret) {
    case LZMA_FORMAT_ERROR: return "not an xz stream";
    case LZMA_OPTIONS_ERROR: return "unsupported xz options";
    case LZMA_DATA_ERROR: return "corrupt xz data";
    case LZMA_BUF_ERROR: return "the xz stream is cut short";
    case LZMA_MEM_ERROR: return "out of memory";
    case LZMA_MEMLIMIT_ERROR: return "the xz stream needs too much memory to decode";
    case LZMA_UNSUPPORTED_CHECK: return "unsupported xz check";
    default: return "xz error";
  }
}

}  // namespace

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> decompress_xz(llvm::StringRef data,
                                                                  std::uint64_t limit,
                                                                  llvm::StringRef name) {
  auto fail = [](const std::string& why) {
    return llvm::createStringError(std::errc::invalid_argument, "%s", why.c_str());
  };
  lzma_stream stream = LZMA_STREAM_INIT;
  // Decoding needs about the dictionary's size: 64 MiB at xz -9, 8 MiB at the default -6.
  constexpr std::uint64_t kMemLimit = 96ULL << 20;
  if (lzma_stream_decoder(&stream, kMemLimit, LZMA_CONCATENATED) != LZMA_OK) {
    return fail("cannot start the xz decoder");
  }
  std::vector<char> out;
  stream.next_in = reinterpret_cast<const std::uint8_t*>(data.data());
  stream.avail_in = data.size();
  lzma_ret ret = LZMA_OK;
  while (ret == LZMA_OK) {
    if (stream.avail_out == 0) {
      const std::size_t used = out.size();
      if (used >= limit) {
        lzma_end(&stream);
        return fail("decompresses to more than " + std::to_string(limit) + " bytes");
      }
      const std::size_t grow = std::min<std::uint64_t>(std::max<std::size_t>(used, 1 << 16),
                                                       limit - used);
      out.resize(used + grow);
      stream.next_out = reinterpret_cast<std::uint8_t*>(out.data()) + used;
      stream.avail_out = grow;
    }
    ret = lzma_code(&stream, LZMA_FINISH);
  }
  const std::size_t produced = out.size() - stream.avail_out;
  lzma_end(&stream);
  if (ret != LZMA_STREAM_END) return fail(describe(ret));
  return llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(out.data(), produced), name);
}

}  // namespace sym::detail

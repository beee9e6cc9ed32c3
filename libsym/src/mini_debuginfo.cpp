#include "mini_debuginfo.h"

#include <lzma.h>

#include <string>
#include <system_error>

namespace sym::detail {
namespace {

// Decoding needs about the dictionary's size: 64 MiB at xz -9, 8 MiB at the default -6.
constexpr std::uint64_t kMemLimit = 96ULL << 20;

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
  // The size it decompresses to, from the stream's index (found through its footer): checked
  // against the limit before anything is decoded, then decoded into a buffer of that size
  // (the decoder checks the index against the data).
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  if (data.size() < 2 * LZMA_STREAM_HEADER_SIZE) return fail("too short for an xz stream");
  lzma_stream_flags footer;
  lzma_ret ret = lzma_stream_footer_decode(&footer, bytes + data.size() - LZMA_STREAM_HEADER_SIZE);
  if (ret != LZMA_OK) return fail(describe(ret));
  const std::uint64_t tail = LZMA_STREAM_HEADER_SIZE + footer.backward_size;
  if (footer.backward_size > data.size() || tail > data.size() - LZMA_STREAM_HEADER_SIZE) {
    return fail("the xz index lies outside the stream");
  }
  lzma_index* index = nullptr;
  std::uint64_t index_memory = kMemLimit;
  std::size_t index_pos = 0;
  ret = lzma_index_buffer_decode(&index, &index_memory, nullptr, bytes + data.size() - tail,
                                 &index_pos, footer.backward_size);
  if (ret != LZMA_OK) return fail(describe(ret));
  const std::uint64_t size = lzma_index_uncompressed_size(index);
  lzma_index_end(index, nullptr);
  if (size > limit) {
    return fail("decompresses to " + std::to_string(size) + " bytes, more than " +
                std::to_string(limit));
  }
  auto out = llvm::WritableMemoryBuffer::getNewUninitMemBuffer(size, name);
  if (out == nullptr) return fail("out of memory");
  std::uint64_t memory = kMemLimit;
  std::size_t in_pos = 0;
  std::size_t out_pos = 0;
  ret = lzma_stream_buffer_decode(&memory, 0, nullptr, bytes, &in_pos, data.size(),
                                  reinterpret_cast<std::uint8_t*>(out->getBufferStart()),
                                  &out_pos, size);
  if (ret != LZMA_OK) return fail(describe(ret));
  if (out_pos != size) return fail("the xz stream is shorter than its index says");
  return std::unique_ptr<llvm::MemoryBuffer>(std::move(out));
}

}  // namespace sym::detail

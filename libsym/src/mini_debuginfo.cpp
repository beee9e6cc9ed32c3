#include "mini_debuginfo.h"

#include <lzma.h>

#include <cstring>
#include <limits>
#include <string>
#include <system_error>

namespace sym::detail {
namespace {

// Decoding needs about the dictionary's size: 64 MiB at xz -9, 8 MiB at the default -6.
constexpr std::uint64_t kMemLimit = 96ULL << 20;
constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

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

llvm::Error fail(const std::string& why) {
  return llvm::createStringError(std::errc::invalid_argument, "%s", why.c_str());
}

// What the streams of `data` decompress to in all, from their indexes, last stream first (each
// found through its footer; stream padding, NUL bytes in fours, may follow any stream). Nothing
// is decoded but the indexes.
llvm::Expected<std::uint64_t> decompressed_size(llvm::StringRef data, std::uint64_t limit) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  std::uint64_t total = 0;
  std::size_t end = data.size();
  // The first stream's header magic; when a footer is not where the data ends, the data was
  // cut short or has other bytes after it.
  constexpr std::uint8_t kMagic[] = {0xfd, '7', 'z', 'X', 'Z', 0};
  if (end < sizeof kMagic || std::memcmp(bytes, kMagic, sizeof kMagic) != 0) {
    return fail("not an xz stream");
  }
  const char* const cut = "the xz data is cut short or followed by other bytes";
  if (end % 4 != 0) return fail(cut);
  while (end > 0) {
    while (end >= 4 && std::memcmp(bytes + end - 4, "\0\0\0\0", 4) == 0) end -= 4;
    if (end < 2 * LZMA_STREAM_HEADER_SIZE) return fail("too short for an xz stream");
    lzma_stream_flags footer;
    lzma_ret ret = lzma_stream_footer_decode(&footer, bytes + end - LZMA_STREAM_HEADER_SIZE);
    if (ret == LZMA_FORMAT_ERROR) return fail(cut);
    if (ret != LZMA_OK) return fail(describe(ret));
    const std::uint64_t tail = LZMA_STREAM_HEADER_SIZE + footer.backward_size;
    if (footer.backward_size > end || tail > end - LZMA_STREAM_HEADER_SIZE) {
      return fail("the xz index lies outside the stream");
    }
    lzma_index* index = nullptr;
    std::uint64_t index_memory = kMemLimit;
    std::size_t index_pos = 0;
    ret = lzma_index_buffer_decode(&index, &index_memory, nullptr, bytes + end - tail, &index_pos,
                                   footer.backward_size);
    if (ret != LZMA_OK) return fail(describe(ret));
    const std::uint64_t size = lzma_index_uncompressed_size(index);
    const std::uint64_t stream = lzma_index_stream_size(index);
    lzma_index_end(index, nullptr);
    if (stream > end) return fail("an xz stream's index says it is longer than the data");
    total = size > kNoLimit - total ? kNoLimit : total + size;
    if (total > limit) {
      return fail("decompresses to " + std::to_string(total) + " bytes, more than " +
                  std::to_string(limit));
    }
    end -= stream;
  }
  return total;
}

}  // namespace

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> decompress_xz(llvm::StringRef data,
                                                                  std::uint64_t limit,
                                                                  llvm::StringRef name) {
  // The size it decompresses to, from the streams' indexes: checked against the limit before
  // anything is decoded, then decoded into a buffer of that size (the decoder checks each index
  // against its data).
  auto expected = decompressed_size(data, limit);
  if (!expected) return expected.takeError();
  const std::uint64_t size = *expected;
  auto out = llvm::WritableMemoryBuffer::getNewUninitMemBuffer(size, name);
  if (out == nullptr) return fail("out of memory");
  lzma_stream stream = LZMA_STREAM_INIT;
  lzma_ret ret = lzma_stream_decoder(&stream, kMemLimit, LZMA_CONCATENATED);
  if (ret != LZMA_OK) return fail(describe(ret));
  stream.next_in = reinterpret_cast<const std::uint8_t*>(data.data());
  stream.avail_in = data.size();
  stream.next_out = reinterpret_cast<std::uint8_t*>(out->getBufferStart());
  stream.avail_out = size;
  do {
    ret = lzma_code(&stream, LZMA_FINISH);  // LZMA_BUF_ERROR once a call makes no progress
  } while (ret == LZMA_OK);
  const std::uint64_t produced = stream.total_out;
  // Output left over means the data holds more than the indexes say.
  const bool overflow = ret == LZMA_BUF_ERROR && stream.avail_out == 0 && stream.avail_in != 0;
  lzma_end(&stream);
  if (overflow) return fail("the xz data holds more than its indexes say");
  if (ret != LZMA_STREAM_END) return fail(describe(ret));
  if (produced != size) return fail("the xz data is shorter than its indexes say");
  return std::unique_ptr<llvm::MemoryBuffer>(std::move(out));
}

}  // namespace sym::detail

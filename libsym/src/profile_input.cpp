// Reading heap profiles: regular files or standard input, gzip-compressed or not.
#include <libsym/fold.h>
#include <libsym/io.h>

#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <zlib.h>

namespace sym {

namespace {

bool is_gzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

llvm::Expected<std::string> read_stdin(std::uint64_t max_bytes) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return file_error("<stdin>", std::strerror(errno));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return file_error("<stdin>",
                        "larger than the limit of " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Ends an inflate stream however we leave the function.
class Inflater {
 public:
  Inflater() = default;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() {
    if (ready_) inflateEnd(&stream_);
  }
  bool init() {
    ready_ = inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK;
    return ready_;
  }
  z_stream& stream() { return stream_; }

 private:
  z_stream stream_{};
  bool ready_ = false;
};

}  // namespace

llvm::Expected<std::string> gunzip(std::string_view data, std::uint64_t max_bytes) {
  auto fail = [](const std::string& what) {
    return llvm::createStringError(std::errc::invalid_argument, "gzip: %s", what.c_str());
  };
  Inflater inflater;
  if (!inflater.init()) return fail("cannot initialise zlib");
  z_stream& z = inflater.stream();
  std::string out;
  char buf[1 << 16];
  std::size_t consumed = 0;
  for (;;) {
    // zlib counts in uInt; feed at most 1 GiB at a time.
    const std::size_t chunk = std::min<std::size_t>(data.size() - consumed, 1U << 30);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + consumed));
    z.avail_in = static_cast<uInt>(chunk);
    int rc = Z_OK;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = inflate(&z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        return fail(std::string("corrupt data") +
                    (z.msg != nullptr ? ": " + std::string(z.msg) : ""));
      }
      const std::size_t produced = sizeof buf - z.avail_out;
      if (out.size() + produced > max_bytes) {
        return fail("decompressed data larger than the limit of " + std::to_string(max_bytes) +
                    " bytes");
      }
      out.append(buf, produced);
    } while (z.avail_out == 0 && rc != Z_STREAM_END);
    consumed += chunk - z.avail_in;
    if (rc == Z_STREAM_END) {
      // Another member may follow (concatenated .gz files); trailing zero padding is ignored.
      std::string_view rest = data.substr(consumed);
      if (!is_gzip(rest)) {
        // Anything else but zeros after the last member would be dropped unread (gzip -d
        // warns of "trailing garbage"): refused, so that an appended file is not lost.
        if (rest.find_first_not_of('\0') != std::string_view::npos) {
          return fail(std::to_string(rest.size()) +
                      " bytes after the end of the compressed data are not gzip (a file "
                      "appended to it?)");
        }
        break;
      }
      if (inflateReset(&z) != Z_OK) return fail("cannot reset zlib");
      continue;
    }
    if (consumed >= data.size()) return fail("truncated data (unexpected end of input)");
    if (rc == Z_BUF_ERROR && chunk - z.avail_in == 0) return fail("no progress in inflate");
  }
  return out;
}

std::string_view ProfileText::mapped_view() const {
  return {mapped_->getBufferStart(), mapped_->getBufferSize()};
}

llvm::Expected<ProfileText> open_profile_file(const std::string& path, std::uint64_t max_bytes) {
  ProfileText out;
  if (path != "-") {
    auto file = map_regular_file(path);
    if (!file) return file.takeError();
    if (file->buffer->getBufferSize() > max_bytes) {
      return file_error(path, "larger than " + std::to_string(max_bytes >> 20) + " MiB");
    }
    const std::string_view data = file->buffer->getBuffer();
    if (!is_gzip(data)) {
      if (file->buffer->getBufferKind() == llvm::MemoryBuffer::MemoryBuffer_MMap) {
        out.mapped_ = std::move(file->buffer);
      } else {
        out.owned_.assign(data);  // small files are read, not mapped
      }
      return out;
    }
    auto text = gunzip(data, max_bytes);
    if (!text) return file_error(path, llvm::toString(text.takeError()));
    out.owned_ = std::move(*text);
    return out;
  }
  auto text = read_profile_file(path, max_bytes);
  if (!text) return text.takeError();
  out.owned_ = std::move(*text);
  return out;
}

llvm::Expected<std::string> read_profile_file(const std::string& path, std::uint64_t max_bytes) {
  auto data = path == "-" ? read_stdin(max_bytes) : read_text_file(path, max_bytes);
  if (!data) return data.takeError();
  if (!is_gzip(*data)) return data;
  auto text = gunzip(*data, max_bytes);
  if (!text) {
    return file_error(path == "-" ? "<stdin>" : path, llvm::toString(text.takeError()));
  }
  return text;
}

}  // namespace sym

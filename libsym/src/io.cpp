#include <libsym/io.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sym {

llvm::Error file_error(const std::string& path, const std::string& message) {
  return llvm::createStringError(std::errc::invalid_argument, "%s: %s", path.c_str(),
                                 message.c_str());
}

namespace {

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

// An fd that closes itself.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// Opens without blocking (O_NONBLOCK: a FIFO with no writer must not hang us) and insists on a
// regular file, checked on the opened descriptor so that nothing can be swapped in between.
llvm::Expected<int> open_regular(const std::string& path, struct stat* st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return file_error(path, std::strerror(errno));
  if (::fstat(fd, st) != 0) {
    int err = errno;
    ::close(fd);
    return file_error(path, std::strerror(err));
  }
  if (!S_ISREG(st->st_mode)) {
    ::close(fd);
    return file_error(path, std::string("is ") + file_type_name(st->st_mode) +
                                ", only regular files are read");
  }
  return fd;
}

FileIdentity identity_of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::uint64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

}  // namespace

llvm::Expected<FileIdentity> identify_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return file_error(path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    return file_error(path, std::string("is ") + file_type_name(st.st_mode) +
                                ", only regular files are read");
  }
  return identity_of(st);
}

llvm::Expected<std::string> read_text_file(const std::string& path, std::uint64_t max_bytes) {
  struct stat st {};
  auto fd_or = open_regular(path, &st);
  if (!fd_or) return fd_or.takeError();
  Fd fd(*fd_or);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return file_error(path, std::strerror(errno));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return file_error(path, "larger than the limit of " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

llvm::Expected<MappedFile> map_regular_file(const std::string& path) {
  struct stat st {};
  auto fd_or = open_regular(path, &st);
  if (!fd_or) return fd_or.takeError();
  Fd fd(*fd_or);
  auto buffer = llvm::MemoryBuffer::getOpenFile(fd.get(), path, st.st_size,
                                                /*RequiresNullTerminator=*/false);
  if (!buffer) return file_error(path, buffer.getError().message());
  return MappedFile{std::move(*buffer), identity_of(st)};
}

}  // namespace sym

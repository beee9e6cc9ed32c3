#include "debug_sections.h"

#include <llvm/ADT/StringSwitch.h>
#include <llvm/BinaryFormat/ELF.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/Object/Decompressor.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/Endian.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <sched.h>
#include <system_error>
#include <thread>
#include <zstd.h>
#if LIBSYM_HAVE_LIBDEFLATE
#include <libdeflate.h>
#else
#include <zlib.h>
#endif

namespace sym::detail {

namespace obj = llvm::object;

unsigned worker_threads() {
  static const unsigned count = [] {
    if (const char* env = std::getenv("LIBSYM_THREADS"); env != nullptr && *env != '\0') {
      char* end = nullptr;
      const unsigned long n = std::strtoul(env, &end, 10);
      if (*end == '\0' && n >= 1) return static_cast<unsigned>(std::min(n, 64UL));
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    const int cpus = ::sched_getaffinity(0, sizeof set, &set) == 0
                         ? CPU_COUNT(&set)
                         : static_cast<int>(std::thread::hardware_concurrency());
    return static_cast<unsigned>(std::clamp(cpus, 1, 8));
  }();
  return count;
}

std::optional<llvm::StringRef> contents_of(const obj::SectionRef& section) {
  auto data = section.getContents();
  if (!data) {
    llvm::consumeError(data.takeError());
    return std::nullopt;
  }
  return *data;
}

std::optional<GnuCompressed> gnu_compressed(llvm::StringRef name, llvm::StringRef data) {
  if (!name.starts_with(".zdebug_") || !data.starts_with("ZLIB") || data.size() < 12) {
    return std::nullopt;
  }
  return GnuCompressed{llvm::support::endian::read64be(data.data() + 4), data.drop_front(12)};
}

namespace {

// The debug sections a lookup reads, by the names DWARFContext gives them (no leading dot).
// Location lists (variable locations), call frame information, macros and name indexes are
// never read to symbolize; in libc's debug file .debug_loclists alone is a sixth of what LLVM
// would inflate.
bool section_needed(llvm::StringRef name) {
  name.consume_back(".dwo");
  return llvm::StringSwitch<bool>(name)
      .Cases("debug_info", "debug_abbrev", "debug_line", "debug_line_str", "debug_str", true)
      .Cases("debug_str_offsets", "debug_addr", "debug_ranges", "debug_rnglists", true)
      .Cases("debug_aranges", "debug_types", "debug_cu_index", "debug_tu_index", true)
      .Default(false);
}

// The name DWARFContext gives a section: no leading dot; ".zdebug_info", compressed the GNU
// way (gnu_compressed), holds what ".debug_info" would.
std::string dwarf_section_key(llvm::StringRef name) {
  if (name.starts_with(".zdebug_")) return "debug_" + name.drop_front(8).str();
  return name.substr(std::min(name.find_first_not_of("._"), name.size())).str();
}

// The payload of an SHF_COMPRESSED section after its ELF compression header, and how it is
// compressed (ch_type: ELFCOMPRESS_ZLIB or ELFCOMPRESS_ZSTD); none for anything else.
struct Compressed {
  std::uint32_t type;
  llvm::StringRef payload;
};
std::optional<Compressed> compressed_payload(llvm::StringRef data, bool little_endian, bool is_64) {
  const std::size_t header = is_64 ? sizeof(llvm::ELF::Elf64_Chdr) : sizeof(llvm::ELF::Elf32_Chdr);
  if (data.size() < header) return std::nullopt;
  const std::uint32_t type = little_endian ? llvm::support::endian::read32le(data.data())
                                           : llvm::support::endian::read32be(data.data());
  if (type != llvm::ELF::ELFCOMPRESS_ZLIB && type != llvm::ELF::ELFCOMPRESS_ZSTD) {
    return std::nullopt;
  }
  return Compressed{type, data.drop_front(header)};
}

// Inflates a zlib stream (RFC 1950) of exactly `size` bytes into `out`, as zlib's uncompress
// does but without the Adler-32 of the output, a sixth of the inflating: the stream must still
// be well-formed deflate data and end exactly at `size` bytes. False when it does not.
// With libdeflate (which inflates into a buffer of the known size, 2-2.5x as fast as zlib's
// streaming inflate on libc's .debug_info) when the build has it; zlib otherwise.
bool inflate_zlib(llvm::StringRef stream, std::uint8_t* out, std::uint64_t size) {
  if (stream.size() < 2) return false;
  const unsigned cmf = static_cast<std::uint8_t>(stream[0]);
  const unsigned flg = static_cast<std::uint8_t>(stream[1]);
  // Deflate with a window of at most 32 KiB, a valid check, no preset dictionary.
  if ((cmf & 0x0fU) != 8 || (cmf >> 4U) > 7 || ((cmf << 8U) | flg) % 31 != 0 ||
      (flg & 0x20U) != 0) {
    return false;
  }
  const llvm::StringRef deflate = stream.drop_front(2);
#if LIBSYM_HAVE_LIBDEFLATE
  const std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> inflater(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  // No size returned: anything but exactly `size` bytes is an error (LIBDEFLATE_SHORT_OUTPUT).
  return inflater != nullptr &&
         libdeflate_deflate_decompress(inflater.get(), deflate.data(), deflate.size(), out, size,
                                       nullptr) == LIBDEFLATE_SUCCESS;
#else
  constexpr std::uint64_t kMax = std::numeric_limits<uInt>::max();
  if (deflate.size() > kMax || size > kMax) return false;
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return false;  // raw deflate: no check computed
  // zlib never writes through next_in; its type lacks the const (no ZLIB_CONST here).
  z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(deflate.data()));
  z.avail_in = static_cast<uInt>(deflate.size());
  z.next_out = out;
  z.avail_out = static_cast<uInt>(size);
  const int status = inflate(&z, Z_FINISH);
  const bool ok = status == Z_STREAM_END && z.total_out == size;
  inflateEnd(&z);
  return ok;
#endif
}

// Decompresses zstd frames of exactly `size` bytes in all into `out`. (LLVM's decompressor
// accepts frames that produce fewer bytes than the header claims and leaves the rest of the
// buffer as it was.) False when they do not.
bool inflate_zstd(llvm::StringRef frames, std::uint8_t* out, std::uint64_t size) {
  const std::size_t produced = ZSTD_decompress(out, size, frames.data(), frames.size());
  return ZSTD_isError(produced) == 0 && produced == size;
}

}  // namespace

SectionInflation::SectionInflation(const obj::ObjectFile& object) {
  for (const obj::SectionRef& section : object.sections()) {
    auto name = section.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    if (section.isBSS() || section.isVirtual()) continue;
    const bool gnu = name->starts_with(".zdebug_");
    if (!section.isCompressed() && !gnu) continue;
    const std::string key = dwarf_section_key(*name);
    if (!section_needed(key)) continue;
    const auto data = contents_of(section);
    if (!data) continue;
    if (gnu) {
      if (auto stream = gnu_compressed(*name, *data)) {
        jobs_.push_back({key, llvm::ELF::ELFCOMPRESS_ZLIB, stream->stream, stream->size});
      }
      continue;
    }
    // LLVM reads the header (and refuses what it would not decompress); the payload is
    // inflated here.
    const bool is_64 = object.getBytesInAddress() == 8;
    auto decompressor = obj::Decompressor::create(*name, *data, object.isLittleEndian(), is_64);
    if (!decompressor) {  // LLVM leaves out a section it cannot decompress
      llvm::consumeError(decompressor.takeError());
      continue;
    }
    if (auto compressed = compressed_payload(*data, object.isLittleEndian(), is_64)) {
      jobs_.push_back(
          {key, compressed->type, compressed->payload, decompressor->getDecompressedSize()});
    }
  }
  std::sort(jobs_.begin(), jobs_.end(),
            [](const Job& a, const Job& b) { return a.payload.size() > b.payload.size(); });
}

// The sections of every SectionInflation started ahead, for the process. Its threads end when
// nothing waits; a SectionInflation waits for those inflating its sections before it goes.
class InflationQueue {
 public:
  // Never destroyed: a SectionInflation may outlive static destruction (a static Symbolizer).
  static InflationQueue& instance() {
    static InflationQueue* const queue = new InflationQueue;
    return *queue;
  }
  InflationQueue(const InflationQueue&) = delete;
  InflationQueue& operator=(const InflationQueue&) = delete;

  // The jobs of `owner` not yet taken wait here (once); threads start as they are needed.
  void add(SectionInflation& owner) {
    const std::lock_guard lock(mutex_);
    if (owner.queued_) return;
    owner.queued_ = true;
    if (owner.taken_ < owner.jobs_.size()) waiting_.push_back(&owner);
    start_threads();
  }

  // The job of `owner` to inflate next on this thread, or null when every one is taken. Its
  // others still waiting are taken first by the queue's threads from now on.
  SectionInflation::Job* take_own(SectionInflation& owner) {
    const std::lock_guard lock(mutex_);
    owner.waited_for_ = true;
    return owner.taken_ < owner.jobs_.size() ? &owner.jobs_[owner.taken_++] : nullptr;
  }

  // Once every job of `owner` is taken: waits until none is being inflated by the queue's
  // threads.
  void wait_for(SectionInflation& owner) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&owner] { return owner.inflating_ahead_ == 0; });
  }

  // No job of `owner` is begun from now on; waits for those being inflated.
  void withdraw(SectionInflation& owner) {
    std::unique_lock lock(mutex_);
    owner.taken_ = owner.jobs_.size();
    std::erase(waiting_, &owner);
    changed_.notify_all();
    changed_.wait(lock, [&owner] { return owner.inflating_ahead_ == 0; });
  }

  void hold() {
    const std::lock_guard lock(mutex_);
    ++holds_;
  }
  void release() {
    const std::lock_guard lock(mutex_);
    if (--holds_ == 0) changed_.notify_all();
  }

 private:
  InflationQueue() = default;

  // Under the lock: threads up to worker_threads() - 1, no more than the jobs waiting. While
  // the queue is held they start (a thread takes about a millisecond to start here) and wait.
  void start_threads() {
    std::size_t left = 0;
    for (const SectionInflation* owner : waiting_) left += owner->jobs_.size() - owner->taken_;
    const std::size_t limit = std::min<std::size_t>(worker_threads() - 1, left);
    try {
      for (; threads_ < limit; ++threads_) std::thread([this] { work(); }).detach();
    } catch (const std::system_error&) {
      // No thread to be had: finish() inflates what is left on its own thread.
    }
  }

  // Under the lock: the file whose next section is taken next, null when none is left (files
  // with none are dropped). A file that finish() waits for comes first, then the largest
  // section. Linear in the files, not the sections: each file's are in order.
  SectionInflation* next() {
    std::erase_if(waiting_,
                  [](const SectionInflation* o) { return o->taken_ == o->jobs_.size(); });
    auto rank = [](const SectionInflation* o) {
      return std::pair(o->waited_for_, o->jobs_[o->taken_].payload.size());
    };
    const auto best = std::max_element(
        waiting_.begin(), waiting_.end(),
        [&rank](const SectionInflation* a, const SectionInflation* b) { return rank(a) < rank(b); });
    return best == waiting_.end() ? nullptr : *best;
  }

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return holds_ == 0 || next() == nullptr; });
      SectionInflation* owner = next();
      if (owner == nullptr) break;
      SectionInflation::Job& job = owner->jobs_[owner->taken_++];
      ++owner->inflating_ahead_;
      lock.unlock();
      SectionInflation::inflate(job);
      lock.lock();
      --owner->inflating_ahead_;
      changed_.notify_all();
    }
    --threads_;
  }

  std::mutex mutex_;
  std::condition_variable changed_;  // a job done, the queue released, an owner withdrawn
  std::vector<SectionInflation*> waiting_;  // files with sections not yet taken
  std::size_t threads_ = 0;
  unsigned holds_ = 0;
};

InflationHold::InflationHold() { InflationQueue::instance().hold(); }
InflationHold::~InflationHold() { InflationQueue::instance().release(); }

std::uint64_t SectionInflation::bytes() const {
  std::uint64_t sum = 0;
  for (const Job& job : jobs_) sum += job.size;
  return sum;
}

SectionInflation::~SectionInflation() {
  if (!jobs_.empty()) InflationQueue::instance().withdraw(*this);
}

void SectionInflation::start_ahead() {
  if (jobs_.empty() || worker_threads() < 2) return;
  InflationQueue::instance().add(*this);
}

void SectionInflation::finish(llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>>& sections,
                              std::vector<std::string>& failed) {
  if (!jobs_.empty()) {
    InflationQueue& queue = InflationQueue::instance();
    if (jobs_.size() > 1) start_ahead();
    while (Job* job = queue.take_own(*this)) inflate(*job);
    queue.wait_for(*this);
  }
  for (Job& job : jobs_) {
    if (!job.ok) {
      failed.push_back("." + job.name + " does not inflate to the " + std::to_string(job.size) +
                       " bytes its header claims (" +
                       (job.type == llvm::ELF::ELFCOMPRESS_ZSTD ? "zstd" : "zlib") + "); left out");
      continue;
    }
    const llvm::StringRef bytes(reinterpret_cast<const char*>(job.out.get()), job.size);
    sections[job.name] = llvm::MemoryBuffer::getMemBuffer(bytes, job.name, false);
  }
}

void SectionInflation::inflate(Job& job) {
  // A section of 2 MiB or more in whole 2 MiB blocks: where the allocator asks for huge pages
  // (the tools' jemalloc does), each block is one page fault instead of 512.
  constexpr std::uint64_t kHuge = std::uint64_t{2} << 20;
  const std::uint64_t align = job.size >= kHuge ? kHuge : 64;
  void* p = std::aligned_alloc(align, (std::max<std::uint64_t>(job.size, 1) + align - 1) / align *
                                          align);
  if (p == nullptr) return;  // said as not inflating to its size
  job.out = {static_cast<std::uint8_t*>(p), [](std::uint8_t* b) { std::free(b); }};
  job.ok = job.type == llvm::ELF::ELFCOMPRESS_ZLIB
               ? inflate_zlib(job.payload, job.out.get(), job.size)
               : inflate_zstd(job.payload, job.out.get(), job.size);
}

std::unique_ptr<llvm::DWARFContext> dwarf_from_sections(
    const obj::ObjectFile& object, SectionInflation& inflation,
    llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>>& sections,
    std::vector<std::string>& failed, bool thread_safe) {
  inflation.finish(sections, failed);
  for (const obj::SectionRef& section : object.sections()) {
    auto name = section.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    // Compressed ones, SHF_COMPRESSED or .zdebug, are inflation's (or left out).
    if (section.isBSS() || section.isVirtual() || section.isCompressed() ||
        name->starts_with(".zdebug_")) {
      continue;
    }
    const std::string key = dwarf_section_key(*name);
    if (!section_needed(key) || sections.count(key) != 0) continue;
    const auto data = contents_of(section);
    if (!data) continue;
    sections[key] = llvm::MemoryBuffer::getMemBuffer(*data, key, false);
  }
  auto ignore = [](llvm::Error e) { llvm::consumeError(std::move(e)); };
  return llvm::DWARFContext::create(sections, object.getBytesInAddress(), object.isLittleEndian(),
                                    ignore, ignore, thread_safe);
}

}  // namespace sym::detail

#include "unwind_table.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_map>

namespace sym::detail {
namespace {

// DW_EH_PE_* (the LSB's pointer encodings of .eh_frame and .eh_frame_hdr).
constexpr std::uint8_t kOmit = 0xff;
constexpr std::uint8_t kFormatMask = 0x0f;
constexpr std::uint8_t kAbsPtr = 0x00, kUleb128 = 0x01, kUdata2 = 0x02, kUdata4 = 0x03,
                       kUdata8 = 0x04, kSleb128 = 0x09, kSdata2 = 0x0a, kSdata4 = 0x0b,
                       kSdata8 = 0x0c;
constexpr std::uint8_t kApplicationMask = 0x70;
constexpr std::uint8_t kPcRel = 0x10, kDataRel = 0x30;
constexpr std::uint8_t kIndirect = 0x80;

// Reads within one span, in the file's byte order; any read past its end clears ok() and
// yields 0.
class Cursor {
 public:
  Cursor(std::span<const std::uint8_t> bytes, std::uint64_t pos, bool little_endian)
      : bytes_(bytes), pos_(pos), little_(little_endian) {
    if (pos > bytes.size()) ok_ = false;
  }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::uint64_t pos() const { return pos_; }

  std::uint64_t fixed(unsigned size) {
    if (!ok_ || bytes_.size() - pos_ < size) {
      ok_ = false;
      return 0;
    }
    std::uint64_t value = 0;
    for (unsigned i = 0; i < size; ++i) {
      const unsigned byte = little_ ? i : size - 1 - i;
      value |= static_cast<std::uint64_t>(bytes_[pos_ + byte]) << (8 * i);
    }
    pos_ += size;
    return value;
  }
  std::int64_t signed_fixed(unsigned size) {
    const std::uint64_t value = fixed(size);
    const unsigned shift = 64 - 8 * size;
    return shift == 0 ? static_cast<std::int64_t>(value)
                      : static_cast<std::int64_t>(value << shift) >> shift;
  }
  std::uint64_t uleb() {
    std::uint64_t value = 0;
    for (unsigned shift = 0;; shift += 7) {
      const std::uint8_t byte = static_cast<std::uint8_t>(fixed(1));
      if (!ok_) return 0;
      if (shift < 64) value |= static_cast<std::uint64_t>(byte & 0x7fU) << shift;
      if ((byte & 0x80U) == 0) return value;
    }
  }
  std::int64_t sleb() {
    std::uint64_t value = 0;
    unsigned shift = 0;
    std::uint8_t byte = 0;
    do {
      byte = static_cast<std::uint8_t>(fixed(1));
      if (!ok_) return 0;
      if (shift < 64) value |= static_cast<std::uint64_t>(byte & 0x7fU) << shift;
      shift += 7;
    } while ((byte & 0x80U) != 0);
    if (shift < 64 && (byte & 0x40U) != 0) value |= ~std::uint64_t{0} << shift;
    return static_cast<std::int64_t>(value);
  }
  std::string_view cstring() {
    if (!ok_) return {};
    const auto* begin = bytes_.data() + pos_;
    const void* nul = std::memchr(begin, 0, bytes_.size() - pos_);
    if (nul == nullptr) {
      ok_ = false;
      return {};
    }
    const auto length = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - begin);
    pos_ += length + 1;
    return {reinterpret_cast<const char*>(begin), length};
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::uint64_t pos_;
  bool little_;
  bool ok_ = true;
};

// A pointer encoded as `encoding` says, read at the cursor; `field` is the address the field is
// loaded at (for pcrel), `data_base` what datarel is relative to (.eh_frame_hdr's address; none
// in .eh_frame). Indirect pointers and the rarer applications are refused: their value is not
// a code address we can know here.
std::optional<std::uint64_t> read_pointer(Cursor& in, std::uint8_t encoding, std::uint64_t field,
                                          std::optional<std::uint64_t> data_base,
                                          const ElfFormat& format) {
  const bool is_64bit = format.is_64bit;
  std::uint64_t value = 0;
  switch (encoding & kFormatMask) {
    case kAbsPtr: value = in.fixed(is_64bit ? 8 : 4); break;
    case kUleb128: value = in.uleb(); break;
    case kUdata2: value = in.fixed(2); break;
    case kUdata4: value = in.fixed(4); break;
    case kUdata8: value = in.fixed(8); break;
    case kSleb128: value = static_cast<std::uint64_t>(in.sleb()); break;
    case kSdata2: value = static_cast<std::uint64_t>(in.signed_fixed(2)); break;
    case kSdata4: value = static_cast<std::uint64_t>(in.signed_fixed(4)); break;
    case kSdata8: value = static_cast<std::uint64_t>(in.signed_fixed(8)); break;
    default: return std::nullopt;
  }
  if (!in.ok() || (encoding & kIndirect) != 0) return std::nullopt;
  switch (encoding & kApplicationMask) {
    case 0: break;
    case kPcRel: value += field; break;
    case kDataRel:
      if (!data_base) return std::nullopt;
      value += *data_base;
      break;
    default: return std::nullopt;
  }
  if (!is_64bit) value &= 0xffffffffU;
  return value;
}

// One record of .eh_frame: a CIE (id 0) or an FDE (id: the distance back to its CIE).
struct Record {
  std::uint64_t offset = 0;   // of its length field
  std::uint64_t id_pos = 0;   // of its id field
  std::uint64_t body = 0;     // just after the id
  std::uint64_t end = 0;      // the next record's offset
  std::uint64_t id = 0;
  bool terminator = false;    // a zero length: the end of the table
};

std::optional<Record> record_at(std::span<const std::uint8_t> bytes, std::uint64_t offset,
                               const ElfFormat& format) {
  Cursor in(bytes, offset, format.little_endian);
  Record r;
  r.offset = offset;
  std::uint64_t length = in.fixed(4);
  unsigned id_size = 4;
  if (length == 0xffffffffU) {
    length = in.fixed(8);
    id_size = 8;
  }
  if (!in.ok()) return std::nullopt;
  if (length == 0) {
    r.terminator = true;
    r.end = in.pos();
    return r;
  }
  if (length > bytes.size() - in.pos() || length < id_size) return std::nullopt;
  r.end = in.pos() + length;
  r.id_pos = in.pos();
  r.id = in.fixed(id_size);
  r.body = in.pos();
  return r;
}

// The FDE pointer encoding a CIE gives its FDEs (absptr when it says none); none when the CIE
// cannot be read.
std::optional<std::uint8_t> fde_encoding(std::span<const std::uint8_t> bytes, const Record& cie,
                                         const ElfFormat& format) {
  if (cie.terminator || cie.id != 0) return std::nullopt;
  const auto record = bytes.first(cie.end);
  Cursor in(record, cie.body, format.little_endian);
  const auto version = static_cast<std::uint8_t>(in.fixed(1));
  if (version != 1 && version != 3 && version != 4) return std::nullopt;
  const std::string_view augmentation = in.cstring();
  if (version == 4) in.fixed(2);  // address_size, segment_selector_size
  if (augmentation.starts_with("eh")) in.fixed(format.is_64bit ? 8 : 4);  // GCC 2's eh_ptr
  in.uleb();                                        // code alignment
  in.sleb();                                        // data alignment
  if (version == 1) in.fixed(1); else in.uleb();    // return address register
  if (!in.ok()) return std::nullopt;
  std::uint8_t encoding = kAbsPtr;
  if (!augmentation.starts_with("z")) {
    // Without 'z' only an empty (or GCC 2 "eh") augmentation leaves the FDE layout known.
    if (!augmentation.empty() && augmentation != "eh") return std::nullopt;
    return encoding;
  }
  in.uleb();  // the augmentation data's length
  bool known = false;  // an 'R' was read
  for (const char c : augmentation.substr(1)) {
    switch (c) {
      case 'R':
        encoding = static_cast<std::uint8_t>(in.fixed(1));
        known = true;
        break;
      case 'L': in.fixed(1); break;  // the LSDA's encoding
      case 'P': {                    // the personality routine: its encoding, then the pointer
        const auto personality = static_cast<std::uint8_t>(in.fixed(1));
        // Only its size matters (an indirect or datarel pointer has one too).
        if (personality != kOmit &&
            !read_pointer(in, personality & kFormatMask, 0, std::nullopt, format)) {
          return known && in.ok() ? std::optional(encoding) : std::nullopt;
        }
        break;
      }
      case 'S':  // signal frame
      case 'B':  // AArch64 BTI
      case 'G':  // AArch64 MTE
        break;
      default:
        // Unknown: what follows cannot be read, but an 'R' before it stands.
        return known && in.ok() ? std::optional(encoding) : std::nullopt;
    }
    if (!in.ok()) return std::nullopt;
  }
  return encoding;
}

// The range of the FDE `fde`, with its CIE's pointer encoding.
std::optional<CodeRange> fde_range(const LoadedBytes& eh_frame, const Record& fde,
                                   std::uint8_t encoding, const ElfFormat& format) {
  if (encoding == kOmit) return std::nullopt;
  Cursor in(eh_frame.bytes.first(fde.end), fde.body, format.little_endian);
  const std::uint64_t field = eh_frame.address + fde.body;
  const auto begin = read_pointer(in, encoding, field, std::nullopt, format);
  const auto length = read_pointer(in, encoding & kFormatMask, 0, std::nullopt, format);
  if (!begin || !length || *length == 0 || *begin + *length < *begin) return std::nullopt;
  return CodeRange{*begin, *begin + *length};
}

// The CIE an FDE refers to: `id` bytes before its id field.
std::optional<Record> cie_of(std::span<const std::uint8_t> bytes, const Record& fde,
                            const ElfFormat& format) {
  if (fde.id == 0 || fde.id > fde.id_pos) return std::nullopt;
  auto cie = record_at(bytes, fde.id_pos - fde.id, format);
  if (!cie || cie->terminator || cie->id != 0) return std::nullopt;
  return cie;
}

}  // namespace

std::optional<std::uint64_t> eh_frame_address(LoadedBytes eh_frame_hdr, ElfFormat format) {
  Cursor in(eh_frame_hdr.bytes, 0, format.little_endian);
  const auto version = in.fixed(1);
  const auto ptr_encoding = static_cast<std::uint8_t>(in.fixed(1));
  in.fixed(2);  // the encodings of fde_count and the table
  if (!in.ok() || version != 1 || ptr_encoding == kOmit) return std::nullopt;
  return read_pointer(in, ptr_encoding, eh_frame_hdr.address + in.pos(), eh_frame_hdr.address,
                      format);
}

UnwindTable::UnwindTable(LoadedBytes eh_frame, LoadedBytes eh_frame_hdr, ElfFormat format)
    : eh_frame_(eh_frame), hdr_(eh_frame_hdr), format_(format) {
  // version 1, then the encodings of eh_frame_ptr, fde_count and the table.
  Cursor in(hdr_.bytes, 0, format_.little_endian);
  const auto version = in.fixed(1);
  const auto ptr_encoding = static_cast<std::uint8_t>(in.fixed(1));
  const auto count_encoding = static_cast<std::uint8_t>(in.fixed(1));
  const auto table_encoding = static_cast<std::uint8_t>(in.fixed(1));
  if (!in.ok() || version != 1 || ptr_encoding == kOmit || count_encoding == kOmit) return;
  const auto eh_frame_ptr =
      read_pointer(in, ptr_encoding, hdr_.address + in.pos(), hdr_.address, format_);
  const auto count = read_pointer(in, count_encoding, hdr_.address + in.pos(), hdr_.address,
                                  format_);
  // What GNU ld, gold, lld and mold write: datarel sdata4 pairs, for this very .eh_frame.
  constexpr std::uint8_t kDataRelSdata4 = kDataRel | kSdata4;
  if (!eh_frame_ptr || !count || table_encoding != kDataRelSdata4 ||
      *eh_frame_ptr != eh_frame_.address) {
    return;
  }
  const std::uint64_t rest = hdr_.bytes.size() - in.pos();
  if (*count == 0 || *count > rest / 8) return;
  index_ = hdr_.bytes.subspan(in.pos(), *count * 8);
}

std::optional<CodeRange> UnwindTable::fde_at(std::uint64_t offset) const {
  const auto fde = record_at(eh_frame_.bytes, offset, format_);
  if (!fde || fde->terminator || fde->id == 0) return std::nullopt;
  const auto cie = cie_of(eh_frame_.bytes, *fde, format_);
  if (!cie) return std::nullopt;
  const auto encoding = fde_encoding(eh_frame_.bytes, *cie, format_);
  if (!encoding) return std::nullopt;
  return fde_range(eh_frame_, *fde, *encoding, format_);
}

std::optional<CodeRange> UnwindTable::find_indexed(std::uint64_t vaddr) const {
  const std::size_t count = index_.size() / 8;
  auto entry = [&](std::size_t i, unsigned field) {
    Cursor in(index_, i * 8 + field * 4, format_.little_endian);
    const std::uint64_t address = hdr_.address + static_cast<std::uint64_t>(in.signed_fixed(4));
    return format_.is_64bit ? address : address & 0xffffffffU;  // as read_pointer's
  };
  // The last entry starting at or before vaddr.
  std::size_t lo = 0, hi = count;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (entry(mid, 0) <= vaddr) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return std::nullopt;
  const std::uint64_t initial = entry(lo - 1, 0);
  const std::uint64_t fde = entry(lo - 1, 1);
  if (fde < eh_frame_.address || fde - eh_frame_.address >= eh_frame_.bytes.size()) {
    return std::nullopt;
  }
  auto range = fde_at(fde - eh_frame_.address);
  // The index must agree with the FDE it points at.
  if (!range || range->begin != initial || vaddr >= range->end) return std::nullopt;
  return range;
}

const std::vector<CodeRange>& UnwindTable::all() const {
  std::call_once(scanned_, [this] {
    const auto bytes = eh_frame_.bytes;
    std::unordered_map<std::uint64_t, std::optional<std::uint8_t>> encodings;  // by CIE offset
    for (std::uint64_t offset = 0; offset < bytes.size();) {
      const auto record = record_at(bytes, offset, format_);
      if (!record || record->terminator) break;
      offset = record->end;
      if (record->id == 0) continue;  // a CIE, read when an FDE names it
      const auto cie = cie_of(bytes, *record, format_);
      if (!cie) continue;
      auto [it, fresh] = encodings.try_emplace(cie->offset);
      if (fresh) it->second = fde_encoding(bytes, *cie, format_);
      if (!it->second) continue;
      if (auto range = fde_range(eh_frame_, *record, *it->second, format_)) {
        scan_.push_back(*range);
      }
    }
    std::sort(scan_.begin(), scan_.end());
  });
  return scan_;
}

std::optional<CodeRange> UnwindTable::find(std::uint64_t vaddr) const {
  if (!index_.empty()) return find_indexed(vaddr);
  const std::vector<CodeRange>& table = all();
  auto it = std::upper_bound(table.begin(), table.end(), vaddr,
                             [](std::uint64_t v, const CodeRange& r) { return v < r.begin; });
  if (it == table.begin()) return std::nullopt;
  --it;
  if (vaddr >= it->end) return std::nullopt;
  return *it;
}

}  // namespace sym::detail

// Filling a vector whose final size is known only once it is full, but bounded beforehand (the
// rows of a line program, the DIEs with children of a unit), without growing it.
//
// Reserving the bound in place costs nothing for a large bound: the allocator hands out whole
// pages and those the elements do not reach are never touched. A small bound is another matter:
// it lands in a slab beside other blocks, and its untouched tail still shares pages with them,
// so every small table costs a page or more. A file with thousands of small units (libc6-dbg:
// 2 063) then touched 16 MB for tables holding a few. A small table is filled in a scratch
// vector of this thread, reserved to the bound and reused, and copied out at its exact size.
#pragma once

#include <cstddef>
#include <vector>

namespace sym::detail {

template <class T>
class DenseFill {
 public:
  // Bounds of at least this many bytes are reserved in place.
  static constexpr std::size_t kInPlaceBytes = std::size_t{64} << 10;

  // Fills `out` (cleared) with room for `bound` elements.
  DenseFill(std::vector<T>& out, std::size_t bound) : out_(out) {
    out_.clear();
    Scratch& s = scratch();
    if (bound * sizeof(T) >= kInPlaceBytes || s.busy) {
      out_.reserve(bound);
      target_ = &out_;
    } else {
      s.busy = true;
      s.items.clear();
      s.items.reserve(bound);
      target_ = &s.items;
    }
  }
  DenseFill(const DenseFill&) = delete;
  DenseFill& operator=(const DenseFill&) = delete;
  // Copies a scratch-filled table out, at its size.
  ~DenseFill() {
    if (target_ == &out_) return;
    Scratch& s = scratch();
    out_.assign(s.items.begin(), s.items.end());
    s.items.clear();
    s.busy = false;
  }

  // The vector to fill (push_back within the bound; read and change what is in it).
  [[nodiscard]] std::vector<T>& operator*() const { return *target_; }
  [[nodiscard]] std::vector<T>* operator->() const { return target_; }

 private:
  struct Scratch {
    std::vector<T> items;
    bool busy = false;  // a fill of this thread is using it (one inside another fills in place)
  };
  static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }

  std::vector<T>& out_;
  std::vector<T>* target_;
};

}  // namespace sym::detail

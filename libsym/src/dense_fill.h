// Filling a vector whose final size is known only once it is full, but bounded beforehand (the
// rows of a line program, the DIEs with children of a unit), without growing it.
//
// A table reserved to its bound in place costs more than its elements. A small bound lands in a
// slab beside other blocks, and its untouched tail still shares pages with them, so every small
// table costs a page or more: a file with thousands of small units (libc6-dbg: 2 063) touched
// 16 MB for tables holding a few. A large bound leaves its tail untouched, but where memory comes
// in transparent huge pages (the tools ask jemalloc for them: tools/allocator.cpp; and any
// allocation on a system with THP "always") every 2 MiB block the table reaches is backed whole:
// 140 MB more for the tables of one large C++ program. So each table is filled in a scratch
// vector of this thread, reserved to the bound and reused, and copied out at its exact size;
// the scratch keeps what the thread's largest table touched.
#pragma once

#include <cstddef>
#include <vector>

namespace sym::detail {

template <class T>
class DenseFill {
 public:
  // Fills `out` (cleared) with room for `bound` elements.
  DenseFill(std::vector<T>& out, std::size_t bound) : out_(out) {
    out_.clear();
    Scratch& s = scratch();
    if (s.busy) {  // a fill inside another of this thread: in place, trimmed at the end
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
  // Copies the table out (or trims it), at its size.
  ~DenseFill() {
    if (target_ == &out_) {
      out_.shrink_to_fit();
      return;
    }
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
    bool busy = false;  // a fill of this thread is using it
  };
  static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }

  std::vector<T>& out_;
  std::vector<T>* target_;
};

}  // namespace sym::detail

// Fixed-capacity ring buffer: pushing onto a full buffer overwrites the oldest element. Used for
// per-parameter grad-norm histories and the recent part of the loss history, where memory must
// stay bounded however long training runs. Storage is allocated once, in the constructor.
#pragma once

#include <cassert>
#include <cstddef>
#include <utility>
#include <vector>

namespace rnnscope {

template <class T>
class RingBuffer {
 public:
  // capacity 0 is allowed (a default-constructed buffer) and keeps nothing.
  explicit RingBuffer(std::size_t capacity = 0) : slots_(capacity) {}

  std::size_t capacity() const { return slots_.size(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == slots_.size(); }

  // Appends as the newest element; when full, the oldest is overwritten.
  void Push(T value) {
    if (slots_.empty()) return;
    slots_[(head_ + size_) % slots_.size()] = std::move(value);
    if (full()) head_ = (head_ + 1) % slots_.size();
    else ++size_;
  }

  // Removes the oldest element. Precondition: !empty().
  void PopFront() {
    assert(!empty());
    head_ = (head_ + 1) % slots_.size();
    --size_;
  }

  // Removes the newest element. Precondition: !empty().
  void PopBack() {
    assert(!empty());
    --size_;
  }

  void Clear() {
    head_ = 0;
    size_ = 0;
  }

  // i = 0 is the oldest, size() - 1 the newest.
  const T& operator[](std::size_t i) const {
    assert(i < size_);
    return slots_[(head_ + i) % slots_.size()];
  }
  T& operator[](std::size_t i) {
    assert(i < size_);
    return slots_[(head_ + i) % slots_.size()];
  }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[size_ - 1]; }

  // Appends the contents, oldest first, to `out` (e.g. into a Snapshot's vector).
  void AppendTo(std::vector<T>& out) const {
    out.reserve(out.size() + size_);
    for (std::size_t i = 0; i < size_; ++i) out.push_back((*this)[i]);
  }
  std::vector<T> ToVector() const {
    std::vector<T> out;
    AppendTo(out);
    return out;
  }

 private:
  std::vector<T> slots_;
  std::size_t head_ = 0;  // index of the oldest element
  std::size_t size_ = 0;
};

}  // namespace rnnscope

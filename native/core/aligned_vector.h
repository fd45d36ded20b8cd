// std::vector with 64-byte aligned storage: rows start on cache lines, so SIMD loads do not split lines and
// buffers owned by different threads never share a line.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace spikegrad {

template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() noexcept = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    void* p = nullptr;
    const std::size_t bytes = n * sizeof(T);
    if (posix_memalign(&p, 64, bytes == 0 ? 64 : bytes) != 0) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }
};

template <class T, class U>
bool operator==(const AlignedAllocator<T>&, const AlignedAllocator<U>&) {
  return true;
}
template <class T, class U>
bool operator!=(const AlignedAllocator<T>&, const AlignedAllocator<U>&) {
  return false;
}

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

// Grows (never shrinks) a buffer; called outside time loops so hot code never allocates.
template <class T>
void ensure_size(AlignedVector<T>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace spikegrad

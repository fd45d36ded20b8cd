// std::vector with 64-byte aligned storage: rows start on cache lines, so SIMD loads do not split lines and
// buffers owned by different threads never share a line. Buffers of 2 MiB or more start on a 2 MiB boundary and
// ask Linux for transparent huge pages (Debian's default is 'madvise': only asked-for ranges get them): the
// passes pick weight and gradient rows by spike, one 4 KiB page per row of a 1024-wide layer, so with small
// pages nearly every row is a TLB miss (huge pages measured 20-25 % faster forward passes on the large benchmark).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace spikegrad {

constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() noexcept = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    void* p = nullptr;
    const std::size_t bytes = n * sizeof(T);
    constexpr std::size_t kHuge = std::size_t{2} << 20;
    const bool huge = bytes >= kHuge;
    if (posix_memalign(&p, huge ? kHuge : 64, bytes == 0 ? 64 : bytes) != 0) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (huge) madvise(p, (bytes + kHuge - 1) / kHuge * kHuge, MADV_HUGEPAGE);
#endif
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

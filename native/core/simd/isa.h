// Instruction-set levels the hot code is compiled for. Each hot function body is an always-inline template,
// instantiated once per level inside a wrapper carrying a GCC target attribute (isa_dispatch.cpp), and the
// level is picked at run time. So one binary uses AVX-512 where present and still runs on any x86-64 CPU,
// with no -march flag in a prebuilt addon.
#pragma once

#if defined(__GNUC__)
#define SG_INLINE inline __attribute__((always_inline))
#else
#define SG_INLINE inline
#endif

namespace spikegrad {

// W: floats per vector register. GEMM tile: MR rows x NV vectors held in registers; PW = NV * W is the width
// of a packed B panel (pack_panels).
struct IsaAvx512 {
  static constexpr int W = 16;
  static constexpr int MR = 6;
  static constexpr int NV = 4;  // 24 zmm accumulators of 32, 4 for B and one broadcast
  static constexpr int PW = W * NV;
};
struct IsaAvx2 {
  static constexpr int W = 8;
  static constexpr int MR = 4;
  static constexpr int NV = 2;  // 8 ymm accumulators of 16
  static constexpr int PW = W * NV;
};
struct IsaGeneric {
  static constexpr int W = 4;
  static constexpr int MR = 2;
  static constexpr int NV = 2;
  static constexpr int PW = W * NV;
};

// Floats of a packed B panel set (pack_transposed in kernels.h): ceil(N / PW) panels of K x PW.
inline long long packed_panels_size(int N, int K, int PW) { return static_cast<long long>((N + PW - 1) / PW) * K * PW; }

// A GCC vector of W floats that may be loaded from and stored to unaligned addresses.
template <int W>
struct FloatVector {
  typedef float type __attribute__((vector_size(W * 4), aligned(4)));
};

}  // namespace spikegrad

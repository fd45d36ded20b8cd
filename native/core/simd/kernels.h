// The per-step kernels of the LIF network. Plain loops written so GCC vectorizes them in the caller's target
// (they are always inlined into the per-ISA wrappers), plus a register-tiled GEMM for the dense backward products.
#pragma once

#include <cstdint>
#include <cstring>

#include "../spec.h"
#include "../surrogate.h"
#include "isa.h"

namespace spikegrad {

// One forward step of n LIF neurons, in place (DESIGN.md section 1):
//   S[n] = U[n] > threshold;  pre_reset = a_mem U[n] + (1 - a_mem) I[n];  U[n+1] = S ? 0 : pre_reset;
//   I <- a_syn I[n]  (the caller then adds this step's input and recurrent rows to get I[n+1]).
// pre_reset is what BPTT needs later: U[n+1] (via the spike mask) and dU[n+1]/dS[n] = -pre_reset.
SG_INLINE void lif_step(float* __restrict membrane, float* __restrict current, float* __restrict pre_reset,
                        std::uint8_t* __restrict spikes, float* __restrict counts, int n, const Decays& d,
                        float threshold) {
  const float a_mem = d.mem, mem_in = d.mem_in, a_syn = d.syn;
  for (int i = 0; i < n; ++i) {
    const float u = membrane[i];
    const float c = current[i];
    const bool s = u > threshold;
    const float p = a_mem * u + mem_in * c;
    pre_reset[i] = p;
    membrane[i] = s ? 0.0f : p;
    current[i] = a_syn * c;
    spikes[i] = s ? 1 : 0;
    counts[i] += s ? 1.0f : 0.0f;
  }
}

// y += x: one presynaptic spike adds one weight row.
SG_INLINE void add_row(float* __restrict y, const float* __restrict x, int n) {
  for (int i = 0; i < n; ++i) y[i] += x[i];
}

// y += a x: an analog input value times its weight row.
SG_INLINE void add_scaled_row(float* __restrict y, const float* __restrict x, float a, int n) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

// Indices of the nonzero bytes of a 0/1 spike mask, in increasing order. Reads 8 bytes at a time: at typical
// activity most words are zero or hold one spike.
SG_INLINE int collect_spikes(const std::uint8_t* __restrict mask, int n, std::int32_t* __restrict out) {
  int count = 0;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, mask + i, 8);
    while (word != 0) {
      out[count++] = i + (__builtin_ctzll(word) >> 3);
      word &= word - 1;  // mask bytes are 0 or 1, so each spike is exactly one set bit
    }
  }
  for (; i < n; ++i) {
    if (mask[i]) out[count++] = i;
  }
  return count;
}

// One backward step of n neurons, from the adjoints at step n+1 to those at step n:
//   gU[n] = a_mem (1 - S[n]) gU[n+1] + h(U[n] - threshold) gS[n]
//   gI[n] = (1 - a_mem)(1 - S[n]) gU[n+1] + a_syn gI[n+1]
// with U[n] = S[n-1] ? 0 : pre_reset[n] (pre_reset[0] = 0, so any mask works for prev at n = 0).
template <SurrogateShape Shape>
SG_INLINE void lif_backward_step(float* __restrict grad_membrane, float* __restrict grad_current,
                                 const float* __restrict grad_spikes, const float* __restrict pre_reset,
                                 const std::uint8_t* __restrict spikes, const std::uint8_t* __restrict spikes_prev,
                                 int n, const Decays& d, const SurrogateParams& sg) {
  const float a_mem = d.mem, mem_in = d.mem_in, a_syn = d.syn;
  const float beta = sg.beta, factor = sg.factor, threshold = sg.threshold;
  for (int i = 0; i < n; ++i) {
    // Multiplying by 0/1 instead of selecting keeps every load unconditional, which GCC needs to vectorize
    // the exp-based shapes (a conditional load becomes a masked load it cannot combine with them).
    const float not_spiked = 1.0f - static_cast<float>(spikes[i]);
    const float u = pre_reset[i] * (1.0f - static_cast<float>(spikes_prev[i]));
    const float h = factor * surrogate_h<Shape>(u - threshold, beta);
    const float gu = not_spiked * grad_membrane[i];
    grad_membrane[i] = a_mem * gu + h * grad_spikes[i];
    grad_current[i] = mem_in * gu + a_syn * grad_current[i];
  }
}

// C[MR x NV*W] += op(A)[MR x K] B[K x NV*W], accumulators in registers. op(A) is A [MR x K] (row stride lda) or,
// with TransA, the transpose of A [K x MR] (row stride lda).
template <class Isa, int MR, int NV, bool TransA>
SG_INLINE void gemm_tile(int K, const float* __restrict A, int lda, const float* __restrict B, int ldb,
                         float* __restrict C, int ldc) {
  typedef typename FloatVector<Isa::W>::type vec;
  constexpr int W = Isa::W;
  vec acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int q = 0; q < NV; ++q) acc[r][q] = *reinterpret_cast<const vec*>(C + r * ldc + q * W);
  for (int k = 0; k < K; ++k) {
    vec b[NV];
    for (int q = 0; q < NV; ++q) b[q] = *reinterpret_cast<const vec*>(B + static_cast<long>(k) * ldb + q * W);
    for (int r = 0; r < MR; ++r) {
      const float a = TransA ? A[static_cast<long>(k) * lda + r] : A[r * static_cast<long>(lda) + k];
      for (int q = 0; q < NV; ++q) acc[r][q] += a * b[q];
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int q = 0; q < NV; ++q) *reinterpret_cast<vec*>(C + r * ldc + q * W) = acc[r][q];
}

template <class Isa, int NV, bool TransA>
SG_INLINE void gemm_column_panel(int M, int K, const float* __restrict A, int lda, const float* __restrict B,
                                 int ldb, float* __restrict C, int ldc) {
  constexpr int MR = Isa::MR;
  // Row i of op(A) starts at A + i*lda (plain) or A + i (transposed).
  const long step = TransA ? 1 : lda;
  int i = 0;
  for (; i + MR <= M; i += MR) gemm_tile<Isa, MR, NV, TransA>(K, A + i * step, lda, B, ldb, C + static_cast<long>(i) * ldc, ldc);
  for (; i < M; ++i) gemm_tile<Isa, 1, NV, TransA>(K, A + i * step, lda, B, ldb, C + static_cast<long>(i) * ldc, ldc);
}

// C[M x N] += op(A)[M x K] B[K x N], row-major. K is cut into blocks so that the B panel a column sweep reuses
// ([kc x NV*W], 128 KB at most) stays in L2 while all M rows pass over it.
template <class Isa, bool TransA>
SG_INLINE void gemm_blocked(int M, int N, int K, const float* __restrict A, int lda, const float* __restrict B,
                            int ldb, float* __restrict C, int ldc) {
  constexpr int W = Isa::W, NV = Isa::NV;
  constexpr int KC = 512;
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = K - k0 < KC ? K - k0 : KC;
    const float* Ak = TransA ? A + static_cast<long>(k0) * lda : A + k0;
    const float* Bk = B + static_cast<long>(k0) * ldb;
    int j = 0;
    for (; j + W * NV <= N; j += W * NV) gemm_column_panel<Isa, NV, TransA>(M, kc, Ak, lda, Bk + j, ldb, C + j, ldc);
    for (; j + W <= N; j += W) gemm_column_panel<Isa, 1, TransA>(M, kc, Ak, lda, Bk + j, ldb, C + j, ldc);
    if (j < N) {
      for (int i = 0; i < M; ++i) {
        float* __restrict c = C + static_cast<long>(i) * ldc;
        for (int k = 0; k < kc; ++k) {
          const float a = TransA ? Ak[static_cast<long>(k) * lda + i] : Ak[static_cast<long>(i) * lda + k];
          const float* __restrict b = Bk + static_cast<long>(k) * ldb;
          for (int jj = j; jj < N; ++jj) c[jj] += a * b[jj];
        }
      }
    }
  }
}

// C[M x N] += A[M x K] B[K x N], all row-major.
template <class Isa>
SG_INLINE void gemm_accumulate(int M, int N, int K, const float* __restrict A, int lda, const float* __restrict B,
                               int ldb, float* __restrict C, int ldc) {
  gemm_blocked<Isa, false>(M, N, K, A, lda, B, ldb, C, ldc);
}

// C[M x N] += A^T B with A stored [K x M] (row stride lda): the weight gradient X^T G of dense input.
template <class Isa>
SG_INLINE void gemm_at_b_accumulate(int M, int N, int K, const float* __restrict A, int lda,
                                    const float* __restrict B, int ldb, float* __restrict C, int ldc) {
  gemm_blocked<Isa, true>(M, N, K, A, lda, B, ldb, C, ldc);
}

}  // namespace spikegrad

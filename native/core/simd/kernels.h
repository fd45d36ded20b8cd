// The per-step kernels of the LIF network. Plain loops written so GCC vectorizes them in the caller's target
// (they are always inlined into the per-ISA wrappers), plus a register-tiled GEMM for the dense backward products.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "../spec.h"
#include "../surrogate.h"
#include "isa.h"

namespace spikegrad {

// One forward step of n LIF neurons, in place (docs/design.md section 1):
//   S[n] = U[n] > threshold;  pre_reset = a_mem U[n] + (1 - a_mem) I[n];  U[n+1] = S ? 0 : pre_reset;
//   I <- a_syn I[n]  (the caller then adds this step's input and recurrent rows to get I[n+1]).
// pre_reset is what BPTT needs later: U[n+1] (via the spike mask) and dU[n+1]/dS[n] = -pre_reset.
SG_INLINE void lif_step_portable(float* __restrict membrane, float* __restrict current, float* __restrict pre_reset,
                                 std::uint8_t* __restrict spikes, float* __restrict counts, int begin, int n,
                                 const Decays& d, float threshold) {
  const float a_mem = d.mem, mem_in = d.mem_in, a_syn = d.syn;
  for (int i = begin; i < n; ++i) {
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

#if defined(__x86_64__) && defined(__GNUC__)
// The same step with AVX-512 masks: the compare mask becomes the 16 spike bytes in one masked move. (Vectorized
// automatically, the bytes come from a chain of lane permutes that cost a fifth of the forward pass.) Same
// operations as lif_step_portable, so the same results.
__attribute__((target("arch=x86-64-v4"))) inline void lif_step_avx512(float* __restrict membrane, float* __restrict current,
                                                                        float* __restrict pre_reset, std::uint8_t* __restrict spikes,
                                                                        float* __restrict counts, int n, const Decays& d,
                                                                        float threshold, bool stream) {
  const __m512 a_mem = _mm512_set1_ps(d.mem), mem_in = _mm512_set1_ps(d.mem_in), a_syn = _mm512_set1_ps(d.syn);
  const __m512 th = _mm512_set1_ps(threshold), one = _mm512_set1_ps(1.0f);
  const __m128i byte_one = _mm_set1_epi8(1);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 u = _mm512_loadu_ps(membrane + i);
    const __m512 c = _mm512_loadu_ps(current + i);
    const __mmask16 s = _mm512_cmp_ps_mask(u, th, _CMP_GT_OQ);
    const __m512 p = _mm512_fmadd_ps(a_mem, u, _mm512_mul_ps(mem_in, c));
    if (stream) {
      _mm512_stream_ps(pre_reset + i, p);
    } else {
      _mm512_storeu_ps(pre_reset + i, p);
    }
    _mm512_storeu_ps(membrane + i, _mm512_maskz_mov_ps(static_cast<__mmask16>(~s), p));
    _mm512_storeu_ps(current + i, _mm512_mul_ps(a_syn, c));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(spikes + i), _mm_maskz_mov_epi8(s, byte_one));
    _mm512_storeu_ps(counts + i, _mm512_mask_add_ps(_mm512_loadu_ps(counts + i), s, _mm512_loadu_ps(counts + i), one));
  }
  if (i < n) {
    // The last n % 16 neurons with the same operations under a lane mask (masked-off lanes are neither read nor
    // written) instead of a scalar loop, which pays a hard-to-predict spike branch per neuron.
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    const __m512 u = _mm512_maskz_loadu_ps(m, membrane + i);
    const __m512 c = _mm512_maskz_loadu_ps(m, current + i);
    const __mmask16 s = _mm512_mask_cmp_ps_mask(m, u, th, _CMP_GT_OQ);
    const __m512 p = _mm512_fmadd_ps(a_mem, u, _mm512_mul_ps(mem_in, c));
    _mm512_mask_storeu_ps(pre_reset + i, m, p);
    _mm512_mask_storeu_ps(membrane + i, m, _mm512_maskz_mov_ps(static_cast<__mmask16>(~s), p));
    _mm512_mask_storeu_ps(current + i, m, _mm512_mul_ps(a_syn, c));
    _mm_mask_storeu_epi8(spikes + i, m, _mm_maskz_mov_epi8(s, byte_one));
    const __m512 k = _mm512_maskz_loadu_ps(m, counts + i);
    _mm512_mask_storeu_ps(counts + i, m, _mm512_mask_add_ps(k, s, k, one));
  }
}
#endif

// stream: pre_reset goes to the BPTT state, read back only by the chunk's backward pass after its forward pass;
// non-temporal stores skip reading its cache lines from memory first (a write-allocate), which the forward pass
// otherwise spends a sixth of its time on. Only for 64-byte aligned rows; the caller fences before the backward.
template <class Isa>
SG_INLINE void lif_step(float* __restrict membrane, float* __restrict current, float* __restrict pre_reset,
                        std::uint8_t* __restrict spikes, float* __restrict counts, int n, const Decays& d,
                        float threshold, bool stream = false) {
#if defined(__x86_64__) && defined(__GNUC__)
  if constexpr (Isa::W == 16) {
    return lif_step_avx512(membrane, current, pre_reset, spikes, counts, n, d, threshold,
                           stream && (reinterpret_cast<std::uintptr_t>(pre_reset) & 63) == 0);
  }
#endif
  (void)stream;
  lif_step_portable(membrane, current, pre_reset, spikes, counts, 0, n, d, threshold);
}

// Compact state (memory: 'compact'): the pre-reset membrane stored as bfloat16 of (value - threshold), rounded to
// nearest even. Relative to the threshold, the precision (8 bits of mantissa) is finest where the surrogate
// derivative is steepest; the forward pass itself stays float32.
SG_INLINE void store_bf16_shifted(const float* __restrict src, int n, float shift, std::uint16_t* __restrict dst) {
  for (int i = 0; i < n; ++i) {
    const float x = src[i] - shift;
    std::uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    dst[i] = static_cast<std::uint16_t>(bits >> 16);
  }
}

SG_INLINE void load_bf16_shifted(const std::uint16_t* __restrict src, int n, float shift, float* __restrict dst) {
  for (int i = 0; i < n; ++i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(src[i]) << 16;
    float x;
    std::memcpy(&x, &bits, sizeof x);
    dst[i] = x + shift;
  }
}

// Row `at` of a layer's stored pre-reset membrane as floats: the stored row itself, or (compact state) the
// bfloat16 row converted into `temp`.
SG_INLINE const float* pre_reset_values(bool compact, const float* stored, const std::uint16_t* stored_compact,
                                        std::int64_t at, int n, float threshold, float* temp) {
  if (!compact) return stored + at;
  load_bf16_shifted(stored_compact + at, n, threshold, temp);
  return temp;
}

// Asks the caches for `bytes` from p on, one request per 64-byte line: for rows that a pass reads soon from more
// interleaved address streams than the hardware prefetchers follow (one row per sample of a chunk at each step).
SG_INLINE void prefetch_bytes(const void* p, int bytes) {
  const char* c = static_cast<const char*>(p);
  for (int k = 0; k < bytes; k += 64) __builtin_prefetch(c + k, 0, 3);
}

// y += x: one presynaptic spike adds one weight row.
SG_INLINE void add_row(float* __restrict y, const float* __restrict x, int n) {
  for (int i = 0; i < n; ++i) y[i] += x[i];
}

#if defined(__x86_64__) && defined(__GNUC__)
// add_rows_to's last n - j < 16 columns under a lane mask (the readout's rows are 10 wide), in the same order of
// additions per column as the scalar loop.
__attribute__((target("arch=x86-64-v4"))) inline void add_rows_to_tail_avx512(
    float* __restrict y, int n, const float* __restrict a, long stride_a, const std::int32_t* __restrict rows_a,
    int count_a, const float* __restrict b, long stride_b, const std::int32_t* __restrict rows_b, int count_b, int j) {
  const __mmask16 m = static_cast<__mmask16>((1u << (n - j)) - 1u);
  __m512 acc = _mm512_maskz_loadu_ps(m, y + j);
  for (int i = 0; i < count_a; ++i) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, a + rows_a[i] * stride_a + j));
  for (int i = 0; i < count_b; ++i) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, b + rows_b[i] * stride_b + j));
  _mm512_mask_storeu_ps(y + j, m, acc);
}
#endif

// y += sum of the rows a[rows_a[i]] (i < count_a) and b[rows_b[i]] (i < count_b), rows of n floats at strides
// stride_a / stride_b: a step's input events and recurrent spikes together. y is held in registers one block of
// columns at a time while every row streams through, instead of being loaded and stored once per row.
// Block: vectors per column block (0: 8, or 4 for SSE).
template <class Isa, int Block = 0>
SG_INLINE void add_rows_to(float* __restrict y, int n, const float* __restrict a, long stride_a,
                           const std::int32_t* __restrict rows_a, int count_a, const float* __restrict b,
                           long stride_b, const std::int32_t* __restrict rows_b, int count_b) {
  typedef typename FloatVector<Isa::W>::type vec;
  constexpr int W = Isa::W;
  constexpr int NB = Block > 0 ? Block : (Isa::W == 4 ? 4 : 8);
  int j = 0;
  for (; j + NB * W <= n; j += NB * W) {
    vec acc[NB];
    for (int q = 0; q < NB; ++q) acc[q] = *reinterpret_cast<const vec*>(y + j + q * W);
    // Rows are picked by spikes, so no hardware prefetcher sees them coming: fetch a few rows ahead.
    constexpr int kAhead = 4;
    for (int i = 0; i < count_a; ++i) {
      if (i + kAhead < count_a) {
        const char* next = reinterpret_cast<const char*>(a + rows_a[i + kAhead] * stride_a + j);
        for (int q = 0; q < NB * W * 4; q += 64) __builtin_prefetch(next + q);
      }
      const float* row = a + rows_a[i] * stride_a + j;
      for (int q = 0; q < NB; ++q) acc[q] += *reinterpret_cast<const vec*>(row + q * W);
    }
    for (int i = 0; i < count_b; ++i) {
      if (i + kAhead < count_b) {
        const char* next = reinterpret_cast<const char*>(b + rows_b[i + kAhead] * stride_b + j);
        for (int q = 0; q < NB * W * 4; q += 64) __builtin_prefetch(next + q);
      }
      const float* row = b + rows_b[i] * stride_b + j;
      for (int q = 0; q < NB; ++q) acc[q] += *reinterpret_cast<const vec*>(row + q * W);
    }
    for (int q = 0; q < NB; ++q) *reinterpret_cast<vec*>(y + j + q * W) = acc[q];
  }
  for (; j + W <= n; j += W) {
    vec acc = *reinterpret_cast<const vec*>(y + j);
    for (int i = 0; i < count_a; ++i) acc += *reinterpret_cast<const vec*>(a + rows_a[i] * stride_a + j);
    for (int i = 0; i < count_b; ++i) acc += *reinterpret_cast<const vec*>(b + rows_b[i] * stride_b + j);
    *reinterpret_cast<vec*>(y + j) = acc;
  }
#if defined(__x86_64__) && defined(__GNUC__)
  if constexpr (Isa::W == 16) {
    if (j < n) add_rows_to_tail_avx512(y, n, a, stride_a, rows_a, count_a, b, stride_b, rows_b, count_b, j);
    return;
  }
#endif
  for (; j < n; ++j) {
    float acc = y[j];
    for (int i = 0; i < count_a; ++i) acc += a[rows_a[i] * stride_a + j];
    for (int i = 0; i < count_b; ++i) acc += b[rows_b[i] * stride_b + j];
    y[j] = acc;
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// add_to_rows' last n - j < 16 columns under a lane mask: one vector add per row instead of n - j scalar ones (the
// readout's gradient rows are 10 wide, so every hidden spike took 10 scalar read-modify-writes).
__attribute__((target("arch=x86-64-v4"))) inline void add_to_rows_tail_avx512(float* __restrict base, long stride,
                                                                              const std::int32_t* __restrict rows,
                                                                              int count, const float* __restrict x,
                                                                              int j, int n) {
  const __mmask16 m = static_cast<__mmask16>((1u << (n - j)) - 1u);
  const __m512 v = _mm512_maskz_loadu_ps(m, x + j);
  for (int i = 0; i < count; ++i) {
    float* row = base + rows[i] * stride + j;
    _mm512_mask_storeu_ps(row, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, row), v));
  }
}
#endif

// base[rows[i]] += x for i < count (rows of n floats at stride): one presynaptic event per row gets the same
// postsynaptic gradient. x is held in registers one block of columns at a time.
template <class Isa>
SG_INLINE void add_to_rows(float* __restrict base, long stride, const std::int32_t* __restrict rows, int count,
                           const float* __restrict x, int n) {
  typedef typename FloatVector<Isa::W>::type vec;
  constexpr int W = Isa::W;
  constexpr int NB = Isa::W == 16 ? 8 : (Isa::W == 8 ? 8 : 4);
  int j = 0;
  for (; j + NB * W <= n; j += NB * W) {
    vec v[NB];
    for (int q = 0; q < NB; ++q) v[q] = *reinterpret_cast<const vec*>(x + j + q * W);
    for (int i = 0; i < count; ++i) {
      float* row = base + rows[i] * stride + j;
      for (int q = 0; q < NB; ++q) *reinterpret_cast<vec*>(row + q * W) = *reinterpret_cast<const vec*>(row + q * W) + v[q];
    }
  }
  for (; j + W <= n; j += W) {
    const vec v = *reinterpret_cast<const vec*>(x + j);
    for (int i = 0; i < count; ++i) {
      float* row = base + rows[i] * stride + j;
      *reinterpret_cast<vec*>(row) = *reinterpret_cast<const vec*>(row) + v;
    }
  }
#if defined(__x86_64__) && defined(__GNUC__)
  if constexpr (Isa::W == 16) {
    if (j < n) add_to_rows_tail_avx512(base, stride, rows, count, x, j, n);
    return;
  }
#endif
  for (; j < n; ++j) {
    for (int i = 0; i < count; ++i) base[rows[i] * stride + j] += x[j];
  }
}

// The spikes of one step over a chunk's samples, grouped by presynaptic neuron: neuron active[a] spiked in the
// samples samples[begin(a) .. end(a)), in increasing order (begin = 0 for the first neuron, else the previous
// listed neuron's end; end = ends[neuron]).
struct SpikeGroups {
  const std::int32_t* active;
  int active_count;
  const std::int32_t* ends;     // indexed by neuron
  const std::int32_t* samples;  // chunk rows
  int begin(int a) const { return a == 0 ? 0 : ends[active[a - 1]]; }
};

// base[i] += x[s] for every listed neuron i and each of its samples s, in increasing s: a gradient row is loaded
// and stored once per step however many samples spiked it (the row-per-event form reads and writes a whole
// weight-gradient row per spike, which is bound by cache bandwidth once the gradient outgrows L2). The additions
// into each row happen in the same order as one add_to_rows per sample, so the sums are bit-identical.
// Column blocks are the outer loop: one block of every sample's x row (64 samples x 512 bytes with AVX-512) stays
// in L1 while the neurons' gradient blocks stream through, fetched a few neurons ahead. That needs x rows whose
// stride is not a multiple of 4 KB: rows 4 KB apart put the same block of every row into the same few L1 sets
// (the caller passes a padded copy).
template <class Isa>
SG_INLINE void add_grouped_rows(float* __restrict base, long stride, const SpikeGroups& g, const float* __restrict x,
                                long x_stride, int n) {
  typedef typename FloatVector<Isa::W>::type vec;
  constexpr int W = Isa::W;
  constexpr int NB = Isa::W == 16 ? 8 : (Isa::W == 8 ? 8 : 4);
  constexpr int kAhead = 8;  // neurons
  int j = 0;
  for (; j + NB * W <= n; j += NB * W) {
    for (int a = 0; a < g.active_count; ++a) {
      if (a + kAhead < g.active_count) {
        const char* next = reinterpret_cast<const char*>(base + static_cast<long>(g.active[a + kAhead]) * stride + j);
        for (int q = 0; q < NB * W * 4; q += 64) __builtin_prefetch(next + q, 1);
      }
      const std::int32_t* s = g.samples + g.begin(a);
      const int count = static_cast<int>(g.samples + g.ends[g.active[a]] - s);
      float* row = base + static_cast<long>(g.active[a]) * stride + j;
      vec acc[NB];
      for (int q = 0; q < NB; ++q) acc[q] = *reinterpret_cast<const vec*>(row + q * W);
      for (int k = 0; k < count; ++k) {
        const float* xs = x + s[k] * x_stride + j;
        for (int q = 0; q < NB; ++q) acc[q] = acc[q] + *reinterpret_cast<const vec*>(xs + q * W);
      }
      for (int q = 0; q < NB; ++q) *reinterpret_cast<vec*>(row + q * W) = acc[q];
    }
  }
  if (j == n) return;
  // The last columns (fewer than a block), neuron by neuron.
  for (int a = 0; a < g.active_count; ++a) {
    const std::int32_t* s = g.samples + g.begin(a);
    const int count = static_cast<int>(g.samples + g.ends[g.active[a]] - s);
    float* row = base + static_cast<long>(g.active[a]) * stride;
    int jj = j;
    for (; jj + W <= n; jj += W) {
      vec acc = *reinterpret_cast<const vec*>(row + jj);
      for (int k = 0; k < count; ++k) acc = acc + *reinterpret_cast<const vec*>(x + s[k] * x_stride + jj);
      *reinterpret_cast<vec*>(row + jj) = acc;
    }
    for (; jj < n; ++jj) {
      float acc = row[jj];
      for (int k = 0; k < count; ++k) acc += x[s[k] * x_stride + jj];
      row[jj] = acc;
    }
  }
}

// Indices of the nonzero bytes of a 0/1 spike mask, in increasing order: the spikes of one step. A loop over the
// set bits of 8-byte words mispredicts on nearly every word, so wider levels use whole-vector masks: AVX-512
// turns 64 bytes into one mask register and vpcompressd writes the indices without a branch per spike; AVX2
// takes 32-byte movemask words. (Separate functions with their own target: intrinsics cannot be inlined into
// the generic bodies before those reach their per-level wrapper.)
inline int collect_spikes_scalar(const std::uint8_t* __restrict mask, int begin, int n, std::int32_t* __restrict out,
                                 int count) {
  int i = begin;
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

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("arch=x86-64-v4"))) inline int collect_spikes_avx512(const std::uint8_t* __restrict mask, int n,
                                                                             std::int32_t* __restrict out) {
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int count = 0;
  int i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i bytes = _mm512_loadu_si512(mask + i);
    const __mmask64 bits = _mm512_test_epi8_mask(bytes, bytes);
    if (bits == 0) continue;
    for (int q = 0; q < 4; ++q) {
      const __mmask16 k = static_cast<__mmask16>(bits >> (16 * q));
      _mm512_mask_compressstoreu_epi32(out + count, k, _mm512_add_epi32(lanes, _mm512_set1_epi32(i + 16 * q)));
      count += __builtin_popcount(k);
    }
  }
  if (i < n) {
    // The last n % 64 bytes under a load mask (masked-off bytes are not read): the same compress as above
    // instead of a scalar walk (100 neurons leave 36 bytes).
    const __mmask64 valid = _bzhi_u64(~0ULL, static_cast<unsigned>(n - i));
    const __m512i bytes = _mm512_maskz_loadu_epi8(valid, mask + i);
    const __mmask64 bits = _mm512_test_epi8_mask(bytes, bytes);
    for (int q = 0; q < 4 && (bits >> (16 * q)) != 0; ++q) {
      const __mmask16 k = static_cast<__mmask16>(bits >> (16 * q));
      _mm512_mask_compressstoreu_epi32(out + count, k, _mm512_add_epi32(lanes, _mm512_set1_epi32(i + 16 * q)));
      count += __builtin_popcount(k);
    }
  }
  return count;
}

__attribute__((target("arch=x86-64-v3"))) inline int collect_spikes_avx2(const std::uint8_t* __restrict mask, int n,
                                                                           std::int32_t* __restrict out) {
  int count = 0;
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + i));
    std::uint32_t bits = ~static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, _mm256_setzero_si256())));
    while (bits != 0) {
      out[count++] = i + __builtin_ctz(bits);
      bits &= bits - 1;
    }
  }
  return collect_spikes_scalar(mask, i, n, out, count);
}
#endif

template <class Isa>
SG_INLINE int collect_spikes(const std::uint8_t* __restrict mask, int n, std::int32_t* __restrict out) {
#if defined(__x86_64__) && defined(__GNUC__)
  if constexpr (Isa::W == 16) return collect_spikes_avx512(mask, n, out);
  if constexpr (Isa::W == 8) return collect_spikes_avx2(mask, n, out);
#endif
  return collect_spikes_scalar(mask, 0, n, out, 0);
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

template <class Isa, int NV>
SG_INLINE void gemm_column_panel(int M, int K, const float* __restrict A, int lda, const float* __restrict B,
                                 int ldb, float* __restrict C, int ldc) {
  constexpr int MR = Isa::MR;
  int i = 0;
  for (; i + MR <= M; i += MR) gemm_tile<Isa, MR, NV, false>(K, A + static_cast<long>(i) * lda, lda, B, ldb, C + static_cast<long>(i) * ldc, ldc);
  for (; i < M; ++i) gemm_tile<Isa, 1, NV, false>(K, A + static_cast<long>(i) * lda, lda, B, ldb, C + static_cast<long>(i) * ldc, ldc);
}

// C[M x N] += A[M x K] B[K x N], row-major, B unpacked. K is cut into blocks so that the B panel a column sweep
// reuses ([kc x NV*W], 128 KB at most) stays in L2 while all M rows pass over it.
template <class Isa>
SG_INLINE void gemm_blocked(int M, int N, int K, const float* __restrict A, int lda, const float* __restrict B,
                            int ldb, float* __restrict C, int ldc) {
  constexpr int W = Isa::W, NV = Isa::NV;
  constexpr int KC = 512;
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = K - k0 < KC ? K - k0 : KC;
    const float* Ak = A + k0;
    const float* Bk = B + static_cast<long>(k0) * ldb;
    int j = 0;
    for (; j + W * NV <= N; j += W * NV) gemm_column_panel<Isa, NV>(M, kc, Ak, lda, Bk + j, ldb, C + j, ldc);
    for (; j + W <= N; j += W) gemm_column_panel<Isa, 1>(M, kc, Ak, lda, Bk + j, ldb, C + j, ldc);
    if (j < N) {
      for (int i = 0; i < M; ++i) {
        float* __restrict c = C + static_cast<long>(i) * ldc;
        for (int k = 0; k < kc; ++k) {
          const float a = Ak[static_cast<long>(i) * lda + k];
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
  gemm_blocked<Isa>(M, N, K, A, lda, B, ldb, C, ldc);
}


// Packed B: the transpose of S [N x K] (row-major) cut into panels of PW columns, each stored [K][PW]
// contiguously (the last panel zero-padded). A GEMM then streams every panel sequentially: with B rows a large
// stride apart (4 KB for 1024 columns) they would collide in the same L1 sets.
template <class Isa>
SG_INLINE void pack_transposed(const float* __restrict S, int N, int K, float* __restrict out, int panel_begin, int panel_end) {
  constexpr int PW = Isa::PW;
  for (int p = panel_begin; p < panel_end; ++p) {
    float* __restrict panel = out + static_cast<std::int64_t>(p) * K * PW;
    for (int jj = 0; jj < PW; ++jj) {
      const int j = p * PW + jj;
      if (j < N) {
        const float* __restrict row = S + static_cast<std::int64_t>(j) * K;
        for (int k = 0; k < K; ++k) panel[static_cast<std::int64_t>(k) * PW + jj] = row[k];
      } else {
        for (int k = 0; k < K; ++k) panel[static_cast<std::int64_t>(k) * PW + jj] = 0.0f;
      }
    }
  }
}

// The same panels from B itself, S = B [K x N] row-major (the input weights of dense input).
template <class Isa>
SG_INLINE void pack_plain(const float* __restrict S, int N, int K, float* __restrict out, int panel_begin, int panel_end) {
  constexpr int PW = Isa::PW;
  for (int p = panel_begin; p < panel_end; ++p) {
    float* __restrict panel = out + static_cast<std::int64_t>(p) * K * PW;
    const int j0 = p * PW;
    const int width = N - j0 < PW ? N - j0 : PW;
    for (int k = 0; k < K; ++k) {
      float* __restrict dst = panel + static_cast<std::int64_t>(k) * PW;
      const float* __restrict src = S + static_cast<std::int64_t>(k) * N + j0;
      for (int jj = 0; jj < width; ++jj) dst[jj] = src[jj];
      for (int jj = width; jj < PW; ++jj) dst[jj] = 0.0f;
    }
  }
}

// Row `row` of a packed B [rows x n] (the layout pack_plain makes) from x[0 .. n), or zeros for x = null; the
// padding of the last panel is zeroed. A pass writes B this way one row at a time, so no packing pass is needed.
template <class Isa>
SG_INLINE void store_packed_row(float* __restrict packed, std::int64_t rows, std::int64_t row, const float* __restrict x, int n) {
  constexpr int PW = Isa::PW;
  for (int j0 = 0, q = 0; j0 < n; j0 += PW, ++q) {
    float* __restrict dst = packed + (q * rows + row) * PW;
    const int width = n - j0 < PW ? n - j0 : PW;
    for (int jj = 0; jj < width; ++jj) dst[jj] = x != nullptr ? x[j0 + jj] : 0.0f;
    for (int jj = width; jj < PW; ++jj) dst[jj] = 0.0f;
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// gemm_tile for the last, partial panel of a packed B with AVX-512: C's last vector of each row loaded and stored
// under a lane mask, so no store passes column N and no copy through a padded tile is needed. The same fused
// multiply-adds in the same order per element as gemm_tile (bit-identical); the padded panel columns are read
// (the packed panel has all PW of them) but never stored.
template <int R, int NVP, bool TransA>
__attribute__((target("arch=x86-64-v4"))) inline void gemm_tile_masked_avx512(int K, const float* __restrict A, int lda,
                                                                             const float* __restrict B, int ldb,
                                                                             float* __restrict C, int ldc, __mmask16 last) {
  __m512 acc[R][NVP];
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < NVP; ++q)
      acc[r][q] = q + 1 < NVP ? _mm512_loadu_ps(C + r * ldc + q * 16) : _mm512_maskz_loadu_ps(last, C + r * ldc + q * 16);
  for (int k = 0; k < K; ++k) {
    __m512 b[NVP];
    for (int q = 0; q < NVP; ++q) b[q] = _mm512_loadu_ps(B + static_cast<long>(k) * ldb + q * 16);
    for (int r = 0; r < R; ++r) {
      const __m512 a = _mm512_set1_ps(TransA ? A[static_cast<long>(k) * lda + r] : A[r * static_cast<long>(lda) + k]);
      for (int q = 0; q < NVP; ++q) acc[r][q] = _mm512_fmadd_ps(a, b[q], acc[r][q]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < NVP; ++q) {
      if (q + 1 < NVP) {
        _mm512_storeu_ps(C + r * ldc + q * 16, acc[r][q]);
      } else {
        _mm512_mask_storeu_ps(C + r * ldc + q * 16, last, acc[r][q]);
      }
    }
}

// Rows of op(A) start at A0 + i * row_step (1 with TransA, lda without).
template <int NVP, bool TransA>
__attribute__((target("arch=x86-64-v4"))) inline void gemm_partial_panel_avx512(int M, int kc, const float* __restrict A0, long row_step,
                                                                               int lda, const float* __restrict panel,
                                                                               float* __restrict C, int ldc, int width) {
  constexpr int MR = IsaAvx512::MR, PW = IsaAvx512::PW;
  const __mmask16 last = static_cast<__mmask16>(_bzhi_u32(0xFFFFu, static_cast<unsigned>(width - (NVP - 1) * 16)));
  int i = 0;
  for (; i + MR <= M; i += MR) gemm_tile_masked_avx512<MR, NVP, TransA>(kc, A0 + i * row_step, lda, panel, PW, C + static_cast<long>(i) * ldc, ldc, last);
  for (; i + 4 <= M; i += 4) gemm_tile_masked_avx512<4, NVP, TransA>(kc, A0 + i * row_step, lda, panel, PW, C + static_cast<long>(i) * ldc, ldc, last);
  for (; i < M; ++i) gemm_tile_masked_avx512<1, NVP, TransA>(kc, A0 + i * row_step, lda, panel, PW, C + static_cast<long>(i) * ldc, ldc, last);
}
#endif

// C[M x N] += op(A)[M x K] B[K x N] with B packed (pack_transposed, pack_plain or store_packed_row). op(A) is
// A [M x K] (row stride lda) or, with TransA, the transpose of A [K x M] (row stride lda).
template <class Isa, bool TransA = false>
SG_INLINE void gemm_packed_accumulate(int M, int N, int K, const float* __restrict A, int lda, const float* __restrict Bp,
                                      float* __restrict C, int ldc) {
  constexpr int PW = Isa::PW, NV = Isa::NV, MR = Isa::MR;
  constexpr int KC = 512;
  const int panels = (N + PW - 1) / PW;
  for (int k0 = 0; k0 < K; k0 += KC) {
    const int kc = K - k0 < KC ? K - k0 : KC;
    // Row i of op(A), from column k0 on.
    auto a_row = [&](int i) { return TransA ? A + static_cast<long>(k0) * lda + i : A + static_cast<long>(i) * lda + k0; };
    for (int p = 0; p < panels; ++p) {
      const float* panel = Bp + (static_cast<std::int64_t>(p) * K + k0) * PW;
      const int j = p * PW;
      if (j + PW <= N) {
        int i = 0;
        for (; i + MR <= M; i += MR) gemm_tile<Isa, MR, NV, TransA>(kc, a_row(i), lda, panel, PW, C + static_cast<long>(i) * ldc + j, ldc);
        if constexpr (MR > 4) {
          for (; i + 4 <= M; i += 4) gemm_tile<Isa, 4, NV, TransA>(kc, a_row(i), lda, panel, PW, C + static_cast<long>(i) * ldc + j, ldc);
        }
        for (; i < M; ++i) gemm_tile<Isa, 1, NV, TransA>(kc, a_row(i), lda, panel, PW, C + static_cast<long>(i) * ldc + j, ldc);
      } else {
        const int width = N - j;
#if defined(__x86_64__) && defined(__GNUC__)
        if constexpr (Isa::W == 16) {
          const long step = TransA ? 1 : lda;
          switch ((width + 15) / 16) {
            case 1: gemm_partial_panel_avx512<1, TransA>(M, kc, a_row(0), step, lda, panel, C + j, ldc, width); break;
            case 2: gemm_partial_panel_avx512<2, TransA>(M, kc, a_row(0), step, lda, panel, C + j, ldc, width); break;
            case 3: gemm_partial_panel_avx512<3, TransA>(M, kc, a_row(0), step, lda, panel, C + j, ldc, width); break;
            default: gemm_partial_panel_avx512<4, TransA>(M, kc, a_row(0), step, lda, panel, C + j, ldc, width); break;
          }
          continue;
        }
#endif
        // The last, partial panel: through a zero-padded tile so no store passes column N.
        alignas(64) float tile[PW];
        for (int i = 0; i < M; ++i) {
          float* c = C + static_cast<long>(i) * ldc + j;
          for (int jj = 0; jj < PW; ++jj) tile[jj] = jj < width ? c[jj] : 0.0f;
          gemm_tile<Isa, 1, NV, TransA>(kc, a_row(i), lda, panel, PW, tile, PW);
          for (int jj = 0; jj < width; ++jj) c[jj] = tile[jj];
        }
      }
    }
  }
}

}  // namespace spikegrad

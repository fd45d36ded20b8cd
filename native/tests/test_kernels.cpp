// Kernel tests: the register-tiled GEMM, the event-driven row additions and spike collection at every
// instruction-set level against plain loops, and the surrogate derivatives and fast exp against libm.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/isa_dispatch.h"
#include "core/simd/kernels.h"
#include "core/simd/math.h"
#include "core/surrogate.h"
#include "test_framework.h"
#include "test_util.h"

using namespace spikegrad;
using namespace spikegrad::testing;

TEST(gemm_matches_naive_at_every_level) {
  Rng rng(7);
  const int shapes[][3] = {{1, 1, 1}, {3, 17, 5}, {16, 256, 256}, {5, 100, 37}, {16, 64, 20}, {7, 33, 129}, {4, 80, 3}, {9, 70, 1300}};
  for (IsaLevel level : available_levels(__func__)) {
    const PassFunctions& f = pass_functions(level);
    for (const auto& s : shapes) {
      const int M = s[0], N = s[1], K = s[2];
      // Leading dimensions larger than the logical sizes check the strides.
      const int lda = K + 3, ldb = N + 5, ldc = N + 2;
      std::vector<float> A(M * lda), B(K * ldb), C(M * ldc);
      for (float& x : A) x = rng.uniform(-1, 1);
      for (float& x : B) x = rng.uniform(-1, 1);
      for (float& x : C) x = rng.uniform(-1, 1);
      std::vector<double> expected(C.begin(), C.end());
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j)
          for (int k = 0; k < K; ++k) expected[i * ldc + j] += static_cast<double>(A[i * lda + k]) * B[k * ldb + j];
      f.gemm_accumulate(M, N, K, A.data(), lda, B.data(), ldb, C.data(), ldc);
      for (int i = 0; i < M; ++i) {
        for (int j = 0; j < ldc; ++j) {
          // Columns past N must be untouched.
          CHECK_NEAR(C[i * ldc + j], expected[i * ldc + j], 1e-5 * (1 + std::sqrt(static_cast<double>(K))));
        }
      }
    }
  }
}

TEST(transposed_gemm_matches_naive_at_every_level) {
  Rng rng(8);
  // M past one tile with every remainder; N with a partial last panel; K over two 512-row blocks.
  const int shapes[][3] = {{1, 1, 1}, {5, 40, 17}, {32, 256, 1100}, {7, 33, 600}, {48, 130, 1030}, {13, 64, 513}};
  for (IsaLevel level : available_levels(__func__)) {
    const PassFunctions& f = pass_functions(level);
    for (const auto& s : shapes) {
      const int M = s[0], N = s[1], K = s[2];
      const int lda = M + 3, ldc = N + 4;  // A stored [K x M]
      std::vector<float> A(K * lda), B(K * N), C(M * ldc);
      for (float& x : A) x = rng.uniform(-1, 1);
      for (float& x : B) x = rng.uniform(-1, 1);
      for (float& x : C) x = rng.uniform(-1, 1);
      std::vector<double> expected(C.begin(), C.end());
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j)
          for (int k = 0; k < K; ++k) expected[i * ldc + j] += static_cast<double>(A[k * lda + i]) * B[k * N + j];
      // B packed by pack_plain; the same panels as the backward pass writes row by row (store_packed_row).
      const int panels = (N + f.panel_width - 1) / f.panel_width;
      std::vector<float> packed(static_cast<std::size_t>(packed_panels_size(N, K, f.panel_width)), 7.0f);
      f.pack_plain(B.data(), N, K, packed.data(), 0, panels);
      f.gemm_at_b_accumulate(M, N, K, A.data(), lda, packed.data(), C.data(), ldc);
      // Columns past N must be untouched.
      for (int i = 0; i < M * ldc; ++i) CHECK_NEAR(C[i], expected[i], 2e-5 * (1 + std::sqrt(static_cast<double>(K))));
    }
  }
}

TEST(packed_gemm_matches_naive_at_every_level) {
  // The backward pass's products: C += A B with B packed from its transpose (pack_transposed). M over every row
  // step (6, 4, 1 rows); N with partial last panels of every vector count (100 = 64 + 36 at AVX-512); K short (a
  // readout of 10) and over two 512-row blocks. The padding of the packed panels is poisoned with NaN, which the
  // masked partial tiles read but must never store.
  Rng rng(11);
  const int shapes[][3] = {{1, 1, 1}, {64, 100, 10}, {64, 100, 100}, {13, 70, 33}, {5, 17, 600}, {11, 130, 1030}, {4, 48, 7}};
  for (IsaLevel level : available_levels(__func__)) {
    const PassFunctions& f = pass_functions(level);
    for (const auto& s : shapes) {
      const int M = s[0], N = s[1], K = s[2];
      const int lda = K + 3, ldc = N + 4;
      std::vector<float> A(M * lda), Bt(N * K), C(M * ldc);  // Bt: B transposed, [N x K]
      for (float& x : A) x = rng.uniform(-1, 1);
      for (float& x : Bt) x = rng.uniform(-1, 1);
      for (float& x : C) x = rng.uniform(-1, 1);
      std::vector<double> expected(C.begin(), C.end());
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j)
          for (int k = 0; k < K; ++k) expected[i * ldc + j] += static_cast<double>(A[i * lda + k]) * Bt[j * K + k];
      const int panels = (N + f.panel_width - 1) / f.panel_width;
      std::vector<float> packed(static_cast<std::size_t>(packed_panels_size(N, K, f.panel_width)));
      f.pack_transposed(Bt.data(), N, K, packed.data(), 0, panels);
      const int last = (panels - 1) * f.panel_width;
      for (int k = 0; k < K; ++k)
        for (int jj = N - last; jj < f.panel_width; ++jj) packed[(static_cast<std::size_t>(panels - 1) * K + k) * f.panel_width + jj] = NAN;
      f.gemm_packed_accumulate(M, N, K, A.data(), lda, packed.data(), C.data(), ldc);
      // Columns past N must be untouched (and so finite).
      for (int i = 0; i < M * ldc; ++i) CHECK_NEAR(C[i], expected[i], 2e-5 * (1 + std::sqrt(static_cast<double>(K))));
    }
  }
}

namespace {

// One call of each row-addition kernel at a level: base[rows] += x (add_to_rows), and y += rows of a and b
// (add_rows_to). The wrappers carry the level's target attribute, as the engine's do (isa_dispatch.cpp).
struct RowAdditions {
  float* base;
  long stride;
  const std::int32_t* rows;
  int count;
  const float* x;
  float* y;
  const float* a;
  const std::int32_t* rows_b;
  int count_b;
  int n;
};

template <class Isa>
inline __attribute__((always_inline)) void row_additions(const RowAdditions& c) {
  add_to_rows<Isa>(c.base, c.stride, c.rows, c.count, c.x, c.n);
  add_rows_to<Isa>(c.y, c.n, c.a, c.stride, c.rows, c.count, c.base, c.stride, c.rows_b, c.count_b);
}
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("arch=x86-64-v4,prefer-vector-width=512"))) void row_additions_avx512(const RowAdditions& c) {
  row_additions<IsaAvx512>(c);
}
__attribute__((target("arch=x86-64-v3"))) void row_additions_avx2(const RowAdditions& c) { row_additions<IsaAvx2>(c); }
#endif
void row_additions_generic(const RowAdditions& c) { row_additions<IsaGeneric>(c); }

void run_row_additions(IsaLevel level, const RowAdditions& c) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  if (level == IsaLevel::Avx512) return row_additions_avx512(c);
  if (level == IsaLevel::Avx2) return row_additions_avx2(c);
#endif
  (void)level;
  row_additions_generic(c);
}

}  // namespace

TEST(row_additions_match_plain_loops_bit_for_bit_at_every_level) {
  // Widths below, at and past a vector and a register block (the readout's 10 columns, a 100-neuron layer's 4-column
  // tail), rows listed more than once (several events of one input in a step); every level adds in the plain
  // loops' order per element, so the sums agree bit for bit, and columns past n stay untouched.
  Rng rng(9);
  const std::vector<std::int32_t> rows = {3, 0, 7, 3, 5, 3, 1};
  const std::vector<std::int32_t> rows_b = {2, 6, 2};
  for (IsaLevel level : available_levels(__func__)) {
    for (int n : {1, 3, 10, 15, 16, 17, 31, 100, 129, 130}) {
      const long stride = n + 21;
      std::vector<float> base(8 * stride), a(8 * stride), x(stride), y(stride);
      for (float& v : base) v = rng.uniform(-1, 1);
      for (float& v : a) v = rng.uniform(-1, 1);
      for (float& v : x) v = rng.uniform(-1, 1);
      for (float& v : y) v = rng.uniform(-1, 1);
      std::vector<float> base_ref = base, y_ref = y;
      for (int i = 0; i < static_cast<int>(rows.size()); ++i)
        for (int j = 0; j < n; ++j) base_ref[rows[i] * stride + j] += x[j];
      for (int j = 0; j < n; ++j) {
        float acc = y_ref[j];
        for (std::int32_t r : rows) acc += a[r * stride + j];
        for (std::int32_t r : rows_b) acc += base_ref[r * stride + j];
        y_ref[j] = acc;
      }
      run_row_additions(level, {base.data(), stride, rows.data(), static_cast<int>(rows.size()), x.data(), y.data(), a.data(),
                                rows_b.data(), static_cast<int>(rows_b.size()), n});
      CHECK(std::memcmp(base.data(), base_ref.data(), base.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(y.data(), y_ref.data(), y.size() * sizeof(float)) == 0);
    }
  }
}

template <class Isa>
static int collect_at(const std::uint8_t* mask, int n, std::int32_t* out) {
  return collect_spikes<Isa>(mask, n, out);
}

static int run_collect_spikes(IsaLevel level, const std::uint8_t* mask, int n, std::int32_t* out) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  if (level == IsaLevel::Avx512) return collect_at<IsaAvx512>(mask, n, out);
  if (level == IsaLevel::Avx2) return collect_at<IsaAvx2>(mask, n, out);
#endif
  (void)level;
  return collect_at<IsaGeneric>(mask, n, out);
}

TEST(spike_collection_lists_every_spike_in_order_at_every_level) {
  // Lengths around the 64- and 32-byte blocks and their tails (100 neurons leave 36 bytes); the bytes past n are
  // spikes of another row and must not be listed; nothing past the returned count is written.
  Rng rng(10);
  for (IsaLevel level : available_levels(__func__)) {
    for (int n : {1, 7, 31, 36, 63, 64, 65, 100, 127, 128, 129, 200, 700}) {
      for (double density : {0.0, 0.03, 0.5, 1.0}) {
        std::vector<std::uint8_t> mask(n + 64, 1);
        for (int i = 0; i < n; ++i) mask[i] = rng.uniform(0, 1) < density ? 1 : 0;
        std::vector<std::int32_t> expected;
        for (int i = 0; i < n; ++i)
          if (mask[i]) expected.push_back(i);
        std::vector<std::int32_t> out(n + 16, -7);
        const int count = run_collect_spikes(level, mask.data(), n, out.data());
        CHECK(count == static_cast<int>(expected.size()));
        CHECK(std::equal(expected.begin(), expected.end(), out.begin()));
        for (std::size_t i = expected.size(); i < out.size(); ++i) CHECK(out[i] == -7);
      }
    }
  }
}

TEST(exp_approx_is_accurate) {
  double worst = 0;
  for (double x = -87.0; x <= 88.0; x += 0.001) {
    const double exact = std::exp(static_cast<float>(x));
    const double rel = std::fabs(exp_approx(static_cast<float>(x)) - exact) / exact;
    worst = std::max(worst, rel);
  }
  CHECK(worst < 3e-7);
  CHECK(exp_approx(-1000.0f) >= 0.0f);
  CHECK(exp_approx(-1000.0f) < 1e-37f);
  CHECK(std::isfinite(exp_approx(1000.0f)));
}

TEST(surrogate_shapes_match_their_formulas) {
  for (double beta : {0.0, 0.5, 1.0, 10.0, 100.0}) {
    for (double x = -2.0; x <= 2.0; x += 0.0137) {
      const float xf = static_cast<float>(x), bf = static_cast<float>(beta);
      const double ax = std::fabs(xf);
      const double superspike = 1.0 / ((bf * ax + 1) * (bf * ax + 1));
      const double s = 1.0 / (1.0 + std::exp(-static_cast<double>(bf) * xf));
      const double esser = std::max(0.0, 1.0 - bf * ax);
      const double expo = std::exp(-bf * ax);
      const double gauss = std::exp(-0.5 * (bf * xf) * (bf * xf));
      CHECK_NEAR(surrogate_h<SurrogateShape::SuperSpike>(xf, bf), superspike, 1e-6);
      CHECK_NEAR(surrogate_h<SurrogateShape::Sigmoid>(xf, bf), s * (1 - s), 1e-6);
      CHECK_NEAR(surrogate_h<SurrogateShape::Esser>(xf, bf), esser, 1e-6);
      CHECK_NEAR(surrogate_h<SurrogateShape::Exponential>(xf, bf), expo, 1e-6);
      CHECK_NEAR(surrogate_h<SurrogateShape::Gaussian>(xf, bf), gauss, 1e-6);
      CHECK(surrogate_h<SurrogateShape::Zero>(xf, bf) == 0.0f);
    }
  }
  // Normalized shapes peak at the threshold with a value that does not depend on beta.
  CHECK_NEAR(surrogate_h<SurrogateShape::SuperSpike>(0.0f, 37.0f), 1.0, 0);
  CHECK_NEAR(surrogate_h<SurrogateShape::Sigmoid>(0.0f, 37.0f), 0.25, 1e-7);
}

TEST(isa_levels_are_named_and_parsed) {
  IsaLevel level;
  CHECK(parse_isa_level("generic", &level) && level == IsaLevel::Generic);
  CHECK(parse_isa_level("avx2", &level) && level == IsaLevel::Avx2);
  CHECK(parse_isa_level("avx512", &level) && level == IsaLevel::Avx512);
  CHECK(!parse_isa_level("sse9", &level));
  CHECK(static_cast<int>(clamp_isa_level(IsaLevel::Avx512)) <= static_cast<int>(best_isa_level()));
}

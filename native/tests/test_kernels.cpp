// Kernel tests: the register-tiled GEMM at every instruction-set level against a plain triple loop, and the
// surrogate derivatives and fast exp against libm.
#include <cmath>
#include <vector>

#include "core/isa_dispatch.h"
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

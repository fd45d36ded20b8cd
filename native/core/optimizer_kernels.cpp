#include "optimizer_kernels.h"

#include <cmath>

namespace spikegrad {

namespace {

constexpr std::int64_t kBlock = 1 << 14;

template <class F>
void for_blocks(std::int64_t n, int threads, F&& body) {
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for num_threads(threads) schedule(static) if (blocks > 1)
  for (std::int64_t k = 0; k < blocks; ++k) {
    const std::int64_t end = (k + 1) * kBlock < n ? (k + 1) * kBlock : n;
    body(k * kBlock, end);
  }
}

}  // namespace

void adam_update(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, std::int64_t n,
                 const AdamStep& s, int threads) {
  const double b1 = s.beta1, b2 = s.beta2, one_b1 = 1 - s.beta1, one_b2 = 1 - s.beta2;
  for_blocks(n, threads, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const double gi = g[i];
      m[i] = static_cast<float>(b1 * m[i] + one_b1 * gi);
      v[i] = static_cast<float>(b2 * v[i] + one_b2 * gi * gi);
      p[i] = static_cast<float>(p[i] - (s.step_size * m[i]) / (std::sqrt(static_cast<double>(v[i])) / s.sqrt_c2 + s.eps));
    }
  });
}

void adamax_update(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict u,
                   std::int64_t n, const AdamaxStep& s, int threads) {
  const double b1 = s.beta1, b2 = s.beta2, one_b1 = 1 - s.beta1;
  for_blocks(n, threads, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const double gi = g[i];
      m[i] = static_cast<float>(b1 * m[i] + one_b1 * gi);
      const double a = b2 * u[i], b = std::fabs(gi) + s.eps;
      u[i] = static_cast<float>(a > b ? a : b);
      p[i] = static_cast<float>(p[i] - (s.step_size * m[i]) / u[i]);
    }
  });
}

void sgd_update(float* __restrict p, const float* __restrict g, float* __restrict buffer, std::int64_t n, const SgdStep& s,
                int threads) {
  for_blocks(n, threads, [&](std::int64_t begin, std::int64_t end) {
    if (s.momentum == 0) {
      for (std::int64_t i = begin; i < end; ++i) p[i] = static_cast<float>(p[i] - s.lr * g[i]);
      return;
    }
    for (std::int64_t i = begin; i < end; ++i) {
      buffer[i] = s.first ? g[i] : static_cast<float>(s.momentum * buffer[i] + g[i]);
      const double step = s.nesterov ? g[i] + s.momentum * buffer[i] : static_cast<double>(buffer[i]);
      p[i] = static_cast<float>(p[i] - s.lr * step);
    }
  });
}

void smorms3_update(float* __restrict p, const float* __restrict grad, float* __restrict mem, float* __restrict g,
                    float* __restrict g2, std::int64_t n, const Smorms3Step& s, int threads) {
  for_blocks(n, threads, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const double gi = grad[i];
      const double r = 1 / (mem[i] + 1.0);
      g[i] = static_cast<float>((1 - r) * g[i] + r * gi);
      g2[i] = static_cast<float>((1 - r) * g2[i] + r * gi * gi);
      const double x = (static_cast<double>(g[i]) * g[i]) / (g2[i] + s.eps);
      mem[i] = static_cast<float>(mem[i] * (1 - x) + 1);
      const double rate = s.lr < x ? s.lr : x;
      p[i] = static_cast<float>(p[i] - (rate * gi) / (std::sqrt(static_cast<double>(g2[i])) + s.eps));
    }
  });
}

}  // namespace spikegrad

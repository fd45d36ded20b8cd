// Element-wise optimizer updates over float32 parameter arrays. They evaluate exactly the expressions of the
// TypeScript optimizers (src/train/optimizers/): double arithmetic in the same order, float32 rounding wherever
// JavaScript stores into a Float32Array, no fused multiply-add (this file is compiled with -ffp-contract=off), so
// both paths give bit-identical parameters and the TypeScript loops stay the reference. Parallel over blocks of
// elements: the result does not depend on the thread count.
#pragma once

#include <cstdint>

namespace spikegrad {

struct AdamStep {
  double beta1, beta2, eps;
  double step_size;  // lr / (1 - beta1^t)
  double sqrt_c2;    // sqrt(1 - beta2^t)
};
void adam_update(float* p, const float* g, float* m, float* v, std::int64_t n, const AdamStep& s, int threads);

struct AdamaxStep {
  double beta1, beta2, eps, step_size;
};
void adamax_update(float* p, const float* g, float* m, float* u, std::int64_t n, const AdamaxStep& s, int threads);

struct SgdStep {
  double lr, momentum;
  bool nesterov, first;
};
void sgd_update(float* p, const float* g, float* buffer, std::int64_t n, const SgdStep& s, int threads);

struct Smorms3Step {
  double lr, eps;
};
void smorms3_update(float* p, const float* grad, float* mem, float* g, float* g2, std::int64_t n, const Smorms3Step& s,
                    int threads);

}  // namespace spikegrad

// Surrogate derivatives h(x), x = U - threshold, scale beta (docs/design.md section 1, table). The forward pass always
// uses the Heaviside step; these replace dS/dU in the backward pass. Normalized forms have a peak that does not
// depend on beta; `normalized: false` multiplies by beta (the paper's "asymptotic" surrogates).
#pragma once

#include "simd/math.h"
#include "spec.h"

namespace spikegrad {

template <SurrogateShape Shape>
SG_INLINE float surrogate_h(float x, float beta) {
  if constexpr (Shape == SurrogateShape::SuperSpike) {
    const float d = beta * abs_f(x) + 1.0f;
    return 1.0f / (d * d);
  } else if constexpr (Shape == SurrogateShape::Sigmoid) {
    const float s = 1.0f / (1.0f + exp_approx(-beta * x));
    return s * (1.0f - s);
  } else if constexpr (Shape == SurrogateShape::Esser) {
    const float v = 1.0f - beta * abs_f(x);
    return v > 0.0f ? v : 0.0f;
  } else if constexpr (Shape == SurrogateShape::Exponential) {
    return exp_approx(-beta * abs_f(x));
  } else if constexpr (Shape == SurrogateShape::Gaussian) {
    const float z = beta * x;
    return exp_approx(-0.5f * z * z);
  } else {
    (void)x;
    (void)beta;
    return 0.0f;
  }
}

// What the backward kernels need to evaluate the surrogate: factor = 1 (normalized) or beta (asymptotic).
struct SurrogateParams {
  SurrogateShape shape;
  float beta;
  float factor;
  float threshold;
};

inline SurrogateParams surrogate_params_of(const NetworkSpec& spec) {
  return SurrogateParams{spec.surrogate.shape, spec.surrogate.scale,
                         spec.surrogate.normalized ? 1.0f : spec.surrogate.scale, spec.neuron.threshold};
}

}  // namespace spikegrad

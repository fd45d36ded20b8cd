// Branch-free scalar math that GCC vectorizes inside the per-ISA kernels (libm's expf does not vectorize
// without -ffast-math, which we do not want: it would change NaN handling and reassociate sums).
#pragma once

#include <cstdint>
#include <cstring>

#include "isa.h"

namespace spikegrad {

SG_INLINE float bits_to_float(std::int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}

// exp(x) with about 1 ulp error on [-87, 88] (Cephes expf: range reduction by ln 2 in two parts, degree-6
// polynomial). Inputs are clamped, so the result is finite and exp(-large) is a tiny positive number. The first
// clamp is written so that NaN becomes -87 (a NaN compares false): converting NaN to an integer below would be
// undefined behaviour. A NaN reaches here only from a state that already overflowed, and then the loss is not
// finite and the call fails before any gradient is returned.
SG_INLINE float exp_approx(float x) {
  x = x > -87.0f ? x : -87.0f;
  x = x > 88.0f ? 88.0f : x;
  // Round to nearest by adding and subtracting 1.5 * 2^23: no floorf call, which SSE2 cannot vectorize.
  // (The clamps above become branches that GCC if-converts only with -fno-trapping-math, set in CMakeLists.)
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  const std::int32_t e = (static_cast<std::int32_t>(n) + 127) << 23;
  return y * bits_to_float(e);
}

SG_INLINE float abs_f(float x) { return __builtin_fabsf(x); }

}  // namespace spikegrad

// Vectorizable double-precision sine (fdlibm's kernels): round x to the nearest multiple of pi/2, subtract it in
// three parts (Cody-Waite; exact for |x| < 2^20 * pi/2), evaluate the sin or cos polynomial on [-pi/4, pi/4].
// Error about 1 ulp; used by the Randman generator, whose arguments reach 2 pi * 1000.
#pragma once

#include <cstdint>

#include "isa.h"

namespace spikegrad {

SG_INLINE double sin_approx(double x) {
  constexpr double kTwoOverPi = 6.36619772367581382433e-01;
  constexpr double kPio2_1 = 1.57079632673412561417e+00;  // first 33 bits of pi/2
  constexpr double kPio2_2 = 6.07710050630396597660e-11;  // next 33 bits
  constexpr double kPio2_3 = 2.02226624871116645580e-21;  // the rest
  constexpr double kRound = 6755399441055744.0;            // 1.5 * 2^52: adding it rounds to an integer
  const double q = (x * kTwoOverPi + kRound) - kRound;
  double r = x - q * kPio2_1;
  r = r - q * kPio2_2;
  r = r - q * kPio2_3;
  const double z = r * r;
  const double s = r + r * z * (-1.66666666666666324348e-01 +
                                z * (8.33333333332248946124e-03 +
                                     z * (-1.98412698298579493134e-04 +
                                          z * (2.75573137070700676789e-06 +
                                               z * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10)))));
  const double c = 1.0 - 0.5 * z +
                   z * z * (4.16666666666666019037e-02 +
                            z * (-1.38888888888741095749e-03 +
                                 z * (2.48015872894767294178e-05 +
                                      z * (-2.75573143513906633035e-07 +
                                           z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11)))));
  const std::int32_t quadrant = static_cast<std::int32_t>(q) & 3;
  const double v = (quadrant & 1) ? c : s;
  return (quadrant & 2) ? -v : v;
}

// acc[p] += sum_k amplitude[k] sin(frequency[k] x[p] + phase[k]) for p < n: one coordinate function of a
// random manifold over n points (k outer, points inner, so the inner loop vectorizes).
SG_INLINE void fourier_series_accumulate(const double* __restrict x, int n, const double* __restrict amplitude,
                                         const double* __restrict frequency, const double* __restrict phase,
                                         int terms, double* __restrict acc) {
  for (int k = 0; k < terms; ++k) {
    const double a = amplitude[k], w = frequency[k], ph = phase[k];
    if (a == 0.0) continue;
    for (int p = 0; p < n; ++p) acc[p] += a * sin_approx(w * x[p] + ph);
  }
}

}  // namespace spikegrad

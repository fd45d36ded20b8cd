// The readout's step, its time reduction and the reduction's derivative: a readout reduction is defined here and
// nowhere else. forward(), streaming inference and the backward pass share these, so they compile the same
// operations (bit-identical results). The loss on the reduced readout is readout_loss.h.
#pragma once

#include <cstdint>
#include <cstring>

#include "simd/isa.h"
#include "spec.h"

namespace spikegrad {

// Y[n+1] = a_out Y[n] + (1 - a_out) J[n];  J <- a_syn J[n] (the caller then adds the spike rows for J[n+1]).
SG_INLINE void readout_step(float* __restrict Y, float* __restrict J, int C, const Decays& d) {
  for (int c = 0; c < C; ++c) {
    Y[c] = d.out * Y[c] + d.out_in * J[c];
    J[c] *= d.syn;
  }
}

// Folds Y[m] into the reduction over the steps so far: max (strictly greater, so ties go to the earliest step, as
// argmax does; `peak` records the step, may be null), sum and mean (summed; the mean divides at the end), last.
SG_INLINE void reduce_readout(ReadoutReduction reduction, float* __restrict reduced, std::int32_t* __restrict peak,
                              const float* __restrict Y, int C, int m, bool first, bool last) {
  switch (reduction) {
    case ReadoutReduction::Max:
      // Selects instead of branches, so that the loops vectorize (a chunk reduces M x C values at once).
      if (peak != nullptr) {
        for (int c = 0; c < C; ++c) {
          const bool take = first || Y[c] > reduced[c];
          peak[c] = take ? m : peak[c];
          reduced[c] = take ? Y[c] : reduced[c];
        }
      } else {
        for (int c = 0; c < C; ++c) reduced[c] = first || Y[c] > reduced[c] ? Y[c] : reduced[c];
      }
      break;
    case ReadoutReduction::Sum:
    case ReadoutReduction::Mean:
      for (int c = 0; c < C; ++c) reduced[c] += Y[c];
      break;
    case ReadoutReduction::Last:
      if (last) std::memcpy(reduced, Y, sizeof(float) * C);
      break;
  }
}

// gY[i] += dL/dY[m] for n values (samples x classes) from dL/dlogits through the reduction, at step m of T
// (max: only at each class's peak step; sum: every step; mean: every step / T; last: only m == T).
SG_INLINE void add_reduction_gradient(ReadoutReduction reduction, const float* __restrict dlogits, const std::int32_t* __restrict peak,
                                      int m, int T, int n, float* __restrict gY) {
  switch (reduction) {
    case ReadoutReduction::Max:
      for (int i = 0; i < n; ++i) gY[i] += peak[i] == m ? dlogits[i] : 0.0f;
      break;
    case ReadoutReduction::Sum:
      for (int i = 0; i < n; ++i) gY[i] += dlogits[i];
      break;
    case ReadoutReduction::Mean: {
      const float steps = static_cast<float>(T);
      for (int i = 0; i < n; ++i) gY[i] += dlogits[i] / steps;
      break;
    }
    case ReadoutReduction::Last:
      if (m == T) {
        for (int i = 0; i < n; ++i) gY[i] += dlogits[i];
      }
      break;
  }
}

}  // namespace spikegrad

// Evaluation of Randman's random manifolds (src/data/randman.ts describes the model). The TypeScript side draws
// the parameters; this evaluates the M x D Fourier series at N points, the only expensive part.
#pragma once

#include <cstdint>
#include <string>

#include "isa_dispatch.h"

namespace spikegrad {

struct ManifoldView {
  int units = 0;  // M
  int dim = 0;    // D
  int terms = 0;  // F
  // [units][dim][terms]: amplitude a*s_k, angular frequency 2 pi k b, phase 2 pi c.
  const double* amplitude = nullptr;
  const double* frequency = nullptr;
  const double* phase = nullptr;
};

// "" when the sizes are consistent, else what is wrong.
std::string check_manifold(const ManifoldView& m, std::int64_t parameter_length, std::int64_t points_length);

// out[p][i] = prod_d sum_k amplitude[i][d][k] sin(frequency[i][d][k] x[p][d] + phase[i][d][k]),
// x [points][dim] and out [points][units]; parallel over units, results independent of the thread count.
void evaluate_manifold(const ManifoldView& m, const double* x, int points, double* out, int threads, IsaLevel isa);

}  // namespace spikegrad

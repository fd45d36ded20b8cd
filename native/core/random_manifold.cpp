#include "random_manifold.h"

#include <algorithm>
#include <vector>

namespace spikegrad {

std::string check_manifold(const ManifoldView& m, std::int64_t parameter_length, std::int64_t points_length) {
  if (m.units < 1 || m.dim < 1 || m.terms < 1) return "manifold: units, dim and terms must be positive";
  const std::int64_t expected = static_cast<std::int64_t>(m.units) * m.dim * m.terms;
  if (parameter_length != expected) {
    return "manifold: amplitude, frequency and phase must each have units * dim * terms = " +
           std::to_string(expected) + " entries, got " + std::to_string(parameter_length);
  }
  if (points_length % m.dim != 0) return "manifold: x must have points * dim entries";
  return "";
}

void evaluate_manifold(const ManifoldView& m, const double* x, int points, double* out, int threads, IsaLevel isa) {
  const PassFunctions& fns = pass_functions(isa);
  const int dim = m.dim;
#pragma omp parallel num_threads(threads)
  {
    // Per thread: one coordinate column of x and one accumulator, contiguous for the vector loop.
    std::vector<double> column(points), acc(points), product(points);
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < m.units; ++i) {
      std::fill(product.begin(), product.end(), 1.0);
      for (int d = 0; d < dim; ++d) {
        for (int p = 0; p < points; ++p) column[p] = x[static_cast<std::int64_t>(p) * dim + d];
        std::fill(acc.begin(), acc.end(), 0.0);
        const std::int64_t base = (static_cast<std::int64_t>(i) * dim + d) * m.terms;
        fns.fourier_series_accumulate(column.data(), points, m.amplitude + base, m.frequency + base, m.phase + base,
                                      m.terms, acc.data());
        for (int p = 0; p < points; ++p) product[p] *= acc[p];
      }
      for (int p = 0; p < points; ++p) out[static_cast<std::int64_t>(p) * m.units + i] = product[p];
    }
  }
}

}  // namespace spikegrad

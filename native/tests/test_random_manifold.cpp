// The vectorized sine and the manifold evaluation against libm.
#include <cmath>
#include <vector>

#include "core/random_manifold.h"
#include "test_framework.h"
#include "test_util.h"

using namespace spikegrad;
using namespace spikegrad::testing;

TEST(vectorized_sine_matches_libm_at_every_level) {
  for (IsaLevel level : available_levels(__func__)) {
    const PassFunctions& f = pass_functions(level);
    double worst = 0;
    for (double x = -7000.0; x <= 7000.0; x += 0.0137) worst = std::max(worst, std::fabs(f.sin(x) - std::sin(x)));
    for (double x : {0.0, 1e-300, -1e-9, M_PI / 4, M_PI / 2, M_PI, 3 * M_PI / 2, 2 * M_PI}) {
      worst = std::max(worst, std::fabs(f.sin(x) - std::sin(x)));
    }
    CHECK(worst < 2e-14);
  }
}

TEST(manifold_evaluation_matches_a_plain_loop) {
  Rng rng(4);
  ManifoldView m;
  m.units = 5;
  m.dim = 2;
  m.terms = 37;
  const int n = m.units * m.dim * m.terms;
  std::vector<double> a(n), w(n), ph(n);
  for (int i = 0; i < n; ++i) {
    a[i] = rng.uniform();
    w[i] = 2 * M_PI * (i % m.terms) * rng.uniform();
    ph[i] = 2 * M_PI * rng.uniform();
  }
  m.amplitude = a.data();
  m.frequency = w.data();
  m.phase = ph.data();
  const int points = 53;
  std::vector<double> x(points * m.dim);
  for (double& v : x) v = rng.uniform();
  CHECK(check_manifold(m, n, static_cast<std::int64_t>(x.size())).empty());
  CHECK(!check_manifold(m, n + 1, static_cast<std::int64_t>(x.size())).empty());
  std::vector<double> out1(points * m.units), out2(points * m.units);
  evaluate_manifold(m, x.data(), points, out1.data(), 1, best_isa_level());
  evaluate_manifold(m, x.data(), points, out2.data(), 2, best_isa_level());
  for (int p = 0; p < points; ++p) {
    for (int i = 0; i < m.units; ++i) {
      double expected = 1;
      for (int d = 0; d < m.dim; ++d) {
        double f = 0;
        for (int k = 0; k < m.terms; ++k) {
          const int j = (i * m.dim + d) * m.terms + k;
          f += a[j] * std::sin(w[j] * x[p * m.dim + d] + ph[j]);
        }
        expected *= f;
      }
      CHECK_NEAR(out1[p * m.units + i], expected, 1e-12);
      CHECK(out1[p * m.units + i] == out2[p * m.units + i]);
    }
  }
}

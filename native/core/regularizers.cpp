#include "regularizers.h"

#include <cmath>
#include <sstream>

namespace spikegrad {

const char* regularizer_kind_name(RegularizerKind kind) {
  switch (kind) {
    case RegularizerKind::Lower: return "lower";
    case RegularizerKind::Upper: return "upper";
    case RegularizerKind::PopulationLower: return "population-lower";
    case RegularizerKind::PopulationUpper: return "population-upper";
  }
  return "unknown";
}

std::string check_regularizer(const RegularizerSpec& reg, int depth, int index) {
  std::ostringstream err;
  const std::string field = "regularizers[" + std::to_string(index) + "]";
  const int kind = static_cast<int>(reg.kind);
  if (kind < 0 || kind > 3) {
    err << field << ".kind: expected one of lower, upper, population-lower, population-upper";
  } else if (reg.power != 1 && reg.power != 2) {
    err << field << ".power: expected 1 or 2, got " << reg.power;
  } else if (!(std::isfinite(reg.strength) && reg.strength >= 0)) {
    err << field << ".strength: expected a finite number >= 0, got " << reg.strength;
  } else if (!std::isfinite(reg.threshold)) {
    err << field << ".threshold: expected a finite number, got " << reg.threshold;
  } else if (reg.layer < -1 || reg.layer >= depth) {
    err << field << ".layer: expected a hidden layer index in [0, " << depth << ") or none for every layer, got "
        << reg.layer;
  }
  return err.str();
}

namespace {

// penalty(e) = e^p for e > 0 (else 0), and its derivative p e^(p-1) (0 at e <= 0).
inline double penalty(double excess, int power) {
  if (excess <= 0) return 0.0;
  return power == 1 ? excess : excess * excess;
}
inline double penalty_slope(double excess, int power) {
  if (excess <= 0) return 0.0;
  return power == 1 ? 1.0 : 2.0 * excess;
}

}  // namespace

double apply_regularizer(const RegularizerSpec& reg, const float* counts, float* count_grad, int batch, int neurons,
                         int mean_over) {
  const double s = reg.strength;
  const double nu = reg.threshold;
  const double inv_batch = 1.0 / (mean_over > 0 ? mean_over : batch);
  const double inv_n = 1.0 / neurons;
  double loss = 0.0;
  for (int b = 0; b < batch; ++b) {
    const float* z = counts + static_cast<long>(b) * neurons;
    float* g = count_grad != nullptr ? count_grad + static_cast<long>(b) * neurons : nullptr;
    switch (reg.kind) {
      case RegularizerKind::Lower:
      case RegularizerKind::Upper: {
        const double sign = reg.kind == RegularizerKind::Lower ? -1.0 : 1.0;  // excess = sign (z - nu)
        double sum = 0.0;
        for (int i = 0; i < neurons; ++i) {
          const double excess = sign * (z[i] - nu);
          sum += penalty(excess, reg.power);
          if (g != nullptr) g[i] += static_cast<float>(s * inv_n * inv_batch * sign * penalty_slope(excess, reg.power));
        }
        loss += s * inv_n * sum;
        break;
      }
      case RegularizerKind::PopulationLower:
      case RegularizerKind::PopulationUpper: {
        const double sign = reg.kind == RegularizerKind::PopulationLower ? -1.0 : 1.0;
        double mean = 0.0;
        for (int i = 0; i < neurons; ++i) mean += z[i];
        mean *= inv_n;
        const double excess = sign * (mean - nu);
        loss += s * penalty(excess, reg.power);
        const float gi = static_cast<float>(s * sign * penalty_slope(excess, reg.power) * inv_n * inv_batch);
        if (g != nullptr && gi != 0.0f) {
          for (int i = 0; i < neurons; ++i) g[i] += gi;
        }
        break;
      }
    }
  }
  return loss * inv_batch;
}

}  // namespace spikegrad

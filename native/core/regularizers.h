// Activity regularizers on spike counts (docs/design.md section 1). z_i is the spike count of neuron i in one sample;
// each term is computed per sample and averaged over the batch, and its gradient flows to the spikes (and from
// there through the surrogate) as a constant dL/dS[n] = dL/dz for every step n.
#pragma once

#include <string>

namespace spikegrad {

enum class RegularizerKind : int { Lower = 0, Upper = 1, PopulationLower = 2, PopulationUpper = 3 };

struct RegularizerSpec {
  RegularizerKind kind = RegularizerKind::Lower;
  int power = 2;          // 1 or 2
  float strength = 0.0f;  // s
  float threshold = 0.0f; // nu
  int layer = -1;         // hidden layer index, or -1 for every hidden layer
};

// Empty string when valid for a network of `depth` hidden layers, otherwise what is wrong with which field.
std::string check_regularizer(const RegularizerSpec& reg, int depth, int index);

// Adds this regularizer's gradient with respect to the counts [B][N] into count_grad (unless null) and returns its
// loss (already averaged over the batch). mean_over: the size of the batch these `batch` rows belong to, when they are
// one chunk of it (0: the rows are the whole batch).
double apply_regularizer(const RegularizerSpec& reg, const float* counts, float* count_grad, int batch, int neurons,
                         int mean_over = 0);

const char* regularizer_kind_name(RegularizerKind kind);

}  // namespace spikegrad

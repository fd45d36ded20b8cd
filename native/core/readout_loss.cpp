#include "readout_loss.h"

#include <cmath>

namespace spikegrad {

void predict(const float* logits, int batch, int classes, std::int32_t* predictions) {
  for (int b = 0; b < batch; ++b) {
    const float* r = logits + static_cast<long>(b) * classes;
    int best = 0;
    for (int c = 1; c < classes; ++c) {
      if (r[c] > r[best]) best = c;
    }
    predictions[b] = best;
  }
}

CrossEntropyResult softmax_cross_entropy(const float* logits, const std::int32_t* labels, int batch, int classes,
                                         std::int32_t* predictions, float* dlogits, int mean_over) {
  const int mean = mean_over > 0 ? mean_over : batch;
  if (predictions != nullptr) predict(logits, batch, classes, predictions);
  CrossEntropyResult result;
  double total = 0.0;
  for (int b = 0; b < batch; ++b) {
    const float* r = logits + static_cast<long>(b) * classes;
    double peak = r[0];
    for (int c = 1; c < classes; ++c) peak = r[c] > peak ? r[c] : peak;
    double sum = 0.0;
    for (int c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(r[c]) - peak);
    const double log_sum = peak + std::log(sum);
    total += log_sum - r[labels[b]];
    if (predictions != nullptr && predictions[b] == labels[b]) ++result.correct;
    if (dlogits != nullptr) {
      float* g = dlogits + static_cast<long>(b) * classes;
      for (int c = 0; c < classes; ++c) {
        const double p = std::exp(static_cast<double>(r[c]) - log_sum);
        g[c] = static_cast<float>((p - (c == labels[b] ? 1.0 : 0.0)) / mean);
      }
    }
  }
  result.loss = total / mean;
  return result;
}

}  // namespace spikegrad

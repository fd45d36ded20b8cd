// The loss stack of the readout (stork's idea: reduction, loss, prediction and accuracy in one place):
// softmax cross-entropy on the time-reduced readout, mean over the batch; prediction = argmax of the same logits.
#pragma once

#include <cstdint>

namespace spikegrad {

struct CrossEntropyResult {
  double loss = 0.0;  // mean over the batch
  int correct = 0;
};

// predictions[b] = first index of the largest logit. With labels, also the loss and, if dlogits is not null,
// dL/dlogits = (softmax - onehot) / batch. predictions may be null (then correct stays 0). mean_over: the size of the batch these `batch` rows belong to, when
// they are one chunk of it (0: the rows are the whole batch).
void predict(const float* logits, int batch, int classes, std::int32_t* predictions);
CrossEntropyResult softmax_cross_entropy(const float* logits, const std::int32_t* labels, int batch, int classes,
                                         std::int32_t* predictions, float* dlogits, int mean_over = 0);

}  // namespace spikegrad

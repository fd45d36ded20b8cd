// A batch as the core sees it: views into caller-owned arrays (docs/design.md section 3, EventBatch / AnalogBatch).
#pragma once

#include <cstdint>
#include <string>

#include "spec.h"

namespace spikegrad {

struct InputBatch {
  int size = 0;   // samples
  int steps = 0;  // T

  // Event input: the events of sample b are [offsets[b], offsets[b+1]), sorted by time step.
  const std::int32_t* offsets = nullptr;
  std::int64_t offsets_length = 0;
  const std::int32_t* times = nullptr;
  std::int64_t times_length = 0;
  const std::int32_t* units = nullptr;
  std::int64_t units_length = 0;

  // Analog input [size][steps][inputs]; when set the event fields are not used.
  const float* values = nullptr;
  std::int64_t values_length = 0;

  // [size]; may be null for a forward pass without labels.
  const std::int32_t* labels = nullptr;
  std::int64_t labels_length = 0;

  bool analog() const { return values != nullptr; }
};

// Empty string when the batch is valid for `spec`, otherwise a message saying what is wrong and in which sample.
// Checks every index the kernels will use, so a batch that passes cannot make the core read out of bounds.
std::string check_batch(const InputBatch& batch, const NetworkSpec& spec, bool labels_required);

// Limits that keep index arithmetic and buffer sizes sane.
constexpr int kMaxBatchSize = 1 << 20;
constexpr int kMaxSteps = 1 << 20;

}  // namespace spikegrad

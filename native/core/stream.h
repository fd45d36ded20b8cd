// Streaming (stateful) inference: a batch of `size` independent streams, stepped a chunk of steps at a time,
// keeping every neuron's state between calls. Stepping T steps in any chunking gives bit for bit what forward()
// gives for the whole T: the same kernels (lif_step, add_rows_to, readout_step) in the same order per element.
// Event input only (analog input goes through a GEMM in forward(), whose summation order a step-by-step pass
// would not reproduce).
#pragma once

#include <cstdint>
#include <vector>

namespace spikegrad {

// The state of the streams: caller-owned arrays, updated in place.
struct StreamState {
  int size = 0;
  std::vector<float*> current;    // per hidden layer, [size][H]: I
  std::vector<float*> membrane;   // per hidden layer, [size][H]: U
  float* readout_current = nullptr;  // [size][C]: J
  float* readout = nullptr;          // [size][C]: Y
  float* reduced = nullptr;          // [size][C]: the readout's reduction over the steps so far (max, sum)
  std::int64_t steps_done = 0;       // steps already taken (the same for every stream)
};

// Traces of the steps of one call, each [size][k][width] (null: not recorded).
struct StreamRecord {
  std::vector<std::uint8_t*> spikes;  // per hidden layer
  std::vector<float*> membrane;       // per hidden layer: U[n] before step n's update (after reset)
  float* readout = nullptr;           // Y[n+1]
  float* logits = nullptr;            // [size][C]: the reduction after the last step (the forward's logits)
};

}  // namespace spikegrad

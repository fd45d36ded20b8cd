// Everything one forward or backward pass reads, gathered once per call so the per-sample and per-chunk bodies
// take a single argument. Pointers only; the engine owns the buffers and the caller owns parameters.
#pragma once

#include <cstdint>
#include <vector>

#include "batch.h"
#include "spec.h"
#include "surrogate.h"
#include "workspace.h"

namespace spikegrad {

struct LayerView {
  int size = 0;
  int fan_in = 0;
  bool recurrent = false;
  bool propagate_recurrent = false;          // credit flows back through earlier spikes via V
  const float* input_weights = nullptr;      // [fan_in][size]
  const float* recurrent_weights = nullptr;  // [size][size]
  const float* input_weights_t = nullptr;    // [size][fan_in], layers > 0, backward only
  const float* recurrent_weights_t = nullptr;  // [size][size], backward only
  std::int64_t input_grad_offset = 0;        // offsets of this layer's gradients in a gradient partition
  std::int64_t recurrent_grad_offset = 0;
  LayerBuffers* buffers = nullptr;
  bool has_count_grad = false;               // a regularizer acts on this layer
};

struct PassContext {
  int batch_size = 0;
  int steps = 0;
  int outputs = 0;
  int max_size = 0;  // largest hidden layer
  Decays decays{};
  SurrogateParams surrogate{};
  ResetMode reset = ResetMode::Detached;
  ReadoutReduction readout = ReadoutReduction::Max;
  const InputBatch* batch = nullptr;
  std::vector<LayerView> layers;
  const float* readout_weights = nullptr;    // [last size][outputs]
  const float* readout_weights_t = nullptr;  // [outputs][last size]
  std::int64_t readout_grad_offset = 0;
  Workspace* ws = nullptr;
  float* record_readout = nullptr;           // [B][T][C] or null
  // Backward partitions: chunk p covers samples [chunk_begin[p], chunk_begin[p+1]).
  std::vector<int> chunk_begin;
  int max_chunk = 0;
  std::int64_t partition_floats = 0;
};

// Per-thread scratch layout, shared by the engine (which sizes it) and the pass bodies (which carve it).
struct ScratchLayout {
  static std::int64_t forward_floats(const PassContext& c) {
    return 3 * round_to_line(c.max_size) + 2 * round_to_line(c.outputs);
  }
  static std::int64_t backward_floats(const PassContext& c) {
    std::int64_t total = 2 * round_to_line(static_cast<std::int64_t>(c.max_chunk) * c.outputs);
    for (const LayerView& l : c.layers) total += 3 * round_to_line(static_cast<std::int64_t>(c.max_chunk) * l.size);
    return total;
  }
  static std::int64_t ints(const PassContext& c) { return round_to_line(c.max_size); }
};

}  // namespace spikegrad

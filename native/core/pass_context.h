// Everything one forward or backward pass reads, gathered once per call so the per-sample and per-chunk bodies
// take a single argument. Pointers only; the engine owns the buffers and the caller owns parameters.
#pragma once

#include <cstdint>
#include <vector>

#include "batch.h"
#include "scratch_layout.h"
#include "spec.h"
#include "surrogate.h"
#include "workspace.h"

namespace spikegrad {

// Thread-seconds one thread spent in the phases of a call (filled when profiling): the backward pass's dense
// products, weight gradients and adjoint steps, and each chunk's forward and backward pass as a whole.
struct ThreadPhases {
  double products = 0, weight_gradients = 0, adjoint_steps = 0, forward = 0, backward = 0;
};

struct LayerView {
  int size = 0;
  int fan_in = 0;
  bool recurrent = false;
  bool propagate_recurrent = false;          // credit flows back through earlier spikes via V
  const float* input_weights = nullptr;      // [fan_in][size]
  const float* recurrent_weights = nullptr;  // [size][size]
  const float* input_weights_t = nullptr;    // W^T [size][fan_in] packed (pack_transposed), layers > 0, backward
  const float* recurrent_weights_t = nullptr;  // V^T [size][size] packed, backward only
  std::int64_t input_grad_offset = 0;        // offsets of this layer's gradients in a gradient partition
  std::int64_t recurrent_grad_offset = 0;
  LayerBuffers* buffers = nullptr;
  bool has_count_grad = false;               // a regularizer acts on this layer
};

struct PassContext {
  int batch_size = 0;
  int steps = 0;
  int outputs = 0;
  Decays decays{};
  SurrogateParams surrogate{};
  ResetMode reset = ResetMode::Detached;
  ReadoutReduction readout = ReadoutReduction::Max;
  const InputBatch* batch = nullptr;
  std::vector<LayerView> layers;
  const float* readout_weights = nullptr;    // [last size][outputs]
  const float* readout_weights_t = nullptr;  // W_out^T [outputs][last size] packed
  std::int64_t readout_grad_offset = 0;
  Workspace* ws = nullptr;
  float* record_readout = nullptr;           // [B][T][C] or null
  // Backward partitions: chunk p covers samples [chunk_begin[p], chunk_begin[p+1]).
  std::vector<int> chunk_begin;
  int max_chunk = 0;
  ScratchLayout scratch;  // each thread's float and integer scratch, carved into the spans the pass bodies use
  std::int64_t partition_floats = 0;
  // Analog input: the first layer's input currents are one GEMM per sample, and its weight gradient one
  // X^T G GEMM after the time loop, from dL/dI[n+1] rows stored here ([B][T][H0]).
  bool dense_input = false;
  float* dense_grad = nullptr;
  const float* dense_drive = nullptr;  // [B][T][H0]: W^T x[n] of every sample and step, for dense input
  // Per-phase thread-seconds of the backward pass (A: products, B: weight gradients, C: adjoint steps), or null.
  bool profile = false;
  // memory: 'compact': pre-reset rows stored as bfloat16 (LayerBuffers::pre_reset_compact), converted one row at
  // a time through scratch.
  bool compact = false;
  StateStorage state = StateStorage::Batch;
  std::int64_t grouped_gradient_bytes = 0;  // RunOptions::grouped_gradient_bytes
};

// One layer's pre-reset rows for the chunk that starts at sample b0 (float rows; compact state is kept only for
// the whole batch, in LayerBuffers::pre_reset_compact at the same row index).
struct StateRows {
  float* values = nullptr;  // null for StateStorage::None
  int first_sample = 0;     // the sample whose step T-1 is row 0
  int steps = 0, size = 0;
  std::int64_t row(int b, int n) const { return pre_reset_row(b - first_sample, n, steps, size); }
};

// `scratch`: the calling thread's float scratch.
inline StateRows state_rows(const PassContext& ctx, int l, float* scratch, int b0) {
  const LayerView& layer = ctx.layers[l];
  switch (ctx.state) {
    case StateStorage::None:
      return {nullptr, 0, ctx.steps, layer.size};
    case StateStorage::Chunk:
      return {scratch + ctx.scratch.chunk_state[l], b0, ctx.steps, layer.size};
    case StateStorage::Batch:
      break;
  }
  return {layer.buffers->pre_reset.data(), 0, ctx.steps, layer.size};
}


// Seconds on a monotonic clock (out of line: the per-ISA bodies call it only when profiling).
double monotonic_seconds();

}  // namespace spikegrad

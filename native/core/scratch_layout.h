// One thread's scratch during a call, as named spans: offsets in floats (or ints) from the start of that thread's
// float (or integer) scratch. Engine::plan computes it once from the shapes; the buffers are sized from it and the
// pass bodies take their pointers from it, so what is allocated and what is carved cannot drift apart. Every span
// starts on a cache line.
#pragma once

#include <cstdint>
#include <vector>

namespace spikegrad {

// The forward pass of one chunk (forward_body.h), one layer at a time.
struct ForwardScratch {
  // Floats.
  std::int64_t current = 0;      // [max_chunk][layer size]: I[n] of the chunk's samples
  std::int64_t membrane = 0;     // [max_chunk][layer size]: U[n]
  std::int64_t discard = 0;      // one row: the pre-reset value of step T, which BPTT never reads
  std::int64_t compact_row = 0;  // one row: a pre-reset row before its bfloat16 store (memory: 'compact')
  // The readout runs after the last layer and reuses the start of the float scratch.
  std::int64_t readout_current = 0;  // [max_chunk][outputs]: J[n] of the chunk's samples
  std::int64_t readout_trace = 0;    // [max_chunk][outputs]: Y[n]
  // Ints. A sample's list of this step's rows: the spikes of the layer below (the first layer reads the batch's
  // event array in place instead: a step may hold any number of events) and of the layer itself (recurrent).
  std::int64_t list_stride = 0;      // ints between two samples' lists: the largest layer, rounded to a line
  std::int64_t input_rows = 0;       // [max_chunk][list_stride]
  std::int64_t recurrent_rows = 0;   // [max_chunk][list_stride]
  std::int64_t input_counts = 0;     // [max_chunk]
  std::int64_t recurrent_counts = 0; // [max_chunk]
  std::int64_t readout_spikes = 0;   // [largest layer]: the last layer's spikes at one step of one sample
};

// The backward pass of one chunk (backward_body.h), all layers together.
struct BackwardScratch {
  // Floats.
  std::int64_t readout_current_grad = 0;  // [max_chunk][outputs]: dL/dJ[n+1]
  std::int64_t readout_trace_grad = 0;    // [max_chunk][outputs]: dL/dY[n+1]
  std::vector<std::int64_t> membrane_grad;  // per layer [max_chunk][layer size]: dL/dU[n+1]
  std::vector<std::int64_t> current_grad;   // per layer: dL/dI[n+1]
  std::vector<std::int64_t> spike_grad;     // per layer: dL/dS[n]
  std::int64_t compact_row = 0;           // one row of converted compact state
  std::int64_t padded_adjoints = 0;       // [max_chunk][padded_row_floats(widest target)]: add_spike_rows' copy
  // Ints: a step's spikes of a chunk, per sample and grouped by neuron (collect_chunk_spikes). The per-sample
  // weight-gradient update uses the first list alone.
  std::int64_t list_stride = 0;      // ints between two samples' spike lists
  std::int64_t spike_lists = 0;      // [max_chunk][list_stride]
  std::int64_t grouped_samples = 0;  // [max_chunk][list_stride]: the samples of each neuron's spikes, by neuron
  std::int64_t spike_counts = 0;     // [max_chunk]
  std::int64_t neuron_ends = 0;      // [largest layer]: where each neuron's samples end in grouped_samples
  std::int64_t active_neurons = 0;   // [largest layer]: the neurons that spiked
};

struct ScratchLayout {
  ForwardScratch forward;
  BackwardScratch backward;  // empty when the call has no backward pass
  // Per layer [max_chunk][steps][layer size]: the chunk's pre-reset rows (StateStorage::Chunk), after both
  // passes' spans since they live from a chunk's forward pass to the end of its backward pass. Empty otherwise.
  std::vector<std::int64_t> chunk_state;
  std::int64_t floats = 0;   // per thread: the larger of the two passes, plus the chunk state
  std::int64_t ints = 0;     // per thread
};

// The layout for chunks of at most max_chunk samples through hidden layers of these sizes and a readout of
// `outputs` classes; the backward spans only when `backward` is set, the chunk state only when state_steps > 0.
ScratchLayout scratch_layout(int max_chunk, const std::vector<int>& layer_sizes, int outputs, bool backward,
                             int state_steps = 0);

}  // namespace spikegrad

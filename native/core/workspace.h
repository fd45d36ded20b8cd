// Buffers one network reuses across calls. They grow to the largest batch seen and are never allocated inside
// a time loop. What the backward pass needs from the forward pass lives here: per layer the pre-reset membrane
// and the spike masks, per sample the readout reduction.
#pragma once

#include <cstdint>
#include <vector>

#include "aligned_vector.h"

namespace spikegrad {

// Row of step n of sample b in a layer's pre-reset buffer. Time is stored reversed: BPTT, which reads every row
// once going back in time, then walks memory forwards (twice as fast here as walking it backwards); the forward
// pass writes each row once, where the direction hardly matters.
inline std::int64_t pre_reset_row(int b, int n, int steps, int size) {
  return (static_cast<std::int64_t>(b) * steps + (steps - 1 - n)) * size;
}

// Row of step n of sample b in a layer's spike buffer: time reversed too (BPTT reads it backwards in time).
inline std::int64_t spikes_row(int b, int n, int steps, int size) { return pre_reset_row(b, n, steps, size); }

// Where a pass keeps the pre-reset membrane rows that BPTT reads (LIF step: a_mem U[n-1] + (1 - a_mem) I[n-1]).
enum class StateStorage {
  None,   // nobody reads them (forward() without a membrane record): every row goes to one scratch row
  Chunk,  // loss_and_gradient: one chunk's rows in the thread's scratch, reused by every chunk, so they stay in
          // cache between the chunk's forward and backward pass instead of going to memory and coming back
  Batch,  // the whole batch's rows in LayerBuffers (float, or bfloat16 for compact state): forward() recording the
          // membrane, or a chunk whose rows would not stay in cache (RunOptions::chunk_state_bytes)
};

struct LayerBuffers {
  AlignedVector<float> pre_reset;       // [B][T reversed][H]: a_mem U[n-1] + (1 - a_mem) I[n-1]; 0 at n = 0
  AlignedVector<std::uint16_t> pre_reset_compact;  // the same as bfloat16 of (value - threshold), memory: 'compact'
  AlignedVector<std::uint8_t> spikes;   // [B][T reversed][H]: S[n], 0 or 1
  AlignedVector<float> counts;          // [B][H]: spikes of each neuron in each sample
  AlignedVector<float> count_grad;      // [B][H]: d(regularization loss) / d count
};

struct Workspace {
  std::vector<LayerBuffers> layers;
  AlignedVector<std::int32_t> step_begin;  // [B][T+1]: index of the first input event of sample b at step >= n
  AlignedVector<float> logits;             // [B][C]: the readout reduced over time
  AlignedVector<std::int32_t> peak_step;   // [B][C]: step m in 1..T where Y is largest (max readout)
  AlignedVector<float> dlogits;            // [B][C]: d loss / d logits
  std::vector<AlignedVector<float>> transposed;  // per parameter: transposed copy for backward products
  AlignedVector<float> forward_weights;    // the hidden layers' input and recurrent weights, copied (see plan)
  AlignedVector<float> partitions;         // [P][gradient floats]: per-chunk gradient accumulators
  AlignedVector<float> dense_grad;         // [B][T][H0]: dL/dI[n+1] of the first layer, for dense input
  AlignedVector<float> dense_drive;        // [B][T][H0]: W^T x[n], for dense input
  AlignedVector<float> packed_input;       // the input weights in GEMM panels, for dense input
  AlignedVector<float> scratch;            // [threads][scratch_floats]
  AlignedVector<std::int32_t> int_scratch; // [threads][int_scratch_ints]
  std::int64_t scratch_floats = 0;
  std::int64_t int_scratch_ints = 0;
};

// Floats rounded up to a cache line so consecutive sub-buffers start aligned.
inline std::int64_t round_to_line(std::int64_t floats) { return (floats + 15) / 16 * 16; }

// Row stride of a padded copy of rows of n floats: one cache line more than aligned, so rows of a power-of-two
// width (1024 floats = 4 KB) do not all map the same columns to the same L1 sets (see add_grouped_rows).
inline std::int64_t padded_row_floats(std::int64_t n) { return round_to_line(n) + 16; }

}  // namespace spikegrad

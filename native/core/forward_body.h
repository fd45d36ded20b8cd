// The forward pass of one chunk of samples through every hidden layer, then the readout (docs/design.md section 1).
// Layer by layer: a layer's whole time course is simulated before the next layer reads its spikes. The chunk's
// samples step through time together, so that the weight rows their events select are added one column block at
// a time (a block of every row stays in L2 while all samples use it) instead of one whole row per sample and
// event. Propagation is event-driven: every input event and every hidden spike adds one weight row; no dense
// [T, inputs] tensor is built for spike input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pass_context.h"
#include "readout_step.h"
#include "simd/kernels.h"

namespace spikegrad {

template <class Isa>
SG_INLINE void simulate_layer_chunk(const PassContext& ctx, int l, int b0, int M, float* scratch, std::int32_t* ints) {
  const LayerView& layer = ctx.layers[l];
  const int H = layer.size;
  const int T = ctx.steps;
  const ForwardScratch& span = ctx.scratch.forward;
  float* __restrict current = scratch + span.current;    // [M][H]
  float* __restrict membrane = scratch + span.membrane;  // [M][H]
  float* __restrict discard = scratch + span.discard;    // pre-reset rows nobody reads
  std::memset(current, 0, sizeof(float) * M * H);
  std::memset(membrane, 0, sizeof(float) * M * H);
  // Per sample, this step's input rows and recurrent rows, and their counts.
  const std::int64_t list_stride = span.list_stride;
  std::int32_t* in_rows = ints + span.input_rows;
  std::int32_t* rec_rows = ints + span.recurrent_rows;
  std::int32_t* in_count = ints + span.input_counts;
  std::int32_t* rec_count = ints + span.recurrent_counts;

  const StateRows state = state_rows(ctx, l, scratch, b0);
  const bool stored = ctx.state != StateStorage::None;
  std::uint16_t* __restrict pre_reset_compact = layer.buffers->pre_reset_compact.data();
  float* __restrict compact_row = scratch + span.compact_row;
  const float threshold = ctx.surrogate.threshold;
  std::uint8_t* __restrict spikes = layer.buffers->spikes.data();
  for (int r = 0; r < M; ++r) {
    std::memset(layer.buffers->counts.data() + static_cast<std::int64_t>(b0 + r) * H, 0, sizeof(float) * H);
    if (!stored) continue;
    if (ctx.compact) {
      std::memset(compact_row, 0, sizeof(float) * H);
      store_bf16_shifted(compact_row, H, threshold, pre_reset_compact + state.row(b0 + r, 0));
    } else {
      std::memset(state.values + state.row(b0 + r, 0), 0, sizeof(float) * H);
    }
  }

  const InputBatch& batch = *ctx.batch;
  const float* W = layer.input_weights;
  const float* V = layer.recurrent_weights;
  const int below_size = l > 0 ? ctx.layers[l - 1].size : 0;
  const std::uint8_t* below = l > 0 ? ctx.layers[l - 1].buffers->spikes.data() : nullptr;
  const bool dense = l == 0 && ctx.dense_input;
  // Column blocks of the rows: add_rows_to holds a sample's current block in registers while the rows stream
  // through. With AVX-512, 16 of the 32 registers (256 columns) where the layer is that wide: each row visit then
  // moves twice the data per index load and prefetch (the large benchmark's forward pass: 13-15 % faster than
  // with 128 columns); the rest of a layer takes 8-register blocks.
  constexpr int kNarrow = Isa::W == 4 ? 4 : 8;
  constexpr int kWide = Isa::W == 16 ? 16 : kNarrow;
  constexpr int kWideBlock = Isa::W * kWide;
  const int wide_end = H / kWideBlock * kWideBlock;

  // A feedforward layer no wider than one register block runs each sample's whole time course at once: its
  // membrane and current rows (2 KB for 256 neurons) then stay in L1 for all steps, where the step-major order
  // below streams the whole chunk's state through L2 at every step. That order pays off where a column block of
  // the weight rows, shared by all samples, sits in L2; with a single block per row there is nothing to share.
  // (A recurrent layer would read back its own just-stored spike bytes at once, which stalls store forwarding.)
  // Step n of the neurons of chunk row r: membrane and spikes, and the pre-reset value kept for BPTT.
  auto neuron_step = [&](int r, int n) {
    const int b = b0 + r;
    const bool keep = stored && n + 1 < T;  // pre-reset of step T: never read
    float* pre_next = !keep ? discard : ctx.compact ? compact_row : state.values + state.row(b, n + 1);
    // Streaming (non-temporal) stores only into the batch-wide state: a chunk's own rows should stay in cache.
    const bool stream = keep && !ctx.compact && ctx.state == StateStorage::Batch;
    lif_step<Isa>(membrane + static_cast<std::int64_t>(r) * H, current + static_cast<std::int64_t>(r) * H, pre_next,
                  spikes + spikes_row(b, n, T, H), layer.buffers->counts.data() + static_cast<std::int64_t>(b) * H, H,
                  ctx.decays, threshold, stream);
    if (keep && ctx.compact) store_bf16_shifted(compact_row, H, threshold, pre_reset_compact + state.row(b, n + 1));
  };

  if (V == nullptr && H <= kWideBlock) {
    for (int r = 0; r < M; ++r) {
      const int b = b0 + r;
      float* cur = current + static_cast<std::int64_t>(r) * H;
      std::int32_t* in = in_rows + r * list_stride;
      const std::int32_t* step_begin = ctx.ws->step_begin.data() + static_cast<std::int64_t>(b) * (T + 1);
      for (int n = 0; n < T; ++n) {
        neuron_step(r, n);
        if (dense) {
          add_row(cur, ctx.dense_drive + (static_cast<std::int64_t>(b) * T + n) * H, H);
          continue;
        }
        const std::int32_t* rows_in = in;
        int count;
        if (l == 0) {
          rows_in = batch.units + step_begin[n];
          count = step_begin[n + 1] - step_begin[n];
        } else {
          count = collect_spikes<Isa>(below + spikes_row(b, n, T, below_size), below_size, in);
        }
        if (count == 0) continue;
        if (H == kWideBlock) {
          add_rows_to<Isa, kWide>(cur, H, W, H, rows_in, count, W, H, nullptr, 0);
        } else {
          add_rows_to<Isa, kNarrow>(cur, H, W, H, rows_in, count, W, H, nullptr, 0);
        }
      }
    }
    return;
  }

  // Per chunk row, where this step's input rows are listed: the batch's own event list for the first layer (a step
  // may hold more events than any list here has room for: many inputs, or several events of one input), the row
  // list filled from the spikes of the layer below otherwise.
  std::vector<const std::int32_t*> in_list(static_cast<std::size_t>(M));
  for (int n = 0; n < T; ++n) {
    for (int r = 0; r < M; ++r) neuron_step(r, n);
    // I[n+1] = a_syn I[n] + W^T x[n] + V^T S[n]. The rows to add, per sample: input events (or spikes of the layer
    // below) and this layer's spikes. Listing them after all lif_steps of the step also keeps the spike bytes
    // just stored away from the loads that read them back (store forwarding would stall).
    for (int r = 0; r < M; ++r) {
      const int b = b0 + r;
      std::int32_t* in = in_rows + r * list_stride;
      in_list[r] = in;
      if (dense) {
        in_count[r] = 0;
      } else if (l == 0) {
        const std::int32_t* step_begin = ctx.ws->step_begin.data() + static_cast<std::int64_t>(b) * (T + 1);
        in_count[r] = step_begin[n + 1] - step_begin[n];
        in_list[r] = batch.units + step_begin[n];
      } else {
        in_count[r] = collect_spikes<Isa>(below + spikes_row(b, n, T, below_size), below_size, in);
      }
      rec_count[r] = V != nullptr ? collect_spikes<Isa>(spikes + spikes_row(b, n, T, H), H, rec_rows + r * list_stride) : 0;
    }
    for (int j = 0; j < H;) {
      const bool wide = j < wide_end;
      const int width = wide ? kWideBlock : H - j;  // the narrow kernel walks the remainder in its own blocks
      for (int r = 0; r < M; ++r) {
        float* cur = current + static_cast<std::int64_t>(r) * H + j;
        if (dense) add_row(cur, ctx.dense_drive + (static_cast<std::int64_t>(b0 + r) * T + n) * H + j, width);
        if (in_count[r] + rec_count[r] == 0) continue;
        const float* rec = V != nullptr ? V + j : W;
        if (wide) {
          add_rows_to<Isa, kWide>(cur, width, W + j, H, in_list[r], in_count[r], rec, H, rec_rows + r * list_stride, rec_count[r]);
        } else {
          add_rows_to<Isa, kNarrow>(cur, width, W + j, H, in_list[r], in_count[r], rec, H, rec_rows + r * list_stride, rec_count[r]);
        }
      }
      j += width;
    }
  }
}

// Readout: J[n+1] = a_syn J[n] + W_out^T S[n];  Y[n+1] = a_out Y[n] + (1 - a_out) J[n], reduced over n = 1..T.
// The chunk's samples step together: the step and the reduction then run over M x C contiguous values (a few
// full vectors) instead of C per sample (with 10 classes, mostly scalar tails and a branch per class).
template <class Isa>
SG_INLINE void simulate_readout(const PassContext& ctx, int b0, int M, float* scratch, std::int32_t* ints) {
  const int C = ctx.outputs;
  const int T = ctx.steps;
  const int MC = M * C;
  const LayerView& last = ctx.layers.back();
  const int H = last.size;
  float* __restrict J = scratch + ctx.scratch.forward.readout_current;  // [M][C]
  float* __restrict Y = scratch + ctx.scratch.forward.readout_trace;    // [M][C]
  std::int32_t* spike_list = ints + ctx.scratch.forward.readout_spikes;
  std::memset(J, 0, sizeof(float) * MC);
  std::memset(Y, 0, sizeof(float) * MC);
  float* __restrict reduced = ctx.ws->logits.data() + static_cast<std::int64_t>(b0) * C;
  std::int32_t* __restrict peak = ctx.ws->peak_step.data() + static_cast<std::int64_t>(b0) * C;
  std::fill(reduced, reduced + MC, 0.0f);
  std::fill(peak, peak + MC, 1);
  const std::uint8_t* spikes = last.buffers->spikes.data();
  const Decays& d = ctx.decays;

  for (int n = 0; n < T; ++n) {
    const int m = n + 1;  // Y index being produced
    readout_step(Y, J, MC, d);
    reduce_readout(ctx.readout, reduced, peak, Y, MC, m, m == 1, m == T);
    for (int r = 0; r < M; ++r) {
      const int b = b0 + r;
      float* Jr = J + static_cast<std::int64_t>(r) * C;
      if (ctx.record_readout != nullptr) {
        std::memcpy(ctx.record_readout + (static_cast<std::int64_t>(b) * T + n) * C, Y + static_cast<std::int64_t>(r) * C, sizeof(float) * C);
      }
      const std::uint8_t* row = spikes + spikes_row(b, n, T, H);
      // Sample b's next spike row (time reversed: the row before this one). The step reads one row per sample,
      // as many interleaved streams as the chunk has samples, which the hardware prefetchers do not follow.
      if (n + 1 < T) prefetch_bytes(row - H, H);
      const int count = collect_spikes<Isa>(row, H, spike_list);
      if (count > 0) add_rows_to<Isa>(Jr, C, ctx.readout_weights, C, spike_list, count, ctx.readout_weights, C, nullptr, 0);
    }
  }
  if (ctx.readout == ReadoutReduction::Mean) {
    const float inv = 1.0f / static_cast<float>(T);
    for (int i = 0; i < MC; ++i) reduced[i] *= inv;
  }
}

template <class Isa>
SG_INLINE void simulate_chunk(const PassContext& ctx, int p, float* scratch, std::int32_t* int_scratch) {
  const int b0 = ctx.chunk_begin[p];
  const int M = ctx.chunk_begin[p + 1] - b0;
  for (int l = 0; l < static_cast<int>(ctx.layers.size()); ++l) simulate_layer_chunk<Isa>(ctx, l, b0, M, scratch, int_scratch);
  simulate_readout<Isa>(ctx, b0, M, scratch, int_scratch);
#if defined(__x86_64__)
  // Non-temporal stores of the state (lif_step) are weakly ordered: complete them before another thread reads
  // the rows (forward() recording them; this thread's own backward pass sees them in program order anyway).
  _mm_sfence();
#endif
}

}  // namespace spikegrad

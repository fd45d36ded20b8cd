// The forward pass of one sample through every hidden layer and the readout (DESIGN.md section 1).
// Layer by layer: a layer's whole time course is simulated before the next layer reads its spikes, so one
// layer's weights stay in cache for the sample. Propagation is event-driven: every input event and every hidden
// spike adds one contiguous weight row; no dense [T, inputs] tensor is built for spike input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "pass_context.h"
#include "simd/kernels.h"

namespace spikegrad {

template <class Isa>
SG_INLINE void simulate_hidden_layer(const PassContext& ctx, int l, int b, float* scratch, std::int32_t* spike_list) {
  const LayerView& layer = ctx.layers[l];
  const int H = layer.size;
  const int T = ctx.steps;
  const std::int64_t sample_offset = static_cast<std::int64_t>(b) * T * H;
  float* __restrict current = scratch;
  float* __restrict membrane = scratch + round_to_line(ctx.max_size);
  float* __restrict discard = membrane + round_to_line(ctx.max_size);  // pre-reset of step T (never needed)
  std::memset(current, 0, sizeof(float) * H);
  std::memset(membrane, 0, sizeof(float) * H);

  float* __restrict pre_reset = layer.buffers->pre_reset.data() + sample_offset;
  std::uint8_t* __restrict spikes = layer.buffers->spikes.data() + sample_offset;
  float* __restrict counts = layer.buffers->counts.data() + static_cast<std::int64_t>(b) * H;
  std::memset(counts, 0, sizeof(float) * H);
  std::memset(pre_reset, 0, sizeof(float) * H);

  const InputBatch& batch = *ctx.batch;
  const float* W = layer.input_weights;
  const float* V = layer.recurrent_weights;
  const int below_size = l > 0 ? ctx.layers[l - 1].size : 0;
  const std::uint8_t* below =
      l > 0 ? ctx.layers[l - 1].buffers->spikes.data() + static_cast<std::int64_t>(b) * T * below_size : nullptr;
  const std::int32_t* step_begin = ctx.ws->step_begin.data() + static_cast<std::int64_t>(b) * (T + 1);
  // Dense input: all steps' input currents W^T x[n] of this sample as one [T x fan_in] x [fan_in x H] product.
  float* drive = nullptr;
  if (l == 0 && ctx.dense_input) {
    drive = discard + round_to_line(ctx.max_size) + 2 * round_to_line(ctx.outputs);
    std::memset(drive, 0, sizeof(float) * static_cast<std::size_t>(T) * H);
    gemm_accumulate<Isa>(T, H, layer.fan_in, batch.values + static_cast<std::int64_t>(b) * T * layer.fan_in, layer.fan_in, W,
                         H, drive, H);
  }

  for (int n = 0; n < T; ++n) {
    float* pre_next = n + 1 < T ? pre_reset + static_cast<std::int64_t>(n + 1) * H : discard;
    std::uint8_t* spikes_n = spikes + static_cast<std::int64_t>(n) * H;
    lif_step(membrane, current, pre_next, spikes_n, counts, H, ctx.decays, ctx.surrogate.threshold);

    // I[n+1] = a_syn I[n] + W^T x[n] + V^T S[n]
    if (l == 0) {
      if (drive != nullptr) {
        add_row(current, drive + static_cast<std::int64_t>(n) * H, H);
      } else {
        for (std::int32_t e = step_begin[n]; e < step_begin[n + 1]; ++e) {
          add_row(current, W + static_cast<std::int64_t>(batch.units[e]) * H, H);
        }
      }
    } else {
      const int count = collect_spikes(below + static_cast<std::int64_t>(n) * below_size, below_size, spike_list);
      for (int s = 0; s < count; ++s) add_row(current, W + static_cast<std::int64_t>(spike_list[s]) * H, H);
    }
    if (V != nullptr) {
      const int count = collect_spikes(spikes_n, H, spike_list);
      for (int s = 0; s < count; ++s) add_row(current, V + static_cast<std::int64_t>(spike_list[s]) * H, H);
    }
  }
}

// Readout: J[n+1] = a_syn J[n] + W_out^T S[n];  Y[n+1] = a_out Y[n] + (1 - a_out) J[n], reduced over n = 1..T.
template <class Isa>
SG_INLINE void simulate_readout(const PassContext& ctx, int b, float* scratch, std::int32_t* spike_list) {
  const int C = ctx.outputs;
  const int T = ctx.steps;
  const LayerView& last = ctx.layers.back();
  const int H = last.size;
  float* __restrict J = scratch;
  float* __restrict Y = scratch + round_to_line(C);
  std::memset(J, 0, sizeof(float) * C);
  std::memset(Y, 0, sizeof(float) * C);
  float* __restrict reduced = ctx.ws->logits.data() + static_cast<std::int64_t>(b) * C;
  std::int32_t* __restrict peak = ctx.ws->peak_step.data() + static_cast<std::int64_t>(b) * C;
  std::fill(reduced, reduced + C, 0.0f);
  std::fill(peak, peak + C, 1);
  const std::uint8_t* spikes = last.buffers->spikes.data() + static_cast<std::int64_t>(b) * T * H;
  const Decays& d = ctx.decays;

  for (int n = 0; n < T; ++n) {
    const int m = n + 1;  // Y index being produced
    for (int c = 0; c < C; ++c) {
      const float y = d.out * Y[c] + d.out_in * J[c];
      Y[c] = y;
      J[c] *= d.syn;
      switch (ctx.readout) {
        case ReadoutReduction::Max:
          // Strictly greater: ties go to the earliest step, as argmax does.
          if (m == 1 || y > reduced[c]) {
            reduced[c] = y;
            peak[c] = m;
          }
          break;
        case ReadoutReduction::Sum:
        case ReadoutReduction::Mean:
          reduced[c] += y;
          break;
        case ReadoutReduction::Last:
          if (m == T) reduced[c] = y;
          break;
      }
    }
    if (ctx.record_readout != nullptr) {
      std::memcpy(ctx.record_readout + (static_cast<std::int64_t>(b) * T + n) * C, Y, sizeof(float) * C);
    }
    const int count = collect_spikes(spikes + static_cast<std::int64_t>(n) * H, H, spike_list);
    for (int s = 0; s < count; ++s) add_row(J, ctx.readout_weights + static_cast<std::int64_t>(spike_list[s]) * C, C);
  }
  if (ctx.readout == ReadoutReduction::Mean) {
    const float inv = 1.0f / static_cast<float>(T);
    for (int c = 0; c < C; ++c) reduced[c] *= inv;
  }
}

template <class Isa>
SG_INLINE void simulate_sample(const PassContext& ctx, int b, float* scratch, std::int32_t* int_scratch) {
  for (int l = 0; l < static_cast<int>(ctx.layers.size()); ++l) {
    simulate_hidden_layer<Isa>(ctx, l, b, scratch, int_scratch);
  }
  simulate_readout<Isa>(ctx, b, scratch, int_scratch);
}

}  // namespace spikegrad

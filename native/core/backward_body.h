// Backpropagation through time for one chunk of samples (a fixed range of the batch, independent of the thread
// count). All layers go backward in time together; at each step n:
//   A. dL/dS[n] of every layer: from the layer above (or the readout) at n+1 through its weights, from the
//      layer's own recurrence (unless detached), from the reset (if differentiable), and from the regularizers.
//      The products are small GEMMs over the chunk's samples: [chunk x above] x [above x size].
//   B. weight gradients: every presynaptic event at step n adds the postsynaptic dL/dI[n+1] row to its own
//      gradient row (event-driven, the same rows the forward pass added); for gradients too large for L2, hidden
//      spikes are grouped by neuron first, so each gradient row is read and written once per step. They go into
//      the chunk's private gradient partition, which the engine sums over chunks in a fixed order: bit-identical
//      for any thread count.
//   C. the adjoints of membrane and current step from n+1 to n through the surrogate derivative.
#pragma once

#include <cstdint>
#include <cstring>

#include "pass_context.h"
#include "readout_step.h"
#include "simd/kernels.h"

namespace spikegrad {

// gY[r][c] += dL/dY[m] straight from the time reduction, for samples b0 .. b0+M-1 (m in 1..T).
SG_INLINE void add_readout_direct_gradient(const PassContext& ctx, int b0, int M, int m, float* __restrict gY) {
  const int C = ctx.outputs;
  add_reduction_gradient(ctx.readout, ctx.ws->dlogits.data() + static_cast<std::int64_t>(b0) * C,
                         ctx.ws->peak_step.data() + static_cast<std::int64_t>(b0) * C, m, ctx.steps, M * C, gY);
}

// Asks for sample b's rows of step n-1 (its pre-reset values and spikes) while step n is worked on. The pass
// reads one row per sample of the chunk at each step: as many interleaved address streams as the chunk has
// samples, more than the hardware prefetchers follow, so without this each row's first lines come from memory
// while the adjoint step waits. Time is stored reversed: step n-1's rows follow step n's.
SG_INLINE void prefetch_next_step(const PassContext& ctx, const LayerView& layer, const StateRows& state, int b, int n,
                                  const std::uint8_t* spikes_n) {
  const int H = layer.size;
  prefetch_bytes(spikes_n + H, H);
  if (ctx.compact) {
    prefetch_bytes(layer.buffers->pre_reset_compact.data() + state.row(b, n - 1), H * 2);
  } else {
    prefetch_bytes(state.values + state.row(b, n - 1), H * 4);
  }
}

template <class Isa, SurrogateShape Shape>
SG_INLINE void backward_layer_rows(const PassContext& ctx, const LayerView& layer, const StateRows& state, int b0, int M,
                                   int n, float* gU, float* gI, const float* gS, float* compact_row) {
  const int H = layer.size;
  const int T = ctx.steps;
  for (int r = 0; r < M; ++r) {
    const std::uint8_t* spikes_n = layer.buffers->spikes.data() + spikes_row(b0 + r, n, T, H);
    if (n > 0) prefetch_next_step(ctx, layer, state, b0 + r, n, spikes_n);
    // At n = 0 the pre-reset value is 0, so U[0] = 0 whatever mask is passed as the previous step's. (Time is
    // stored reversed: step n-1 is the next row.)
    const std::uint8_t* spikes_prev = n > 0 ? spikes_n + H : spikes_n;
    lif_backward_step<Shape>(gU + static_cast<std::int64_t>(r) * H, gI + static_cast<std::int64_t>(r) * H,
                             gS + static_cast<std::int64_t>(r) * H,
                             pre_reset_values(ctx.compact, state.values, layer.buffers->pre_reset_compact.data(),
                                              state.row(b0 + r, n), H, ctx.surrogate.threshold, compact_row),
                             spikes_n, spikes_prev, H, ctx.decays, ctx.surrogate);
  }
}

template <class Isa>
SG_INLINE void backward_layer_step(const PassContext& ctx, const LayerView& layer, const StateRows& state, int b0, int M,
                                   int n, float* gU, float* gI, const float* gS, float* compact_row) {
  switch (ctx.surrogate.shape) {
    case SurrogateShape::SuperSpike:
      backward_layer_rows<Isa, SurrogateShape::SuperSpike>(ctx, layer, state, b0, M, n, gU, gI, gS, compact_row);
      break;
    case SurrogateShape::Sigmoid:
      backward_layer_rows<Isa, SurrogateShape::Sigmoid>(ctx, layer, state, b0, M, n, gU, gI, gS, compact_row);
      break;
    case SurrogateShape::Esser:
      backward_layer_rows<Isa, SurrogateShape::Esser>(ctx, layer, state, b0, M, n, gU, gI, gS, compact_row);
      break;
    case SurrogateShape::Exponential:
      backward_layer_rows<Isa, SurrogateShape::Exponential>(ctx, layer, state, b0, M, n, gU, gI, gS, compact_row);
      break;
    case SurrogateShape::Gaussian:
      backward_layer_rows<Isa, SurrogateShape::Gaussian>(ctx, layer, state, b0, M, n, gU, gI, gS, compact_row);
      break;
    case SurrogateShape::Zero:
      backward_layer_rows<Isa, SurrogateShape::Zero>(ctx, layer, state, b0, M, n, gU, gI, gS, compact_row);
      break;
  }
}

// Gradient matrices larger than ctx.grouped_gradient_bytes (512 KB by default) are updated with spikes grouped by
// neuron (add_grouped_rows): they do not stay in a core's L2 (1 MB here, shared with the adjoints), so a
// row-per-event update streams a whole row from L3 per spike. Smaller ones stay in L2, where grouping measured
// slower (its bookkeeping costs more than it saves when a neuron spikes in one or two samples of a chunk, as in
// the shd and fmnist benchmarks).
SG_INLINE bool grouped_update(const PassContext& ctx, int rows, int cols) {
  return std::int64_t{4} * rows * cols > ctx.grouped_gradient_bytes;
}

// The spikes of one layer at step n in a chunk's samples: one list per sample, and grouped by neuron.
struct ChunkSpikes {
  const std::int32_t* lists;  // sample r's spikes at lists + r * stride
  const std::int32_t* counts;
  std::int64_t stride;
  int total;
  SpikeGroups groups;
};

// The step's spikes of the chunk, per sample and grouped by neuron (the spans of BackwardScratch). Grouping is a
// counting sort over the neurons.
template <class Isa>
SG_INLINE ChunkSpikes collect_chunk_spikes(const PassContext& ctx, const LayerView& layer, int b0, int M, int n,
                                           std::int32_t* ints) {
  const int H = layer.size;
  const BackwardScratch& span = ctx.scratch.backward;
  const std::int64_t stride = span.list_stride;
  std::int32_t* lists = ints + span.spike_lists;
  std::int32_t* samples = ints + span.grouped_samples;
  std::int32_t* counts = ints + span.spike_counts;
  std::int32_t* ends = ints + span.neuron_ends;
  std::int32_t* active = ints + span.active_neurons;
  ChunkSpikes s{lists, counts, stride, 0, SpikeGroups{active, 0, ends, samples}};
  for (int r = 0; r < M; ++r) {
    counts[r] = collect_spikes<Isa>(layer.buffers->spikes.data() + spikes_row(b0 + r, n, ctx.steps, H), H, lists + r * stride);
    s.total += counts[r];
  }
  if (s.total == 0) return s;
  std::memset(ends, 0, sizeof(std::int32_t) * H);
  for (int r = 0; r < M; ++r) {
    for (int k = 0; k < counts[r]; ++k) ++ends[lists[r * stride + k]];
  }
  // ends[i] becomes the start of neuron i's samples; filling advances it to the end.
  int start = 0;
  for (int i = 0; i < H; ++i) {
    const int c = ends[i];
    if (c > 0) active[s.groups.active_count++] = i;
    ends[i] = start;
    start += c;
  }
  for (int r = 0; r < M; ++r) {
    for (int k = 0; k < counts[r]; ++k) samples[ends[lists[r * stride + k]]++] = r;
  }
  return s;
}

// base[i] += x[r] for every spike of neuron i in sample r (x rows at x_stride, n floats), in increasing r for
// every row either way, so both forms give bit-identical sums. The grouped form reads x from a copy in `padded`
// whose rows are not 4 KB apart (one copy of the chunk's rows per step: 256 KB on the large benchmark).
template <class Isa>
SG_INLINE void add_spike_rows(const PassContext& ctx, float* base, int rows, const ChunkSpikes& s, int M, const float* x,
                              long x_stride, int n, float* padded) {
  if (grouped_update(ctx, rows, n)) {
    const std::int64_t stride = padded_row_floats(n);
    for (int r = 0; r < M; ++r) std::memcpy(padded + r * stride, x + r * x_stride, sizeof(float) * n);
    add_grouped_rows<Isa>(base, n, s.groups, padded, stride, n);
    return;
  }
  for (int r = 0; r < M; ++r) {
    if (s.counts[r] > 0) add_to_rows<Isa>(base, n, s.lists + r * s.stride, s.counts[r], x + r * x_stride, n);
  }
}

// A weight gradient a hidden layer's spikes update, with the adjoint rows added into it (row r: sample b0 + r).
struct SpikeTarget {
  float* gradient;
  const float* adjoints;
  int width;  // of a gradient row and an adjoint row
};

// Layer l's targets: its own recurrent weights (its dL/dI), then the input weights of the layer above (that
// layer's dL/dI) or, for the last layer, the readout (dL/dJ). Returns how many (1 or 2).
SG_INLINE int spike_targets(const PassContext& ctx, int l, float* grads, float* const* gI, const float* gJ,
                            SpikeTarget out[2]) {
  const LayerView& layer = ctx.layers[l];
  int k = 0;
  if (layer.recurrent) out[k++] = {grads + layer.recurrent_grad_offset, gI[l], layer.size};
  if (l + 1 < static_cast<int>(ctx.layers.size())) {
    out[k++] = {grads + ctx.layers[l + 1].input_grad_offset, gI[l + 1], ctx.layers[l + 1].size};
  } else {
    out[k++] = {grads + ctx.readout_grad_offset, gJ, ctx.outputs};
  }
  return k;
}

constexpr int kMaxLayers = 64;

template <class Isa>
SG_INLINE void backward_chunk(const PassContext& ctx, int p, float* scratch, std::int32_t* ints,
                              ThreadPhases* phases) {
  const int b0 = ctx.chunk_begin[p];
  const int M = ctx.chunk_begin[p + 1] - b0;
  const int T = ctx.steps;
  const int C = ctx.outputs;
  const int L = static_cast<int>(ctx.layers.size());
  const InputBatch& batch = *ctx.batch;
  float* grads = ctx.ws->partitions.data() + static_cast<std::int64_t>(p) * ctx.partition_floats;
  std::memset(grads, 0, sizeof(float) * ctx.partition_floats);

  // Adjoints of the current step for the chunk's samples, row r = sample b0 + r.
  const BackwardScratch& span = ctx.scratch.backward;
  float* gJ = scratch + span.readout_current_grad;  // dL/dJ[n+1]
  float* gY = scratch + span.readout_trace_grad;    // dL/dY[n+1], all paths
  float* gU[kMaxLayers];
  float* gI[kMaxLayers];
  float* gS[kMaxLayers];
  StateRows state[kMaxLayers];
  for (int l = 0; l < L; ++l) {
    state[l] = state_rows(ctx, l, scratch, b0);
    gU[l] = scratch + span.membrane_grad[l];
    gI[l] = scratch + span.current_grad[l];
    gS[l] = scratch + span.spike_grad[l];
    std::memset(gU[l], 0, sizeof(float) * M * ctx.layers[l].size);
    std::memset(gI[l], 0, sizeof(float) * M * ctx.layers[l].size);
  }
  float* compact_row = scratch + span.compact_row;
  float* padded = scratch + span.padded_adjoints;  // adjoint rows for add_spike_rows
  std::int32_t* spike_list = ints + span.spike_lists;  // the per-sample update's list of one sample
  std::memset(gJ, 0, sizeof(float) * M * C);  // J[T] reaches no Y in 1..T
  std::memset(gY, 0, sizeof(float) * M * C);
  add_readout_direct_gradient(ctx, b0, M, T, gY);

  double clock = ctx.profile ? monotonic_seconds() : 0.0;
  auto lap = [&](double ThreadPhases::*phase) {
    if (!ctx.profile) return;
    const double now = monotonic_seconds();
    phases->*phase += now - clock;
    clock = now;
  };
  for (int n = T - 1; n >= 0; --n) {
    // At n = T-1 every adjoint at n+1 = T is zero except the readout's Y: no products, no weight gradients.
    const bool tail = n == T - 1;

    // A. dL/dS[n]
    for (int l = 0; l < L; ++l) {
      const LayerView& layer = ctx.layers[l];
      const int H = layer.size;
      float* gs = gS[l];
      if (layer.has_count_grad) {
        std::memcpy(gs, layer.buffers->count_grad.data() + static_cast<std::int64_t>(b0) * H, sizeof(float) * M * H);
      } else {
        std::memset(gs, 0, sizeof(float) * M * H);
      }
      if (tail) continue;
      if (l == L - 1) {
        gemm_packed_accumulate<Isa>(M, H, C, gJ, C, ctx.readout_weights_t, gs, H);
      } else {
        const LayerView& above = ctx.layers[l + 1];
        gemm_packed_accumulate<Isa>(M, H, above.size, gI[l + 1], above.size, above.input_weights_t, gs, H);
      }
      if (layer.propagate_recurrent) {
        gemm_packed_accumulate<Isa>(M, H, H, gI[l], H, layer.recurrent_weights_t, gs, H);
      }
      if (ctx.reset == ResetMode::Differentiable) {
        // U[n+1] = pre_reset[n+1] (1 - S[n])  =>  dU[n+1]/dS[n] = -pre_reset[n+1]
        for (int r = 0; r < M; ++r) {
          const float* pre_next = pre_reset_values(ctx.compact, state[l].values, layer.buffers->pre_reset_compact.data(),
                                                   state[l].row(b0 + r, n + 1), H, ctx.surrogate.threshold, compact_row);
          float* __restrict g = gs + static_cast<std::int64_t>(r) * H;
          const float* __restrict gu = gU[l] + static_cast<std::int64_t>(r) * H;
          for (int i = 0; i < H; ++i) g[i] -= gu[i] * pre_next[i];
        }
      }
    }

    lap(&ThreadPhases::products);
    // B. weight gradients from the events at step n and the adjoints at n+1. Layers whose gradients fit in L2
    // go sample by sample, one row per spike; the others with the chunk's spikes grouped by neuron.
    if (!tail) {
      bool group[kMaxLayers];
      SpikeTarget targets[kMaxLayers][2];
      int target_count[kMaxLayers];
      for (int l = 0; l < L; ++l) {
        target_count[l] = spike_targets(ctx, l, grads, gI, gJ, targets[l]);
        group[l] = false;
        for (int k = 0; k < target_count[l]; ++k) group[l] = group[l] || grouped_update(ctx, ctx.layers[l].size, targets[l][k].width);
      }
      for (int r = 0; r < M; ++r) {
        const int b = b0 + r;
        const LayerView& first = ctx.layers[0];
        const int H0 = first.size;
        float* dW0 = grads + first.input_grad_offset;
        const float* gi0 = gI[0] + static_cast<std::int64_t>(r) * H0;
        if (ctx.dense_input) {
          // Kept for the X^T G product after the time loop: row (b, n) holds dL/dI[n+1], stored in GEMM panels.
          store_packed_row<Isa>(ctx.dense_grad, static_cast<std::int64_t>(ctx.batch_size) * T, static_cast<std::int64_t>(b) * T + n, gi0, H0);
        } else {
          const std::int32_t* step_begin = ctx.ws->step_begin.data() + static_cast<std::int64_t>(b) * (T + 1);
          add_to_rows<Isa>(dW0, H0, batch.units + step_begin[n], step_begin[n + 1] - step_begin[n], gi0, H0);
        }
        for (int l = 0; l < L; ++l) {
          if (group[l]) continue;
          const int H = ctx.layers[l].size;
          const int count = collect_spikes<Isa>(ctx.layers[l].buffers->spikes.data() + spikes_row(b, n, T, H), H, spike_list);
          if (count == 0) continue;
          for (int k = 0; k < target_count[l]; ++k) {
            const SpikeTarget& t = targets[l][k];
            add_to_rows<Isa>(t.gradient, t.width, spike_list, count, t.adjoints + static_cast<std::int64_t>(r) * t.width, t.width);
          }
        }
      }
      for (int l = 0; l < L; ++l) {
        if (!group[l]) continue;
        const ChunkSpikes spikes = collect_chunk_spikes<Isa>(ctx, ctx.layers[l], b0, M, n, ints);
        if (spikes.total == 0) continue;
        for (int k = 0; k < target_count[l]; ++k) {
          const SpikeTarget& t = targets[l][k];
          add_spike_rows<Isa>(ctx, t.gradient, ctx.layers[l].size, spikes, M, t.adjoints, t.width, t.width, padded);
        }
      }
    }

    lap(&ThreadPhases::weight_gradients);
    // C. adjoints from n+1 to n.
    for (int l = 0; l < L; ++l) backward_layer_step<Isa>(ctx, ctx.layers[l], state[l], b0, M, n, gU[l], gI[l], gS[l], compact_row);
    const Decays& d = ctx.decays;
    // dL/dJ[n] = (1 - a_out) dL/dY[n+1] + a_syn dL/dJ[n+1];  dL/dY[n] = direct[n] + a_out dL/dY[n+1]
    for (int i = 0; i < M * C; ++i) {
      const float gy = gY[i];
      gJ[i] = d.out_in * gy + d.syn * gJ[i];
      gY[i] = d.out * gy;
    }
    if (n >= 1) add_readout_direct_gradient(ctx, b0, M, n, gY);
    lap(&ThreadPhases::adjoint_steps);
  }
  if (ctx.dense_input) {
    // dL/dI[T] = 0: the last row of each sample.
    for (int r = 0; r < M; ++r) {
      store_packed_row<Isa>(ctx.dense_grad, static_cast<std::int64_t>(ctx.batch_size) * T, static_cast<std::int64_t>(b0 + r) * T + T - 1, nullptr,
                            ctx.layers[0].size);
    }
  }
}

}  // namespace spikegrad

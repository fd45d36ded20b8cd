// One call of streaming inference (stream.h): for each step, each stream, each layer: the neuron step, then the
// weight rows of this step's input events (or the spikes of the layer below) and of the layer's own spikes;
// then the readout. Per element these are the operations of forward_body.h in the same order.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "batch.h"
#include "readout_step.h"
#include "simd/kernels.h"
#include "spec.h"
#include "stream.h"
#include "workspace.h"

namespace spikegrad {

struct StreamContext {
  const NetworkSpec* spec;
  Decays decays;
  std::vector<const float*> input_weights;      // per layer [fan_in][H]
  std::vector<const float*> recurrent_weights;  // per layer [H][H] or null
  const float* readout_weights;                 // [H_last][C]
  const InputBatch* batch;                      // events of this call's steps: times in [0, k)
  StreamState* state;
  const StreamRecord* record;
};

template <class Isa>
SG_INLINE void stream_steps(const StreamContext& c) {
  const NetworkSpec& spec = *c.spec;
  const int depth = static_cast<int>(spec.layers.size());
  const int C = spec.outputs;
  const int k = c.batch->steps;
  const float threshold = spec.neuron.threshold;
  int widest = C;
  for (const LayerSpec& l : spec.layers) widest = std::max(widest, l.size);
  // Scratch: this step's spikes per layer, the pre-reset row (unused), counts (unused), row lists.
  std::vector<std::vector<std::uint8_t>> spikes(depth);
  for (int l = 0; l < depth; ++l) spikes[l].assign(static_cast<std::size_t>(spec.layers[l].size) + 64, 0);
  AlignedVector<float> pre(static_cast<std::size_t>(round_to_line(widest)));
  AlignedVector<float> counts(static_cast<std::size_t>(round_to_line(widest)));  // lif_step's counts: unused here
  std::vector<std::int32_t> in_rows(static_cast<std::size_t>(std::max(widest, spec.inputs)) + 64);
  std::vector<std::int32_t> rec_rows(static_cast<std::size_t>(widest) + 64);
  constexpr int kNarrow = Isa::W == 4 ? 4 : 8;
  StreamState& s = *c.state;
  const StreamRecord* rec = c.record;

  for (int b = 0; b < s.size; ++b) {
    std::int32_t event = c.batch->offsets[b];
    const std::int32_t end = c.batch->offsets[b + 1];
    float* J = s.readout_current + static_cast<std::int64_t>(b) * C;
    float* Y = s.readout + static_cast<std::int64_t>(b) * C;
    float* reduced = s.reduced + static_cast<std::int64_t>(b) * C;
    for (int n = 0; n < k; ++n) {
      // This step's input events are [first, event).
      const std::int32_t first = event;
      while (event < end && c.batch->times[event] == n) ++event;
      for (int l = 0; l < depth; ++l) {
        const int H = spec.layers[l].size;
        float* cur = c.state->current[l] + static_cast<std::int64_t>(b) * H;
        float* mem = c.state->membrane[l] + static_cast<std::int64_t>(b) * H;
        if (rec && rec->membrane[l]) std::memcpy(rec->membrane[l] + (static_cast<std::int64_t>(b) * k + n) * H, mem, sizeof(float) * H);
        lif_step<Isa>(mem, cur, pre.data(), spikes[l].data(), counts.data(), H, c.decays, threshold, false);
        if (rec && rec->spikes[l]) std::memcpy(rec->spikes[l] + (static_cast<std::int64_t>(b) * k + n) * H, spikes[l].data(), H);
        const std::int32_t* rows;
        int count;
        if (l == 0) {
          rows = c.batch->units + first;
          count = event - first;
        } else {
          count = collect_spikes<Isa>(spikes[l - 1].data(), spec.layers[l - 1].size, in_rows.data());
          rows = in_rows.data();
        }
        const float* V = c.recurrent_weights[l];
        const int rec_count = V != nullptr ? collect_spikes<Isa>(spikes[l].data(), H, rec_rows.data()) : 0;
        if (count + rec_count > 0) {
          add_rows_to<Isa, kNarrow>(cur, H, c.input_weights[l], H, rows, count, V != nullptr ? V : c.input_weights[l], H, rec_rows.data(), rec_count);
        }
      }
      readout_step(Y, J, C, c.decays);
      const std::int64_t m = s.steps_done + n + 1;
      reduce_readout(spec.readout, reduced, nullptr, Y, C, 0, m == 1, true);
      if (rec && rec->readout) std::memcpy(rec->readout + (static_cast<std::int64_t>(b) * k + n) * C, Y, sizeof(float) * C);
      const int H = spec.layers[depth - 1].size;
      const int count = collect_spikes<Isa>(spikes[depth - 1].data(), H, in_rows.data());
      if (count > 0) add_rows_to<Isa>(J, C, c.readout_weights, C, in_rows.data(), count, c.readout_weights, C, nullptr, 0);
    }
    if (rec && rec->logits) {
      float* logits = rec->logits + static_cast<std::int64_t>(b) * C;
      std::memcpy(logits, reduced, sizeof(float) * C);
      if (spec.readout == ReadoutReduction::Mean) {
        const float inv = 1.0f / static_cast<float>(s.steps_done + k);
        for (int j = 0; j < C; ++j) logits[j] *= inv;
      }
    }
  }
  s.steps_done += k;
}

}  // namespace spikegrad

#include "scratch_layout.h"

#include <algorithm>

#include "workspace.h"

namespace spikegrad {

namespace {

// Hands out consecutive spans, each starting on a cache line.
class SpanCarver {
 public:
  std::int64_t take(std::int64_t size) {
    const std::int64_t at = end_;
    end_ += round_to_line(size);
    return at;
  }
  std::int64_t end() const { return end_; }

 private:
  std::int64_t end_ = 0;
};

}  // namespace

ScratchLayout scratch_layout(int max_chunk, const std::vector<int>& layer_sizes, int outputs, bool backward,
                             int state_steps) {
  const std::int64_t M = max_chunk, C = outputs;
  const std::int64_t widest = layer_sizes.empty() ? 0 : *std::max_element(layer_sizes.begin(), layer_sizes.end());
  const std::int64_t stride = round_to_line(widest);
  ScratchLayout s;

  ForwardScratch& f = s.forward;
  SpanCarver floats;
  f.current = floats.take(M * widest);
  f.membrane = floats.take(M * widest);
  f.discard = floats.take(widest);
  f.compact_row = floats.take(widest);
  SpanCarver readout;
  f.readout_current = readout.take(M * C);
  f.readout_trace = readout.take(M * C);
  SpanCarver ints;
  f.list_stride = stride;
  f.input_rows = ints.take(M * stride);
  f.recurrent_rows = ints.take(M * stride);
  f.input_counts = ints.take(M);
  f.recurrent_counts = ints.take(M);
  f.readout_spikes = 0;  // the lists are free once the last layer is done
  s.floats = std::max(floats.end(), readout.end());
  s.ints = std::max(ints.end(), round_to_line(widest));

  if (backward) {
    BackwardScratch& b = s.backward;
    SpanCarver bf;
    b.readout_current_grad = bf.take(M * C);
    b.readout_trace_grad = bf.take(M * C);
    for (const int size : layer_sizes) {
      b.membrane_grad.push_back(bf.take(M * size));
      b.current_grad.push_back(bf.take(M * size));
      b.spike_grad.push_back(bf.take(M * size));
    }
    b.compact_row = bf.take(widest);
    b.padded_adjoints = bf.take(M * padded_row_floats(std::max(widest, C)));
    SpanCarver bi;
    b.list_stride = stride;
    b.spike_lists = bi.take(M * stride);
    b.grouped_samples = bi.take(M * stride);
    b.spike_counts = bi.take(M);
    b.neuron_ends = bi.take(widest);
    b.active_neurons = bi.take(widest);
    s.floats = std::max(s.floats, bf.end());
    s.ints = std::max(s.ints, bi.end());
  }
  if (state_steps > 0) {
    for (const int size : layer_sizes) {
      s.chunk_state.push_back(s.floats);
      s.floats += round_to_line(M * state_steps * size);
    }
  }
  return s;
}

}  // namespace spikegrad

// Forward pass: a single neuron worked out by hand, and equal results for event and analog input.
#include <cmath>
#include <cstring>
#include <vector>

#include "core/engine.h"
#include "test_framework.h"
#include "test_util.h"

using namespace spikegrad;
using namespace spikegrad::testing;

// One input event at step 0 through weight 20 into one neuron (threshold 1, dt 1 ms, tau_mem 10 ms,
// tau_syn 5 ms). By the equations of docs/design.md section 1:
//   I[1] = 20, U[2] = (1 - a_mem) 20 = 1.903 > 1: spike at 2, U[3] = 0;
//   U[4] = (1 - a_mem) 20 a_syn^2 = 1.276: spike at 4;  U[6] = (1 - a_mem) 20 a_syn^4 = 0.855 (no spike);
//   U[7] = a_mem U[6] + (1 - a_mem) 20 a_syn^5 = 1.474: spike at 7.
TEST(single_neuron_worked_by_hand) {
  NetworkSpec spec = small_spec(1, {{1, false, false}}, 1);
  Engine engine(spec);
  OwnedBatch batch;
  batch.offsets = {0, 1};
  batch.times = {0};
  batch.units = {0};
  batch.labels = {0};
  const int T = 8;
  finish_view(batch, 1, T);
  std::vector<float> w_in = {20.0f}, w_out = {1.0f};
  std::vector<const float*> weights = {w_in.data(), w_out.data()};
  std::vector<std::uint8_t> spikes(T);
  std::vector<float> membrane(T), readout(T);
  RecordRequest record;
  record.layers = {0};
  record.spikes = {spikes.data()};
  record.membrane = {membrane.data()};
  record.readout = readout.data();
  RunOptions options;
  const BatchResult r = engine.forward(batch.view, weights, options, &record);

  const double as = std::exp(-0.2), am = std::exp(-0.1), ao = std::exp(-0.05);
  const double u6 = (1 - am) * 20 * std::pow(as, 4);
  const double expected_u[T] = {0, 0, (1 - am) * 20, 0, (1 - am) * 20 * as * as, 0, u6,
                                am * u6 + (1 - am) * 20 * std::pow(as, 5)};
  const int expected_s[T] = {0, 0, 1, 0, 1, 0, 0, 1};
  for (int n = 0; n < T; ++n) {
    CHECK_NEAR(membrane[n], expected_u[n], 1e-5);
    CHECK(spikes[n] == expected_s[n]);
  }
  CHECK_NEAR(r.spike_counts[0][0], 3, 0);
  // Readout with W_out = 1: J[n+1] = a_syn J[n] + S[n], Y[n+1] = a_out Y[n] + (1 - a_out) J[n].
  double J = 0, Y = 0, peak = -1e9;
  for (int n = 0; n < T; ++n) {
    Y = ao * Y + (1 - ao) * J;
    J = as * J + expected_s[n];
    CHECK_NEAR(readout[n], Y, 1e-6);
    peak = std::max(peak, Y);
  }
  CHECK_NEAR(r.logits[0], peak, 1e-6);
  CHECK(r.has_loss);
  CHECK_NEAR(r.loss, 0.0, 1e-12);  // one class: softmax is 1
}

TEST(threshold_crossing_is_strict) {
  // U[2] = (1 - a_mem) w: choose w so that U[2] equals the threshold exactly in float, which must not spike.
  NetworkSpec spec = small_spec(1, {{1, false, false}}, 1);
  const Decays d = decays_of(spec.neuron);
  spec.neuron.threshold = d.mem_in * 10.0f;
  Engine engine(spec);
  OwnedBatch batch;
  batch.offsets = {0, 1};
  batch.times = {0};
  batch.units = {0};
  finish_view(batch, 1, 4);
  std::vector<float> w_in = {10.0f}, w_out = {1.0f};
  std::vector<std::uint8_t> spikes(4);
  std::vector<float> membrane(4);
  RecordRequest record;
  record.layers = {0};
  record.spikes = {spikes.data()};
  record.membrane = {membrane.data()};
  engine.forward(batch.view, {w_in.data(), w_out.data()}, RunOptions{}, &record);
  CHECK(membrane[2] == spec.neuron.threshold);
  CHECK(spikes[2] == 0);
}

TEST(analog_zero_one_input_equals_event_input) {
  Rng rng(11);
  NetworkSpec spec = small_spec(9, {{12, true, false}, {7, false, false}}, 4);
  spec.readout = ReadoutReduction::Sum;
  Engine engine(spec);
  OwnedBatch events = random_event_batch(rng, 5, 30, 9, 4, 0.2);
  OwnedBatch analog;
  analog.values.assign(5 * 30 * 9, 0.0f);
  for (int b = 0; b < 5; ++b)
    for (int e = events.offsets[b]; e < events.offsets[b + 1]; ++e)
      analog.values[(b * 30 + events.times[e]) * 9 + events.units[e]] = 1.0f;
  analog.labels = events.labels;
  finish_view(analog, 5, 30);
  OwnedParameters params = random_parameters(rng, spec, 4.0f);
  OwnedParameters g1 = zero_like(spec), g2 = zero_like(spec);
  RunOptions options;
  const BatchResult a = engine.loss_and_gradient(events.view, params.weights(), g1.pointers(), options);
  const BatchResult b = engine.loss_and_gradient(analog.view, params.weights(), g2.pointers(), options);
  CHECK(a.spike_counts[0] == b.spike_counts[0]);
  CHECK_NEAR(a.loss, b.loss, 1e-6);
  double total = 0;
  for (float c : a.spike_counts[1]) total += c;
  CHECK(total > 0);  // the comparison is not vacuous
  for (std::size_t p = 0; p < g1.tensors.size(); ++p)
    for (std::size_t i = 0; i < g1.tensors[p].size(); ++i) CHECK_NEAR(g1.tensors[p][i], g2.tensors[p][i], 1e-5);
}

// A step may hold more input events than any layer has neurons (cochlear spikes: hundreds of channels in one 2 ms
// step, and several spikes of one channel). The forward pass once copied them into a list sized by the widest
// layer and wrote past it. Checked against the same input as analog counts (the dense path), under ASan too.
TEST(a_step_with_more_input_events_than_neurons_equals_its_counts) {
  Rng rng(12);
  const int inputs = 300, steps = 20, size = 3;
  NetworkSpec spec = small_spec(inputs, {{12, true, false}}, 4);
  spec.readout = ReadoutReduction::Sum;
  Engine engine(spec);
  OwnedBatch events;
  events.offsets.push_back(0);
  for (int b = 0; b < size; ++b) {
    for (int n = 0; n < steps; ++n) {
      // Every unit at steps 3 and 11, units below 50 twice; sparse elsewhere.
      for (int u = 0; u < inputs; ++u) {
        const int copies = (n == 3 || n == 11) ? (u < 50 ? 2 : 1) : (rng.uniform() < 0.05 ? 1 : 0);
        for (int c = 0; c < copies; ++c) {
          events.times.push_back(n);
          events.units.push_back(u);
        }
      }
    }
    events.offsets.push_back(static_cast<std::int32_t>(events.times.size()));
    events.labels.push_back(b % 4);
  }
  finish_view(events, size, steps);
  OwnedBatch analog;
  analog.values.assign(static_cast<std::size_t>(size) * steps * inputs, 0.0f);
  for (int b = 0; b < size; ++b)
    for (int e = events.offsets[b]; e < events.offsets[b + 1]; ++e) analog.values[(b * steps + events.times[e]) * inputs + events.units[e]] += 1.0f;
  analog.labels = events.labels;
  finish_view(analog, size, steps);
  OwnedParameters params = random_parameters(rng, spec, 3.0f);
  OwnedParameters g1 = zero_like(spec), g2 = zero_like(spec);
  RunOptions options;
  const BatchResult a = engine.loss_and_gradient(events.view, params.weights(), g1.pointers(), options);
  const BatchResult b = engine.loss_and_gradient(analog.view, params.weights(), g2.pointers(), options);
  CHECK(a.spike_counts[0] == b.spike_counts[0]);
  double total = 0;
  for (float c : a.spike_counts[0]) total += c;
  CHECK(total > 0);
  CHECK_NEAR(a.loss, b.loss, 1e-5);
  for (std::size_t p = 0; p < g1.tensors.size(); ++p)
    for (std::size_t i = 0; i < g1.tensors[p].size(); ++i) CHECK_NEAR(g1.tensors[p][i], g2.tensors[p][i], 1e-4);
}

// Bad input gets an exception that names the field and the sample, never an out-of-bounds read.
#include <cmath>
#include <limits>
#include <vector>

#include "core/engine.h"
#include "test_framework.h"
#include "test_util.h"

using namespace spikegrad;
using namespace spikegrad::testing;

namespace {

struct Fixture {
  NetworkSpec spec = small_spec(4, {{5, true, false}}, 3);
  Engine engine{spec};
  OwnedParameters params;
  OwnedParameters grads;
  Fixture() {
    Rng rng(1);
    params = random_parameters(rng, spec, 1.0f);
    grads = zero_like(spec);
  }
  void run(OwnedBatch& b, int size, int steps) {
    finish_view(b, size, steps);
    engine.loss_and_gradient(b.view, params.weights(), grads.pointers(), RunOptions{});
  }
};

OwnedBatch two_samples() {
  OwnedBatch b;
  b.offsets = {0, 2, 3};
  b.times = {0, 3, 1};
  b.units = {1, 2, 3};
  b.labels = {0, 2};
  return b;
}

}  // namespace

TEST(valid_batch_passes) {
  Fixture f;
  OwnedBatch b = two_samples();
  f.run(b, 2, 5);
}

TEST(unsorted_times_are_rejected_with_sample) {
  Fixture f;
  OwnedBatch b = two_samples();
  b.times = {3, 0, 1};
  CHECK_THROWS(f.run(b, 2, 5), "sorted by time step");
  CHECK_THROWS(f.run(b, 2, 5), "sample 0");
}

TEST(unit_out_of_range_is_rejected) {
  Fixture f;
  OwnedBatch b = two_samples();
  b.units = {1, 2, 4};
  CHECK_THROWS(f.run(b, 2, 5), "batch.units[2] (sample 1): expected a unit in [0, 4), got 4");
  b.units = {1, -1, 0};
  CHECK_THROWS(f.run(b, 2, 5), "got -1");
}

TEST(step_out_of_range_is_rejected) {
  Fixture f;
  OwnedBatch b = two_samples();
  b.times = {0, 5, 1};
  CHECK_THROWS(f.run(b, 2, 5), "expected a step in [0, 5), got 5");
}

TEST(offsets_must_be_monotone_and_complete) {
  Fixture f;
  OwnedBatch b = two_samples();
  b.offsets = {0, 3, 2};
  CHECK_THROWS(f.run(b, 2, 5), "offsets");
  b.offsets = {1, 2, 3};
  CHECK_THROWS(f.run(b, 2, 5), "batch.offsets[0]: expected 0");
  b.offsets = {0, 2};
  CHECK_THROWS(f.run(b, 2, 5), "expected length size + 1 = 3");
  b.offsets = {0, 2, 2};
  CHECK_THROWS(f.run(b, 2, 5), "expected the number of events 3");
}

TEST(labels_are_checked) {
  Fixture f;
  OwnedBatch b = two_samples();
  b.labels = {0, 3};
  CHECK_THROWS(f.run(b, 2, 5), "batch.labels[1]: expected a class in [0, 3), got 3");
  b.labels = {0};
  CHECK_THROWS(f.run(b, 2, 5), "batch.labels: expected length size = 2");
  b.labels.clear();
  CHECK_THROWS(f.run(b, 2, 5), "batch.labels");
}

TEST(analog_values_must_be_finite) {
  Fixture f;
  OwnedBatch b;
  b.values.assign(2 * 3 * 4, 0.5f);
  b.values[1 * 12 + 2 * 4 + 3] = std::numeric_limits<float>::quiet_NaN();
  b.labels = {0, 1};
  CHECK_THROWS(f.run(b, 2, 3), "(sample 1, step 2, unit 3): expected a finite number");
  b.values.resize(5);
  CHECK_THROWS(f.run(b, 2, 3), "batch.values: expected length");
}

TEST(non_finite_parameters_are_rejected) {
  Fixture f;
  OwnedBatch b = two_samples();
  f.params.tensors[1][3] = std::numeric_limits<float>::infinity();
  CHECK_THROWS(f.run(b, 2, 5), "parameters['hidden.0.recurrent'][3]: expected a finite number");
}

TEST(bad_sizes_are_rejected) {
  Fixture f;
  OwnedBatch b = two_samples();
  CHECK_THROWS(f.run(b, 0, 5), "batch.size");
  CHECK_THROWS(f.run(b, 2, 0), "batch.steps");
}

TEST(bad_specs_are_rejected) {
  NetworkSpec spec = small_spec(4, {{5, false, false}}, 3);
  spec.neuron.threshold = 0;
  CHECK_THROWS(Engine e(spec), "neuron.threshold");
  spec = small_spec(4, {}, 3);
  CHECK_THROWS(Engine e(spec), "layers: expected at least one hidden layer");
  spec = small_spec(4, {{0, false, false}}, 3);
  CHECK_THROWS(Engine e(spec), "layers[0].size");
  spec = small_spec(4, {{3, false, true}}, 3);
  CHECK_THROWS(Engine e(spec), "recurrentGradient");
  spec = small_spec(4, {{3, false, false}}, 3);
  spec.surrogate.scale = -1;
  CHECK_THROWS(Engine e(spec), "surrogate.scale");
  spec.surrogate.scale = 1;
  spec.neuron.tau_mem = 0;
  CHECK_THROWS(Engine e(spec), "neuron.tauMem");
}

TEST(bad_regularizers_are_rejected) {
  Fixture f;
  OwnedBatch b = two_samples();
  finish_view(b, 2, 5);
  RunOptions options;
  options.regularizers = {{RegularizerKind::Lower, 3, 1.0f, 0.0f, -1}};
  CHECK_THROWS(f.engine.loss_and_gradient(b.view, f.params.weights(), f.grads.pointers(), options),
               "regularizers[0].power: expected 1 or 2, got 3");
  options.regularizers = {{RegularizerKind::Lower, 2, 1.0f, 0.0f, 1}};
  CHECK_THROWS(f.engine.loss_and_gradient(b.view, f.params.weights(), f.grads.pointers(), options),
               "regularizers[0].layer");
}

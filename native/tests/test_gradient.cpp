// Gradient properties checkable inside the core: finite differences for the readout weights (the loss is smooth
// in them: spikes do not depend on W_out) and for the regularizer terms, bit-identical results across thread
// counts, and the zero surrogate blocking all hidden credit.
#include <cmath>
#include <cstring>
#include <vector>

#include "core/engine.h"
#include "core/regularizers.h"
#include "test_framework.h"
#include "test_util.h"

using namespace spikegrad;
using namespace spikegrad::testing;

namespace {

double loss_of(Engine& engine, const InputBatch& batch, const OwnedParameters& params, const RunOptions& options) {
  return engine.forward(batch, params.weights(), options).loss;
}

}  // namespace

TEST(readout_gradient_matches_finite_differences) {
  for (ReadoutReduction red : {ReadoutReduction::Sum, ReadoutReduction::Mean, ReadoutReduction::Last, ReadoutReduction::Max}) {
    Rng rng(3 + static_cast<int>(red));
    NetworkSpec spec = small_spec(10, {{16, true, false}}, 5);
    spec.readout = red;
    Engine engine(spec);
    OwnedBatch batch = random_event_batch(rng, 6, 40, 10, 5, 0.15);
    OwnedParameters params = random_parameters(rng, spec, 5.0f);
    OwnedParameters grads = zero_like(spec);
    RunOptions options;
    engine.loss_and_gradient(batch.view, params.weights(), grads.pointers(), options);
    const std::size_t readout = params.tensors.size() - 1;
    double max_grad = 0;
    for (float g : grads.tensors[readout]) max_grad = std::max(max_grad, static_cast<double>(std::fabs(g)));
    CHECK(max_grad > 1e-4);
    for (std::size_t i = 0; i < params.tensors[readout].size(); ++i) {
      const float w = params.tensors[readout][i];
      const float eps = 1e-2f;
      params.tensors[readout][i] = w + eps;
      const double up = loss_of(engine, batch.view, params, options);
      params.tensors[readout][i] = w - eps;
      const double down = loss_of(engine, batch.view, params, options);
      params.tensors[readout][i] = w;
      const double fd = (up - down) / (2.0 * eps);
      CHECK_NEAR(grads.tensors[readout][i], fd, 2e-3 * max_grad + 1e-5);
    }
  }
}

TEST(regularizer_gradients_match_finite_differences) {
  Rng rng(5);
  const int B = 3, N = 7;
  std::vector<float> counts(B * N);
  for (float& c : counts) c = static_cast<float>(rng.next() % 6);
  for (RegularizerKind kind : {RegularizerKind::Lower, RegularizerKind::Upper, RegularizerKind::PopulationLower,
                               RegularizerKind::PopulationUpper}) {
    for (int power : {1, 2}) {
      RegularizerSpec reg;
      reg.kind = kind;
      reg.power = power;
      reg.strength = 3.0f;
      reg.threshold = 2.5f;  // counts are integers: no kink at a sample point
      std::vector<float> grad(B * N, 0.0f), scratch(B * N, 0.0f);
      apply_regularizer(reg, counts.data(), grad.data(), B, N);
      for (int i = 0; i < B * N; ++i) {
        const float z = counts[i];
        counts[i] = z + 0.01f;
        const double up = apply_regularizer(reg, counts.data(), scratch.data(), B, N);
        counts[i] = z - 0.01f;
        const double down = apply_regularizer(reg, counts.data(), scratch.data(), B, N);
        counts[i] = z;
        CHECK_NEAR(grad[i], (up - down) / 0.02, 1e-4);
      }
    }
  }
}

TEST(regularizer_values_match_definitions) {
  // Two samples, three neurons; lower bound p=2: s * mean_i relu(nu - z)^2, averaged over samples.
  const float counts[6] = {0, 1, 3, 2, 2, 0};
  std::vector<float> g(6, 0.0f);
  RegularizerSpec lower{RegularizerKind::Lower, 2, 10.0f, 1.5f, -1};
  const double expected_lower = 10.0 * ((1.5 * 1.5 + 0.5 * 0.5) / 3 + (1.5 * 1.5) / 3) / 2;
  CHECK_NEAR(apply_regularizer(lower, counts, g.data(), 2, 3), expected_lower, 1e-12);
  RegularizerSpec pop{RegularizerKind::PopulationUpper, 1, 4.0f, 1.0f, -1};
  // population means 4/3 and 4/3: 4 * (1/3) per sample.
  CHECK_NEAR(apply_regularizer(pop, counts, g.data(), 2, 3), 4.0 / 3.0, 1e-12);
}

TEST(gradients_are_bit_identical_across_thread_counts) {
  Rng rng(9);
  NetworkSpec spec = small_spec(20, {{33, true, false}, {17, true, true}}, 6);
  spec.reset = ResetMode::Differentiable;
  Engine engine(spec);
  OwnedBatch batch = random_event_batch(rng, 37, 50, 20, 6, 0.1);
  OwnedParameters params = random_parameters(rng, spec, 4.0f);
  RunOptions one, two;
  one.threads = 1;
  two.threads = 2;
  RegularizerSpec reg{RegularizerKind::Lower, 2, 5.0f, 1.0f, -1};
  one.regularizers = two.regularizers = {reg};
  OwnedParameters g1 = zero_like(spec), g2 = zero_like(spec);
  const BatchResult r1 = engine.loss_and_gradient(batch.view, params.weights(), g1.pointers(), one);
  const BatchResult r2 = engine.loss_and_gradient(batch.view, params.weights(), g2.pointers(), two);
  CHECK(std::memcmp(&r1.loss, &r2.loss, sizeof(double)) == 0);
  for (std::size_t p = 0; p < g1.tensors.size(); ++p) {
    CHECK(std::memcmp(g1.tensors[p].data(), g2.tensors[p].data(), g1.tensors[p].size() * sizeof(float)) == 0);
  }
  double total = 0;
  for (float x : g1.tensors[0]) total += std::fabs(x);
  CHECK(total > 0);
}

TEST(zero_surrogate_blocks_hidden_credit) {
  Rng rng(13);
  NetworkSpec spec = small_spec(8, {{10, true, false}}, 3);
  spec.surrogate.shape = SurrogateShape::Zero;
  Engine engine(spec);
  OwnedBatch batch = random_event_batch(rng, 4, 30, 8, 3, 0.2);
  OwnedParameters params = random_parameters(rng, spec, 5.0f);
  OwnedParameters g = zero_like(spec);
  engine.loss_and_gradient(batch.view, params.weights(), g.pointers(), RunOptions{});
  for (float x : g.tensors[0]) CHECK(x == 0.0f);
  for (float x : g.tensors[1]) CHECK(x == 0.0f);
  double readout = 0;
  for (float x : g.tensors[2]) readout += std::fabs(x);
  CHECK(readout > 0);
}

TEST(loss_is_finite_and_gradients_written_for_every_parameter) {
  Rng rng(17);
  NetworkSpec spec = small_spec(30, {{40, false, false}, {20, true, false}, {10, false, false}}, 4);
  Engine engine(spec);
  OwnedBatch batch = random_event_batch(rng, 20, 60, 30, 4, 0.1);
  OwnedParameters params = random_parameters(rng, spec, 6.0f);
  OwnedParameters g = zero_like(spec);
  for (auto& t : g.tensors) std::fill(t.begin(), t.end(), 12345.0f);  // must be overwritten, not added to
  const BatchResult r = engine.loss_and_gradient(batch.view, params.weights(), g.pointers(), RunOptions{});
  CHECK(std::isfinite(r.loss));
  for (const auto& t : g.tensors)
    for (float x : t) CHECK(std::isfinite(x) && std::fabs(x) < 1000.0f);
}

TEST(workspace_plan_predicts_the_allocation_exactly) {
  Rng rng(21);
  NetworkSpec spec = small_spec(30, {{40, true, false}, {20, false, false}}, 5);
  for (bool analog : {false, true}) {
    Engine engine(spec);
    OwnedBatch batch = random_event_batch(rng, 23, 37, 30, 5, 0.1);
    if (analog) {
      batch.values.assign(23 * 37 * 30, 0.5f);
      finish_view(batch, 23, 37);
    }
    OwnedParameters params = random_parameters(rng, spec, 3.0f);
    OwnedParameters g = zero_like(spec);
    RunOptions options;
    options.threads = 2;
    engine.loss_and_gradient(batch.view, params.weights(), g.pointers(), options);
    CHECK(engine.workspace_bytes() == engine.plan(23, 37, true, analog, options).bytes(2));
  }
}

TEST(compact_state_stays_close_to_exact_gradients) {
  Rng rng(31);
  NetworkSpec spec = small_spec(40, {{64, true, false}, {32, false, false}}, 6);
  spec.reset = ResetMode::Differentiable;
  OwnedBatch batch = random_event_batch(rng, 24, 80, 40, 6, 0.08);
  OwnedParameters params = random_parameters(rng, spec, 5.0f);
  Engine exact(spec), compact(spec);
  OwnedParameters g1 = zero_like(spec), g2 = zero_like(spec);
  RunOptions o1, o2;
  o1.chunk_state_bytes = 0;  // both keep the whole batch's state, which is where compact applies
  o2.chunk_state_bytes = 0;
  o2.compact = true;
  const BatchResult a = exact.loss_and_gradient(batch.view, params.weights(), g1.pointers(), o1);
  const BatchResult b = compact.loss_and_gradient(batch.view, params.weights(), g2.pointers(), o2);
  CHECK(a.loss == b.loss);  // the forward pass is float32 either way
  CHECK(a.spike_counts == b.spike_counts);
  for (std::size_t p = 0; p < g1.tensors.size(); ++p) {
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < g1.tensors[p].size(); ++i) {
      diff = std::max(diff, static_cast<double>(std::fabs(g1.tensors[p][i] - g2.tensors[p][i])));
      scale = std::max(scale, static_cast<double>(std::fabs(g1.tensors[p][i])));
    }
    CHECK(scale > 0);
    CHECK(diff <= 0.02 * scale);
  }
  // 3 bytes per neuron and step instead of 5 (against exact state kept for the whole batch).
  const WorkspacePlan pe = exact.plan(24, 80, true, false, o1), pc = compact.plan(24, 80, true, false, o2);
  CHECK(pe.state == StateStorage::Batch && pc.state == StateStorage::Batch);
  CHECK(pe.bytes(1) - pc.bytes(1) == 2 * pe.layer_cells);
  CHECK(compact.workspace_bytes() == pc.bytes(1));
}

TEST(chunk_and_batch_state_give_bit_identical_gradients) {
  // The pre-reset rows kept per chunk in thread scratch (StateStorage::Chunk) or for the whole batch (Batch) are
  // the same values read in the same order: loss, counts and every gradient must match bit for bit, for recurrent
  // layers, a differentiable reset (which reads the next step's row too) and dense input.
  Rng rng(41);
  for (bool analog : {false, true}) {
    NetworkSpec spec = small_spec(24, {{70, true, false}, {33, false, false}}, 7);
    spec.reset = ResetMode::Differentiable;
    Engine engine(spec);
    OwnedBatch batch = random_event_batch(rng, 150, 30, 24, 7, 0.1);
    if (analog) {
      for (std::size_t i = 0; i < 150u * 30 * 24; ++i) batch.values.push_back(rng.uniform() < 0.1f ? 1.0f : 0.0f);
      finish_view(batch, 150, 30);
    }
    OwnedParameters params = random_parameters(rng, spec, 5.0f);
    for (IsaLevel level : available_levels(__func__)) {
      RunOptions in_batch;
      in_batch.isa = level;
      in_batch.chunk_state_bytes = 0;
      CHECK(engine.plan(150, 30, true, analog, in_batch).state == StateStorage::Batch);
      OwnedParameters g1 = zero_like(spec);
      const BatchResult r1 = engine.loss_and_gradient(batch.view, params.weights(), g1.pointers(), in_batch);
      for (int threads : {1, 2}) {
        RunOptions in_chunk;
        in_chunk.isa = level;
        in_chunk.threads = threads;
        const WorkspacePlan plan = engine.plan(150, 30, true, analog, in_chunk);
        CHECK(plan.state == StateStorage::Chunk);
        CHECK(plan.state_bytes(1) < engine.plan(150, 30, true, analog, in_batch).state_bytes(1));
        OwnedParameters g2 = zero_like(spec);
        const BatchResult r2 = engine.loss_and_gradient(batch.view, params.weights(), g2.pointers(), in_chunk);
        CHECK(engine.workspace_bytes() >= plan.bytes(threads));
        CHECK(std::memcmp(&r1.loss, &r2.loss, sizeof(double)) == 0);
        CHECK(r1.spike_counts == r2.spike_counts);
        for (std::size_t p = 0; p < g1.tensors.size(); ++p) {
          CHECK(std::memcmp(g1.tensors[p].data(), g2.tensors[p].data(), g1.tensors[p].size() * sizeof(float)) == 0);
        }
      }
    }
  }
}

TEST(forward_without_membrane_record_keeps_no_state) {
  // forward() keeps the pre-reset rows only when asked for the membrane; either way the same outputs.
  Rng rng(43);
  NetworkSpec spec = small_spec(20, {{40, true, false}}, 5);
  Engine engine(spec);
  OwnedBatch batch = random_event_batch(rng, 12, 25, 20, 5, 0.1);
  OwnedParameters params = random_parameters(rng, spec, 5.0f);
  RunOptions options;
  CHECK(engine.plan(12, 25, false, false, options).state == StateStorage::None);
  CHECK(engine.plan(12, 25, false, false, options, true).state == StateStorage::Batch);
  const BatchResult plain = engine.forward(batch.view, params.weights(), options);
  CHECK(engine.workspace_bytes() == engine.plan(12, 25, false, false, options).bytes(1));
  std::vector<float> membrane(12 * 25 * 40);
  RecordRequest record;
  record.layers = {0};
  record.membrane = {membrane.data()};
  const BatchResult recorded = engine.forward(batch.view, params.weights(), options, &record);
  CHECK(plain.logits == recorded.logits);
  CHECK(plain.spike_counts == recorded.spike_counts);
  double total = 0;
  for (float u : membrane) total += std::fabs(u);
  CHECK(total > 0);
}

TEST(grouped_and_row_per_event_weight_updates_are_bit_identical) {
  // Two recurrent layers and enough activity that neurons spike in several samples of a chunk: grouping all
  // weight-gradient updates by neuron (threshold 0) must give exactly the sums of one row update per spike. 150
  // neurons: full column blocks of every SIMD level and a remainder; 300 outputs: a grouped readout target wider
  // than every hidden layer.
  Rng rng(21);
  NetworkSpec spec = small_spec(24, {{150, true, false}, {45, true, true}, {30, false, false}}, 300);
  spec.reset = ResetMode::Differentiable;
  Engine engine(spec);
  OwnedBatch batch = random_event_batch(rng, 70, 40, 24, 300, 0.15);
  OwnedParameters params = random_parameters(rng, spec, 6.0f);
  for (IsaLevel level : available_levels(__func__)) {
    RunOptions per_event;
    per_event.isa = level;
    per_event.grouped_gradient_bytes = std::int64_t{1} << 40;
    OwnedParameters g2 = zero_like(spec);
    const BatchResult r2 = engine.loss_and_gradient(batch.view, params.weights(), g2.pointers(), per_event);
    // Every target grouped, then the large ones only (150x150, 150x45 and the 30x300 readout exceed 45x45 floats).
    for (std::int64_t bytes : {std::int64_t{0}, std::int64_t{4 * 45 * 45}}) {
      RunOptions grouped;
      grouped.isa = level;
      grouped.threads = 2;
      grouped.grouped_gradient_bytes = bytes;
      OwnedParameters g1 = zero_like(spec);
      const BatchResult r1 = engine.loss_and_gradient(batch.view, params.weights(), g1.pointers(), grouped);
      CHECK(std::memcmp(&r1.loss, &r2.loss, sizeof(double)) == 0);
      for (std::size_t p = 0; p < g1.tensors.size(); ++p) {
        CHECK(std::memcmp(g1.tensors[p].data(), g2.tensors[p].data(), g1.tensors[p].size() * sizeof(float)) == 0);
        double total = 0;
        for (float x : g1.tensors[p]) total += std::fabs(x);
        CHECK(total > 0);
      }
    }
    // Several samples per spiking neuron and step, or grouping is not exercised.
    double spikes = 0;
    for (float c : r2.spike_counts[0]) spikes += c;
    CHECK(spikes / (70.0 * 40 * 150) > 0.05);
  }
}

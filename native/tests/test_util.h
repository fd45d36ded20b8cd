// Small builders shared by the core tests: a seeded generator, random networks and event batches.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "core/batch.h"
#include "core/engine.h"
#include "core/isa_dispatch.h"
#include "core/spec.h"

namespace spikegrad::testing {

// xorshift64*: deterministic, good enough for test data.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed * 2654435761u + 1) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 2685821657736338717ull;
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
  float uniform(float lo, float hi) { return lo + static_cast<float>(uniform()) * (hi - lo); }

 private:
  std::uint64_t state_;
};

struct OwnedBatch {
  std::vector<std::int32_t> offsets, times, units, labels;
  std::vector<float> values;
  InputBatch view;
};

inline void finish_view(OwnedBatch& b, int size, int steps) {
  b.view = InputBatch{};
  b.view.size = size;
  b.view.steps = steps;
  if (!b.values.empty()) {
    b.view.values = b.values.data();
    b.view.values_length = static_cast<std::int64_t>(b.values.size());
  } else {
    b.view.offsets = b.offsets.data();
    b.view.offsets_length = static_cast<std::int64_t>(b.offsets.size());
    static const std::int32_t kEmpty[1] = {0};
    b.view.times = b.times.empty() ? kEmpty : b.times.data();
    b.view.times_length = static_cast<std::int64_t>(b.times.size());
    b.view.units = b.units.empty() ? kEmpty : b.units.data();
    b.view.units_length = static_cast<std::int64_t>(b.units.size());
  }
  if (!b.labels.empty()) {
    b.view.labels = b.labels.data();
    b.view.labels_length = static_cast<std::int64_t>(b.labels.size());
  }
}

// Bernoulli input events at `density` per (step, unit), labels uniform.
inline OwnedBatch random_event_batch(Rng& rng, int size, int steps, int inputs, int classes, double density) {
  OwnedBatch b;
  b.offsets.push_back(0);
  for (int s = 0; s < size; ++s) {
    for (int n = 0; n < steps; ++n)
      for (int u = 0; u < inputs; ++u)
        if (rng.uniform() < density) {
          b.times.push_back(n);
          b.units.push_back(u);
        }
    b.offsets.push_back(static_cast<std::int32_t>(b.times.size()));
    b.labels.push_back(static_cast<std::int32_t>(rng.next() % classes));
  }
  finish_view(b, size, steps);
  return b;
}

struct OwnedParameters {
  std::vector<std::vector<float>> tensors;
  std::vector<const float*> weights() const {
    std::vector<const float*> out;
    for (const auto& t : tensors) out.push_back(t.data());
    return out;
  }
  std::vector<float*> pointers() {
    std::vector<float*> out;
    for (auto& t : tensors) out.push_back(t.data());
    return out;
  }
};

// Uniform(-gain/sqrt(fan_in), gain/sqrt(fan_in)) weights.
inline OwnedParameters random_parameters(Rng& rng, const NetworkSpec& spec, float gain) {
  OwnedParameters p;
  for (const ParameterInfo& info : parameter_layout(spec)) {
    const float bound = gain / std::sqrt(static_cast<float>(info.rows));
    std::vector<float> t(static_cast<std::size_t>(info.size()));
    for (float& w : t) w = rng.uniform(-bound, bound);
    p.tensors.push_back(std::move(t));
  }
  return p;
}

inline OwnedParameters zero_like(const NetworkSpec& spec) {
  OwnedParameters p;
  for (const ParameterInfo& info : parameter_layout(spec)) p.tensors.emplace_back(static_cast<std::size_t>(info.size()), 0.0f);
  return p;
}

inline NetworkSpec small_spec(int inputs, std::vector<LayerSpec> layers, int outputs) {
  NetworkSpec spec;
  spec.inputs = inputs;
  spec.outputs = outputs;
  spec.layers = std::move(layers);
  return spec;
}

// The instruction-set levels this CPU runs. A level it lacks is said to be skipped (pass_functions would clamp
// it to a lower one, and the test would check that level twice while claiming to check every level).
inline std::vector<IsaLevel> available_levels(const char* test) {
  std::vector<IsaLevel> levels;
  for (IsaLevel level : {IsaLevel::Generic, IsaLevel::Avx2, IsaLevel::Avx512}) {
    if (clamp_isa_level(level) == level) {
      levels.push_back(level);
    } else {
      std::printf("     %s: skipped %s (this CPU lacks it)\n", test, isa_level_name(level));
    }
  }
  return levels;
}

}  // namespace spikegrad::testing

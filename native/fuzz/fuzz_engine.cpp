// libFuzzer target over everything the core accepts from outside: the network spec, the batch (event offsets,
// times, units, analog values, labels), the regularizers, record requests, the weights and the run options.
// Every input must end in a result or a std::exception naming the problem; under AddressSanitizer and
// UndefinedBehaviorSanitizer any read outside a buffer, overflow or other undefined behaviour is a crash the
// fuzzer reports. Sizes are kept small so that one input runs in well under a millisecond.
//
//   npm run test:fuzz                 # build with clang, run 60 s over native/fuzz/corpus
//   npm run test:fuzz -- --seconds 20
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <vector>

#include "core/engine.h"
#include "core/spec.h"

namespace {

using namespace spikegrad;

// Reads the fuzzer's bytes as typed values; once they run out, every read gives zero.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t u8() { return at_ < size_ ? data_[at_++] : 0; }
  std::int32_t i32() {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(u8()) << (8 * k);
    std::int32_t out;
    std::memcpy(&out, &v, 4);
    return out;
  }
  float f32() {
    const std::int32_t bits = i32();
    float out;
    std::memcpy(&out, &bits, 4);
    return out;
  }
  // Mostly plausible values, sometimes any float at all (NaN, infinities, denormals, huge).
  float number(const std::vector<float>& plausible) {
    const std::uint8_t pick = u8();
    if (pick >= 224) return f32();
    return plausible[pick % plausible.size()];
  }
  // A small integer in [lo, hi], or now and then any int32.
  std::int32_t small(std::int32_t lo, std::int32_t hi) {
    const std::uint8_t pick = u8();
    if (pick == 255) return i32();
    return lo + static_cast<std::int32_t>(pick % static_cast<std::uint32_t>(hi - lo + 1));
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

const std::vector<float> kTimes = {1e-3f, 2e-3f, 5e-3f, 1e-2f, 2e-2f, 0.0f, -1e-3f, 1e-9f, 10.0f};
const std::vector<float> kThresholds = {1.0f, 0.5f, 2.0f, 0.0f, -1.0f, 1e-20f, 1e20f};
const std::vector<float> kScales = {10.0f, 0.0f, 1.0f, 100.0f, 0.1f, 1000.0f, -1.0f};
const std::vector<float> kStrengths = {0.0f, 1.0f, 100.0f, 1e-3f, -1.0f, 1e30f};
const std::vector<float> kWeights = {0.1f, -0.2f, 0.5f, 1.0f, -1.0f, 0.0f, 3.0f, 1e-3f};

NetworkSpec read_spec(Bytes& in) {
  NetworkSpec spec;
  spec.inputs = in.small(0, 40);
  spec.outputs = in.small(0, 6);
  const int depth = 1 + in.u8() % 3;
  for (int l = 0; l < depth; ++l) {
    LayerSpec layer;
    layer.size = in.small(0, 24);
    const std::uint8_t flags = in.u8();
    layer.recurrent = (flags & 1) != 0;
    layer.recurrent_gradient_detached = (flags & 2) != 0;
    spec.layers.push_back(layer);
  }
  spec.neuron.dt = in.number(kTimes);
  spec.neuron.tau_mem = in.number(kTimes);
  spec.neuron.tau_syn = in.number(kTimes);
  spec.neuron.tau_out = in.number(kTimes);
  spec.neuron.threshold = in.number(kThresholds);
  spec.surrogate.shape = static_cast<SurrogateShape>(in.u8() % 6);
  spec.surrogate.scale = in.number(kScales);
  spec.surrogate.normalized = (in.u8() & 1) != 0;
  spec.reset = (in.u8() & 1) != 0 ? ResetMode::Differentiable : ResetMode::Detached;
  spec.readout = static_cast<ReadoutReduction>(in.u8() % 4);
  return spec;
}

struct BatchData {
  std::vector<std::int32_t> offsets, times, units, labels;
  std::vector<float> values;
  InputBatch view;
};

void read_batch(Bytes& in, const NetworkSpec& spec, BatchData& b) {
  InputBatch& v = b.view;
  v.size = in.small(0, 8);
  v.steps = in.small(0, 40);
  const int size = std::max(0, std::min(v.size, 8));
  const int steps = std::max(0, std::min(v.steps, 40));
  const std::uint8_t mode = in.u8();
  if (mode & 1) {
    // Analog: the expected length, or one off, or empty.
    std::int64_t n = static_cast<std::int64_t>(size) * steps * std::max(0, spec.inputs);
    if (mode & 2) n += static_cast<std::int64_t>(in.u8() % 3) - 1;
    b.values.resize(static_cast<std::size_t>(std::max<std::int64_t>(0, n)));
    for (float& x : b.values) x = (mode & 4) ? in.f32() : in.number(kWeights);
    b.values.reserve(1);
    v.values = b.values.data();
    v.values_length = static_cast<std::int64_t>(b.values.size());
  } else {
    // Events: offsets built from small per-sample counts (mostly consistent) or raw; times and units mostly in
    // range, sometimes anything. With mode 128, bursts: up to 255 events per sample, most in the same step (more
    // events in one step than any layer has neurons, as cochlear input has).
    const int offsets_length = size + 1 + ((mode & 2) ? static_cast<int>(in.u8() % 3) - 1 : 0);
    b.offsets.resize(static_cast<std::size_t>(std::max(0, offsets_length)));
    std::int32_t total = 0;
    for (std::size_t i = 0; i < b.offsets.size(); ++i) {
      if (mode & 4) {
        b.offsets[i] = in.i32();
      } else {
        b.offsets[i] = total;
        total += (mode & 128) ? in.u8() : in.u8() % 6;
      }
    }
    const std::int32_t events = (mode & 4) ? static_cast<std::int32_t>(in.u8() % 40) : (b.offsets.empty() ? 0 : b.offsets.back());
    b.times.resize(static_cast<std::size_t>(events) + ((mode & 8) ? 1 : 0));
    b.units.resize(static_cast<std::size_t>(events));
    std::int32_t t = 0;
    for (auto& x : b.times) {
      // Mostly non-decreasing steps; with mode 16 sometimes a step back (unsorted events must be refused).
      t += (mode & 16) ? static_cast<std::int32_t>(in.u8() % 5) - 1 : (mode & 128) ? static_cast<std::int32_t>(in.u8() % 16 == 0) : static_cast<std::int32_t>(in.u8() % 3);
      x = (mode & 32) ? in.i32() : t;
    }
    for (auto& x : b.units) x = (mode & 64) ? in.i32() : in.small(-1, std::max(0, spec.inputs));
    for (auto* vec : {&b.offsets, &b.times, &b.units}) vec->reserve(1);
    v.offsets = b.offsets.data();
    v.offsets_length = static_cast<std::int64_t>(b.offsets.size());
    v.times = b.times.data();
    v.times_length = static_cast<std::int64_t>(b.times.size());
    v.units = b.units.data();
    v.units_length = static_cast<std::int64_t>(b.units.size());
  }
  if ((mode & 128) == 0) {
    b.labels.resize(static_cast<std::size_t>(size) + ((in.u8() & 1) ? 1 : 0));
    for (auto& x : b.labels) x = in.small(-1, std::max(0, spec.outputs));
    b.labels.reserve(1);
    v.labels = b.labels.data();
    v.labels_length = static_cast<std::int64_t>(b.labels.size());
  }
}

RunOptions read_options(Bytes& in, int depth) {
  RunOptions options;
  const std::uint8_t flags = in.u8();
  options.threads = 1 + (flags & 1);
  options.compact = (flags & 2) != 0;
  options.isa = clamp_isa_level(static_cast<IsaLevel>((flags >> 2) % 3));
  options.grouped_gradient_bytes = (flags & 16) ? 0 : (std::int64_t{512} << 10);
  if (flags & 32) options.chunk_state_bytes = 0;  // the batch-wide state, which these small nets never outgrow
  const int count = in.u8() % 3;
  for (int r = 0; r < count; ++r) {
    RegularizerSpec reg;
    reg.kind = static_cast<RegularizerKind>(in.u8() % 4);
    reg.power = in.small(0, 3);
    reg.strength = in.number(kStrengths);
    reg.threshold = in.number(kStrengths);
    reg.layer = in.small(-2, depth + 1);
    options.regularizers.push_back(reg);
  }
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  const NetworkSpec spec = read_spec(in);
  if (!check_spec(spec).empty()) return 0;
  // Raw sizes exercise check_spec above; a valid but large network is skipped so an input stays cheap.
  if (spec.inputs > 64 || spec.outputs > 16) return 0;
  for (const LayerSpec& l : spec.layers) {
    if (l.size > 64) return 0;
  }
  try {
    Engine engine(spec);
    BatchData batch;
    read_batch(in, spec, batch);
    RunOptions options = read_options(in, static_cast<int>(spec.layers.size()));
    // Weights: mostly small plausible values, sometimes anything (NaN and infinities must be refused).
    const std::uint8_t weight_mode = in.u8();
    std::vector<std::vector<float>> storage;
    std::vector<const float*> weights;
    std::vector<float*> gradients;
    std::vector<std::vector<float>> gradient_storage;
    for (const ParameterInfo& p : engine.parameters()) {
      storage.emplace_back(static_cast<std::size_t>(p.size()));
      for (float& w : storage.back()) w = (weight_mode & 1) ? in.f32() : in.number(kWeights);
      weights.push_back(storage.back().data());
      gradient_storage.emplace_back(static_cast<std::size_t>(p.size()));
      gradients.push_back(gradient_storage.back().data());
    }
    if (weight_mode & 4) {
      // Streaming: state arrays sized for the batch's stream count, a chunk of the batch's steps.
      const int size = std::max(1, std::min(batch.view.size, 8));
      const int steps = std::max(0, std::min(batch.view.steps, 40));
      StreamState state;
      state.size = size;
      std::vector<std::vector<float>> cur, mem;
      for (const LayerSpec& l : spec.layers) {
        cur.emplace_back(static_cast<std::size_t>(size) * l.size);
        mem.emplace_back(static_cast<std::size_t>(size) * l.size);
        state.current.push_back(cur.back().data());
        state.membrane.push_back(mem.back().data());
      }
      std::vector<float> J(static_cast<std::size_t>(size) * spec.outputs), Y(J.size()), reduced(J.size()), logits(J.size());
      state.readout_current = J.data();
      state.readout = Y.data();
      state.reduced = reduced.data();
      StreamRecord record;
      std::vector<std::vector<std::uint8_t>> spikes;
      std::vector<std::vector<float>> membrane;
      std::vector<float> readout(static_cast<std::size_t>(size) * steps * spec.outputs);
      for (const LayerSpec& l : spec.layers) {
        spikes.emplace_back(static_cast<std::size_t>(size) * steps * l.size);
        membrane.emplace_back(static_cast<std::size_t>(size) * steps * l.size);
        record.spikes.push_back(spikes.back().data());
        record.membrane.push_back(membrane.back().data());
      }
      record.readout = readout.data();
      record.logits = logits.data();
      // A batch whose size or steps differ from what the record was sized for must be refused before any write.
      if (batch.view.size == size && batch.view.steps == steps) {
        engine.stream_steps(state, batch.view, weights, options.isa, &record);
        engine.stream_steps(state, batch.view, weights, options.isa, &record);
      } else {
        engine.stream_steps(state, batch.view, weights, options.isa, nullptr);
      }
    } else if (weight_mode & 2) {
      const int depth = static_cast<int>(spec.layers.size());
      const int steps = std::max(0, std::min(batch.view.steps, 40));
      const int size = std::max(0, std::min(batch.view.size, 8));
      RecordRequest record;
      std::vector<std::vector<std::uint8_t>> spikes;
      std::vector<std::vector<float>> membrane;
      std::vector<float> readout(static_cast<std::size_t>(size) * steps * std::max(1, spec.outputs));
      const int l = in.small(-1, depth);
      if (l >= 0 && l < depth && batch.view.size == size && batch.view.steps == steps) {
        record.layers.push_back(l);
        spikes.emplace_back(static_cast<std::size_t>(size) * steps * spec.layers[l].size);
        membrane.emplace_back(static_cast<std::size_t>(size) * steps * spec.layers[l].size);
        record.spikes.push_back(spikes.back().data());
        record.membrane.push_back(membrane.back().data());
        record.readout = readout.data();
      } else if (l >= depth || l < 0) {
        // An out-of-range layer must be refused before anything is written.
        record.layers.push_back(l);
        record.spikes.push_back(nullptr);
        record.membrane.push_back(nullptr);
      }
      engine.forward(batch.view, weights, options, &record);
    } else {
      engine.loss_and_gradient(batch.view, weights, gradients, options);
    }
  } catch (const std::exception&) {
    // A refusal with a message is a correct answer.
  }
  return 0;
}

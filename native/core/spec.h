// The network description the core runs: a plain struct with no JavaScript types (docs/design.md section 1).
// TypeScript validates configs with zod and hands the addon one such struct; check_spec() validates it again
// so the core can be used and tested on its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spikegrad {

enum class SurrogateShape : int { SuperSpike = 0, Sigmoid = 1, Esser = 2, Exponential = 3, Gaussian = 4, Zero = 5 };
enum class ResetMode : int { Detached = 0, Differentiable = 1 };
enum class ReadoutReduction : int { Max = 0, Sum = 1, Mean = 2, Last = 3 };

struct NeuronSpec {
  double dt = 1e-3;
  double tau_mem = 10e-3;
  double tau_syn = 5e-3;
  double tau_out = 20e-3;
  float threshold = 1.0f;
};

struct SurrogateSpec {
  SurrogateShape shape = SurrogateShape::SuperSpike;
  float scale = 10.0f;     // beta
  bool normalized = true;  // false: h is multiplied by beta ("asymptotic" surrogates)
};

struct LayerSpec {
  int size = 0;
  bool recurrent = false;
  // Only for recurrent layers: V still gets its gradient, but no credit flows back through earlier spikes via V.
  bool recurrent_gradient_detached = false;
};

struct NetworkSpec {
  int inputs = 0;
  int outputs = 0;
  std::vector<LayerSpec> layers;
  NeuronSpec neuron;
  SurrogateSpec surrogate;
  ResetMode reset = ResetMode::Detached;
  ReadoutReduction readout = ReadoutReduction::Max;
};

// Decay factors in float, computed once in double so every kernel uses the same rounded values.
struct Decays {
  float syn;     // a_syn = exp(-dt/tau_syn)
  float mem;     // a_mem = exp(-dt/tau_mem)
  float mem_in;  // 1 - a_mem
  float out;     // a_out = exp(-dt/tau_out)
  float out_in;  // 1 - a_out
};

Decays decays_of(const NeuronSpec& neuron);

// Empty string when the spec is valid, otherwise a message naming the field and what is allowed.
std::string check_spec(const NetworkSpec& spec);

// Fan-in of hidden layer l's input weights (inputs for l == 0, size of layer l-1 otherwise).
int fan_in_of(const NetworkSpec& spec, int layer);

// One parameter tensor of the network: `rows` presynaptic units x `cols` postsynaptic units, row-major,
// so that one presynaptic spike adds one contiguous row (docs/design.md section 2).
struct ParameterInfo {
  std::string name;  // "hidden.0.input", "hidden.0.recurrent", "readout"
  int rows;
  int cols;
  int layer;         // hidden layer index, or -1 for the readout
  enum class Kind { Input, Recurrent, Readout } kind;
  std::int64_t size() const { return static_cast<std::int64_t>(rows) * cols; }
};

// Parameters in their canonical order: per layer its input weights then (if recurrent) its recurrent weights,
// then the readout. The addon and TypeScript pass arrays in this order.
std::vector<ParameterInfo> parameter_layout(const NetworkSpec& spec);

const char* surrogate_shape_name(SurrogateShape shape);
const char* readout_reduction_name(ReadoutReduction reduction);

}  // namespace spikegrad

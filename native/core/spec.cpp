#include "spec.h"

#include <cmath>
#include <sstream>

namespace spikegrad {

Decays decays_of(const NeuronSpec& neuron) {
  const double a_syn = std::exp(-neuron.dt / neuron.tau_syn);
  const double a_mem = std::exp(-neuron.dt / neuron.tau_mem);
  const double a_out = std::exp(-neuron.dt / neuron.tau_out);
  return Decays{static_cast<float>(a_syn), static_cast<float>(a_mem), static_cast<float>(1.0 - a_mem),
                static_cast<float>(a_out), static_cast<float>(1.0 - a_out)};
}

namespace {

bool positive_finite(double x) { return std::isfinite(x) && x > 0; }

}  // namespace

std::string check_spec(const NetworkSpec& spec) {
  std::ostringstream err;
  // Sizes are bounded so that every index product fits comfortably in 64 bits and per-step buffers stay sane.
  constexpr int kMaxUnits = 1 << 20;
  if (spec.inputs < 1 || spec.inputs > kMaxUnits) {
    err << "inputs: expected an integer in [1, " << kMaxUnits << "], got " << spec.inputs;
  } else if (spec.outputs < 1 || spec.outputs > kMaxUnits) {
    err << "outputs: expected an integer in [1, " << kMaxUnits << "], got " << spec.outputs;
  } else if (spec.layers.empty()) {
    err << "layers: expected at least one hidden layer";
  } else if (spec.layers.size() > 64) {
    err << "layers: expected at most 64 hidden layers, got " << spec.layers.size();
  } else if (!positive_finite(spec.neuron.dt)) {
    err << "neuron.dt: expected a positive finite number, got " << spec.neuron.dt;
  } else if (!positive_finite(spec.neuron.tau_mem)) {
    err << "neuron.tauMem: expected a positive finite number, got " << spec.neuron.tau_mem;
  } else if (!positive_finite(spec.neuron.tau_syn)) {
    err << "neuron.tauSyn: expected a positive finite number, got " << spec.neuron.tau_syn;
  } else if (!positive_finite(spec.neuron.tau_out)) {
    err << "neuron.tauOut: expected a positive finite number, got " << spec.neuron.tau_out;
  } else if (!positive_finite(spec.neuron.threshold)) {
    // A threshold <= 0 would make a neuron at rest (U = 0) spike, which the model does not allow.
    err << "neuron.threshold: expected a positive finite number, got " << spec.neuron.threshold;
  } else if (!(std::isfinite(spec.surrogate.scale) && spec.surrogate.scale >= 0)) {
    err << "surrogate.scale: expected a finite number >= 0, got " << spec.surrogate.scale;
  } else if (static_cast<int>(spec.surrogate.shape) < 0 || static_cast<int>(spec.surrogate.shape) > 5) {
    err << "surrogate.shape: expected one of superspike, sigmoid, esser, exponential, gaussian, zero";
  } else if (static_cast<int>(spec.reset) < 0 || static_cast<int>(spec.reset) > 1) {
    err << "reset: expected 'detached' or 'differentiable'";
  } else if (static_cast<int>(spec.readout) < 0 || static_cast<int>(spec.readout) > 3) {
    err << "readout: expected one of max, sum, mean, last";
  } else {
    for (std::size_t l = 0; l < spec.layers.size(); ++l) {
      const LayerSpec& layer = spec.layers[l];
      if (layer.size < 1 || layer.size > kMaxUnits) {
        err << "layers[" << l << "].size: expected an integer in [1, " << kMaxUnits << "], got " << layer.size;
        break;
      }
      if (!layer.recurrent && layer.recurrent_gradient_detached) {
        err << "layers[" << l << "].recurrentGradient: 'detached' needs a recurrent layer";
        break;
      }
    }
  }
  return err.str();
}

int fan_in_of(const NetworkSpec& spec, int layer) {
  return layer == 0 ? spec.inputs : spec.layers[layer - 1].size;
}

std::vector<ParameterInfo> parameter_layout(const NetworkSpec& spec) {
  std::vector<ParameterInfo> out;
  const int depth = static_cast<int>(spec.layers.size());
  for (int l = 0; l < depth; ++l) {
    const int size = spec.layers[l].size;
    out.push_back({"hidden." + std::to_string(l) + ".input", fan_in_of(spec, l), size, l,
                   ParameterInfo::Kind::Input});
    if (spec.layers[l].recurrent) {
      out.push_back({"hidden." + std::to_string(l) + ".recurrent", size, size, l, ParameterInfo::Kind::Recurrent});
    }
  }
  out.push_back({"readout", spec.layers[depth - 1].size, spec.outputs, -1, ParameterInfo::Kind::Readout});
  return out;
}

const char* surrogate_shape_name(SurrogateShape shape) {
  switch (shape) {
    case SurrogateShape::SuperSpike: return "superspike";
    case SurrogateShape::Sigmoid: return "sigmoid";
    case SurrogateShape::Esser: return "esser";
    case SurrogateShape::Exponential: return "exponential";
    case SurrogateShape::Gaussian: return "gaussian";
    case SurrogateShape::Zero: return "zero";
  }
  return "unknown";
}

const char* readout_reduction_name(ReadoutReduction reduction) {
  switch (reduction) {
    case ReadoutReduction::Max: return "max";
    case ReadoutReduction::Sum: return "sum";
    case ReadoutReduction::Mean: return "mean";
    case ReadoutReduction::Last: return "last";
  }
  return "unknown";
}

}  // namespace spikegrad

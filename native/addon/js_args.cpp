#include "js_args.h"

#include <cmath>
#include <sstream>

namespace spikegrad::addon {

namespace {

const char* typed_array_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "an Int8Array";
    case napi_uint8_array: return "a Uint8Array";
    case napi_uint8_clamped_array: return "a Uint8ClampedArray";
    case napi_int16_array: return "an Int16Array";
    case napi_uint16_array: return "a Uint16Array";
    case napi_int32_array: return "an Int32Array";
    case napi_uint32_array: return "a Uint32Array";
    case napi_float32_array: return "a Float32Array";
    case napi_float64_array: return "a Float64Array";
    case napi_bigint64_array: return "a BigInt64Array";
    case napi_biguint64_array: return "a BigUint64Array";
    default: return "a typed array";
  }
}

}  // namespace

std::string describe_value(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsNumber()) {
    std::ostringstream s;
    s << v.As<Napi::Number>().DoubleValue();
    return s.str();
  }
  if (v.IsString()) {
    const std::string text = v.As<Napi::String>().Utf8Value();
    if (text.size() <= 60) return "'" + text + "'";
    return "'" + text.substr(0, 40) + "...' (a string of " + std::to_string(text.size()) + " bytes)";
  }
  if (v.IsTypedArray()) {
    const Napi::TypedArray t = v.As<Napi::TypedArray>();
    return std::string(typed_array_name(t.TypedArrayType())) + " of length " + std::to_string(t.ElementLength());
  }
  if (v.IsArray()) return "an array";
  if (v.IsFunction()) return "a function";
  return "an object";
}

namespace {

[[noreturn]] void type_error(Napi::Env env, const std::string& field, const std::string& expected,
                             const Napi::Value& got) {
  throw Napi::TypeError::New(env, field + ": expected " + expected + ", got " + describe_value(got));
}

}  // namespace

Napi::Object expect_object(const Napi::Value& value, const std::string& field) {
  if (!value.IsObject() || value.IsArray() || value.IsFunction()) type_error(value.Env(), field, "an object", value);
  return value.As<Napi::Object>();
}

double expect_number(const Napi::Object& obj, const char* key, const std::string& field) {
  const Napi::Value v = obj.Get(key);
  if (!v.IsNumber()) type_error(obj.Env(), field, "a number", v);
  return v.As<Napi::Number>().DoubleValue();
}

int expect_int(const Napi::Object& obj, const char* key, const std::string& field, int min, int max) {
  const Napi::Value v = obj.Get(key);
  if (!v.IsNumber()) type_error(obj.Env(), field, "an integer", v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(std::floor(d) == d) || d < min || d > max) {
    std::ostringstream msg;
    msg << field << ": expected an integer in [" << min << ", " << max << "], got " << describe_value(v);
    throw Napi::RangeError::New(obj.Env(), msg.str());
  }
  return static_cast<int>(d);
}

bool expect_bool(const Napi::Object& obj, const char* key, const std::string& field) {
  const Napi::Value v = obj.Get(key);
  if (!v.IsBoolean()) type_error(obj.Env(), field, "true or false", v);
  return v.As<Napi::Boolean>().Value();
}

std::string expect_string(const Napi::Object& obj, const char* key, const std::string& field) {
  const Napi::Value v = obj.Get(key);
  if (!v.IsString()) type_error(obj.Env(), field, "a string", v);
  return v.As<Napi::String>().Utf8Value();
}

namespace {

template <class Enum>
Enum expect_choice(const Napi::Object& obj, const char* key, const std::string& field,
                   std::initializer_list<std::pair<const char*, Enum>> choices) {
  const Napi::Value v = obj.Get(key);
  std::string allowed;
  for (const auto& c : choices) allowed += (allowed.empty() ? "'" : ", '") + std::string(c.first) + "'";
  if (v.IsString()) {
    const std::string s = v.As<Napi::String>().Utf8Value();
    for (const auto& c : choices) {
      if (s == c.first) return c.second;
    }
  }
  type_error(obj.Env(), field, "one of " + allowed, v);
}

}  // namespace

NetworkSpec read_spec(const Napi::Value& value) {
  const Napi::Object o = expect_object(value, "spec");
  NetworkSpec spec;
  constexpr int kMax = 1 << 20;
  spec.inputs = expect_int(o, "inputs", "inputs", 1, kMax);
  spec.outputs = expect_int(o, "outputs", "outputs", 1, kMax);
  const Napi::Value layers = o.Get("layers");
  if (!layers.IsArray()) type_error(o.Env(), "layers", "an array of layer objects", layers);
  const Napi::Array arr = layers.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    const std::string f = "layers[" + std::to_string(i) + "]";
    const Napi::Object l = expect_object(arr.Get(i), f);
    LayerSpec ls;
    ls.size = expect_int(l, "size", f + ".size", 1, kMax);
    ls.recurrent = expect_bool(l, "recurrent", f + ".recurrent");
    ls.recurrent_gradient_detached =
        expect_choice<bool>(l, "recurrentGradient", f + ".recurrentGradient",
                            {{"propagate", false}, {"detached", true}});
    spec.layers.push_back(ls);
  }
  const Napi::Object n = expect_object(o.Get("neuron"), "neuron");
  spec.neuron.dt = expect_number(n, "dt", "neuron.dt");
  spec.neuron.tau_mem = expect_number(n, "tauMem", "neuron.tauMem");
  spec.neuron.tau_syn = expect_number(n, "tauSyn", "neuron.tauSyn");
  spec.neuron.tau_out = expect_number(n, "tauOut", "neuron.tauOut");
  spec.neuron.threshold = static_cast<float>(expect_number(n, "threshold", "neuron.threshold"));
  const Napi::Object s = expect_object(o.Get("surrogate"), "surrogate");
  spec.surrogate.shape = expect_choice<SurrogateShape>(
      s, "shape", "surrogate.shape",
      {{"superspike", SurrogateShape::SuperSpike}, {"sigmoid", SurrogateShape::Sigmoid},
       {"esser", SurrogateShape::Esser}, {"exponential", SurrogateShape::Exponential},
       {"gaussian", SurrogateShape::Gaussian}, {"zero", SurrogateShape::Zero}});
  spec.surrogate.scale = static_cast<float>(expect_number(s, "scale", "surrogate.scale"));
  spec.surrogate.normalized = expect_bool(s, "normalized", "surrogate.normalized");
  spec.reset = expect_choice<ResetMode>(o, "reset", "reset",
                                        {{"detached", ResetMode::Detached}, {"differentiable", ResetMode::Differentiable}});
  spec.readout = expect_choice<ReadoutReduction>(o, "readout", "readout",
                                                 {{"max", ReadoutReduction::Max}, {"sum", ReadoutReduction::Sum},
                                                  {"mean", ReadoutReduction::Mean}, {"last", ReadoutReduction::Last}});
  const std::string error = check_spec(spec);
  if (!error.empty()) throw Napi::RangeError::New(o.Env(), error);
  return spec;
}

RunOptions read_run_options(const Napi::Value& value) {
  RunOptions options;
  if (value.IsUndefined()) return options;
  const Napi::Object o = expect_object(value, "options");
  if (o.Has("threads") && !o.Get("threads").IsUndefined()) {
    options.threads = expect_int(o, "threads", "options.threads", 1, 1024);
  }
  if (o.Has("simd") && !o.Get("simd").IsUndefined()) {
    const std::string name = expect_string(o, "simd", "options.simd");
    IsaLevel level;
    if (!parse_isa_level(name, &level)) {
      throw Napi::RangeError::New(o.Env(), "options.simd: expected one of 'auto', 'generic', 'avx2', 'avx512', got '" +
                                               name + "'");
    }
    options.isa = clamp_isa_level(level);
  }
  if (o.Has("profile") && !o.Get("profile").IsUndefined()) options.profile = expect_bool(o, "profile", "options.profile");
  if (o.Has("compact") && !o.Get("compact").IsUndefined()) options.compact = expect_bool(o, "compact", "options.compact");
  const Napi::Value regs = o.Get("regularizers");
  if (!regs.IsUndefined()) {
    if (!regs.IsArray()) type_error(o.Env(), "options.regularizers", "an array", regs);
    const Napi::Array arr = regs.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      const std::string f = "regularizers[" + std::to_string(i) + "]";
      const Napi::Object r = expect_object(arr.Get(i), f);
      RegularizerSpec spec;
      spec.kind = expect_choice<RegularizerKind>(
          r, "kind", f + ".kind",
          {{"lower", RegularizerKind::Lower}, {"upper", RegularizerKind::Upper},
           {"population-lower", RegularizerKind::PopulationLower},
           {"population-upper", RegularizerKind::PopulationUpper}});
      spec.power = expect_int(r, "power", f + ".power", 1, 2);
      spec.strength = static_cast<float>(expect_number(r, "strength", f + ".strength"));
      spec.threshold = static_cast<float>(expect_number(r, "threshold", f + ".threshold"));
      const Napi::Value layer = r.Get("layer");
      spec.layer = layer.IsUndefined() || layer.IsNull() ? -1 : expect_int(r, "layer", f + ".layer", 0, 1 << 20);
      options.regularizers.push_back(spec);
    }
  }
  return options;
}


}  // namespace spikegrad::addon

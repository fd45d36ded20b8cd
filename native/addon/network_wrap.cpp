#include "network_wrap.h"

#include <stdexcept>
#include <tuple>

#include "../core/workspace.h"
#include "js_args.h"
#include "workers.h"

namespace spikegrad::addon {

Napi::Function NetworkWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeNetwork",
                     {InstanceMethod("parameterLayout", &NetworkWrap::ParameterLayout),
                      InstanceMethod("lossAndGradient", &NetworkWrap::LossAndGradient),
                      InstanceMethod("forward", &NetworkWrap::Forward),
                      InstanceMethod("partitionCount", &NetworkWrap::PartitionCount),
                      InstanceMethod("workspaceBytes", &NetworkWrap::WorkspaceBytes),
                      InstanceMethod("planMemory", &NetworkWrap::PlanMemory),
                      InstanceMethod("streamSteps", &NetworkWrap::StreamSteps),
                      InstanceMethod("dispose", &NetworkWrap::Dispose)});
}

NetworkWrap::NetworkWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetworkWrap>(info) {
  const NetworkSpec spec = read_spec(info[0]);
  try {
    engine_ = std::make_unique<Engine>(spec);
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(info.Env(), e.what());
  }
}

Napi::Value NetworkWrap::ParameterLayout(const Napi::CallbackInfo& info) {
  if (!engine_) throw Napi::Error::New(info.Env(), "NativeNetwork: used after dispose()");
  const auto& layout = engine_->parameters();
  Napi::Array out = Napi::Array::New(info.Env(), layout.size());
  for (std::size_t i = 0; i < layout.size(); ++i) {
    Napi::Object p = Napi::Object::New(info.Env());
    p.Set("name", layout[i].name);
    p.Set("rows", layout[i].rows);
    p.Set("cols", layout[i].cols);
    out.Set(static_cast<uint32_t>(i), p);
  }
  return out;
}

namespace {

template <class Worker>
Napi::Value queue(const Napi::CallbackInfo& info, NetworkWrap* self) {
  // Arguments are read before the network is marked busy, so a bad argument leaves it usable.
  auto* worker = new Worker(info, self);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace

Napi::Value NetworkWrap::LossAndGradient(const Napi::CallbackInfo& info) {
  if (!engine_) throw Napi::Error::New(info.Env(), "NativeNetwork: used after dispose()");
  if (busy_) throw Napi::Error::New(info.Env(), "NativeNetwork: a call is already running on this network; await it first");
  Napi::Value promise = queue<LossAndGradientWorker>(info, this);
  busy_ = true;
  return promise;
}

Napi::Value NetworkWrap::Forward(const Napi::CallbackInfo& info) {
  if (!engine_) throw Napi::Error::New(info.Env(), "NativeNetwork: used after dispose()");
  if (busy_) throw Napi::Error::New(info.Env(), "NativeNetwork: a call is already running on this network; await it first");
  Napi::Value promise = queue<ForwardWorker>(info, this);
  busy_ = true;
  return promise;
}

Napi::Value NetworkWrap::PartitionCount(const Napi::CallbackInfo& info) {
  if (!engine_) throw Napi::Error::New(info.Env(), "NativeNetwork: used after dispose()");
  if (!info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "batchSize: expected a positive integer");
  const int b = info[0].As<Napi::Number>().Int32Value();
  if (b < 1) throw Napi::RangeError::New(info.Env(), "batchSize: expected a positive integer");
  return Napi::Number::New(info.Env(), engine_->partition_count(b));
}

std::unique_ptr<CallStaging> NetworkWrap::take_staging() {
  return staging_ ? std::move(staging_) : std::make_unique<CallStaging>();
}

Napi::Value NetworkWrap::WorkspaceBytes(const Napi::CallbackInfo& info) {
  if (!engine_) return Napi::Number::New(info.Env(), 0.0);
  const std::int64_t staged = staging_ ? staging_->bytes() : 0;
  return Napi::Number::New(info.Env(), static_cast<double>(engine_->workspace_bytes() + staged));
}

// planMemory(batchSize, steps, { threads, simd, backward, analog, compact, membrane }): bytes of the buffers such a
// call needs (membrane: a forward call that records the membrane potential).
Napi::Value NetworkWrap::PlanMemory(const Napi::CallbackInfo& info) {
  if (!engine_) throw Napi::Error::New(info.Env(), "NativeNetwork: used after dispose()");
  const Napi::Object shape = Napi::Object::New(info.Env());
  shape.Set("batchSize", info[0]);
  shape.Set("steps", info[1]);
  const int batch = expect_int(shape, "batchSize", "batchSize", 1, kMaxBatchSize);
  const int steps = expect_int(shape, "steps", "steps", 1, kMaxSteps);
  const RunOptions options = read_run_options(info[2]);
  const Napi::Object o = info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(info.Env());
  const bool backward = !o.Has("backward") || o.Get("backward").ToBoolean().Value();
  const bool analog = o.Has("analog") && o.Get("analog").ToBoolean().Value();
  const bool membrane = o.Has("membrane") && o.Get("membrane").ToBoolean().Value();
  const WorkspacePlan plan = engine_->plan(batch, steps, backward, analog, options, membrane);
  // A call reads a staged copy of the weights (staged_call.h) instead of the engine's forward arena, and writes
  // its gradients into a staged buffer before they are copied out.
  std::int64_t staged_floats = 0;
  for (const ParameterInfo& p : engine_->parameters()) staged_floats += round_to_line(p.size());
  const std::int64_t bytes = plan.bytes(options.threads) - plan.forward_weights * 4 + staged_floats * 4 * (backward ? 2 : 1);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("bytes", static_cast<double>(bytes));
  out.Set("stateBytes", static_cast<double>(plan.state_bytes(options.threads)));
  out.Set("partitions", plan.partitions);
  return out;
}

namespace {

// A typed array of exactly `length` elements of type T, read in place: streamSteps is synchronous, so no
// JavaScript runs while the engine uses it.
template <class T>
T* typed(const Napi::Value& v, napi_typedarray_type type, std::int64_t length, const std::string& field) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type ||
      static_cast<std::int64_t>(v.As<Napi::TypedArray>().ElementLength()) != length) {
    throw Napi::TypeError::New(v.Env(), field + ": expected a typed array of " + std::to_string(length) + " elements, got " + describe_value(v));
  }
  if (length == 0) return nullptr;
  const Napi::TypedArray t = v.As<Napi::TypedArray>();
  return reinterpret_cast<T*>(static_cast<std::uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset());
}

template <class T>
T* optional_typed(const Napi::Value& v, napi_typedarray_type type, std::int64_t length, const std::string& field) {
  return v.IsUndefined() || v.IsNull() ? nullptr : typed<T>(v, type, length, field);
}

}  // namespace

// streamSteps(state, batch, weights, options, record?): synchronous (a step is microseconds; a worker thread hop
// would cost more than the work). Returns the steps taken so far.
Napi::Value NetworkWrap::StreamSteps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!engine_) throw Napi::Error::New(env, "NativeNetwork: used after dispose()");
  const NetworkSpec& spec = engine_->spec();
  const int depth = static_cast<int>(spec.layers.size());
  const Napi::Object st = expect_object(info[0], "state");
  StreamState state;
  state.size = expect_int(st, "size", "state.size", 1, kMaxBatchSize);
  const double done = expect_number(st, "stepsDone", "state.stepsDone");
  if (!(done >= 0 && done < 9e15 && done == static_cast<double>(static_cast<std::int64_t>(done)))) throw Napi::RangeError::New(env, "state.stepsDone: expected a step count");
  state.steps_done = static_cast<std::int64_t>(done);
  const Napi::Value cur = st.Get("current"), mem = st.Get("membrane");
  if (!cur.IsArray() || !mem.IsArray() || cur.As<Napi::Array>().Length() != static_cast<uint32_t>(depth) || mem.As<Napi::Array>().Length() != static_cast<uint32_t>(depth)) {
    throw Napi::TypeError::New(env, "state.current, state.membrane: expected one Float32Array per hidden layer");
  }
  for (int l = 0; l < depth; ++l) {
    const std::int64_t n = static_cast<std::int64_t>(state.size) * spec.layers[l].size;
    state.current.push_back(typed<float>(cur.As<Napi::Array>().Get(l), napi_float32_array, n, "state.current[" + std::to_string(l) + "]"));
    state.membrane.push_back(typed<float>(mem.As<Napi::Array>().Get(l), napi_float32_array, n, "state.membrane[" + std::to_string(l) + "]"));
  }
  const std::int64_t sc = static_cast<std::int64_t>(state.size) * spec.outputs;
  state.readout_current = typed<float>(st.Get("readoutCurrent"), napi_float32_array, sc, "state.readoutCurrent");
  state.readout = typed<float>(st.Get("readout"), napi_float32_array, sc, "state.readout");
  state.reduced = typed<float>(st.Get("reduced"), napi_float32_array, sc, "state.reduced");

  const Napi::Object b = expect_object(info[1], "batch");
  InputBatch batch;
  batch.size = expect_int(b, "size", "batch.size", 1, kMaxBatchSize);
  batch.steps = expect_int(b, "steps", "batch.steps", 1, kMaxSteps);
  if (!b.Get("values").IsUndefined()) throw Napi::TypeError::New(env, "batch.values: streaming takes event input only");
  static const std::int32_t kEmpty[1] = {0};
  auto ints = [&](const char* key) {
    const Napi::Value v = b.Get(key);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      throw Napi::TypeError::New(env, std::string("batch.") + key + ": expected an Int32Array, got " + describe_value(v));
    }
    const std::int64_t n = static_cast<std::int64_t>(v.As<Napi::TypedArray>().ElementLength());
    const std::int32_t* p = n > 0 ? typed<std::int32_t>(v, napi_int32_array, n, std::string("batch.") + key) : kEmpty;
    return std::make_pair(p, n);
  };
  std::tie(batch.offsets, batch.offsets_length) = ints("offsets");
  std::tie(batch.times, batch.times_length) = ints("times");
  std::tie(batch.units, batch.units_length) = ints("units");

  const Napi::Value w = info[2];
  const auto& layout = engine_->parameters();
  if (!w.IsArray() || w.As<Napi::Array>().Length() != layout.size()) throw Napi::TypeError::New(env, "parameters: expected one Float32Array per parameter");
  std::vector<const float*> weights;
  for (std::size_t p = 0; p < layout.size(); ++p) weights.push_back(typed<float>(w.As<Napi::Array>().Get(static_cast<uint32_t>(p)), napi_float32_array, layout[p].size(), "parameters['" + layout[p].name + "']"));
  const RunOptions options = read_run_options(info[3]);

  StreamRecord record;
  const Napi::Object r = expect_object(info[4], "record");
  const std::int64_t cells = static_cast<std::int64_t>(state.size) * batch.steps;
  const Napi::Value rs = r.Get("spikes"), rm = r.Get("membrane");
  for (int l = 0; l < depth; ++l) {
    const std::int64_t n = cells * spec.layers[l].size;
    record.spikes.push_back(rs.IsArray() ? optional_typed<std::uint8_t>(rs.As<Napi::Array>().Get(l), napi_uint8_array, n, "record.spikes[" + std::to_string(l) + "]") : nullptr);
    record.membrane.push_back(rm.IsArray() ? optional_typed<float>(rm.As<Napi::Array>().Get(l), napi_float32_array, n, "record.membrane[" + std::to_string(l) + "]") : nullptr);
  }
  record.readout = optional_typed<float>(r.Get("readout"), napi_float32_array, cells * spec.outputs, "record.readout");
  record.logits = typed<float>(r.Get("logits"), napi_float32_array, sc, "record.logits");
  try {
    engine_->stream_steps(state, batch, weights, options.isa, &record);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  return Napi::Number::New(env, static_cast<double>(state.steps_done));
}

Napi::Value NetworkWrap::Dispose(const Napi::CallbackInfo& info) {
  if (busy_) throw Napi::Error::New(info.Env(), "NativeNetwork: cannot dispose while a call is running");
  engine_.reset();
  staging_.reset();
  return info.Env().Undefined();
}

}  // namespace spikegrad::addon

#include "network_wrap.h"

#include <stdexcept>

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

Napi::Value NetworkWrap::WorkspaceBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), engine_ ? static_cast<double>(engine_->workspace_bytes()) : 0.0);
}

// planMemory(batchSize, steps, { threads, simd, backward, analog, compact }): bytes of the buffers such a call needs.
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
  const WorkspacePlan plan = engine_->plan(batch, steps, options.threads, backward, analog, options.isa, options.compact);
  // A call reads a staged copy of the weights (staged_call.h) instead of the engine's forward arena, and writes
  // its gradients into a staged buffer before they are copied out.
  std::int64_t staged_floats = 0;
  for (const ParameterInfo& p : engine_->parameters()) staged_floats += round_to_line(p.size());
  const std::int64_t bytes = plan.bytes(options.threads) - plan.forward_weights * 4 + staged_floats * 4 * (backward ? 2 : 1);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("bytes", static_cast<double>(bytes));
  out.Set("stateBytes", static_cast<double>(plan.layer_cells * (plan.compact ? 3 : 5)));
  out.Set("partitions", plan.partitions);
  return out;
}

Napi::Value NetworkWrap::Dispose(const Napi::CallbackInfo& info) {
  if (busy_) throw Napi::Error::New(info.Env(), "NativeNetwork: cannot dispose while a call is running");
  engine_.reset();
  return info.Env().Undefined();
}

}  // namespace spikegrad::addon

#include "network_wrap.h"

#include <stdexcept>

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

Napi::Value NetworkWrap::Dispose(const Napi::CallbackInfo& info) {
  if (busy_) throw Napi::Error::New(info.Env(), "NativeNetwork: cannot dispose while a call is running");
  engine_.reset();
  return info.Env().Undefined();
}

}  // namespace spikegrad::addon

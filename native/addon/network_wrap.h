// NativeNetwork: the JavaScript handle of one Engine. Long work runs in AsyncWorkers and returns Promises; one
// call at a time per network (the engine's buffers are reused), which the TypeScript Network guarantees by
// queueing calls.
#pragma once

#include <napi.h>

#include <memory>

#include "../core/engine.h"

namespace spikegrad::addon {

class NetworkWrap : public Napi::ObjectWrap<NetworkWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NetworkWrap(const Napi::CallbackInfo& info);

  Engine& engine() { return *engine_; }
  void release() { busy_ = false; }

 private:
  Napi::Value ParameterLayout(const Napi::CallbackInfo& info);
  Napi::Value LossAndGradient(const Napi::CallbackInfo& info);
  Napi::Value Forward(const Napi::CallbackInfo& info);
  Napi::Value PartitionCount(const Napi::CallbackInfo& info);
  Napi::Value WorkspaceBytes(const Napi::CallbackInfo& info);
  Napi::Value PlanMemory(const Napi::CallbackInfo& info);
  Napi::Value StreamSteps(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  std::unique_ptr<Engine> engine_;
  bool busy_ = false;
};

}  // namespace spikegrad::addon

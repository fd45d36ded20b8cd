// NativeNetwork: the JavaScript handle of one Engine. Long work runs in AsyncWorkers and returns Promises; one
// call at a time per network (the engine's buffers are reused), which the TypeScript Network guarantees by
// queueing calls.
#pragma once

#include <napi.h>

#include <memory>

#include "../core/engine.h"
#include "staged_call.h"

namespace spikegrad::addon {

class NetworkWrap : public Napi::ObjectWrap<NetworkWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NetworkWrap(const Napi::CallbackInfo& info);

  Engine& engine() { return *engine_; }
  void release() { busy_ = false; }
  // The staged buffers of the last finished call (or new ones), for the next call to fill; and their return.
  std::unique_ptr<CallStaging> take_staging();
  void keep_staging(std::unique_ptr<CallStaging> staging) noexcept { staging_ = std::move(staging); }

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
  std::unique_ptr<CallStaging> staging_;
  bool busy_ = false;
};

}  // namespace spikegrad::addon

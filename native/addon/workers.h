// AsyncWorkers: arguments are converted and pinned on the JavaScript thread, Execute touches no JavaScript
// value and turns every C++ exception into a rejected Promise, OnOK builds the result object.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <vector>

#include "../core/engine.h"
#include "js_args.h"
#include "network_wrap.h"

namespace spikegrad::addon {

class EngineWorker : public Napi::AsyncWorker {
 public:
  EngineWorker(Napi::Env env, NetworkWrap* owner);
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void OnOK() override;
  void OnError(const Napi::Error& error) override;
  virtual Napi::Object build_result(Napi::Env env) = 0;
  Napi::Object summary_object(Napi::Env env, const BatchResult& r) const;
  // Runs engine work on the worker thread; any exception becomes the Promise's rejection.
  void guard(const std::function<void()>& work);

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_ref_;
  NetworkWrap* owner_;
  Pins pins_;
  InputBatch batch_;
  std::vector<const float*> weights_;
  RunOptions options_;
  BatchResult result_;
};

class LossAndGradientWorker : public EngineWorker {
 public:
  LossAndGradientWorker(const Napi::CallbackInfo& info, NetworkWrap* owner);
  void Execute() override;

 private:
  Napi::Object build_result(Napi::Env env) override;
  std::vector<float*> gradients_;
};

class ForwardWorker : public EngineWorker {
 public:
  ForwardWorker(const Napi::CallbackInfo& info, NetworkWrap* owner);
  void Execute() override;

 private:
  Napi::Object build_result(Napi::Env env) override;
  RecordRequest record_;
  bool has_record_ = false;
};

}  // namespace spikegrad::addon

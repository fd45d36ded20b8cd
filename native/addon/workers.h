// The engine's AsyncWorkers. Arguments are read and copied on the JavaScript thread (staged_call.h), Execute
// touches no JavaScript value or memory, and the completion copies the outputs into the caller's arrays.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "../core/engine.h"
#include "network_wrap.h"
#include "safe_worker.h"
#include "staged_call.h"

namespace spikegrad::addon {

class EngineWorker : public SafeAsyncWorker {
 public:
  EngineWorker(Napi::Env env, NetworkWrap* owner);

 protected:
  void finish() noexcept override;
  Napi::Object summary_object(Napi::Env env, const BatchResult& r) const;

  Napi::ObjectReference owner_ref_;
  NetworkWrap* owner_;
  std::unique_ptr<CallStaging> staging_;  // this call's copies, handed back to the network by finish()
  StagedBatch& batch_;
  StagedTensors& weights_;
  RunOptions options_;
  BatchResult result_;
};

class LossAndGradientWorker : public EngineWorker {
 public:
  LossAndGradientWorker(const Napi::CallbackInfo& info, NetworkWrap* owner);
  void Execute() override;

 private:
  Napi::Value build_result(Napi::Env env) override;
  StagedTensors& gradients_;
  std::vector<OutputTarget> gradient_targets_;
};

class ForwardWorker : public EngineWorker {
 public:
  ForwardWorker(const Napi::CallbackInfo& info, NetworkWrap* owner);
  void Execute() override;

 private:
  Napi::Value build_result(Napi::Env env) override;
  RecordRequest record_;
  bool has_record_ = false;
  // Recorded traces, owned by the call, and the caller's arrays that receive them.
  std::vector<std::vector<std::uint8_t>> spikes_;
  std::vector<AlignedVector<float>> membrane_;
  AlignedVector<float> readout_;
  std::vector<OutputTarget> spike_targets_, membrane_targets_;
  OutputTarget readout_target_;
};

}  // namespace spikegrad::addon

// Module registration: the NativeNetwork class and a few process-wide queries.
#include <napi.h>

#include "../core/engine.h"
#include "../core/isa_dispatch.h"
#include "audio_worker.h"
#include "manifold_worker.h"
#include "optimizer_binding.h"
#include "network_wrap.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace spikegrad::addon {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("simd", isa_level_name(default_isa_level()));
  out.Set("simdBest", isa_level_name(best_isa_level()));
  out.Set("threads", available_threads());
#ifdef _OPENMP
  out.Set("openmp", true);
  out.Set("openmpVersion", _OPENMP);
#else
  out.Set("openmp", false);
#endif
#ifdef SPIKEGRAD_MARCH_NATIVE
  out.Set("marchNative", true);
#else
  out.Set("marchNative", false);
#endif
  out.Set("napiVersion", NAPI_VERSION);
  return out;
}

}  // namespace
}  // namespace spikegrad::addon

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeNetwork", spikegrad::addon::NetworkWrap::Define(env));
  exports.Set("info", Napi::Function::New(env, spikegrad::addon::Info, "info"));
  exports.Set("optimizerStep", Napi::Function::New(env, spikegrad::addon::OptimizerStep, "optimizerStep"));
  exports.Set("audioFrontEnd", Napi::Function::New(env, spikegrad::addon::AudioFrontEnd, "audioFrontEnd"));
  exports.Set("evaluateManifold", Napi::Function::New(env, spikegrad::addon::EvaluateManifold, "evaluateManifold"));
  return exports;
}

NODE_API_MODULE(spikegrad, InitModule)

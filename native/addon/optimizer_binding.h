// optimizerStep(kind, param, grad, slots, scalars, threads): one optimizer update of one parameter array in
// native code, synchronously (O(parameters): a fraction of a millisecond).
#pragma once

#include <napi.h>

namespace spikegrad::addon {

Napi::Value OptimizerStep(const Napi::CallbackInfo& info);

}  // namespace spikegrad::addon

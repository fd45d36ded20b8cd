// evaluateManifold(manifold, x, options): Randman's manifold evaluation in a worker thread.
#pragma once

#include <napi.h>

namespace spikegrad::addon {

Napi::Value EvaluateManifold(const Napi::CallbackInfo& info);

}  // namespace spikegrad::addon

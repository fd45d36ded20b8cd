// audioFrontEnd(frontEnd, audio, offsets, options): many utterances through the cochlear (spikes) or log-mel
// (analog) front end in a worker thread, utterances spread over OpenMP threads.
#pragma once

#include <napi.h>

namespace spikegrad::addon {

Napi::Value AudioFrontEnd(const Napi::CallbackInfo& info);

}  // namespace spikegrad::addon

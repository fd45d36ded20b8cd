#include "workers.h"

#include <cstring>
#include <string>

#include "js_args.h"

namespace spikegrad::addon {

EngineWorker::EngineWorker(Napi::Env env, NetworkWrap* owner)
    : SafeAsyncWorker(env, "spikegrad"),
      owner_(owner),
      staging_(owner->take_staging()),
      batch_(staging_->batch),
      weights_(staging_->weights) {
  owner_ref_ = Napi::Persistent(owner->Value());
}

void EngineWorker::finish() noexcept {
  owner_->keep_staging(std::move(staging_));
  owner_->release();
}

Napi::Object EngineWorker::summary_object(Napi::Env env, const BatchResult& r) const {
  Napi::Object out = Napi::Object::New(env);
  const int B = batch_.view.size;
  const int C = owner_->engine().spec().outputs;
  if (r.has_loss) {
    out.Set("loss", r.loss);
    out.Set("crossEntropy", r.cross_entropy);
    out.Set("regularization", r.regularization);
    Napi::Array regs = Napi::Array::New(env, r.regularizer_losses.size());
    for (std::size_t i = 0; i < r.regularizer_losses.size(); ++i) regs.Set(static_cast<uint32_t>(i), r.regularizer_losses[i]);
    out.Set("regularizerLosses", regs);
    out.Set("correct", r.correct);
    out.Set("accuracy", static_cast<double>(r.correct) / B);
  }
  Napi::Int32Array predictions = Napi::Int32Array::New(env, B);
  std::memcpy(predictions.Data(), r.predictions.data(), sizeof(std::int32_t) * B);
  out.Set("predictions", predictions);
  Napi::Float32Array logits = Napi::Float32Array::New(env, static_cast<std::size_t>(B) * C);
  std::memcpy(logits.Data(), r.logits.data(), sizeof(float) * B * C);
  out.Set("logits", logits);
  Napi::Array counts = Napi::Array::New(env, r.spike_counts.size());
  for (std::size_t l = 0; l < r.spike_counts.size(); ++l) {
    Napi::Float32Array c = Napi::Float32Array::New(env, r.spike_counts[l].size());
    std::memcpy(c.Data(), r.spike_counts[l].data(), sizeof(float) * r.spike_counts[l].size());
    counts.Set(static_cast<uint32_t>(l), c);
  }
  out.Set("spikeCounts", counts);
  if (options_.profile) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("forward", r.timings.forward);
    t.Set("transposes", r.timings.transposes);
    t.Set("backward", r.timings.backward);
    t.Set("reduce", r.timings.reduce);
    t.Set("denseGradient", r.timings.dense_gradient);
    t.Set("products", r.timings.products);
    t.Set("weightGradients", r.timings.weight_gradients);
    t.Set("adjointSteps", r.timings.adjoint_steps);
    out.Set("timings", t);
  }
  return out;
}

// lossAndGradient(batch, weights: Float32Array[], gradients: Float32Array[], options)
LossAndGradientWorker::LossAndGradientWorker(const Napi::CallbackInfo& info, NetworkWrap* owner)
    : EngineWorker(info.Env(), owner), gradients_(staging_->gradients) {
  const auto& layout = owner->engine().parameters();
  options_ = read_run_options(info[3]);
  // The gradient arrays are checked before anything is copied, so a bad call costs no copy.
  if (!info[2].IsArray() || info[2].As<Napi::Array>().Length() != layout.size()) {
    throw Napi::TypeError::New(info.Env(), "gradients: expected an array of " + std::to_string(layout.size()) +
                                               " Float32Arrays (one per parameter), got " + describe_value(info[2]));
  }
  const Napi::Array targets = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < targets.Length(); ++i) {
    const std::string f = "gradients['" + layout[i].name + "']";
    const Napi::Value g = targets.Get(i);
    if (!g.IsTypedArray() || g.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
        static_cast<std::int64_t>(g.As<Napi::TypedArray>().ElementLength()) != layout[i].size()) {
      throw Napi::TypeError::New(info.Env(), f + ": expected a Float32Array of length " + std::to_string(layout[i].size()) +
                                                 ", got " + describe_value(g));
    }
    gradient_targets_.emplace_back(g.As<Napi::TypedArray>(), f, sizeof(float) * static_cast<std::size_t>(layout[i].size()));
  }
  stage_batch(info[0], batch_);
  stage_tensors(info[1], layout, "parameters", weights_);
  allocate_tensors(layout, gradients_);
  options_.weights_staged = true;
}

void LossAndGradientWorker::Execute() {
  guard([&] { result_ = owner_->engine().loss_and_gradient(batch_.view, weights_.const_data(), gradients_.data, options_); });
}

Napi::Value LossAndGradientWorker::build_result(Napi::Env env) {
  for (std::size_t i = 0; i < gradient_targets_.size(); ++i) gradient_targets_[i].deliver(env, gradients_.data[i]);
  return summary_object(env, result_);
}

// forward(batch, weights, options, record?: { layers: number[], spikes: (Uint8Array|null)[],
//         membrane: (Float32Array|null)[], readout: Float32Array|null })
ForwardWorker::ForwardWorker(const Napi::CallbackInfo& info, NetworkWrap* owner) : EngineWorker(info.Env(), owner) {
  const Engine& engine = owner->engine();
  stage_batch(info[0], batch_);
  stage_tensors(info[1], engine.parameters(), "parameters", weights_);
  options_ = read_run_options(info[2]);
  options_.weights_staged = true;
  if (info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull()) {
    has_record_ = true;
    const Napi::Object rec = expect_object(info[3], "record");
    const Napi::Value layers = rec.Get("layers");
    if (!layers.IsArray()) throw Napi::TypeError::New(info.Env(), "record.layers: expected an array of layer indices");
    const Napi::Array larr = layers.As<Napi::Array>();
    const Napi::Value spikes = rec.Get("spikes");
    const Napi::Value membrane = rec.Get("membrane");
    const int depth = static_cast<int>(engine.spec().layers.size());
    const std::int64_t BT = static_cast<std::int64_t>(batch_.view.size) * batch_.view.steps;
    for (uint32_t k = 0; k < larr.Length(); ++k) {
      const Napi::Value lv = larr.Get(k);
      if (!lv.IsNumber()) throw Napi::TypeError::New(info.Env(), "record.layers: expected numbers");
      const double ld = lv.As<Napi::Number>().DoubleValue();
      if (ld != static_cast<int>(ld) || ld < 0 || ld >= depth) {
        throw Napi::RangeError::New(info.Env(), "record.layers[" + std::to_string(k) +
                                                    "]: expected a hidden layer index in [0, " +
                                                    std::to_string(depth) + ")");
      }
      const int l = static_cast<int>(ld);
      const std::int64_t expected = BT * engine.spec().layers[l].size;
      record_.layers.push_back(l);
      std::uint8_t* sp = nullptr;
      float* mem = nullptr;
      if (spikes.IsArray() && k < spikes.As<Napi::Array>().Length()) {
        const Napi::Value s = spikes.As<Napi::Array>().Get(k);
        if (!s.IsNull() && !s.IsUndefined()) {
          if (!s.IsTypedArray() || s.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
              static_cast<std::int64_t>(s.As<Napi::TypedArray>().ElementLength()) != expected) {
            throw Napi::TypeError::New(info.Env(), "record.spikes[" + std::to_string(k) +
                                                       "]: expected a Uint8Array of length size*steps*layerSize = " +
                                                       std::to_string(expected));
          }
          spikes_.emplace_back(static_cast<std::size_t>(expected));
          sp = spikes_.back().data();
          spike_targets_.emplace_back(s.As<Napi::TypedArray>(), "record.spikes[" + std::to_string(k) + "]",
                                      static_cast<std::size_t>(expected));
        }
      }
      if (membrane.IsArray() && k < membrane.As<Napi::Array>().Length()) {
        const Napi::Value m = membrane.As<Napi::Array>().Get(k);
        if (!m.IsNull() && !m.IsUndefined()) {
          if (!m.IsTypedArray() || m.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
              static_cast<std::int64_t>(m.As<Napi::TypedArray>().ElementLength()) != expected) {
            throw Napi::TypeError::New(info.Env(), "record.membrane[" + std::to_string(k) +
                                                       "]: expected a Float32Array of length size*steps*layerSize = " +
                                                       std::to_string(expected));
          }
          membrane_.emplace_back(static_cast<std::size_t>(expected));
          mem = membrane_.back().data();
          membrane_targets_.emplace_back(m.As<Napi::TypedArray>(), "record.membrane[" + std::to_string(k) + "]",
                                         sizeof(float) * static_cast<std::size_t>(expected));
        }
      }
      record_.spikes.push_back(sp);
      record_.membrane.push_back(mem);
    }
    const Napi::Value readout = rec.Get("readout");
    if (!readout.IsNull() && !readout.IsUndefined()) {
      const std::int64_t expected = BT * engine.spec().outputs;
      if (!readout.IsTypedArray() || readout.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
          static_cast<std::int64_t>(readout.As<Napi::TypedArray>().ElementLength()) != expected) {
        throw Napi::TypeError::New(info.Env(), "record.readout: expected a Float32Array of length size*steps*outputs = " +
                                                   std::to_string(expected));
      }
      readout_.resize(static_cast<std::size_t>(expected));
      record_.readout = readout_.data();
      readout_target_ = OutputTarget(readout.As<Napi::TypedArray>(), "record.readout", sizeof(float) * static_cast<std::size_t>(expected));
    }
  }
}

void ForwardWorker::Execute() {
  guard([&] {
    result_ = owner_->engine().forward(batch_.view, weights_.const_data(), options_, has_record_ ? &record_ : nullptr);
  });
}

Napi::Value ForwardWorker::build_result(Napi::Env env) {
  for (std::size_t i = 0; i < spike_targets_.size(); ++i) spike_targets_[i].deliver(env, spikes_[i].data());
  for (std::size_t i = 0; i < membrane_targets_.size(); ++i) membrane_targets_[i].deliver(env, membrane_[i].data());
  readout_target_.deliver(env, readout_.data());
  return summary_object(env, result_);
}

}  // namespace spikegrad::addon

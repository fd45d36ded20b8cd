#include "optimizer_binding.h"

#include <string>
#include <vector>

#include "../core/optimizer_kernels.h"
#include "js_args.h"

namespace spikegrad::addon {
namespace {

float* float32(const Napi::Value& v, const std::string& field, std::size_t length) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(v.Env(), field + ": expected a Float32Array");
  }
  auto a = v.As<Napi::Float32Array>();
  if (length != static_cast<std::size_t>(-1) && a.ElementLength() != length) {
    throw Napi::RangeError::New(v.Env(), field + ": expected length " + std::to_string(length) + ", got " +
                                             std::to_string(a.ElementLength()));
  }
  return a.Data();
}

}  // namespace

Napi::Value OptimizerStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "kind: expected 'adam', 'adamax', 'sgd' or 'smorms3'");
  const std::string kind = info[0].As<Napi::String>().Utf8Value();
  if (!info[1].IsTypedArray()) throw Napi::TypeError::New(env, "param: expected a Float32Array");
  const std::size_t n = info[1].As<Napi::TypedArray>().ElementLength();
  float* p = float32(info[1], "param", n);
  const float* g = float32(info[2], "grad", n);
  if (!info[3].IsArray()) throw Napi::TypeError::New(env, "slots: expected an array of Float32Arrays");
  const Napi::Array arr = info[3].As<Napi::Array>();
  std::vector<float*> slots;
  for (uint32_t i = 0; i < arr.Length(); ++i) slots.push_back(float32(arr.Get(i), "slots[" + std::to_string(i) + "]", n));
  const Napi::Object s = expect_object(info[4], "scalars");
  const int threads = info[5].IsNumber() ? std::max(1, info[5].As<Napi::Number>().Int32Value()) : 1;
  auto need = [&](std::size_t count) {
    if (slots.size() != count) throw Napi::RangeError::New(env, kind + ": expected " + std::to_string(count) + " state arrays");
  };
  const std::int64_t len = static_cast<std::int64_t>(n);
  if (kind == "adam") {
    need(2);
    AdamStep step{expect_number(s, "beta1", "beta1"), expect_number(s, "beta2", "beta2"), expect_number(s, "eps", "eps"),
                  expect_number(s, "stepSize", "stepSize"), expect_number(s, "sqrtC2", "sqrtC2")};
    adam_update(p, g, slots[0], slots[1], len, step, threads);
  } else if (kind == "adamax") {
    need(2);
    AdamaxStep step{expect_number(s, "beta1", "beta1"), expect_number(s, "beta2", "beta2"), expect_number(s, "eps", "eps"),
                    expect_number(s, "stepSize", "stepSize")};
    adamax_update(p, g, slots[0], slots[1], len, step, threads);
  } else if (kind == "sgd") {
    need(1);
    SgdStep step{expect_number(s, "lr", "lr"), expect_number(s, "momentum", "momentum"), expect_bool(s, "nesterov", "nesterov"),
                 expect_bool(s, "first", "first")};
    sgd_update(p, g, slots[0], len, step, threads);
  } else if (kind == "smorms3") {
    need(3);
    Smorms3Step step{expect_number(s, "lr", "lr"), expect_number(s, "eps", "eps")};
    smorms3_update(p, g, slots[0], slots[1], slots[2], len, step, threads);
  } else {
    throw Napi::RangeError::New(env, "kind: expected 'adam', 'adamax', 'sgd' or 'smorms3', got '" + kind + "'");
  }
  return env.Undefined();
}

}  // namespace spikegrad::addon

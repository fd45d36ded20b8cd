#include "manifold_worker.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "../core/random_manifold.h"
#include "js_args.h"
#include "safe_worker.h"

namespace spikegrad::addon {
namespace {

// A copy of a Float64Array (the worker must not read JavaScript memory while it runs: staged_call.h).
std::vector<double> copy_float64(const Napi::Value& v, const std::string& field) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(v.Env(), field + ": expected a Float64Array, got " + describe_value(v));
  }
  auto a = v.As<Napi::Float64Array>();
  return std::vector<double>(a.Data(), a.Data() + a.ElementLength());
}

class ManifoldWorker : public SafeAsyncWorker {
 public:
  ManifoldWorker(const Napi::CallbackInfo& info) : SafeAsyncWorker(info.Env(), "spikegrad.manifold") {
    const Napi::Object m = expect_object(info[0], "manifold");
    view_.units = expect_int(m, "units", "manifold.units", 1, 1 << 20);
    view_.dim = expect_int(m, "dim", "manifold.dim", 1, 64);
    view_.terms = expect_int(m, "terms", "manifold.terms", 1, 1 << 20);
    amplitude_ = copy_float64(m.Get("amplitude"), "manifold.amplitude");
    frequency_ = copy_float64(m.Get("frequency"), "manifold.frequency");
    phase_ = copy_float64(m.Get("phase"), "manifold.phase");
    x_ = copy_float64(info[1], "x (points * dim coordinates)");
    view_.amplitude = amplitude_.data();
    view_.frequency = frequency_.data();
    view_.phase = phase_.data();
    const std::int64_t la = static_cast<std::int64_t>(amplitude_.size());
    const std::int64_t lf = static_cast<std::int64_t>(frequency_.size());
    const std::int64_t lp = static_cast<std::int64_t>(phase_.size());
    const std::int64_t x_length = static_cast<std::int64_t>(x_.size());
    std::string error = check_manifold(view_, la, x_length);
    if (error.empty() && (lf != la || lp != la)) error = "manifold: amplitude, frequency and phase lengths differ";
    if (!error.empty()) throw Napi::RangeError::New(info.Env(), error);
    points_ = static_cast<int>(x_length / view_.dim);
    const RunOptions options = read_run_options(info[2]);
    threads_ = options.threads;
    isa_ = options.isa;
    out_.resize(static_cast<std::size_t>(points_) * view_.units);
  }

  void Execute() override {
    guard([&] { evaluate_manifold(view_, x_.data(), points_, out_.data(), threads_, isa_); });
  }

 private:
  Napi::Value build_result(Napi::Env env) override {
    Napi::Float64Array out = Napi::Float64Array::New(env, out_.size());
    std::copy(out_.begin(), out_.end(), out.Data());
    return out;
  }

  ManifoldView view_;
  std::vector<double> amplitude_, frequency_, phase_, x_, out_;
  int points_ = 0;
  int threads_ = 1;
  IsaLevel isa_ = IsaLevel::Generic;
};

}  // namespace

Napi::Value EvaluateManifold(const Napi::CallbackInfo& info) {
  auto* worker = new ManifoldWorker(info);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace spikegrad::addon

#include "manifold_worker.h"

#include <stdexcept>
#include <vector>

#include "../core/random_manifold.h"
#include "js_args.h"

namespace spikegrad::addon {
namespace {

const double* expect_float64(const Napi::Object& o, const char* key, std::int64_t* length, Pins& pins) {
  const Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(o.Env(), std::string("manifold.") + key + ": expected a Float64Array");
  }
  pins.add(v);
  auto a = v.As<Napi::Float64Array>();
  *length = static_cast<std::int64_t>(a.ElementLength());
  return a.Data();
}

class ManifoldWorker : public Napi::AsyncWorker {
 public:
  ManifoldWorker(const Napi::CallbackInfo& info)
      : Napi::AsyncWorker(info.Env(), "spikegrad.manifold"), deferred_(Napi::Promise::Deferred::New(info.Env())) {
    const Napi::Object m = expect_object(info[0], "manifold");
    view_.units = expect_int(m, "units", "manifold.units", 1, 1 << 20);
    view_.dim = expect_int(m, "dim", "manifold.dim", 1, 64);
    view_.terms = expect_int(m, "terms", "manifold.terms", 1, 1 << 20);
    std::int64_t la = 0, lf = 0, lp = 0;
    view_.amplitude = expect_float64(m, "amplitude", &la, pins_);
    view_.frequency = expect_float64(m, "frequency", &lf, pins_);
    view_.phase = expect_float64(m, "phase", &lp, pins_);
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throw Napi::TypeError::New(info.Env(), "x: expected a Float64Array of points * dim coordinates");
    }
    pins_.add(info[1]);
    auto x = info[1].As<Napi::Float64Array>();
    x_ = x.Data();
    const std::int64_t x_length = static_cast<std::int64_t>(x.ElementLength());
    std::string error = check_manifold(view_, la, x_length);
    if (error.empty() && (lf != la || lp != la)) error = "manifold: amplitude, frequency and phase lengths differ";
    if (!error.empty()) throw Napi::RangeError::New(info.Env(), error);
    points_ = static_cast<int>(x_length / view_.dim);
    const RunOptions options = read_run_options(info[2]);
    threads_ = options.threads;
    isa_ = options.isa;
    out_ = Napi::Persistent(Napi::Float64Array::New(info.Env(), static_cast<std::size_t>(points_) * view_.units));
    out_data_ = out_.Value().Data();
  }

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      evaluate_manifold(view_, x_, points_, out_data_, threads_, isa_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(out_.Value()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Pins pins_;
  ManifoldView view_;
  const double* x_ = nullptr;
  int points_ = 0;
  int threads_ = 1;
  IsaLevel isa_ = IsaLevel::Generic;
  Napi::Reference<Napi::Float64Array> out_;
  double* out_data_ = nullptr;
};

}  // namespace

Napi::Value EvaluateManifold(const Napi::CallbackInfo& info) {
  auto* worker = new ManifoldWorker(info);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace spikegrad::addon

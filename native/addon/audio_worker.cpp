#include "audio_worker.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "../core/cochlea.h"
#include "../core/log_mel.h"
#include "js_args.h"
#include "safe_worker.h"

namespace spikegrad::addon {
namespace {

// Options are optional fields: absent keeps the core's default; present must be a number.
double number_or(const Napi::Object& o, const char* key, double fallback) {
  return o.Has(key) && !o.Get(key).IsUndefined() ? expect_number(o, key, std::string("frontEnd.") + key) : fallback;
}
int int_or(const Napi::Object& o, const char* key, int fallback, int lo, int hi) {
  return o.Has(key) && !o.Get(key).IsUndefined() ? expect_int(o, key, std::string("frontEnd.") + key, lo, hi) : fallback;
}

CochleaOptions read_cochlea(const Napi::Object& o) {
  CochleaOptions c;
  c.sample_rate = number_or(o, "sampleRate", c.sample_rate);
  c.channels = int_or(o, "channels", c.channels, 1, 4096);
  c.f_min = number_or(o, "fMin", c.f_min);
  c.f_max = number_or(o, "fMax", c.f_max);
  c.compression = number_or(o, "compression", c.compression);
  c.ihc_cutoff = number_or(o, "ihcCutoff", c.ihc_cutoff);
  c.gain = number_or(o, "gain", c.gain);
  c.fibres = int_or(o, "fibres", c.fibres, 1, 64);
  c.threshold = number_or(o, "threshold", c.threshold);
  c.threshold_spread = number_or(o, "thresholdSpread", c.threshold_spread);
  c.tau = number_or(o, "tau", c.tau);
  c.refractory = number_or(o, "refractory", c.refractory);
  c.dt = number_or(o, "dt", c.dt);
  c.steps = int_or(o, "steps", c.steps, 1, 1000000);
  return c;
}

LogMelOptions read_log_mel(const Napi::Object& o) {
  LogMelOptions m;
  m.sample_rate = number_or(o, "sampleRate", m.sample_rate);
  m.pre_emphasis = number_or(o, "preEmphasis", m.pre_emphasis);
  m.frame = number_or(o, "frame", m.frame);
  m.stride = number_or(o, "stride", m.stride);
  m.fft = int_or(o, "fft", m.fft, 2, 1 << 20);
  m.filters = int_or(o, "filters", m.filters, 1, 1 << 19);
  m.f_min = number_or(o, "fMin", m.f_min);
  m.f_max = number_or(o, "fMax", m.f_max);
  m.dt = number_or(o, "dt", m.dt);
  m.steps = int_or(o, "steps", m.steps, 1, 1000000);
  return m;
}

class AudioWorker : public SafeAsyncWorker {
 public:
  explicit AudioWorker(const Napi::CallbackInfo& info) : SafeAsyncWorker(info.Env(), "spikegrad.audio") {
    Napi::Env env = info.Env();
    const Napi::Object fe = expect_object(info[0], "frontEnd");
    kind_ = expect_string(fe, "kind", "frontEnd.kind");
    std::string error;
    if (kind_ == "cochlea") {
      cochlea_ = read_cochlea(fe);
      error = check_cochlea(cochlea_);
    } else if (kind_ == "log-mel") {
      log_mel_ = read_log_mel(fe);
      error = check_log_mel(log_mel_);
    } else {
      throw Napi::RangeError::New(env, "frontEnd.kind: expected 'cochlea' or 'log-mel', got '" + kind_ + "'");
    }
    if (!error.empty()) throw Napi::RangeError::New(env, "frontEnd." + error);
    // Staged copies (the worker never reads JavaScript memory: staged_call.h).
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw Napi::TypeError::New(env, "audio: expected a Float32Array, got " + describe_value(info[1]));
    }
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throw Napi::TypeError::New(env, "offsets: expected a Float64Array, got " + describe_value(info[2]));
    }
    auto audio = info[1].As<Napi::Float32Array>();
    auto offsets = info[2].As<Napi::Float64Array>();
    audio_.assign(audio.Data(), audio.Data() + audio.ElementLength());
    offsets_.assign(offsets.Data(), offsets.Data() + offsets.ElementLength());
    if (offsets_.size() < 2 || offsets_.front() != 0 || offsets_.back() != static_cast<double>(audio_.size())) {
      throw Napi::RangeError::New(env, "offsets: expected utterance starts from 0 to audio.length, one more than utterances");
    }
    for (std::size_t i = 1; i < offsets_.size(); ++i) {
      if (!(offsets_[i] >= offsets_[i - 1]) || offsets_[i] != static_cast<double>(static_cast<std::int64_t>(offsets_[i]))) {
        throw Napi::RangeError::New(env, "offsets[" + std::to_string(i) + "]: expected non-decreasing integers");
      }
    }
    const Napi::Object options = info[3].IsObject() ? info[3].As<Napi::Object>() : Napi::Object::New(env);
    threads_ = options.Has("threads") ? expect_int(options, "threads", "options.threads", 1, 1024) : 1;
    cochleagram_ = options.Has("cochleagram") && options.Get("cochleagram").ToBoolean().Value();
  }

  void Execute() override {
    guard([&] {
      const int n = static_cast<int>(offsets_.size()) - 1;
      if (kind_ == "log-mel") {
        const std::size_t per = static_cast<std::size_t>(log_mel_.steps) * log_mel_.filters;
        values_.assign(per * n, 0.0f);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_)
        for (int i = 0; i < n; ++i) {
          const auto begin = static_cast<std::int64_t>(offsets_[i]);
          log_mel_input(audio_.data() + begin, static_cast<std::int64_t>(offsets_[i + 1]) - begin, log_mel_, values_.data() + per * i);
        }
        return;
      }
      std::vector<std::vector<std::int32_t>> times(n), units(n);
      const std::size_t per = static_cast<std::size_t>(cochlea_.steps) * cochlea_.channels;
      if (cochleagram_) values_.assign(per * n, 0.0f);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_)
      for (int i = 0; i < n; ++i) {
        const auto begin = static_cast<std::int64_t>(offsets_[i]);
        cochlea_spikes(audio_.data() + begin, static_cast<std::int64_t>(offsets_[i + 1]) - begin, cochlea_, times[i], units[i],
                       cochleagram_ ? values_.data() + per * i : nullptr);
      }
      event_offsets_.assign(n + 1, 0.0);
      for (int i = 0; i < n; ++i) event_offsets_[i + 1] = event_offsets_[i] + static_cast<double>(times[i].size());
      for (int i = 0; i < n; ++i) {
        times_.insert(times_.end(), times[i].begin(), times[i].end());
        units_.insert(units_.end(), units[i].begin(), units[i].end());
      }
    });
  }

 private:
  Napi::Value build_result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    if (kind_ == "log-mel" || cochleagram_) {
      Napi::Float32Array values = Napi::Float32Array::New(env, values_.size());
      std::copy(values_.begin(), values_.end(), values.Data());
      out.Set(kind_ == "log-mel" ? "values" : "cochleagram", values);
    }
    if (kind_ == "cochlea") {
      Napi::Float64Array offsets = Napi::Float64Array::New(env, event_offsets_.size());
      std::copy(event_offsets_.begin(), event_offsets_.end(), offsets.Data());
      Napi::Int32Array times = Napi::Int32Array::New(env, times_.size());
      std::copy(times_.begin(), times_.end(), times.Data());
      Napi::Int32Array units = Napi::Int32Array::New(env, units_.size());
      std::copy(units_.begin(), units_.end(), units.Data());
      out.Set("offsets", offsets);
      out.Set("times", times);
      out.Set("units", units);
    }
    return out;
  }

  std::string kind_;
  CochleaOptions cochlea_;
  LogMelOptions log_mel_;
  std::vector<float> audio_;
  std::vector<double> offsets_;
  int threads_ = 1;
  bool cochleagram_ = false;
  std::vector<float> values_;
  std::vector<double> event_offsets_;
  std::vector<std::int32_t> times_, units_;
};

}  // namespace

Napi::Value AudioFrontEnd(const Napi::CallbackInfo& info) {
  auto* worker = new AudioWorker(info);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace spikegrad::addon

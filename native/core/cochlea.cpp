#include "cochlea.h"

#include <algorithm>
#include <cmath>
#include <complex>

namespace spikegrad {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Glasberg & Moore: ERB(f) = 24.7 (4.37 f / 1000 + 1) Hz; the ERB-number scale is its integral.
double erb_number(double f) { return 21.4 * std::log10(4.37e-3 * f + 1.0); }
double from_erb_number(double e) { return (std::pow(10.0, e / 21.4) - 1.0) / 4.37e-3; }
double erb_width(double f) { return 24.7 * (4.37e-3 * f + 1.0); }

bool finite_in(double x, double lo, double hi) { return std::isfinite(x) && x >= lo && x <= hi; }

}  // namespace

std::string check_cochlea(const CochleaOptions& o) {
  if (!finite_in(o.sample_rate, 1000, 384000)) return "sampleRate: expected 1000 to 384000 Hz";
  if (o.channels < 1 || o.channels > 4096) return "channels: expected 1 to 4096";
  if (!finite_in(o.f_min, 10, o.sample_rate / 2)) return "fMin: expected 10 Hz to half the sample rate";
  if (!finite_in(o.f_max, o.f_min, o.sample_rate * 0.49)) return "fMax: expected fMin to 0.49 x the sample rate (below Nyquist)";
  if (!finite_in(o.compression, 0.01, 1)) return "compression: expected an exponent in [0.01, 1]";
  if (!finite_in(o.ihc_cutoff, 10, o.sample_rate / 2)) return "ihcCutoff: expected 10 Hz to half the sample rate";
  if (!finite_in(o.gain, 1e-9, 1e9)) return "gain: expected a positive number";
  if (o.fibres < 1 || o.fibres > 64) return "fibres: expected 1 to 64 per channel";
  if (!finite_in(o.threshold, 1e-9, 1e9)) return "threshold: expected a positive number";
  if (!finite_in(o.threshold_spread, 0, 100)) return "thresholdSpread: expected 0 to 100";
  if (!finite_in(o.tau, 1.0 / o.sample_rate, 1)) return "tau: expected one sample to 1 s";
  if (!finite_in(o.refractory, 0, 1)) return "refractory: expected 0 to 1 s";
  if (!finite_in(o.dt, 1e-5, 1)) return "dt: expected 1e-5 to 1 s";
  if (o.steps < 1 || o.steps > 1000000) return "steps: expected 1 to 1e6";
  return "";
}

std::vector<double> erb_space(double f_min, double f_max, int channels) {
  std::vector<double> f(channels);
  const double lo = erb_number(f_min), hi = erb_number(f_max);
  for (int c = 0; c < channels; ++c) f[c] = from_erb_number(channels == 1 ? lo : lo + (hi - lo) * c / (channels - 1));
  return f;
}

// Fourth-order gammatone filters as complex demodulation (Holdsworth et al. 1988): the signal is shifted down by
// the centre frequency, passed through four one-pole low-passes with a = exp(-2 pi b / fs), b = 1.019 ERB(fc), and
// shifted back. The low-passes have unit gain at 0 Hz, so every channel has unit gain at its centre frequency.
// Channels run side by side in the inner loop (structure of arrays), so it vectorizes across channels.
// One build per vector width, picked at run time (GCC's function multi-versioning); the channels are independent
// lanes and the file is compiled without floating-point contraction, so every version gives the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void cochlea_spikes(const float* audio, std::int64_t samples, const CochleaOptions& o, std::vector<std::int32_t>& times,
                    std::vector<std::int32_t>& units, float* cochleagram) {
  const int C = o.channels;
  const double fs = o.sample_rate;
  const std::vector<double> fc = erb_space(o.f_min, o.f_max, C);
  std::vector<float> a(C), rot_re(C), rot_im(C), ph_re(C, 1.0f), ph_im(C, 0.0f);
  std::vector<float> s_re(4 * C, 0.0f), s_im(4 * C, 0.0f);
  for (int c = 0; c < C; ++c) {
    a[c] = static_cast<float>(std::exp(-2 * kPi * 1.019 * erb_width(fc[c]) / fs));
    rot_re[c] = static_cast<float>(std::cos(2 * kPi * fc[c] / fs));
    rot_im[c] = static_cast<float>(-std::sin(2 * kPi * fc[c] / fs));
  }
  const float ihc_a = static_cast<float>(std::exp(-2 * kPi * o.ihc_cutoff / fs));
  // Past the hair cell's low-pass the signal holds nothing above about ihc_cutoff: compression and the fibres run
  // on every D-th sample, D the largest factor that keeps 4 samples per period of the cutoff (power laws per channel
  // and sample would otherwise cost more than the filterbank).
  const int D = std::max(1, static_cast<int>(std::floor(fs / (4.0 * o.ihc_cutoff))));
  const double fs_fibre = fs / D;
  const float mem_a = static_cast<float>(std::exp(-1.0 / (fs_fibre * o.tau)));
  const float drive_scale = static_cast<float>(o.gain) * (1.0f - mem_a);
  const float power = static_cast<float>(o.compression);
  const int F = o.fibres;
  std::vector<float> ihc1(C, 0.0f), ihc2(C, 0.0f), v(static_cast<std::size_t>(C) * F, 0.0f), out(C);
  std::vector<float> threshold(F);
  for (int k = 0; k < F; ++k) threshold[k] = static_cast<float>(o.threshold * (1.0 + o.threshold_spread * k));
  std::vector<std::int32_t> refractory_left(static_cast<std::size_t>(C) * F, 0);
  const auto refractory_samples = static_cast<std::int32_t>(std::lround(o.refractory * fs_fibre));
  const double step_of_sample = 1.0 / (fs * o.dt);
  const std::int64_t usable = std::min<std::int64_t>(samples, static_cast<std::int64_t>(std::floor(o.steps * o.dt * fs)));
  if (cochleagram) std::fill(cochleagram, cochleagram + static_cast<std::int64_t>(o.steps) * C, 0.0f);
  std::vector<std::int32_t> step_counts(static_cast<std::size_t>(o.steps) + 1, 0);

  // Events come out sorted by sample, hence by step; within a step they are sorted by channel at the end.
  const std::size_t first_event = times.size();
  // One simple loop over the channels per stage, on restrict pointers: GCC vectorizes each of them (a single loop
  // with all stages inside is not vectorized).
  std::vector<float> g_re(C), g_im(C), gain_c(C);
  for (int c = 0; c < C; ++c) gain_c[c] = 1.0f - a[c];
  const float* __restrict pa = a.data();
  const float* __restrict pg = gain_c.data();
  float* __restrict pr = ph_re.data();
  float* __restrict pi = ph_im.data();
  const float* __restrict rr = rot_re.data();
  const float* __restrict ri = rot_im.data();
  float* __restrict wr = g_re.data();
  float* __restrict wi = g_im.data();
  float* __restrict h1 = ihc1.data();
  float* __restrict h2 = ihc2.data();
  for (std::int64_t t = 0; t < usable; ++t) {
    const float x = audio[t];
    // Down-shift: x * phasor (the phasor turns by -2 pi fc / fs per sample).
    for (int c = 0; c < C; ++c) {
      wr[c] = x * pr[c];
      wi[c] = x * pi[c];
    }
    for (int k = 0; k < 4; ++k) {
      float* __restrict sr = s_re.data() + static_cast<std::size_t>(k) * C;
      float* __restrict si = s_im.data() + static_cast<std::size_t>(k) * C;
      for (int c = 0; c < C; ++c) {
        sr[c] = pa[c] * sr[c] + pg[c] * wr[c];
        si[c] = pa[c] * si[c] + pg[c] * wi[c];
        wr[c] = sr[c];
        wi[c] = si[c];
      }
    }
    for (int c = 0; c < C; ++c) {
      // Up-shift and real part, times 2: demodulation keeps half of a real tone's amplitude (the other half is the
      // component at -fc, which the low-passes remove). Then the hair cell: half-wave rectification and two
      // one-pole low-passes (compression below, at the fibre rate).
      const float band = 2.0f * (wr[c] * pr[c] + wi[c] * pi[c]);
      const float nr = pr[c] * rr[c] - pi[c] * ri[c];
      const float ni = pr[c] * ri[c] + pi[c] * rr[c];
      pr[c] = nr;
      pi[c] = ni;
      const float rect = band > 0.0f ? band : 0.0f;
      h1[c] = ihc_a * h1[c] + (1.0f - ihc_a) * rect;
      h2[c] = ihc_a * h2[c] + (1.0f - ihc_a) * h1[c];
    }
    if ((t & 1023) == 1023) {
      // Keep every phasor on the unit circle (float rounding would let it drift over long sounds).
      for (int c = 0; c < C; ++c) {
        const float m = 1.0f / std::sqrt(ph_re[c] * ph_re[c] + ph_im[c] * ph_im[c]);
        ph_re[c] *= m;
        ph_im[c] *= m;
      }
    }
    if (t % D != 0) continue;
    for (int c = 0; c < C; ++c) out[c] = ihc2[c] > 0.0f ? std::pow(ihc2[c], power) : 0.0f;
    const auto step = static_cast<std::int32_t>(static_cast<double>(t) * step_of_sample);
    if (cochleagram) {
      float* row = cochleagram + static_cast<std::int64_t>(step) * C;
      for (int c = 0; c < C; ++c) row[c] += out[c];
      step_counts[step]++;
    }
    for (int c = 0; c < C; ++c) {
      const float drive = drive_scale * out[c];
      for (int k = 0; k < F; ++k) {
        const std::size_t i = static_cast<std::size_t>(c) * F + k;
        if (refractory_left[i] > 0) {
          --refractory_left[i];
          continue;
        }
        v[i] = mem_a * v[i] + drive;
        if (v[i] > threshold[k]) {
          v[i] = 0.0f;
          refractory_left[i] = refractory_samples;
          times.push_back(step);
          units.push_back(c);
        }
      }
    }
  }
  if (cochleagram) {
    for (int n = 0; n < o.steps; ++n) {
      if (step_counts[n] == 0) continue;
      float* row = cochleagram + static_cast<std::int64_t>(n) * C;
      const float inv = 1.0f / static_cast<float>(step_counts[n]);
      for (int c = 0; c < C; ++c) row[c] *= inv;
    }
  }
  // Sort each step's events by channel (they are grouped by sample, and a step spans several samples).
  std::size_t begin = first_event;
  while (begin < times.size()) {
    std::size_t end = begin;
    while (end < times.size() && times[end] == times[begin]) ++end;
    std::sort(units.begin() + static_cast<std::ptrdiff_t>(begin), units.begin() + static_cast<std::ptrdiff_t>(end));
    begin = end;
  }
}

}  // namespace spikegrad

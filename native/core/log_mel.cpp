#include "log_mel.h"

#include <algorithm>
#include <cmath>

namespace spikegrad {

namespace {
constexpr double kPi = 3.14159265358979323846;
bool finite_in(double x, double lo, double hi) { return std::isfinite(x) && x >= lo && x <= hi; }
int frame_samples(const LogMelOptions& o) { return static_cast<int>(std::lround(o.frame * o.sample_rate)); }
int stride_samples(const LogMelOptions& o) { return std::max(1, static_cast<int>(std::lround(o.stride * o.sample_rate))); }
}  // namespace

double hz_to_mel(double f) { return 2595.0 * std::log10(1.0 + f / 700.0); }
double mel_to_hz(double m) { return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0); }

std::string check_log_mel(const LogMelOptions& o) {
  if (!finite_in(o.sample_rate, 1000, 384000)) return "sampleRate: expected 1000 to 384000 Hz";
  if (!finite_in(o.pre_emphasis, 0, 1)) return "preEmphasis: expected 0 to 1";
  if (!finite_in(o.frame, 1e-3, 1) || frame_samples(o) < 2) return "frame: expected 1 ms to 1 s (at least 2 samples)";
  if (!finite_in(o.stride, 1e-4, 1)) return "stride: expected 0.1 ms to 1 s";
  if (o.fft < 2 || o.fft > (1 << 20) || (o.fft & (o.fft - 1)) != 0) return "fft: expected a power of two";
  if (o.fft < frame_samples(o)) return "fft: expected at least the frame length in samples (" + std::to_string(frame_samples(o)) + ")";
  if (o.filters < 1 || o.filters > o.fft / 2) return "filters: expected 1 to fft / 2";
  const double top = o.f_max > 0 ? o.f_max : o.sample_rate / 2;
  if (!finite_in(o.f_min, 0, top) || !finite_in(top, o.f_min, o.sample_rate / 2) || top <= o.f_min) return "fMin, fMax: expected 0 <= fMin < fMax <= half the sample rate";
  if (!finite_in(o.dt, 1e-5, 1)) return "dt: expected 1e-5 to 1 s";
  if (o.steps < 1 || o.steps > 1000000) return "steps: expected 1 to 1e6";
  return "";
}

void fft_radix2(std::vector<double>& re, std::vector<double>& im) {
  const std::size_t n = re.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      std::swap(re[i], re[j]);
      std::swap(im[i], im[j]);
    }
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2 * kPi / static_cast<double>(len);
    for (std::size_t i = 0; i < n; i += len) {
      for (std::size_t k = 0; k < len / 2; ++k) {
        const double wr = std::cos(angle * static_cast<double>(k)), wi = std::sin(angle * static_cast<double>(k));
        const std::size_t a = i + k, b = i + k + len / 2;
        const double xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

std::vector<float> log_mel_frames(const float* audio, std::int64_t samples, const LogMelOptions& o, int* frames_out) {
  const int L = frame_samples(o), S = stride_samples(o), N = o.fft, M = o.filters, bins = N / 2 + 1;
  // Pre-emphasis y[t] = x[t] - k x[t-1].
  std::vector<double> y(static_cast<std::size_t>(std::max<std::int64_t>(samples, 1)), 0.0);
  for (std::int64_t t = 0; t < samples; ++t) y[t] = audio[t] - (t > 0 ? o.pre_emphasis * audio[t - 1] : 0.0);
  // Frames: as many as start within the sound, the last zero-padded.
  const int frames = samples <= L ? 1 : 1 + static_cast<int>((samples - L + S - 1) / S);
  // Triangular filters, equally spaced on the mel scale, over FFT bins (HTK style, continuous edges).
  const double top = o.f_max > 0 ? o.f_max : o.sample_rate / 2;
  std::vector<double> edges(M + 2);
  for (int m = 0; m < M + 2; ++m) edges[m] = mel_to_hz(hz_to_mel(o.f_min) + (hz_to_mel(top) - hz_to_mel(o.f_min)) * m / (M + 1));
  std::vector<double> weights(static_cast<std::size_t>(M) * bins, 0.0);
  for (int m = 0; m < M; ++m) {
    for (int b = 0; b < bins; ++b) {
      const double f = o.sample_rate * b / N;
      double w = 0;
      if (f > edges[m] && f <= edges[m + 1]) w = (f - edges[m]) / (edges[m + 1] - edges[m]);
      else if (f > edges[m + 1] && f < edges[m + 2]) w = (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1]);
      weights[static_cast<std::size_t>(m) * bins + b] = w;
    }
  }
  std::vector<double> window(L);
  for (int i = 0; i < L; ++i) window[i] = 0.54 - 0.46 * std::cos(2 * kPi * i / (L - 1));
  std::vector<float> out(static_cast<std::size_t>(frames) * M);
  std::vector<double> re(N), im(N), power(bins);
  for (int k = 0; k < frames; ++k) {
    std::fill(re.begin(), re.end(), 0.0);
    std::fill(im.begin(), im.end(), 0.0);
    const std::int64_t start = static_cast<std::int64_t>(k) * S;
    for (int i = 0; i < L && start + i < samples; ++i) re[i] = y[start + i] * window[i];
    fft_radix2(re, im);
    for (int b = 0; b < bins; ++b) power[b] = (re[b] * re[b] + im[b] * im[b]) / N;
    for (int m = 0; m < M; ++m) {
      double e = 0;
      const double* w = weights.data() + static_cast<std::size_t>(m) * bins;
      for (int b = 0; b < bins; ++b) e += w[b] * power[b];
      // The floor keeps log finite for silent frames and far below any sound's energy.
      out[static_cast<std::size_t>(k) * M + m] = static_cast<float>(std::log(std::max(e, 1e-10)));
    }
  }
  // Per-sample standardization over all frames and filters.
  double mean = 0, sq = 0;
  for (float v : out) mean += v;
  mean /= static_cast<double>(out.size());
  for (float v : out) sq += (v - mean) * (v - mean);
  const double sd = std::sqrt(sq / static_cast<double>(out.size()));
  const double inv = sd > 1e-12 ? 1.0 / sd : 0.0;
  for (float& v : out) v = static_cast<float>((v - mean) * inv);
  *frames_out = frames;
  return out;
}

void log_mel_input(const float* audio, std::int64_t samples, const LogMelOptions& o, float* out) {
  int frames = 0;
  const std::vector<float> f = log_mel_frames(audio, samples, o, &frames);
  const int M = o.filters;
  for (int n = 0; n < o.steps; ++n) {
    const auto k = static_cast<std::int64_t>(std::floor(n * o.dt / o.stride));
    float* row = out + static_cast<std::int64_t>(n) * M;
    // Past the last frame (a sample longer than its sound) the input is 0, the sample's mean level.
    if (k < frames) std::copy(f.begin() + k * M, f.begin() + (k + 1) * M, row);
    else std::fill(row, row + M, 0.0f);
  }
}

}  // namespace spikegrad

// The audio front ends against what their parts must do: ERB spacing, unit gain of a gammatone channel at its
// centre frequency (seen through a linear hair cell: a tone of amplitude A gives a mean of A / pi), tonotopy, silence,
// ordering of events; the FFT against a plain DFT, mel filters, standardization and the time grid of log-mel.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/cochlea.h"
#include "core/log_mel.h"
#include "test_framework.h"

using namespace spikegrad;

namespace {
constexpr double kPi = 3.14159265358979323846;
std::vector<float> tone(double f, double amplitude, double fs, double seconds) {
  std::vector<float> x(static_cast<std::size_t>(fs * seconds));
  for (std::size_t t = 0; t < x.size(); ++t) x[t] = static_cast<float>(amplitude * std::sin(2 * kPi * f * t / fs));
  return x;
}
}  // namespace

TEST(erb_space_runs_from_f_min_to_f_max_with_growing_steps) {
  const auto f = erb_space(50, 7500, 64);
  CHECK_NEAR(f.front(), 50, 1e-9);
  CHECK_NEAR(f.back(), 7500, 1e-6);
  for (std::size_t i = 2; i < f.size(); ++i) CHECK(f[i] - f[i - 1] > f[i - 1] - f[i - 2]);
}

TEST(a_gammatone_channel_has_unit_gain_at_its_centre_frequency) {
  CochleaOptions o;
  o.channels = 32;
  o.steps = 250;
  o.dt = 2e-3;
  o.compression = 1;  // linear: the low-passes keep the mean of the rectified tone, A / pi
  const auto fc = erb_space(o.f_min, o.f_max, o.channels);
  for (int c : {8, 16, 24}) {
    const double amplitude = 0.5;
    const auto x = tone(fc[c], amplitude, o.sample_rate, 0.5);
    std::vector<std::int32_t> times, units;
    std::vector<float> gram(static_cast<std::size_t>(o.steps) * o.channels);
    cochlea_spikes(x.data(), static_cast<std::int64_t>(x.size()), o, times, units, gram.data());
    // Steady state (after 100 ms): the half-wave rectified, low-passed sine has mean A / pi.
    double mean = 0;
    for (int n = 100; n < 240; ++n) mean += gram[static_cast<std::size_t>(n) * o.channels + c];
    mean /= 140;
    CHECK_NEAR(mean, amplitude / kPi, 0.03 * amplitude / kPi);
    // Tonotopy: the tone drives its own channel more than channels four places away.
    double below = 0, above = 0;
    for (int n = 100; n < 240; ++n) {
      below += gram[static_cast<std::size_t>(n) * o.channels + c - 4];
      above += gram[static_cast<std::size_t>(n) * o.channels + c + 4];
    }
    CHECK(mean * 140 > below && mean * 140 > above);
  }
}

TEST(cochlea_spikes_are_sorted_in_range_and_grow_with_level_and_silence_gives_none) {
  CochleaOptions o;
  o.channels = 40;
  o.steps = 200;
  o.fibres = 2;
  o.gain = 20;
  std::vector<std::int32_t> times, units;
  const auto quiet = tone(1000, 0.05, o.sample_rate, 0.3);
  const auto loud = tone(1000, 0.5, o.sample_rate, 0.3);
  cochlea_spikes(quiet.data(), static_cast<std::int64_t>(quiet.size()), o, times, units);
  const std::size_t quiet_count = times.size();
  cochlea_spikes(loud.data(), static_cast<std::int64_t>(loud.size()), o, times, units);
  const std::size_t loud_count = times.size() - quiet_count;
  CHECK(quiet_count > 0);
  CHECK(loud_count > quiet_count);
  for (std::size_t i = quiet_count + 1; i < times.size(); ++i) {
    CHECK(times[i] >= 0 && times[i] < o.steps && units[i] >= 0 && units[i] < o.channels);
    CHECK(times[i] > times[i - 1] || (times[i] == times[i - 1] && units[i] >= units[i - 1]));
  }
  // The most active channel is the one nearest 1 kHz.
  std::vector<int> per(o.channels, 0);
  for (std::size_t i = quiet_count; i < units.size(); ++i) per[units[i]]++;
  const auto fc = erb_space(o.f_min, o.f_max, o.channels);
  const int best = static_cast<int>(std::max_element(per.begin(), per.end()) - per.begin());
  CHECK(std::fabs(std::log(fc[best] / 1000.0)) < 0.15);
  std::vector<float> silence(8000, 0.0f);
  std::vector<std::int32_t> t2, u2;
  cochlea_spikes(silence.data(), 8000, o, t2, u2);
  CHECK(t2.empty());
}

TEST(cochlea_options_are_checked_by_name) {
  CochleaOptions o;
  CHECK(check_cochlea(o).empty());
  o.f_max = 9000;  // above 0.49 x 16 kHz
  CHECK(check_cochlea(o).rfind("fMax:", 0) == 0);
  o = CochleaOptions();
  o.channels = 0;
  CHECK(check_cochlea(o).rfind("channels:", 0) == 0);
  o = CochleaOptions();
  o.tau = std::nan("");
  CHECK(check_cochlea(o).rfind("tau:", 0) == 0);
}

TEST(fft_matches_a_plain_dft) {
  const int n = 64;
  std::vector<double> re(n), im(n, 0.0);
  for (int i = 0; i < n; ++i) re[i] = std::sin(0.3 * i) + 0.2 * std::cos(1.7 * i * i);
  std::vector<double> r0 = re;
  fft_radix2(re, im);
  for (int k = 0; k < n; ++k) {
    double a = 0, b = 0;
    for (int t = 0; t < n; ++t) {
      a += r0[t] * std::cos(-2 * kPi * k * t / n);
      b += r0[t] * std::sin(-2 * kPi * k * t / n);
    }
    CHECK_NEAR(re[k], a, 1e-9);
    CHECK_NEAR(im[k], b, 1e-9);
  }
}

TEST(log_mel_finds_a_tone_in_its_filter_standardizes_and_stretches_frames_onto_steps) {
  LogMelOptions o;
  o.steps = 100;
  o.dt = 2e-3;
  const auto x = tone(1000, 0.3, o.sample_rate, 0.2);
  int frames = 0;
  const auto f = log_mel_frames(x.data(), static_cast<std::int64_t>(x.size()), o, &frames);
  CHECK(frames == 1 + static_cast<int>((x.size() - 400 + 159) / 160));
  double mean = 0, sq = 0;
  for (float v : f) mean += v;
  mean /= static_cast<double>(f.size());
  for (float v : f) sq += (v - mean) * (v - mean);
  CHECK_NEAR(mean, 0, 1e-5);
  CHECK_NEAR(std::sqrt(sq / static_cast<double>(f.size())), 1, 1e-4);
  // The loudest filter of a middle frame is the one whose centre is nearest 1 kHz.
  const int k = frames / 2;
  const int best = static_cast<int>(std::max_element(f.begin() + k * o.filters, f.begin() + (k + 1) * o.filters) - (f.begin() + k * o.filters));
  double nearest = 1e9;
  int expected = -1;
  for (int m = 0; m < o.filters; ++m) {
    const double centre = mel_to_hz(hz_to_mel(0) + (hz_to_mel(8000) - hz_to_mel(0)) * (m + 1) / (o.filters + 1));
    if (std::fabs(centre - 1000) < nearest) {
      nearest = std::fabs(centre - 1000);
      expected = m;
    }
  }
  CHECK(std::abs(best - expected) <= 1);
  std::vector<float> grid(static_cast<std::size_t>(o.steps) * o.filters);
  log_mel_input(x.data(), static_cast<std::int64_t>(x.size()), o, grid.data());
  for (int n : {0, 7, 49, 99}) {
    const int frame = static_cast<int>(std::floor(n * o.dt / o.stride));
    for (int m = 0; m < o.filters; ++m) {
      const float want = frame < frames ? f[static_cast<std::size_t>(frame) * o.filters + m] : 0.0f;
      CHECK(grid[static_cast<std::size_t>(n) * o.filters + m] == want);
    }
  }
  o.fft = 256;  // shorter than a 25 ms frame at 16 kHz (400 samples)
  CHECK(check_log_mel(o).rfind("fft:", 0) == 0);
}

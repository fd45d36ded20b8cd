// The log-mel front end: sound to analog input currents, as the paper's RawHD / raw Speech Commands preprocessing
// (docs/design.md section 10): pre-emphasis, Hamming-windowed frames, power spectrum, triangular mel filters, log,
// per-sample standardization, and the frames stretched onto the network's time grid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spikegrad {

struct LogMelOptions {
  double sample_rate = 16000;
  double pre_emphasis = 0.95;
  /** Frame length and stride, s. */
  double frame = 0.025;
  double stride = 0.010;
  /** FFT length (a power of two at least the frame length in samples). */
  int fft = 512;
  int filters = 40;
  double f_min = 0;
  /** 0: half the sample rate. */
  double f_max = 0;
  /** The network's step (s) and steps per sample: frame k covers steps from k * stride / dt on. */
  double dt = 2e-3;
  int steps = 500;
};

std::string check_log_mel(const LogMelOptions& o);

/** HTK mel scale: 2595 log10(1 + f / 700). */
double hz_to_mel(double f);
double mel_to_hz(double m);

/** Log-mel features of one utterance: [frames][filters], standardized over the whole sample (mean 0, s.d. 1). */
std::vector<float> log_mel_frames(const float* audio, std::int64_t samples, const LogMelOptions& o, int* frames);

/** The frames on the network's grid: out[steps][filters]; step n takes the frame that covers time n * dt. */
void log_mel_input(const float* audio, std::int64_t samples, const LogMelOptions& o, float* out);

/** In-place radix-2 complex FFT of length n (a power of two). */
void fft_radix2(std::vector<double>& re, std::vector<double>& im);

}  // namespace spikegrad

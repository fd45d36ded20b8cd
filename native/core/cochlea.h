// The cochlear front end: sound to spikes, SHD-like (docs/design.md section 10). A gammatone filterbank with
// ERB-spaced channels, inner-hair-cell transduction (half-wave rectification, low-pass, power-law compression), and
// leaky integrate-and-fire fibres with a refractory period per channel; spike times are put on the network's time
// grid. Input: one utterance, mono, at `sample_rate`, already level-normalized by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spikegrad {

struct CochleaOptions {
  double sample_rate = 16000;
  int channels = 700;
  /** Centre frequencies of the first and last channel, Hz (ERB-spaced between). */
  double f_min = 50;
  double f_max = 7500;
  /** Power-law compression exponent of the hair cell (0.3: about the basilar membrane's). */
  double compression = 0.3;
  /** Corner of the hair cell's two-pole low-pass, Hz (phase locking fades above about 1 kHz). */
  double ihc_cutoff = 1000;
  /** Drive of the fibres per unit of compressed hair-cell output. */
  double gain = 1;
  /** Fibres per channel; fibre k fires at threshold * (1 + threshold_spread * k). */
  int fibres = 1;
  double threshold = 1;
  double threshold_spread = 0.5;
  /** Membrane time constant and absolute refractory period of a fibre, s. */
  double tau = 2e-3;
  double refractory = 1e-3;
  /** The network's step (s) and the number of steps of a sample (the utterance is cut or padded to this). */
  double dt = 2e-3;
  int steps = 500;
};

/** Checks every option; returns "" or a message naming the field and the expected range. */
std::string check_cochlea(const CochleaOptions& o);

/** ERB-spaced centre frequencies (Glasberg & Moore 1990), f_min to f_max. */
std::vector<double> erb_space(double f_min, double f_max, int channels);

/**
 * Spikes of one utterance: appends (step, channel) events, sorted by step then channel, to times/units. With
 * `cochleagram` ([steps][channels]), also the mean compressed hair-cell output per step and channel (for figures).
 */
void cochlea_spikes(const float* audio, std::int64_t samples, const CochleaOptions& o, std::vector<std::int32_t>& times,
                    std::vector<std::int32_t>& units, float* cochleagram = nullptr);

}  // namespace spikegrad

/**
 * Fluctuation-driven initialization (Rossbroich, Gygax & Zenke 2022). For N Poisson inputs at rate nu (Hz) with
 * weights w ~ N(mu_w, sigma_w^2), Campbell's theorem gives the free membrane potential (no threshold) a mean
 * mu_U = N nu mu_w eps_bar and a variance sigma_U^2 = N nu (sigma_w^2 + mu_w^2) eps_hat, where eps_bar and
 * eps_hat are the integrals of the PSP kernel and of its square. Choosing targets mu_U and sigma_U (membrane
 * fluctuations relative to the threshold) fixes mu_w and sigma_w. In a recurrent layer a share alpha of the
 * variance comes from the feedforward input and 1 - alpha from the recurrence.
 *
 * The kernel is the response of this engine's discrete dynamics (docs/design.md section 1) to one input spike, so the
 * targets hold for the simulated network, not only for its continuous-time limit.
 */
export interface NeuronTimeConstants {
  dt: number;
  tauMem: number;
  tauSyn: number;
}

/** eps_bar = sum_k U_k dt and eps_hat = sum_k U_k^2 dt for the membrane response U to a unit input spike. */
export function pspKernelIntegrals(n: NeuronTimeConstants): { epsBar: number; epsHat: number } {
  const aSyn = Math.exp(-n.dt / n.tauSyn);
  const aMem = Math.exp(-n.dt / n.tauMem);
  // The spike arrives at step 0: I[1] = 1, then U[n+1] = a_mem U[n] + (1 - a_mem) I[n].
  let current = 1;
  let membrane = 0;
  let sum = 0;
  let sumSq = 0;
  for (let k = 0; k < 10_000_000; k++) {
    membrane = aMem * membrane + (1 - aMem) * current;
    current *= aSyn;
    sum += membrane;
    sumSq += membrane * membrane;
    if (current < 1e-15 && membrane < 1e-15) break;
  }
  return { epsBar: sum * n.dt, epsHat: sumSq * n.dt };
}

export interface FluctuationTargets {
  /** Target mean of the free membrane potential. */
  muU: number;
  /** Target standard deviation of the free membrane potential. */
  sigmaU: number;
  /** Share of the variance from feedforward input in recurrent layers. */
  alpha: number;
}

export interface Afferent {
  /** Presynaptic neurons (fan-in). */
  fanIn: number;
  /** Their firing rate in Hz. */
  rate: number;
  recurrent: boolean;
}

/** Mean and standard deviation of the weights of each afferent connection of one layer. */
export function fluctuationWeightStats(
  afferents: Afferent[],
  kernel: { epsBar: number; epsHat: number },
  targets: FluctuationTargets,
): { mean: number; std: number }[] {
  const hasRecurrent = afferents.some((a) => a.recurrent);
  const drive = afferents.reduce((s, a) => s + a.fanIn * a.rate, 0);
  const mean = targets.muU / (drive * kernel.epsBar);
  return afferents.map((a) => {
    const share = hasRecurrent ? (a.recurrent ? 1 - targets.alpha : targets.alpha) : 1;
    const variance = (share * targets.sigmaU ** 2) / (a.fanIn * a.rate * kernel.epsHat) - mean ** 2;
    if (!(variance >= 0)) {
      throw new RangeError(
        `init: the target mean membrane potential muU = ${targets.muU} needs mean weights ${mean.toExponential(3)} whose ` +
          `own fluctuations exceed sigmaU = ${targets.sigmaU}; lower muU or raise sigmaU`,
      );
    }
    return { mean, std: Math.sqrt(variance) };
  });
}

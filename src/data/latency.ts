/**
 * Latency coding of intensities (Zenke & Vogels 2021, after Neftci et al.): a pixel x in [0, 1] above theta fires
 * once, at step floor(tau_eff * ln(x / (x - theta))), the time a current-driven neuron with threshold theta needs
 * to reach threshold; brighter pixels fire earlier. Pixels at or below theta, or whose step is >= T, do not fire.
 */
export interface LatencyOptions {
  /** tau_eff in steps. */
  tauEff: number;
  /** theta, in units of full intensity. */
  threshold: number;
  /** T: steps per sample. */
  steps: number;
}

/** The spike step of intensity x, or -1 for no spike. */
export function latencyStep(x: number, o: LatencyOptions): number {
  if (!(x > o.threshold)) return -1;
  const step = Math.floor(o.tauEff * Math.log(x / (x - o.threshold)));
  return step < o.steps ? step : -1;
}

/** Spike step of each byte value 0..255 (value / 255), as a lookup table. */
export function latencyTable(o: LatencyOptions): Int32Array {
  const table = new Int32Array(256);
  for (let v = 0; v < 256; v++) table[v] = latencyStep(v / 255, o);
  return table;
}

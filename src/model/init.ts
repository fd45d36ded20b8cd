/**
 * Weight initialization, seeded: the same seed and config give the same weights.
 * uniform: U(-g/sqrt(fan_in), g/sqrt(fan_in)) (the paper's default, no biases); normal: N(0, (g/sqrt(fan_in))^2);
 * fluctuation: fluctuation-driven (fluctuation-init.ts) for hidden layers, uniform for the readout.
 */
import type { Rng } from '../util/rng.js';
import type { NetworkConfig } from './config.js';
import { fluctuationWeightStats, pspKernelIntegrals } from './fluctuation-init.js';

export interface ParameterLayoutEntry {
  name: string;
  rows: number;
  cols: number;
}

function fillUniform(target: Float32Array, bound: number, rng: Rng): void {
  for (let i = 0; i < target.length; i++) target[i] = rng.range(-bound, bound);
}

function fillNormal(target: Float32Array, mean: number, std: number, rng: Rng): void {
  for (let i = 0; i < target.length; i++) target[i] = mean + std * rng.normal();
}

/** Draws every parameter of `layout` (in order, from one stream) according to config.init. */
export function initializeParameters(
  config: NetworkConfig,
  layout: readonly ParameterLayoutEntry[],
  rng: Rng,
): Record<string, Float32Array> {
  const init = config.init;
  const out: Record<string, Float32Array> = {};
  const stats = init.kind === 'fluctuation' ? fluctuationStats(config) : undefined;
  for (const { name, rows, cols } of layout) {
    const w = new Float32Array(rows * cols);
    const scale = 1 / Math.sqrt(rows);
    if (init.kind === 'normal') fillNormal(w, 0, init.gain * scale, rng);
    else if (init.kind === 'uniform' || name === 'readout') fillUniform(w, (init.kind === 'uniform' ? init.gain : 1) * scale, rng);
    else {
      const s = stats![name];
      fillNormal(w, s.mean, s.std, rng);
    }
    out[name] = w;
  }
  return out;
}

/** Weight mean and standard deviation of each hidden parameter under fluctuation-driven initialization. */
export function fluctuationStats(config: NetworkConfig): Record<string, { mean: number; std: number }> {
  if (config.init.kind !== 'fluctuation') throw new Error('fluctuationStats: init.kind is not fluctuation');
  const { sigmaU, muU, alpha, inputRate, hiddenRate } = config.init;
  const kernel = pspKernelIntegrals(config.neuron);
  const out: Record<string, { mean: number; std: number }> = {};
  config.layers.forEach((layer, l) => {
    const fanIn = l === 0 ? config.inputs : config.layers[l - 1].size;
    const afferents = [{ fanIn, rate: l === 0 ? inputRate! : hiddenRate, recurrent: false }];
    if (layer.recurrent) afferents.push({ fanIn: layer.size, rate: hiddenRate, recurrent: true });
    const stats = fluctuationWeightStats(afferents, kernel, { sigmaU, muU, alpha });
    out[`hidden.${l}.input`] = stats[0];
    if (layer.recurrent) out[`hidden.${l}.recurrent`] = stats[1];
  });
  return out;
}

/**
 * Weight initialization. Uniform(-g/sqrt(fan_in), g/sqrt(fan_in)) is the paper's default (no biases); the scaled
 * normal draws N(0, (g/sqrt(fan_in))^2). Both are seeded: the same seed and config give the same weights.
 */
import type { Rng } from '../util/rng.js';

export interface InitOptions {
  kind: 'uniform' | 'normal';
  gain: number;
}

/** Fills a [fanIn][fanOut] weight matrix in place. */
export function initializeWeights(target: Float32Array, fanIn: number, options: InitOptions, rng: Rng): void {
  const scale = options.gain / Math.sqrt(fanIn);
  if (options.kind === 'uniform') {
    for (let i = 0; i < target.length; i++) target[i] = rng.range(-scale, scale);
  } else {
    for (let i = 0; i < target.length; i++) target[i] = scale * rng.normal();
  }
}

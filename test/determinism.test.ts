/**
 * Same inputs give bit-identical loss and gradients with 1 and 2 threads (DESIGN.md section 2), and the
 * instruction-set levels agree to float rounding.
 */
import { describe, expect, it } from 'vitest';

import { Network, nativeInfo } from '../src/index.js';
import { bitsEqual, maxDifference, randomEventBatch } from './helpers.js';

const config = {
  inputs: 40,
  outputs: 7,
  layers: [{ size: 50, recurrent: true }, { size: 30, recurrent: true, recurrentGradient: 'detached' as const }],
  reset: 'differentiable' as const,
  init: { kind: 'uniform' as const, gain: 5 },
  seed: 3,
};
const regularizers = [{ kind: 'lower' as const, power: 2 as const, strength: 100, threshold: 1e-3 }];

describe('determinism', () => {
  it('1 and 2 threads give bit-identical loss and gradients', async () => {
    const batch = randomEventBatch(8, 45, 60, 40, 7, 0.08);
    const results = [];
    for (const threads of [1, 2, 1, 2]) {
      const net = new Network(config, { threads });
      results.push(await net.lossAndGradient(batch, { regularizers }));
      await net.dispose();
    }
    expect(results[0].spikeCounts[1].some((c) => c > 0)).toBe(true);
    for (const r of results.slice(1)) {
      expect(r.loss).toBe(results[0].loss);
      for (const name of Object.keys(r.gradients)) expect(bitsEqual(r.gradients[name], results[0].gradients[name])).toBe(true);
    }
  });

  it('the same seed gives the same initial weights, another seed other weights', () => {
    const a = new Network(config);
    const b = new Network(config);
    const c = new Network({ ...config, seed: 4 });
    for (const name of a.parameterNames) {
      expect(bitsEqual(a.parameters[name], b.parameters[name])).toBe(true);
      expect(bitsEqual(a.parameters[name], c.parameters[name])).toBe(false);
    }
  });

  it('every SIMD level this CPU has gives the same spikes and gradients to float rounding', async () => {
    const levels = ['generic', 'avx2', 'avx512'] as const;
    const best = nativeInfo().simdBest;
    const usable = levels.slice(0, levels.indexOf(best as (typeof levels)[number]) + 1);
    const batch = randomEventBatch(9, 20, 50, 40, 7, 0.08);
    const out = [];
    for (const simd of usable) {
      const net = new Network({ ...config, surrogate: { shape: 'sigmoid', scale: 5 } }, { simd, threads: 2 });
      out.push(await net.lossAndGradient(batch, { regularizers }));
    }
    for (const r of out.slice(1)) {
      expect(r.spikeCounts.map((c) => Array.from(c))).toEqual(out[0].spikeCounts.map((c) => Array.from(c)));
      for (const name of Object.keys(r.gradients)) {
        const { diff, scale } = maxDifference(r.gradients[name], out[0].gradients[name]);
        expect(diff).toBeLessThanOrEqual(1e-5 * scale);
      }
    }
  });
});

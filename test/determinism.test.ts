/**
 * Same inputs give bit-identical loss and gradients with 1 and 2 threads (docs/design.md section 6), and the
 * instruction-set levels agree to float rounding.
 */
import { describe, expect, it } from 'vitest';

import { Network, nativeInfo, type EventBatch } from '../src/index.js';
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

/** Samples [from, to) of an event batch. */
function sliceBatch(batch: EventBatch, from: number, to: number): EventBatch {
  const first = batch.offsets[from];
  const last = batch.offsets[to];
  return {
    size: to - from,
    steps: batch.steps,
    offsets: batch.offsets.slice(from, to + 1).map((o) => o - first),
    times: batch.times.slice(first, last),
    units: batch.units.slice(first, last),
    labels: batch.labels?.slice(from, to),
  };
}

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

  it('a batch split into chunks has the mean-over-batch loss and gradients, and sees changed parameters', async () => {
    // 160 samples run as three chunks of about 64 (engine.cpp kChunkSamples) that each go forward and backward on their own; every loss term (cross entropy,
    // each regularizer kind) is a mean over the whole batch, so the result must equal the size-weighted mean of
    // its two halves, each of which fits one chunk.
    const all = randomEventBatch(12, 160, 40, 40, 7, 0.08);
    const regs = [
      { kind: 'lower' as const, power: 2 as const, strength: 50, threshold: 2 },
      { kind: 'upper' as const, power: 1 as const, strength: 5, threshold: 0.5, layer: 0 },
      { kind: 'population-upper' as const, power: 2 as const, strength: 20, threshold: 0.2 },
    ];
    const net = new Network(config, { threads: 2 });
    const whole = await net.lossAndGradient(all, { regularizers: regs });
    const a = await net.lossAndGradient(sliceBatch(all, 0, 80), { regularizers: regs });
    const b = await net.lossAndGradient(sliceBatch(all, 80, 160), { regularizers: regs });
    expect(whole.regularization).toBeGreaterThan(0);
    expect(whole.loss).toBeCloseTo((a.loss + b.loss) / 2, 5);
    for (const name of Object.keys(whole.gradients)) {
      const mean = whole.gradients[name].map((_, i) => (a.gradients[name][i] + b.gradients[name][i]) / 2);
      const { diff, scale } = maxDifference(whole.gradients[name], mean);
      expect(diff).toBeLessThanOrEqual(1e-5 * scale);
    }
    // The engine copies the weights it reads on every call: a changed parameter must show.
    net.parameters['hidden.0.recurrent'].fill(0);
    const changed = await net.lossAndGradient(all, { regularizers: regs });
    const fresh = new Network(config, { threads: 1 });
    fresh.parameters['hidden.0.recurrent'].fill(0);
    const expected = await fresh.lossAndGradient(all, { regularizers: regs });
    expect(changed.loss).toBe(expected.loss);
    expect(changed.loss).not.toBe(whole.loss);
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

  it('every SIMD level this CPU has gives the same spikes and gradients to float rounding', async (context) => {
    const levels = ['generic', 'avx2', 'avx512'] as const;
    const best = nativeInfo().simdBest;
    const usable = levels.slice(0, levels.indexOf(best as (typeof levels)[number]) + 1);
    if (usable.length < 2) {
      context.skip(`this CPU runs only the ${best} level: there is nothing to compare it with`);
      return;
    }
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

  it('profile: true reports where the time of a call went', async () => {
    const net = new Network({ ...config, surrogate: { shape: 'sigmoid', scale: 5 } }, { threads: 2 });
    const r = await net.lossAndGradient(randomEventBatch(4, 128, 50, 40, 7, 0.08), { regularizers, profile: true });
    expect(r.timings).toBeDefined();
    for (const key of ['forward', 'backward', 'products', 'weightGradients', 'adjointSteps'] as const) expect(r.timings![key], key).toBeGreaterThan(0);
  });
});
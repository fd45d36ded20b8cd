/**
 * Fluctuation-driven initialization is checked by simulation: the free membrane potential (threshold out of
 * reach, so no spikes and no resets) of neurons driven by Bernoulli inputs at the given rate must show the mean
 * and standard deviation the initialization targets.
 */
import { describe, expect, it } from 'vitest';

import { Network } from '../src/index.js';
import { pspKernelIntegrals } from '../src/model/fluctuation-init.js';
import { randomEventBatch } from './helpers.js';

const dt = 1e-3;

async function membraneStats(config: ConstructorParameters<typeof Network>[0], rate: number) {
  const net = new Network(config, { threads: 2 });
  const steps = 400;
  const batch = randomEventBatch(2, 8, steps, config.inputs, 2, rate * dt);
  const out = await net.forward(batch, { record: ['membrane'], layers: [0] });
  const H = config.layers[0].size;
  const membrane = out.membrane![0];
  // Per neuron (and sample): temporal mean and variance after the transient; then averaged.
  let meanSum = 0;
  let varSum = 0;
  let n = 0;
  for (let b = 0; b < batch.size; b++) {
    for (let i = 0; i < H; i++) {
      let s = 0;
      let s2 = 0;
      let count = 0;
      for (let t = 100; t < steps; t++) {
        const u = membrane[(b * steps + t) * H + i];
        s += u;
        s2 += u * u;
        count++;
      }
      const mean = s / count;
      meanSum += mean;
      varSum += s2 / count - mean * mean;
      n++;
    }
  }
  expect(out.spikeCounts[0].every((c) => c === 0)).toBe(true);
  return { mean: meanSum / n, std: Math.sqrt(varSum / n) };
}

describe('fluctuation-driven initialization', () => {
  it('integrates the discrete PSP kernel (eps_bar = dt / (1 - a_syn))', () => {
    const k = pspKernelIntegrals({ dt, tauMem: 10e-3, tauSyn: 5e-3 });
    expect(k.epsBar).toBeCloseTo(dt / (1 - Math.exp(-dt / 5e-3)), 12);
    // As dt -> 0 the discrete kernel tends to the continuous one: tau_syn and tau_syn^2 / (2 (tau_syn + tau_mem)).
    const fine = pspKernelIntegrals({ dt: 1e-6, tauMem: 10e-3, tauSyn: 5e-3 });
    expect(fine.epsBar / 5e-3).toBeCloseTo(1, 3);
    expect(fine.epsHat / (25e-6 / 30e-3)).toBeCloseTo(1, 2);
  });

  it.each([
    { muU: 0, sigmaU: 1, rate: 20 },
    { muU: 0.5, sigmaU: 0.5, rate: 50 },
  ])('reaches the targeted membrane mean $muU and standard deviation $sigmaU', async ({ muU, sigmaU, rate }) => {
    const config = {
      inputs: 400,
      outputs: 2,
      layers: [{ size: 200 }],
      neuron: { threshold: 1e9 },
      init: { kind: 'fluctuation' as const, muU, sigmaU, inputRate: rate },
      seed: 4,
    };
    const s = await membraneStats(config, rate);
    expect(Math.abs(s.mean - muU)).toBeLessThan(0.08 * Math.max(sigmaU, muU) + 0.03);
    expect(s.std / sigmaU).toBeGreaterThan(0.9);
    expect(s.std / sigmaU).toBeLessThan(1.1);
  });

  it('gives a recurrent layer the feedforward share alpha of the variance', async () => {
    const config = {
      inputs: 400,
      outputs: 2,
      layers: [{ size: 200, recurrent: true }],
      neuron: { threshold: 1e9 },
      init: { kind: 'fluctuation' as const, sigmaU: 1, alpha: 0.8, inputRate: 20 },
      seed: 5,
    };
    // The recurrent neurons never spike here, so only the feedforward share of the variance shows.
    const s = await membraneStats(config, 20);
    expect(s.std ** 2 / 0.8).toBeGreaterThan(0.85);
    expect(s.std ** 2 / 0.8).toBeLessThan(1.15);
  });

  it('requires the input rate and rejects unreachable targets', () => {
    expect(() => new Network({ inputs: 10, outputs: 2, layers: [{ size: 5 }], init: { kind: 'fluctuation' } })).toThrow(
      /init\.inputRate: fluctuation-driven initialization needs the input firing rate/,
    );
    expect(
      () => new Network({ inputs: 10, outputs: 2, layers: [{ size: 5 }], init: { kind: 'fluctuation', inputRate: 5, muU: 50, sigmaU: 0.01 } }),
    ).toThrow(/init: the target mean membrane potential muU = 50/);
  });
});

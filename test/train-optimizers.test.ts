/** Single optimizer steps against values worked out by hand (p = 1, lr = 0.1). */
import { describe, expect, it } from 'vitest';

import { addWeightDecay, clipByGlobalNorm, globalNorm } from '../src/train/gradient-tools.js';
import { Rng } from '../src/index.js';
import { Adam, Adamax, createOptimizer, Sgd, Smorms3 } from '../src/train/optimizers/index.js';
import { learningRate } from '../src/train/schedules.js';
import { parseTrainConfig } from '../src/train/train-config.js';
import { bitsEqual } from './helpers.js';

const param = () => ({ w: Float32Array.from([1]) });
const grad = (g: number) => ({ w: Float32Array.from([g]) });

describe('optimizers', () => {
  it('Adam: bias-corrected first step is lr * sign(g), second step by hand', () => {
    const p = param();
    const opt = new Adam(p, { beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    opt.step(grad(0.5), 0.1);
    // m = 0.05, v = 0.00025; m/(1-0.9) = 0.5, v/(1-0.999) = 0.25: step 0.1 * 0.5 / 0.5
    expect(p.w[0]).toBeCloseTo(0.9, 6);
    opt.step(grad(-1), 0.1);
    // m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975
    // m^ = -0.055 / 0.19 = -0.2894737, v^ = 0.00124975 / 0.001999 = 0.6251876, sqrt = 0.7906880
    // p = 0.9 + 0.1 * 0.2894737 / 0.7906880 = 0.9366105
    expect(p.w[0]).toBeCloseTo(0.9366105, 6);
  });

  it('Adamax: u = max(b2 u, |g| + eps)', () => {
    const p = param();
    const opt = new Adamax(p, { beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    opt.step(grad(0.5), 0.1);
    expect(p.w[0]).toBeCloseTo(0.9, 6); // 0.1/(0.1) * 0.05 / 0.5
    opt.step(grad(-1), 0.1);
    // m = -0.055, u = max(0.4995, 1) = 1: p = 0.9 + 0.1/0.19 * 0.055 = 0.9289474
    expect(p.w[0]).toBeCloseTo(0.9289474, 6);
  });

  it('SGD with momentum and Nesterov', () => {
    const p = param();
    const opt = new Sgd(p, { momentum: 0.9, nesterov: false });
    opt.step(grad(0.5), 0.1); // b = 0.5
    expect(p.w[0]).toBeCloseTo(0.95, 6);
    opt.step(grad(-1), 0.1); // b = 0.45 - 1 = -0.55
    expect(p.w[0]).toBeCloseTo(1.005, 6);
    const q = param();
    new Sgd(q, { momentum: 0.9, nesterov: true }).step(grad(0.5), 0.1); // 1 - 0.1 (0.5 + 0.45)
    expect(q.w[0]).toBeCloseTo(0.905, 6);
    const r = param();
    new Sgd(r, { momentum: 0, nesterov: false }).step(grad(0.5), 0.1);
    expect(r.w[0]).toBeCloseTo(0.95, 6);
  });

  it('SMORMS3 as in stork', () => {
    const p = param();
    const opt = new Smorms3(p, { eps: 1e-16 });
    opt.step(grad(0.5), 0.1);
    // r = 1/2: g = 0.25, g2 = 0.125, x = 0.5, mem = 1.5; step = min(0.1, 0.5) * 0.5 / sqrt(0.125) = 0.1414214
    expect(p.w[0]).toBeCloseTo(0.8585786, 6);
    opt.step(grad(0.5), 0.1);
    // r = 0.4: g = 0.35, g2 = 0.175, x = 0.7, mem = 1.45; step = 0.1 * 0.5 / sqrt(0.175) = 0.1195229
    expect(p.w[0]).toBeCloseTo(0.7390557, 6);
  });

  it('saves and restores its state exactly', () => {
    const a = { w: Float32Array.from([1, -2, 3]) };
    const b = { w: Float32Array.from([1, -2, 3]) };
    const optA = new Adam(a, { beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const g = { w: Float32Array.from([0.3, -0.1, 0.7]) };
    optA.step(g, 0.01);
    optA.step(g, 0.01);
    b.w.set(a.w);
    const optB = new Adam(b, { beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    optB.setState(optA.getState());
    optA.step(g, 0.01);
    optB.step(g, 0.01);
    expect(Array.from(b.w)).toEqual(Array.from(a.w));
    expect(() => optB.setState({ step: 1, slots: { w: { m: new Float32Array(2) } } })).toThrow(/'w.m' has 2 values, expected 3/);
    expect(() => optB.setState({ step: 1, slots: { q: {} } })).toThrow(/unknown parameter 'q'/);
  });
});

describe('gradient tools and schedules', () => {
  it('adds L2 weight decay and clips the global norm', () => {
    const g = { a: Float32Array.from([3, 0]), b: Float32Array.from([4]) };
    expect(globalNorm(g)).toBe(5);
    expect(clipByGlobalNorm(g, 1)).toBe(5);
    expect(Array.from(g.a)).toEqual([Math.fround(0.6), 0]);
    expect(globalNorm(g)).toBeCloseTo(1, 6);
    addWeightDecay(g, { a: Float32Array.from([1, 2]), b: Float32Array.from([0]) }, 0.5);
    expect(Array.from(g.a)).toEqual([Math.fround(0.6) + 0.5, 1]);
  });

  it('gives the scheduled learning rates', () => {
    expect(learningRate({ kind: 'constant' }, 0.1, 7, 3, 10, 20)).toBe(0.1);
    expect(learningRate({ kind: 'step', stepSize: 5, gamma: 0.5 }, 0.1, 4, 0, 10, 20)).toBe(0.1);
    expect(learningRate({ kind: 'step', stepSize: 5, gamma: 0.5 }, 0.1, 5, 0, 10, 20)).toBe(0.05);
    expect(learningRate({ kind: 'step', stepSize: 5, gamma: 0.5 }, 0.1, 12, 0, 10, 20)).toBeCloseTo(0.025, 12);
    expect(learningRate({ kind: 'cosine', minLr: 0.01 }, 0.1, 0, 0, 10, 20)).toBeCloseTo(0.1, 12);
    expect(learningRate({ kind: 'cosine', minLr: 0.01 }, 0.1, 10, 0, 10, 20)).toBeCloseTo(0.055, 12);
    expect(learningRate({ kind: 'cosine', minLr: 0.01 }, 0.1, 19, 10, 10, 20)).toBeCloseTo(0.01, 12);
  });

  it('warms up linearly over warmupEpochs, batch by batch, then follows the schedule', () => {
    const warm = { kind: 'constant' as const, warmupEpochs: 2 };
    expect(learningRate(warm, 0.1, 0, 0, 10, 20)).toBeCloseTo(0.1 * (1 / 20), 12); // first batch: one step of 20
    expect(learningRate(warm, 0.1, 0, 9, 10, 20)).toBeCloseTo(0.05, 12);
    expect(learningRate(warm, 0.1, 1, 9, 10, 20)).toBeCloseTo(0.1, 12);
    expect(learningRate(warm, 0.1, 5, 0, 10, 20)).toBe(0.1);
    // On top of cosine: the cosine's own rate, scaled during the warm-up.
    const cos = { kind: 'cosine' as const, minLr: 0, warmupEpochs: 4 };
    expect(learningRate(cos, 0.1, 1, 9, 10, 20)).toBeCloseTo(0.5 * 0.05 * (1 + Math.cos(Math.PI * (1.9 / 20))), 12);
    // A config without it is unchanged (and so is a sweep trial's id).
    expect(parseTrainConfig({ schedule: { kind: 'constant' } }).schedule).toEqual({ kind: 'constant' });
    expect(parseTrainConfig({}).schedule).toEqual({ kind: 'cosine', minLr: 0, warmupEpochs: 5 });
  });
});

describe('native optimizer kernels', () => {
  it.each([
    { kind: 'adam' as const, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    { kind: 'adamax' as const, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    { kind: 'sgd' as const, momentum: 0.9, nesterov: false },
    { kind: 'sgd' as const, momentum: 0.8, nesterov: true },
    { kind: 'sgd' as const, momentum: 0, nesterov: false },
    { kind: 'smorms3' as const, eps: 1e-16 },
  ])('$kind gives the same bits as the TypeScript reference', (config) => {
    const rng = new Rng(11);
    const init = () => ({ a: Float32Array.from({ length: 70_001 }, () => rng.range(-1, 1)), b: Float32Array.from({ length: 33 }, () => rng.range(-1, 1)) });
    const start = init();
    const js = { a: start.a.slice(), b: start.b.slice() };
    const nat = { a: start.a.slice(), b: start.b.slice() };
    const optJs = createOptimizer(config, js, { native: false });
    const optNative = createOptimizer(config, nat, { native: true, threads: 2 });
    for (let step = 0; step < 5; step++) {
      const grads = { a: Float32Array.from({ length: 70_001 }, () => rng.normal() * 0.1), b: Float32Array.from({ length: 33 }, () => rng.normal()) };
      optJs.step(grads, 0.01 * (step + 1));
      optNative.step(grads, 0.01 * (step + 1));
    }
    expect(bitsEqual(nat.a, js.a)).toBe(true);
    expect(bitsEqual(nat.b, js.b)).toBe(true);
    const sJs = optJs.getState();
    const sNat = optNative.getState();
    for (const name of Object.keys(sJs.slots)) {
      for (const slot of Object.keys(sJs.slots[name])) expect(bitsEqual(sNat.slots[name][slot], sJs.slots[name][slot])).toBe(true);
    }
  });
});

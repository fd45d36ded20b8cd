/**
 * Randman: random smooth manifolds as a spike-timing classification task (Zenke & Vogels 2021; the randman
 * package by F. Zenke). Each class is one random manifold of dimension D embedded in M dimensions (M = input
 * units). Coordinate i of a point x in [0,1)^D is prod_d f_{i,d}(x_d) with
 *   f_{i,d}(u) = sum_{k<F} a_{i,d,k} s_k sin(2 pi (k u b_{i,d,k} + c_{i,d,k})),  s_k = 1 / ((k+1)^alpha + 1),
 * a, b, c ~ U[0,1), a_{i,d,0} = 0, F = min(ceil(1e-3^(-1/alpha)), 1000). Larger alpha: faster-decaying spectrum,
 * smoother manifolds. Per class, N points are drawn, each unit is min-max normalized over the class's points to
 * t in [0,1), and fires at step floor(T * stepFrac * t). With nbSpikes S > 1 each unit fires S times, spike s
 * coming from its own manifold evaluated at the same x.
 *
 * Random streams are derived from the seed per class and per manifold, so the data do not match the Python
 * package bit for bit, but follow its definition exactly.
 */
import { z } from 'zod';

import { loadNative } from '../model/native.js';
import { Rng } from '../util/rng.js';
import { defaultThreads } from '../util/threads.js';
import { deriveSeed } from '../util/seeds.js';
import { parseWithSchema } from '../util/validate.js';
import { type DatasetSplits, EventDataset, indexArrayFor } from './dataset.js';
import { splitByFractions } from './splits.js';

/**
 * Options of the Randman task (Zenke & Vogels 2021): classes (10), units (20), manifold dimension (1), smoothness
 * alpha (1), samples per class (1000), steps (100) with spikes in the first half, spikes per unit (1), seed (1),
 * train/valid/test fractions (0.8/0.1/0.1).
 */
export const RandmanOptionsSchema = z
  .object({
    classes: z.number().int().min(2).max(1000).default(10),
    /** M: input units (embedding dimension). */
    units: z.number().int().min(1).max(65535).default(20),
    /** D: manifold dimension. */
    dim: z.number().int().min(1).max(16).default(1),
    /** Smoothness: larger is smoother. */
    alpha: z.number().positive().max(100).default(1),
    /** N: samples per class. */
    samplesPerClass: z.number().int().min(2).max(1_000_000).default(1000),
    /** T: time steps of a sample. */
    steps: z.number().int().min(1).max(65535).default(100),
    /** Spikes fall in the first stepFrac * T steps. */
    stepFrac: z.number().gt(0).max(1).default(0.5),
    /** S: spikes per unit. */
    spikes: z.number().int().min(1).max(100).default(1),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    /** Fractions of train / valid / test after shuffling all classes together. */
    split: z.tuple([z.number().min(0), z.number().min(0), z.number().min(0)]).default([0.8, 0.1, 0.1]),
  })
  .strict()
  .superRefine((o, ctx) => {
    const total = o.split[0] + o.split[1] + o.split[2];
    if (Math.abs(total - 1) > 1e-9) ctx.addIssue({ code: 'custom', path: ['split'], message: `fractions must sum to 1, got ${total}` });
    if (Math.floor(o.steps * o.stepFrac) < 1) ctx.addIssue({ code: 'custom', path: ['stepFrac'], message: 'steps * stepFrac must be at least 1' });
  });

/** Validated Randman options. */
export type RandmanOptions = z.output<typeof RandmanOptionsSchema>;
/** Randman options as a user writes them. */
export type RandmanOptionsInput = z.input<typeof RandmanOptionsSchema>;

export function parseRandmanOptions(input: unknown): RandmanOptions {
  return parseWithSchema(RandmanOptionsSchema, input ?? {}, 'randman options');
}

/** Number of Fourier terms for smoothness alpha (1e-3 precision, at most 1000). */
export function fourierTerms(alpha: number): number {
  return Math.min(Math.ceil(Math.pow(1e-3, -1 / alpha)), 1000);
}

/**
 * One random manifold: M coordinate functions, each a product over D random 1-d Fourier series. The parameters
 * are drawn here; evaluation runs in the native core (a vectorized sine: 200 million terms for the default task).
 */
export class RandomManifold {
  readonly units: number;
  readonly dim: number;
  readonly terms: number;
  // Per (unit, dim, k): amplitude a*s_k, angular frequency 2 pi k b, phase 2 pi c.
  readonly amplitude: Float64Array;
  readonly frequency: Float64Array;
  readonly phase: Float64Array;

  constructor(units: number, dim: number, alpha: number, rng: Rng) {
    this.units = units;
    this.dim = dim;
    const F = fourierTerms(alpha);
    this.terms = F;
    const n = units * dim * F;
    this.amplitude = new Float64Array(n);
    this.frequency = new Float64Array(n);
    this.phase = new Float64Array(n);
    for (let i = 0; i < units; i++) {
      for (let d = 0; d < dim; d++) {
        const base = (i * dim + d) * F;
        // Drawn in the [unit][dim][a|b|c][k] order of the reference implementation.
        for (let k = 0; k < F; k++) this.amplitude[base + k] = rng.uniform();
        for (let k = 0; k < F; k++) this.frequency[base + k] = rng.uniform();
        for (let k = 0; k < F; k++) this.phase[base + k] = rng.uniform();
        this.amplitude[base] = 0; // no constant term
        for (let k = 0; k < F; k++) {
          this.amplitude[base + k] *= 1 / (Math.pow(k + 1, alpha) + 1);
          this.frequency[base + k] *= 2 * Math.PI * k;
          this.phase[base + k] *= 2 * Math.PI;
        }
      }
    }
  }

  /** Coordinates of points x [N][D] as [N][units]. */
  evaluate(x: Float64Array, threads = defaultThreads()): Promise<Float64Array> {
    return loadNative().evaluateManifold(this, x, { threads });
  }
}

/** A generated Randman task: its splits and the options that made it. */
export interface RandmanData {
  /** All samples, classes shuffled together. */
  all: EventDataset;
  /** Manifold coordinates x [size][dim] of every sample of `all`, in the same order. */
  positions: Float64Array;
  splits: DatasetSplits<EventDataset>;
}

/** Generates the Randman task from its seed (no download); the manifolds are evaluated in the native core. */
export async function generateRandman(input: RandmanOptionsInput = {}, threads = defaultThreads()): Promise<RandmanData> {
  const o = parseRandmanOptions(input);
  const { classes, units, dim, samplesPerClass: N, spikes: S, steps } = o;
  const span = steps * o.stepFrac;
  const perSample = units * S;
  const total = classes * N;
  const times = indexArrayFor(steps - 1, total * perSample);
  const unitIds = indexArrayFor(units - 1, total * perSample);
  const labels = new Int32Array(total);
  const positions = new Float64Array(total * dim);
  const sampleSteps = new Int32Array(perSample);
  const order = new Int32Array(perSample);

  for (let c = 0; c < classes; c++) {
    const x = new Float64Array(N * dim);
    const pointRng = new Rng(deriveSeed(o.seed, 'randman-points', c));
    for (let j = 0; j < x.length; j++) x[j] = pointRng.uniform();
    positions.set(x, c * N * dim);
    const stepsOf = new Int32Array(N * perSample); // [sample][spike][unit]
    for (let s = 0; s < S; s++) {
      const manifold = new RandomManifold(units, dim, o.alpha, new Rng(deriveSeed(o.seed, 'randman-manifold', c, s)));
      const y = await manifold.evaluate(x, threads);
      for (let i = 0; i < units; i++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let p = 0; p < N; p++) {
          const v = y[p * units + i];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        // As the reference: (v - min) / (max - min + 1e-7) lies in [0, 1), so the latest step is span - 1.
        const scale = 1 / (hi - lo + 1e-7);
        for (let p = 0; p < N; p++) {
          const t = (y[p * units + i] - lo) * scale;
          stepsOf[p * perSample + s * units + i] = Math.floor(span * t);
        }
      }
    }
    for (let p = 0; p < N; p++) {
      const sample = c * N + p;
      labels[sample] = c;
      // Events of one sample sorted by step, then unit.
      for (let e = 0; e < perSample; e++) {
        sampleSteps[e] = stepsOf[p * perSample + e];
        order[e] = e;
      }
      order.sort((a, b) => sampleSteps[a] - sampleSteps[b] || (a % units) - (b % units));
      for (let e = 0; e < perSample; e++) {
        times[sample * perSample + e] = sampleSteps[order[e]];
        unitIds[sample * perSample + e] = order[e] % units;
      }
    }
  }
  const offsets = new Float64Array(total + 1);
  for (let i = 0; i <= total; i++) offsets[i] = i * perSample;
  const ordered = new EventDataset({ name: 'randman', classes, inputs: units, steps, offsets, times, units: unitIds, labels });

  const shuffle = new Uint32Array(total);
  for (let i = 0; i < total; i++) shuffle[i] = i;
  new Rng(deriveSeed(o.seed, 'randman-shuffle')).shuffle(shuffle);
  const all = ordered.subset(shuffle);
  const shuffledPositions = new Float64Array(total * dim);
  for (let k = 0; k < total; k++) shuffledPositions.set(positions.subarray(shuffle[k] * dim, (shuffle[k] + 1) * dim), k * dim);
  return { all, positions: shuffledPositions, splits: splitByFractions(all, o.split) };
}

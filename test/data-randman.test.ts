import { describe, expect, it } from 'vitest';

import { fourierTerms, generateRandman } from '../src/data/randman.js';

const small = { classes: 4, units: 12, samplesPerClass: 200, steps: 60, stepFrac: 0.5, seed: 3 };

describe('Randman', () => {
  it('uses F = min(ceil(1e-3^(-1/alpha)), 1000) Fourier terms', () => {
    expect(fourierTerms(1)).toBe(1000);
    expect(fourierTerms(2)).toBe(32);
    expect(fourierTerms(3)).toBe(10);
    expect(fourierTerms(0.5)).toBe(1000);
  });

  it.each([1, 3])('fires every unit exactly S = %i times, sorted by step, within [0, T*stepFrac)', async (spikes) => {
    const { all } = await generateRandman({ ...small, spikes });
    for (let i = 0; i < all.size; i++) {
      const s = all.get(i);
      expect(s.times.length).toBe(small.units * spikes);
      const perUnit = new Array(small.units).fill(0);
      for (let e = 0; e < s.times.length; e++) {
        perUnit[s.units[e]]++;
        if (e > 0) expect(s.times[e]).toBeGreaterThanOrEqual(s.times[e - 1]);
      }
      expect(perUnit).toEqual(new Array(small.units).fill(spikes));
    }
  });

  it('per class and unit, the earliest step is 0 and the latest T*stepFrac - 1', async () => {
    const { all } = await generateRandman(small);
    const lo = Array.from({ length: small.classes }, () => new Array(small.units).fill(Infinity));
    const hi = Array.from({ length: small.classes }, () => new Array(small.units).fill(-Infinity));
    for (let i = 0; i < all.size; i++) {
      const s = all.get(i);
      for (let e = 0; e < s.times.length; e++) {
        lo[s.label][s.units[e]] = Math.min(lo[s.label][s.units[e]], s.times[e]);
        hi[s.label][s.units[e]] = Math.max(hi[s.label][s.units[e]], s.times[e]);
      }
    }
    for (let c = 0; c < small.classes; c++) {
      expect(lo[c]).toEqual(new Array(small.units).fill(0));
      expect(hi[c]).toEqual(new Array(small.units).fill(small.steps * small.stepFrac - 1));
    }
  });

  it('has balanced classes and splits 80/10/10', async () => {
    const { all, splits } = await generateRandman(small);
    const counts = new Array(small.classes).fill(0);
    for (const l of all.labels) counts[l]++;
    expect(counts).toEqual(new Array(small.classes).fill(small.samplesPerClass));
    expect([splits.train.size, splits.valid.size, splits.test.size]).toEqual([640, 80, 80]);
  });

  it('is reproducible from the seed and changes with it', async () => {
    const a = await generateRandman(small);
    const b = await generateRandman(small);
    const c = await generateRandman({ ...small, seed: 4 });
    expect(Array.from(a.all.times)).toEqual(Array.from(b.all.times));
    expect(Array.from(a.all.labels)).toEqual(Array.from(b.all.labels));
    expect(Array.from(a.all.times)).not.toEqual(Array.from(c.all.times));
  });

  it('gives smoother manifolds for larger alpha: nearby points get nearby spike times', async () => {
    // Mean |step difference| between neighbouring points along the 1-d manifold, over units and classes.
    const roughness = async (alpha: number) => {
      const { all, positions } = await generateRandman({ ...small, alpha, samplesPerClass: 400 });
      let total = 0;
      let n = 0;
      for (let c = 0; c < small.classes; c++) {
        const members = Array.from({ length: all.size }, (_, i) => i).filter((i) => all.labels[i] === c);
        members.sort((i, j) => positions[i] - positions[j]);
        const stepOf = (i: number) => {
          const s = all.get(i);
          const out = new Array(small.units);
          for (let e = 0; e < s.times.length; e++) out[s.units[e]] = s.times[e];
          return out;
        };
        for (let k = 1; k < members.length; k++) {
          const a = stepOf(members[k - 1]);
          const b = stepOf(members[k]);
          for (let u = 0; u < small.units; u++) total += Math.abs(a[u] - b[u]);
          n += small.units;
        }
      }
      return total / n;
    };
    const rough = await roughness(0.5);
    const medium = await roughness(1);
    const smooth = await roughness(4);
    expect(medium).toBeLessThan(rough);
    expect(smooth).toBeLessThan(medium / 2);
  });

  it('rejects bad options with the field name', async () => {
    await expect(generateRandman({ alpha: -1 })).rejects.toThrow(/alpha: Too small/);
    await expect(generateRandman({ split: [0.5, 0.2, 0.2] })).rejects.toThrow(/split: fractions must sum to 1/);
    await expect(generateRandman({ stepFrac: 0.001, steps: 10 })).rejects.toThrow(/stepFrac: steps \* stepFrac must be at least 1/);
    await expect(generateRandman({ nbClasses: 3 } as never)).rejects.toThrow(/Unrecognized key: "nbClasses"/);
  });
});

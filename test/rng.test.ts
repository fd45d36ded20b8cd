import { describe, expect, it } from 'vitest';

import { Rng } from '../src/index.js';

describe('Rng', () => {
  it('is reproducible and seed-dependent', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('has sane uniform and normal statistics', () => {
    const rng = new Rng(7);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    let nsum = 0;
    let nsq = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      sum += u;
      sq += u * u;
      const z = rng.normal();
      nsum += z;
      nsq += z * z;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
    expect(nsum / n).toBeCloseTo(0, 1);
    expect(nsq / n).toBeCloseTo(1, 1);
  });

  it('draws integers without bias and shuffles into a permutation', () => {
    const rng = new Rng(1);
    const counts = new Array(3).fill(0);
    for (let i = 0; i < 30_000; i++) counts[rng.int(3)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    const perm = rng.shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect([...perm].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('restores its state exactly', () => {
    const a = new Rng(5);
    a.normal();
    const state = a.getState();
    const next = [a.nextUint32(), a.normal(), a.uniform()];
    const b = new Rng(99);
    b.setState(state);
    expect([b.nextUint32(), b.normal(), b.uniform()]).toEqual(next);
    expect(() => new Rng(-1)).toThrow(/seed/);
  });
});

import { describe, expect, it } from 'vitest';

import { deriveSeed } from '../src/util/seeds.js';

describe('deriveSeed', () => {
  it('differs for every small seed and every label path', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 2000; seed++) seen.add(deriveSeed(seed, 'epoch', 0));
    expect(seen.size).toBe(2000);
    expect(deriveSeed(1, 'epoch', 1)).not.toBe(deriveSeed(1, 'epoch', 2));
    expect(deriveSeed(1, 'a', 12)).not.toBe(deriveSeed(1, 'a1', 2));
    expect(deriveSeed(7, 'x')).toBe(deriveSeed(7, 'x'));
  });
});

/** Sweep specs: grids, unions and lists expand to validated trials with stable ids; bad fields are named. */
import { describe, expect, it } from 'vitest';

import { expandTrials, parseSweepSpec, setField } from '../src/sweep/spec.js';
import { parseTrainConfig } from '../src/train/train-config.js';

describe('sweep spec expansion', () => {
  it('expands a grid as a product, the last field fastest', () => {
    const trials = expandTrials(parseSweepSpec({ name: 's', grid: { 'network.surrogate.scale': [1, 10], seed: [1, 2, 3] } }));
    expect(trials.map((t) => [t.config.network.surrogate.scale, t.config.seed])).toEqual([
      [1, 1], [1, 2], [1, 3], [10, 1], [10, 2], [10, 3],
    ]);
    expect(trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(trials[4].overrides).toEqual({ 'network.surrogate.scale': 10, seed: 2 });
  });

  it('joins several grids and a list, listing equal configs once', () => {
    const spec = parseSweepSpec({
      name: 's',
      base: { epochs: 3 },
      grid: [{ lr: [0.01, 0.02] }, { lr: [0.02, 0.05] }],
      list: [{ 'network.reset': 'differentiable' }, { lr: 0.01 }],
    });
    const trials = expandTrials(spec);
    // The list's first item takes the default rate; its second equals a grid trial and is listed once.
    const defaultLr = parseTrainConfig({}).lr;
    expect(trials.map((t) => `${t.config.lr}/${t.config.network.reset}`)).toEqual(['0.01/detached', '0.02/detached', '0.05/detached', `${defaultLr}/differentiable`]);
    expect(trials.every((t) => t.config.epochs === 3)).toBe(true);
  });

  it('sets array items and whole values by path', () => {
    const base = { regularizers: [{ kind: 'lower', strength: 100, threshold: 0.001 }, { kind: 'upper', power: 1, strength: 0, threshold: 0 }] };
    const trials = expandTrials(parseSweepSpec({ name: 's', base, grid: { 'regularizers[1].strength': [0.1], 'network.layers': [[{ size: 8 }, { size: 4 }]] } }));
    expect(trials[0].config.regularizers[1].strength).toBe(0.1);
    expect(trials[0].config.regularizers[0].strength).toBe(100);
    expect(trials[0].config.network.layers.map((l) => l.size)).toEqual([8, 4]);
    expect(base.regularizers[1].strength).toBe(0); // the base is not changed
  });

  it('gives ids that depend on the sweep and the config, not on the order or the threads', () => {
    const a = expandTrials(parseSweepSpec({ name: 'one', grid: { seed: [1, 2] } }));
    const b = expandTrials(parseSweepSpec({ name: 'one', grid: { seed: [2, 1] }, base: { threads: 3 } }));
    const c = expandTrials(parseSweepSpec({ name: 'two', grid: { seed: [1, 2] } }));
    expect(a.map((t) => t.id).sort()).toEqual(b.map((t) => t.id).sort());
    expect(a[0].id).not.toBe(c[0].id);
    expect(a[0].id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names the trial and the field of an invalid value', () => {
    const spec = parseSweepSpec({ name: 's', grid: { 'network.surrogate.shape': ['superspike', 'sigmoidd'] } });
    expect(() => expandTrials(spec)).toThrow(/trial 1 \(network\.surrogate\.shape="sigmoidd"\): network\.surrogate\.shape/);
  });

  it('names a misspelt data set option before anything runs', () => {
    const spec = parseSweepSpec({ name: 's', list: [{ dataset: { name: 'randman', sampelsPerClass: 3 } }] });
    expect(() => expandTrials(spec)).toThrow(/trial 0 \(dataset=.*\): dataset: Unrecognized key: "sampelsPerClass"/);
  });

  it('names a misspelt field', () => {
    const spec = parseSweepSpec({ name: 's', grid: { 'network.surogate.scale': [1] } });
    expect(() => expandTrials(spec)).toThrow(/network: Unrecognized key: "surogate"/);
  });

  it('rejects specs without trials, with bad names or empty value lists', () => {
    expect(() => parseSweepSpec({ name: 's' })).toThrow(/grid: expected a grid or a list of trials/);
    expect(() => parseSweepSpec({ name: 'a b', grid: { seed: [1] } })).toThrow(/name: expected letters, digits/);
    expect(() => parseSweepSpec({ name: 's', grid: { seed: [] } })).toThrow(/grid\[0\]\.seed: expected at least one value/);
    expect(() => parseSweepSpec({ name: 's', grid: { 'a..b': [1] } })).toThrow(/expected a dotted config path/);
  });

  it('refuses an index past the end of an array in the base', () => {
    expect(() => setField({ regularizers: [] }, 'regularizers[2].strength', 1)).toThrow(/index 2 is past the 0 items/);
    expect(() => setField({ lr: 1 }, 'lr.x', 1)).toThrow(/lr is 1 in the base config, not an object/);
  });

  it('never assigns through __proto__, constructor or prototype (no prototype pollution)', () => {
    for (const field of ['__proto__.polluted', 'constructor.prototype.polluted', 'network.__proto__.polluted', 'regularizers[0].constructor.prototype.polluted']) {
      expect(() => expandTrials(parseSweepSpec({ name: 's', grid: { [field]: [1] } })), field).toThrow(/is not a config field \(it would reach the prototype of every object\)/);
      expect(() => expandTrials(parseSweepSpec({ name: 's', list: [{ [field]: 1 }] })), field).toThrow(/is not a config field/);
      expect(() => setField({}, field, 1), field).toThrow(/is not a config field/);
      expect(({} as Record<string, unknown>).polluted, field).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).polluted, field).toBeUndefined();
    }
  });
});
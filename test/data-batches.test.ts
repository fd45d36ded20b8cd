import { describe, expect, it } from 'vitest';

import { batchCount, epochBatches, epochOrder, makeEventBatch } from '../src/data/batches.js';
import { AnalogDataset } from '../src/data/dataset.js';
import { generateRandman } from '../src/data/randman.js';
import type { EventBatch } from '../src/model/batch.js';

describe('batches', async () => {
  const { all } = await generateRandman({ classes: 3, units: 6, samplesPerClass: 35, steps: 30 });

  it('covers every sample exactly once per epoch, in a seeded order that changes per epoch', () => {
    const o = { batchSize: 16, shuffle: true, seed: 5 };
    const e0 = epochOrder(all.size, 0, o);
    expect(Array.from(e0).sort((a, b) => a - b)).toEqual(Array.from({ length: all.size }, (_, i) => i));
    expect(Array.from(epochOrder(all.size, 0, o))).toEqual(Array.from(e0));
    expect(Array.from(epochOrder(all.size, 1, o))).not.toEqual(Array.from(e0));
    expect(Array.from(epochOrder(all.size, 0, { ...o, seed: 6 }))).not.toEqual(Array.from(e0));
    expect(Array.from(epochOrder(all.size, 3, { ...o, shuffle: false }))).toEqual(Array.from({ length: all.size }, (_, i) => i));
  });

  it('fills EventBatch arrays with exactly the chosen samples', () => {
    const o = { batchSize: 16, shuffle: true, seed: 5 };
    const order = epochOrder(all.size, 2, o);
    const batches = [...epochBatches(all, 2, o)] as EventBatch[];
    expect(batches.length).toBe(batchCount(all.size, o));
    expect(batches.map((b) => b.size)).toEqual([16, 16, 16, 16, 16, 16, 9]);
    batches.forEach((batch, k) => {
      expect(batch.offsets).toBeInstanceOf(Int32Array);
      expect(batch.times).toBeInstanceOf(Int32Array);
      for (let j = 0; j < batch.size; j++) {
        const s = all.get(order[k * 16 + j]);
        expect(Array.from(batch.times.subarray(batch.offsets[j], batch.offsets[j + 1]))).toEqual(Array.from(s.times));
        expect(Array.from(batch.units.subarray(batch.offsets[j], batch.offsets[j + 1]))).toEqual(Array.from(s.units));
        expect(batch.labels![j]).toBe(s.label);
      }
    });
    expect([...epochBatches(all, 0, { ...o, dropLast: true })].map((b) => b.size)).toEqual([16, 16, 16, 16, 16, 16]);
    expect(() => [...epochBatches(all, 0, { batchSize: 0 })]).toThrow(/batchSize: expected a positive integer/);
  });

  it('builds batches of analog data sets', () => {
    const values = Float32Array.from({ length: 3 * 2 * 4 }, (_, i) => i);
    const analog = new AnalogDataset({ name: 'a', classes: 2, inputs: 4, steps: 2, values, labels: Int32Array.from([0, 1, 1]) });
    const [batch] = [...epochBatches(analog, 0, { batchSize: 2 })];
    expect('values' in batch && Array.from(batch.values)).toEqual(Array.from(values.subarray(0, 16)));
    expect(Array.from(batch.labels!)).toEqual([0, 1]);
  });

  it('an empty selection gives an empty batch', () => {
    const b = makeEventBatch(all, []);
    expect(b.size).toBe(0);
    expect(Array.from(b.offsets)).toEqual([0]);
  });
});

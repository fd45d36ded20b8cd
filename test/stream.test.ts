/**
 * Streaming inference equals forward(): stepping T steps in any chunking gives the same spikes, membrane, readout
 * traces and logits bit for bit, for every readout, recurrent and deep networks, at every SIMD level this CPU has;
 * reset restarts a stream; bad input is refused by name.
 */
import { describe, expect, it } from 'vitest';

import { nativeInfo, Network } from '../src/index.js';
import type { EventBatch } from '../src/model/batch.js';
import { bitsEqual, randomEventBatch } from './helpers.js';

const levels = (['generic', 'avx2', 'avx512'] as const).filter((l) => l === 'generic' || l === nativeInfo().simdBest || (l === 'avx2' && nativeInfo().simdBest === 'avx512'));

/** The events of steps [from, to) of every sample, with times relative to `from`. */
function slice(batch: EventBatch, from: number, to: number) {
  const offsets = new Int32Array(batch.size + 1);
  const times: number[] = [];
  const units: number[] = [];
  for (let b = 0; b < batch.size; b++) {
    for (let e = batch.offsets[b]; e < batch.offsets[b + 1]; e++) {
      if (batch.times[e] >= from && batch.times[e] < to) {
        times.push(batch.times[e] - from);
        units.push(batch.units[e]);
      }
    }
    offsets[b + 1] = times.length;
  }
  return { steps: to - from, offsets, times: Int32Array.from(times), units: Int32Array.from(units) };
}

/** Rows [b][n][w] of a [size][steps][w] trace, for steps [from, to). */
function place(target: Float32Array | Uint8Array, part: Float32Array | Uint8Array, size: number, steps: number, from: number, k: number, w: number) {
  for (let b = 0; b < size; b++) target.set(part.subarray(b * k * w, (b + 1) * k * w), (b * steps + from) * w);
}

const configs = {
  'feedforward, max': { inputs: 9, outputs: 4, layers: [{ size: 40 }], readout: 'max' as const },
  'recurrent, sum': { inputs: 9, outputs: 4, layers: [{ size: 24, recurrent: true }], readout: 'sum' as const },
  'deep, mean': { inputs: 9, outputs: 3, layers: [{ size: 20, recurrent: true }, { size: 300 }, { size: 17, recurrent: true }], readout: 'mean' as const },
  'wide recurrent, last': { inputs: 9, outputs: 5, layers: [{ size: 300, recurrent: true }], readout: 'last' as const },
};

describe('net.stream', () => {
  it.each(Object.entries(configs).flatMap(([name, c]) => levels.map((level) => [name, level, c] as const)))('%s at %s: any chunking equals forward bit for bit', async (_name, level, config) => {
    const net = new Network({ ...config, init: { kind: 'uniform', gain: 6 }, seed: 2 }, { threads: 2, simd: level });
    const T = 60;
    const batch = randomEventBatch(5, 6, T, 9, config.outputs, 0.12);
    const full = await net.forward(batch, { record: ['spikes', 'membrane', 'readout'] });
    expect(full.spikeCounts.every((c) => c.some((x) => x > 0))).toBe(true);
    for (const chunks of [[T], Array(T).fill(1), [7, 1, 13, 30, 9]]) {
      const stream = net.stream({ size: batch.size });
      const spikes = config.layers.map((l) => new Uint8Array(batch.size * T * l.size));
      const membrane = config.layers.map((l) => new Float32Array(batch.size * T * l.size));
      const readout = new Float32Array(batch.size * T * config.outputs);
      let from = 0;
      let last;
      for (const k of chunks) {
        last = stream.step(slice(batch, from, from + k), { record: ['spikes', 'membrane', 'readout'] });
        config.layers.forEach((l, i) => {
          place(spikes[i], last!.spikes![i], batch.size, T, from, k, l.size);
          place(membrane[i], last!.membrane![i], batch.size, T, from, k, l.size);
        });
        place(readout, last.readout!, batch.size, T, from, k, config.outputs);
        from += k;
      }
      expect(stream.stepsDone).toBe(T);
      config.layers.forEach((_, i) => {
        expect(Buffer.from(spikes[i]).equals(Buffer.from(full.spikes![i])), `spikes of layer ${i}, chunks ${chunks.length}`).toBe(true);
        expect(bitsEqual(membrane[i], full.membrane![i]), `membrane of layer ${i}`).toBe(true);
      });
      expect(bitsEqual(readout, full.readout!)).toBe(true);
      expect(bitsEqual(last!.logits, full.logits)).toBe(true);
      expect(Array.from(last!.predictions)).toEqual(Array.from(full.predictions));
    }
  });

  it('reset restarts every stream or one; bad input is refused by name', async () => {
    const net = new Network({ ...configs['recurrent, sum'], init: { kind: 'uniform', gain: 6 } }, { threads: 1 });
    const batch = randomEventBatch(1, 2, 30, 9, 4, 0.2);
    const stream = net.stream({ size: 2 });
    const first = stream.step(slice(batch, 0, 30));
    stream.step(slice(batch, 0, 30));
    stream.reset();
    expect(bitsEqual(stream.step(slice(batch, 0, 30)).logits, first.logits)).toBe(true);
    stream.reset(1);
    stream.reset();
    expect(() => stream.reset(2)).toThrow(/sample: expected a stream index in \[0, 2\), got 2/);
    expect(() => stream.step({ steps: 5, offsets: Int32Array.from([0, 1, 1]), times: Int32Array.from([5]), units: Int32Array.from([0]) })).toThrow(/batch\.times\[0\] \(sample 0\): expected a step in \[0, 5\), got 5/);
    expect(() => stream.step({ steps: 5, offsets: Int32Array.from([0, 1]), times: Int32Array.from([0]), units: Int32Array.from([0]) })).toThrow(/batch\.offsets: expected length size \+ 1 = 3, got 2/);
    expect(() => net.stream({ size: 0 })).toThrow(/size: expected a positive integer/);
  });
});

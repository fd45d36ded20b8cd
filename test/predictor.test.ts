/** The Predictor: concurrent single-sample requests share native calls and get exactly what predict() gives alone. */
import { describe, expect, it } from 'vitest';

import { ConfigError, Network, Predictor } from '../src/index.js';
import { bitsEqual, randomEventBatch } from './helpers.js';

const config = { inputs: 10, outputs: 5, layers: [{ size: 32, recurrent: true }], seed: 3, init: { kind: 'uniform' as const, gain: 4 } };

function samplesOf(seed: number, count: number, steps: number) {
  const batch = randomEventBatch(seed, count, steps, 10, 5, 0.05);
  return Array.from({ length: count }, (_, b) => ({
    times: Array.from(batch.times.subarray(batch.offsets[b], batch.offsets[b + 1])),
    units: Array.from(batch.units.subarray(batch.offsets[b], batch.offsets[b + 1])),
  }));
}

describe('Predictor', () => {
  it('batches 40 concurrent requests into few calls, each result equal to predicting the sample alone', async () => {
    const net = new Network(config, { threads: 2 });
    const predictor = new Predictor(net, { steps: 50, maxBatch: 16, maxWaitMs: 5 });
    const samples = samplesOf(1, 40, 50);
    const results = await Promise.all(samples.map((s) => predictor.predict(s)));
    expect(predictor.stats).toEqual({ requests: 40, calls: expect.any(Number), queued: 0 });
    expect(predictor.stats.calls).toBeLessThanOrEqual(4);
    for (let i = 0; i < samples.length; i++) {
      const alone = await net.predict({ size: 1, steps: 50, offsets: Int32Array.from([0, samples[i].times.length]), times: Int32Array.from(samples[i].times), units: Int32Array.from(samples[i].units) });
      expect(results[i].label).toBe(alone.labels[0]);
      expect(bitsEqual(results[i].scores, alone.scores)).toBe(true);
    }
  });

  it('rejects a bad sample alone; the others of its batch are answered', async () => {
    const net = new Network(config, { threads: 1 });
    const predictor = new Predictor(net, { steps: 50, maxWaitMs: 5 });
    const [good] = samplesOf(2, 1, 50);
    const outcomes = await Promise.allSettled([
      predictor.predict(good),
      predictor.predict({ times: [3, 1], units: [0, 0] }),
      predictor.predict({ times: [60], units: [0] }),
      predictor.predict({ times: [1], units: [10] }),
      predictor.predict({ values: [1, 2] }),
    ]);
    expect(outcomes[0].status).toBe('fulfilled');
    const reasons = outcomes.slice(1).map((o) => (o.status === 'rejected' ? String((o.reason as Error).message) : 'fulfilled'));
    expect(reasons[0]).toMatch(/times\[1\]: events must be sorted by step, 1 follows 3/);
    expect(reasons[1]).toMatch(/times\[0\]: expected a step in \[0, 50\), got 60/);
    expect(reasons[2]).toMatch(/units\[0\]: expected a unit in \[0, 10\), got 10/);
    expect(reasons[3]).toMatch(/expected \{ times, units \} \(this predictor takes events\)/);
    expect(() => new Predictor(net, { steps: 0, maxBatch: 0 })).toThrow(ConfigError);
  });
});

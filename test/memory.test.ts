/**
 * Memory: the prediction made before a call against the RSS a separate process measures, refusal of calls and
 * runs that would not fit, and the compact state mode.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { MemoryLimitError, Network } from '../src/index.js';
import { runTraining } from '../src/train/run.js';
import { maxDifference, randomEventBatch } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-memory-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('memory prediction', () => {
  it.each(['exact', 'compact'])('predicts the RSS a training call adds within 20 %% (%s state)', (memory) => {
    // A fresh process: RSS before the network exists, then the peak after one call, against the prediction.
    const script = path.join(tmp, `measure-${memory}.mjs`);
    writeFileSync(
      script,
      `import { Network, Rng } from ${JSON.stringify(path.join(root, 'dist', 'index.js'))};
const B = 96, T = 400, C = 700;
const rng = new Rng(1);
const offsets = new Int32Array(B + 1); const times = []; const units = [];
for (let b = 0; b < B; b++) { for (let n = 0; n < T; n++) for (let u = 0; u < C; u++) if (rng.uniform() < 0.01) { times.push(n); units.push(u); } offsets[b + 1] = times.length; }
const batch = { size: B, steps: T, offsets, times: Int32Array.from(times), units: Int32Array.from(units), labels: new Int32Array(B) };
globalThis.gc?.();
const before = process.memoryUsage().rss;
const net = new Network({ inputs: C, outputs: 20, layers: [{ size: 512, recurrent: true }] }, { threads: 2, memory: '${memory}' });
const predicted = net.predictMemory({ batchSize: B, steps: T, events: batch.times.length });
const gradients = net.zeroGradients();
await net.lossAndGradient(batch, { gradients });
const peak = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ predicted: predicted.total - predicted.batch, measured: peak - before, state: predicted.state }));
`,
    );
    const r = JSON.parse(execFileSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8' }).trim());
    expect(r.state).toBeGreaterThan(50 * 2 ** 20);
    expect(Math.abs(r.measured - r.predicted) / r.measured).toBeLessThan(0.2);
  });

  it('refuses a call that would not fit, before allocating anything', async () => {
    const net = new Network({ inputs: 50, outputs: 3, layers: [{ size: 256 }] }, { memoryLimit: 8 * 2 ** 20 });
    const batch = randomEventBatch(1, 64, 500, 50, 3, 0.01);
    const p = net.predictMemory({ batchSize: 64, steps: 500 });
    expect(p.workspace).toBeGreaterThan(8 * 2 ** 20);
    await expect(net.lossAndGradient(batch)).rejects.toThrow(MemoryLimitError);
    await expect(net.lossAndGradient(batch)).rejects.toThrow(/needs about \d+(\.\d+)? MiB of memory, more than the 8\.00 MiB available; use a smaller batch or fewer steps, or memory: 'compact'/);
    expect(net.workspaceBytes).toBe(0);
    // A batch that fits still runs.
    const small = randomEventBatch(1, 4, 50, 50, 3, 0.01);
    await expect(net.lossAndGradient(small)).resolves.toMatchObject({ loss: expect.any(Number) });
    await expect(net.lossAndGradient(small)).resolves.toMatchObject({ loss: expect.any(Number) });
    // Admitting the small call admits nothing larger.
    await expect(net.lossAndGradient(batch)).rejects.toThrow(MemoryLimitError);
  });

  it("counts forward()'s recorded traces against the limit", async () => {
    const net = new Network({ inputs: 50, outputs: 3, layers: [{ size: 256 }] }, { memoryLimit: 8 * 2 ** 20 });
    const batch = randomEventBatch(1, 16, 300, 50, 3, 0.01);
    // Without records the pass fits; its membrane traces (16 x 300 x 256 floats, 4.7 MiB, held twice) do not.
    await expect(net.forward(batch)).resolves.toMatchObject({ logits: expect.any(Float32Array) });
    await expect(net.forward(batch, { record: ['membrane'] })).rejects.toThrow(MemoryLimitError);
  });

  it('refuses a training run that would not fit before any work', async () => {
    const out = path.join(tmp, 'too-big');
    await expect(
      runTraining({ dataset: { name: 'randman', classes: 2, units: 4, samplesPerClass: 20, steps: 60000 }, network: { layers: [{ size: 4000 }] }, batchSize: 40 }, { out }),
    ).rejects.toThrow(/training with batch 40 x 60000 steps .* needs about [\d.]+ [GT]iB of memory, more than the [\d.]+ GiB available/);
  });
});

describe('compact state', () => {
  it('keeps the forward pass exact and the gradients within 2 % while storing 3 instead of 5 bytes per neuron-step', async () => {
    // 64 samples x 400 steps x 128 neurons: one chunk's state (13 MB) is too large to be kept per chunk in cache,
    // so both keep the whole batch's state, which is where compact applies.
    const config = { inputs: 30, outputs: 4, layers: [{ size: 128, recurrent: true }], reset: 'differentiable' as const, init: { gain: 5 } };
    const exact = new Network(config, { threads: 2 });
    const compact = new Network(config, { threads: 2, memory: 'compact' });
    const batch = randomEventBatch(3, 64, 400, 30, 4, 0.02);
    const a = await exact.lossAndGradient(batch);
    const b = await compact.lossAndGradient(batch);
    expect(b.loss).toBe(a.loss);
    for (const name of exact.parameterNames) {
      const { diff, scale } = maxDifference(b.gradients[name], a.gradients[name]);
      expect(diff).toBeLessThanOrEqual(0.02 * scale);
    }
    const pe = exact.predictMemory({ batchSize: 64, steps: 400 });
    const pc = compact.predictMemory({ batchSize: 64, steps: 400 });
    expect(pc.state / pe.state).toBeCloseTo(3 / 5, 5);
    // A batch whose chunks keep their state in cache keeps it exactly, compact or not.
    const small = { batchSize: 32, steps: 100 };
    expect(compact.predictMemory(small).state).toBe(exact.predictMemory(small).state);
    const smallBatch = randomEventBatch(4, 32, 100, 30, 4, 0.05);
    expect(await compact.lossAndGradient(smallBatch)).toEqual(await exact.lossAndGradient(smallBatch));
    const trained = await compact.forward(batch, { record: ['membrane'] });
    const reference = await exact.forward(batch, { record: ['membrane'] });
    expect(maxDifference(trained.membrane![0], reference.membrane![0]).diff).toBeLessThan(0.05);
    expect(() => new Network(config, { memory: 'tiny' as never })).toThrow(/memory: expected 'exact' or 'compact'/);
  });
});

// Cost of building training batches (seeded shuffle + EventBatch fill) against one training step
// (lossAndGradient) on the 700-input, 256-hidden (recurrent), 100-step, batch-256 shape. Target: < 10 %.
//   npm run bench:data
import { epochBatches } from '../dist/data/batches.js';
import { EventDataset } from '../dist/data/dataset.js';
import { Network, Rng } from '../dist/index.js';
import { busyFraction, machine, time, writeResult } from './common.mjs';

const inputs = 700, steps = 100, batchSize = 256, samples = 8 * batchSize, density = 0.01;

// Synthetic SHD-shaped data: Bernoulli events at `density`, stored like a loaded data set (16-bit arrays).
const rng = new Rng(1);
const offsets = new Float64Array(samples + 1);
const times = [], units = [];
for (let s = 0; s < samples; s++) {
  for (let n = 0; n < steps; n++) for (let u = 0; u < inputs; u++) if (rng.uniform() < density) { times.push(n); units.push(u); }
  offsets[s + 1] = times.length;
}
const data = new EventDataset({ name: 'synthetic', classes: 20, inputs, steps, offsets, times: Uint16Array.from(times), units: Uint16Array.from(units), labels: Int32Array.from({ length: samples }, (_, i) => i % 20) });

let epoch = 0;
const batches = await time(() => { for (const b of epochBatches(data, epoch++, { batchSize, shuffle: true, seed: 1 })) void b; }, { warmup: 2, repeats: 9 });
const perBatch = batches.median / (samples / batchSize);

const net = new Network({ inputs, outputs: 20, layers: [{ size: 256, recurrent: true }], init: { gain: 10 } }); // about 5 % hidden activity
const batch = epochBatches(data, 0, { batchSize, shuffle: true, seed: 1 }).next().value;
const gradients = net.zeroGradients();
const step = await time(() => net.lossAndGradient(batch, { gradients }), { warmup: 2, repeats: 9 });
const out = await net.lossAndGradient(batch, { gradients });
const hiddenRate = out.spikeCounts[0].reduce((a, b) => a + b, 0) / (batchSize * steps * 256);

const result = {
  machine: { ...machine(), busyBefore: await busyFraction() },
  config: { inputs, hidden: 256, recurrent: true, steps, batchSize, density, threads: net.threads, hiddenRate },
  batchMs: perBatch,
  stepMs: step.median,
  ratio: perBatch / step.median,
};
console.log(`batch build ${perBatch.toFixed(2)} ms, training step ${step.median.toFixed(1)} ms (hidden rate ${hiddenRate.toFixed(3)}), ratio ${(100 * result.ratio).toFixed(1)} % (target < 10 %)`);
console.log(`wrote ${writeResult('batch-pipeline', result)}`);

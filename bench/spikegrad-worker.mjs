// Runs one benchmark config in this process (fresh for every config, so peak RSS is the config's own):
// a training iteration = lossAndGradient + Adam step. Prints one JSON line.
//   node bench/spikegrad-worker.mjs '<config json>' <threads> <repeats>
// SPIKEGRAD_ROOT names another built checkout whose library to time (bench/run.mjs --against), with this script.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { benchDir, median } from './common.mjs';
import { randomBatch } from './random-batch.mjs';

const root = process.env.SPIKEGRAD_ROOT ?? path.join(benchDir, '..');
const { Network, createOptimizer, loadDataset, makeBatch } = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);

const [cfgJson, threadsArg = '2', repeatsArg = '7', warmupArg = '2', dumpDir] = process.argv.slice(2);
const cfg = JSON.parse(cfgJson);
const threads = Number(threadsArg);
const repeats = Number(repeatsArg);

const net = new Network(
  { inputs: cfg.inputs, outputs: cfg.outputs, layers: cfg.hidden.map((size) => ({ size, recurrent: cfg.recurrent })), init: { gain: cfg.gain }, seed: 1 },
  { threads },
);
// With a dump directory, the initial weights, input and labels go there as raw little-endian arrays, so the
// PyTorch peer simulates exactly this network on exactly this input (equal hidden spike rates).
if (dumpDir) {
  mkdirSync(dumpDir, { recursive: true });
  const raw = (name, a) => writeFileSync(path.join(dumpDir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  for (const name of net.parameterNames) raw(`${name}.f32`, net.parameters[name]);
}
const optimizer = createOptimizer({ kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 }, net.parameters, { threads });
// A config with `data` trains on the first samples of a real data set's training split (spoken-digits: cochlear
// spikes of speech), otherwise on random Bernoulli input.
const batch = cfg.data ? makeBatch((await loadDataset(cfg.data, { threads })).splits.train, Array.from({ length: cfg.batch }, (_, i) => i)) : randomBatch(cfg);
if (dumpDir) {
  const { batch: B, steps: T, inputs: C } = cfg;
  const raw = (name, a) => writeFileSync(path.join(dumpDir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  if (cfg.analog) raw('input.f32', batch.values);
  else {
    const dense = new Uint8Array(B * T * C);
    for (let b = 0; b < B; b++) for (let e = batch.offsets[b]; e < batch.offsets[b + 1]; e++) dense[(b * T + batch.times[e]) * C + batch.units[e]] += 1;
    raw('input.u8', dense);
  }
  raw('labels.i32', batch.labels);
}
const gradients = net.zeroGradients();
const times = [];
let last;
for (let i = 0; i < Number(warmupArg) + repeats; i++) {
  const t = process.hrtime.bigint();
  last = await net.lossAndGradient(batch, { gradients, profile: true });
  optimizer.step(gradients, 1e-3);
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (i >= Number(warmupArg)) times.push(s);
}
const neurons = cfg.hidden.reduce((a, h) => a + h, 0);
const hiddenSpikes = last.spikeCounts.reduce((a, c) => a + c.reduce((x, y) => x + y, 0), 0);
const inputEvents = cfg.analog ? 0 : batch.times.length;
const med = median(times);
// Dense parts of one iteration: recurrent backward products dL/dS = V dL/dI (2 B T H^2 per recurrent layer), the
// inter-layer and readout backward products, and for dense input the input GEMMs forward and backward.
let denseFlops = 0;
cfg.hidden.forEach((h, l) => {
  if (cfg.recurrent) denseFlops += 2 * cfg.batch * cfg.steps * h * h;
  const above = l + 1 < cfg.hidden.length ? cfg.hidden[l + 1] : cfg.outputs;
  denseFlops += 2 * cfg.batch * cfg.steps * h * above;
});
if (cfg.analog) denseFlops += 2 * 2 * cfg.batch * cfg.steps * cfg.inputs * cfg.hidden[0];
console.log(
  JSON.stringify({
    peer: 'spikegrad',
    threads,
    medianSeconds: med,
    minSeconds: Math.min(...times),
    samplesPerSecond: cfg.batch / med,
    hiddenRate: hiddenSpikes / (cfg.batch * cfg.steps * neurons),
    inputEventsPerSecond: inputEvents / med,
    hiddenSpikesPerSecond: hiddenSpikes / med,
    denseFlops,
    timings: last.timings,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
await net.dispose();

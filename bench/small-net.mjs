// The small Randman net every sweep trial trains (the main job's network: 20 inputs, 100 hidden, 10 classes, batch
// 250, 100 steps), after 5 epochs of training (Adam 0.05) so that it fires as in a trial: time per training call
// with its forward and backward share, and the parts of one epoch (training calls, batch building, optimizer
// steps, validation). With --against DIR, a second checkout (built,
// e.g. `git worktree add DIR <commit> && cd DIR && npm install`) runs in alternating processes, so both sides meet
// the same drift of a shared machine; figures are medians over rounds.
//   node bench/small-net.mjs [--threads 1] [--calls 200] [--rounds 3] [--against DIR] [--out name]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { benchDir, machine, median, writeResult } from './common.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

if (args[0] === '--child') {
  // One measurement in this process, of the checkout at args[1]; prints one JSON line.
  const [, root, threadsArg, callsArg] = args;
  const sg = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
  const threads = Number(threadsArg);
  const config = sg.parseTrainConfig({ threads });
  const data = await sg.loadDataset(config.dataset, { threads });
  const { train, valid } = data.splits;
  const net = new sg.Network(sg.resolveNetwork(config, data), { threads });
  const gradients = net.zeroGradients();
  const optimizer = sg.createOptimizer(config.optimizer, net.parameters, { threads });
  const order = sg.epochOrder(train.size, 0, { shuffle: true, seed: 1 });
  const B = config.batchSize;
  const first = sg.makeBatch(train, order.subarray(0, B));
  const options = { gradients, regularizers: config.regularizers };
  // The network starts silent; a trial spends nearly all its time after the first epochs, firing a few spikes
  // per neuron and sample. Train 5 epochs first so the measured calls see that activity.
  for (let epoch = 0; epoch < 5; epoch++) {
    for (let b = 0; b * B < train.size; b++) {
      await net.lossAndGradient(sg.makeBatch(train, order.subarray(b * B, Math.min(train.size, (b + 1) * B))), options);
      optimizer.step(gradients, 0.05);
    }
  }
  const activity = (await net.lossAndGradient(first, options)).spikeCounts[0].reduce((a, c) => a + c, 0) / (B * net.config.layers[0].size);
  // Per call: wall time, and the engine's forward and backward seconds.
  const calls = Number(callsArg);
  let forward = 0;
  let backward = 0;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const { timings } = await net.lossAndGradient(first, { ...options, profile: true });
    forward += timings.forward;
    backward += timings.backward;
  }
  const call = (performance.now() - t0) / calls;
  // One epoch's parts, twice; the second counts.
  const parts = {};
  for (let pass = 0; pass < 2; pass++) {
    const add = (k, t) => (parts[k] = (parts[k] ?? 0) + t);
    for (const k of Object.keys(parts)) parts[k] = 0;
    const epochStart = performance.now();
    for (let b = 0; b * B < train.size; b++) {
      let t = performance.now();
      const batch = sg.makeBatch(train, order.subarray(b * B, Math.min(train.size, (b + 1) * B)));
      add('batching', performance.now() - t);
      t = performance.now();
      await net.lossAndGradient(batch, options);
      add('training calls', performance.now() - t);
      t = performance.now();
      optimizer.step(gradients, 1e-4);
      add('optimizer', performance.now() - t);
    }
    const t = performance.now();
    await sg.evaluate(net, valid, config.evalBatchSize, config.regularizers);
    add('validation', performance.now() - t);
    add('epoch', performance.now() - epochStart);
  }
  console.log(JSON.stringify({ spikesPerNeuron: activity, call, forward: (forward / calls) * 1e3, backward: (backward / calls) * 1e3, ...parts }));
  process.exit(0);
}

const threads = flag('threads', '1');
const calls = flag('calls', '200');
const rounds = Number(flag('rounds', '3'));
const against = flag('against', undefined);
const sides = { this: path.join(benchDir, '..'), ...(against ? { against: path.resolve(against) } : {}) };
const runs = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, root] of Object.entries(sides)) {
    const out = execFileSync(process.execPath, [path.join(benchDir, 'small-net.mjs'), '--child', root, threads, calls], { encoding: 'utf8' });
    runs[name].push(JSON.parse(out.trim().split('\n').pop()));
  }
}
const keys = Object.keys(runs.this[0]);
const medians = Object.fromEntries(Object.entries(runs).map(([name, rs]) => [name, Object.fromEntries(keys.map((k) => [k, median(rs.map((x) => x[k]))]))]));
console.log(`small Randman net, ${threads} thread(s), median of ${rounds} process(es) per side, ms`);
console.log(['', ...keys].join('\t'));
for (const [name, m] of Object.entries(medians)) console.log([name, ...keys.map((k) => m[k].toFixed(2))].join('\t'));
if (against) console.log(['ratio', ...keys.map((k) => (medians.against[k] / medians.this[k]).toFixed(2) + 'x')].join('\t'));
writeResult(flag('out', `small-net-${threads}t`), { machine: machine(), threads: Number(threads), calls: Number(calls), rounds, sides, runs, medians });

// Time to accuracy (issue 18): the same model, the same initial weights, the same data and the same
// hyper-parameters trained by spikegrad and by each Python peer; after every epoch the test split is evaluated, and
// the table shows the training wall time (batch building included, evaluation excluded, on both sides) until the
// test accuracy first reaches the target, with the final accuracy. Writes bench/results/<out>.json.
//   node bench/time-to-accuracy.mjs [--task randman|fashion-mnist] [--epochs N] [--target ACC] [--threads 2]
//        [--peers torch,snntorch,norse,spikingjelly] [--python PATH] [--pythonpath DIR:DIR] [--out name] [--dir results-dir]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Network, Trainer, loadDataset, parseTrainConfig, resolveNetwork } from '../dist/index.js';
import { busyFraction, machine, writeResult } from './common.mjs';
import { PEERS, blasWarning, peerAvailability, runPeerScript } from './peers.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

// The tasks: Randman is the main job's model and data at a constant rate (the peers implement Adam at a constant
// rate, not spikegrad's warm-up and cosine schedule); Fashion-MNIST the latency-coded second task of the sparsity
// study, without its population regularizer. Both keep the paper's lower-bound regularizer.
const TASKS = {
  randman: { target: 0.9, epochs: 100, config: { lr: 0.02, schedule: { kind: 'constant' } } },
  'fashion-mnist': { target: 0.82, epochs: 6, config: { dataset: { name: 'fashion-mnist' }, lr: 0.01, schedule: { kind: 'constant' } } },
};
const task = flag('task', 'randman');
if (!TASKS[task]) {
  console.error(`--task: unknown task "${task}"; expected one of ${Object.keys(TASKS).join(', ')}`);
  process.exit(2);
}
const epochs = Number(flag('epochs', String(TASKS[task].epochs)));
const target = Number(flag('target', String(TASKS[task].target)));
const threads = Number(flag('threads', '2'));
const peerNames = flag('peers', Object.keys(PEERS).join(',')).split(',').filter(Boolean);
const PYTHON = flag('python', '/usr/bin/python3');
const PYTHONPATH = flag('pythonpath', undefined);
for (const [name, v] of [['epochs', epochs], ['threads', threads]]) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${name}: expected a positive integer, got ${flag(name)}`);
    process.exit(2);
  }
}
if (!(target > 0 && target <= 1)) {
  console.error(`--target: expected an accuracy in (0, 1], got ${flag('target')}`);
  process.exit(2);
}
for (const p of peerNames) {
  if (!PEERS[p]) {
    console.error(`--peers: unknown peer "${p}"; expected some of ${Object.keys(PEERS).join(', ')}`);
    process.exit(2);
  }
}

const config = parseTrainConfig({ ...TASKS[task].config, epochs, threads });
const data = await loadDataset(config.dataset, { threads });
const { train, test } = data.splits;
const networkConfig = resolveNetwork(config, data);
const net = new Network(networkConfig, { threads });
const initial = Object.fromEntries(net.parameterNames.map((n) => [n, net.parameters[n].slice()]));

/** The first epoch whose test accuracy reaches the target, and the training time until then. */
function summarize(records) {
  const hit = records.find((r) => r.testAccuracy >= target);
  const last = records[records.length - 1];
  return { epochs: records, timeToTarget: hit ? hit.seconds : null, epochToTarget: hit ? hit.epoch : null, finalAccuracy: last.testAccuracy, bestAccuracy: Math.max(...records.map((r) => r.testAccuracy)), seconds: last.seconds };
}

async function runSpikegrad() {
  const records = [];
  let trainSeconds = 0;
  let epochStart = performance.now();
  let lastBatchAt = epochStart;
  const trainer = new Trainer(net, { ...config, earlyStopping: undefined }, {
    onBatch: () => {
      lastBatchAt = performance.now();
    },
    onEpoch: (record) => {
      trainSeconds += (lastBatchAt - epochStart) / 1000;
      records.push({ epoch: record.epoch, seconds: trainSeconds, testAccuracy: record.valid.accuracy, hiddenRate: record.valid.spikesPerNeuron?.[0] / test.steps });
      epochStart = performance.now();
    },
  });
  await trainer.fit(train, test);
  return { peer: 'spikegrad', threads, ...summarize(records) };
}

/** The data set and the initial weights as raw little-endian arrays, for the peers (peer_common.py reads them). */
function exportForPeers(dir) {
  mkdirSync(dir, { recursive: true });
  const raw = (name, a) => writeFileSync(path.join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  for (const [name, split] of [['train', train], ['test', test]]) {
    raw(`${name}.offsets.i64`, BigInt64Array.from(split.offsets, (o) => BigInt(o)));
    raw(`${name}.times.i32`, Int32Array.from(split.times));
    raw(`${name}.units.i32`, Int32Array.from(split.units));
    raw(`${name}.labels.i32`, split.labels);
  }
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ inputs: train.inputs, steps: train.steps }));
  for (const [name, w] of Object.entries(initial)) raw(`${name}.f32`, w);
}

const reg = config.regularizers.find((r) => r.kind === 'lower');
const n = networkConfig;
const peerConfig = {
  inputs: n.inputs, hidden: n.layers.map((l) => l.size), outputs: n.outputs, recurrent: n.layers.some((l) => l.recurrent), steps: train.steps,
  dt: n.dt, tauMem: n.tauMem, tauSyn: n.tauSyn, tauOut: n.tauOut, beta: n.surrogate.scale,
};
const peerTrain = {
  epochs, batchSize: config.batchSize, evalBatchSize: config.evalBatchSize, lr: config.lr, seed: config.seed,
  ...(reg ? { regularizer: { strength: reg.strength, threshold: reg.threshold } } : {}),
};
const unsupported = n.layers.length !== 1 || n.surrogate.shape !== 'superspike' || n.readout !== 'max' || config.optimizer.kind !== 'adam' || config.schedule.kind !== 'constant' || config.regularizers.some((r) => r.kind !== 'lower' || r.power !== 2 || r.layer !== undefined);
if (unsupported) {
  console.error('time-to-accuracy: the peers implement one hidden layer, SuperSpike, max readout, Adam at a constant rate and the lower-bound regularizer (power 2); this task config is outside that');
  process.exit(2);
}

const available = peerNames.filter((p) => {
  const why = peerAvailability(PYTHON, PYTHONPATH, p);
  if (why) console.log(`${PEERS[p].label} peer skipped: ${why}`);
  return !why;
});
if (available.length > 0 && blasWarning()) console.log(`warning: ${blasWarning()}`);
const busy = await busyFraction(1000);
const m = { ...machine(), busyBefore: busy };
console.log(`${m.cpu}, ${m.cores} cores; ${task}: ${train.size} training / ${test.size} test samples, ${epochs} epochs, target ${target}, ${threads} thread(s); CPUs busy ${(100 * busy).toFixed(0)} % before the run`);

const line = (label, r) =>
  r.error
    ? `${label.padEnd(13)} failed: ${r.error}`
    : `${label.padEnd(13)} time to ${target}: ${r.timeToTarget === null ? 'not reached'.padStart(9) : `${r.timeToTarget.toFixed(1).padStart(7)} s`} (epoch ${String(r.epochToTarget ?? '-').padStart(3)})  final ${r.finalAccuracy.toFixed(3)}  best ${r.bestAccuracy.toFixed(3)}  ${(r.seconds / r.epochs.length).toFixed(2)} s/epoch`;

const results = [await runSpikegrad()];
console.log(line('spikegrad', results[0]));
const dir = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-tta-'));
try {
  exportForPeers(dir);
  for (const p of available) {
    const r = runPeerScript(PYTHON, PYTHONPATH, p, ['--config', JSON.stringify(peerConfig), '--threads', String(threads), '--shared', dir, '--data', dir, '--train', JSON.stringify(peerTrain)], threads);
    const row = r.error ? { peer: p, error: r.error } : { ...r, ...summarize(r.epochs) };
    results.push(row);
    console.log(line(PEERS[p].label, row));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const r of results.slice(1)) {
  if (!r.error && r.timeToTarget !== null && results[0].timeToTarget !== null) console.log(`${PEERS[r.peer].label}: spikegrad reaches ${target} ${(r.timeToTarget / results[0].timeToTarget).toFixed(1)}x sooner`);
}
const busyAfter = await busyFraction(500);
console.log(`wrote ${writeResult(flag('out', `time-to-accuracy-${task}`), { machine: { ...m, busyAfter }, task, target, epochs, threads, train: peerTrain, network: peerConfig, results }, flag('dir', undefined))}`);

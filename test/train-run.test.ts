/** End-to-end training runs through the API: learning, results, early stopping, divergence. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadDataset } from '../src/data/registry.js';
import { readCheckpoint, writeCheckpoint } from '../src/io/checkpoint.js';
import { Network } from '../src/model/network.js';
import { inputRate, resolveNetwork, runTraining } from '../src/train/run.js';
import { parseTrainConfig } from '../src/train/train-config.js';
import { Trainer, TrainingDiverged } from '../src/train/trainer.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'spikegrad-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
process.env.SPIKEGRAD_CACHE = path.join(tmp, 'cache');

// A small Randman: 5 classes, chance 0.2.
const small = {
  dataset: { name: 'randman', classes: 5, units: 16, samplesPerClass: 200, steps: 60, seed: 2 },
  network: { layers: [{ size: 48 }] },
  lr: 0.03,
  // The machinery under test, not the default recipe: a constant rate keeps divergence in the first epoch.
  schedule: { kind: 'constant' },
  batchSize: 50,
  epochs: 20,
};

describe('training runs', () => {
  it('learns a small Randman task well above chance and writes results, metrics and a checkpoint', async () => {
    const out = path.join(tmp, 'learn');
    const epochs: number[] = [];
    const r = await runTraining(small, { out, threads: 2, onEpoch: (e) => epochs.push(e.epoch) });
    expect(epochs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(r.test.accuracy).toBeGreaterThan(0.6);
    expect(r.train.accuracy).toBeGreaterThan(0.6);
    expect(r.history[19].train.loss).toBeLessThan(r.history[0].train.loss);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    for (const split of ['train', 'valid', 'test']) {
      expect(results[split]).toMatchObject({ accuracy: expect.any(Number), loss: expect.any(Number), spikesPerNeuron: [expect.any(Number)] });
    }
    expect(results.config.lr).toBe(0.03);
    expect(results.network.inputs).toBe(16);
    expect(results.network.outputs).toBe(5);
    expect(results.epochs).toBe(20);
    expect(results.wallSeconds).toBeGreaterThan(0);
    const lines = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(20);
    expect(lines[0]).toMatchObject({ epoch: 1, lr: 0.03, train: { spikesPerNeuron: [expect.any(Number)], silentFraction: [expect.any(Number)] } });
    expect(lines[0].samplesPerSecond).toBeGreaterThan(0);
    const ckpt = readCheckpoint(path.join(out, 'checkpoint.sgck'));
    expect(ckpt.finished).toBe(true);
    expect(ckpt.state.epoch).toBe(20);
    // The run ends on the best-on-validation weights.
    expect(r.valid.accuracy).toBeCloseTo(Math.max(...r.history.map((h) => h.valid!.accuracy)), 10);
  });

  it('stops early when validation stops improving', async () => {
    const r = await runTraining({ ...small, lr: 1e-6, epochs: 30, earlyStopping: { patience: 2 } }, { out: path.join(tmp, 'early'), threads: 2 });
    expect(r.stopped).toBe('early-stopping');
    expect(r.epochs).toBeLessThan(30);
    expect(r.epochs - r.bestEpoch!).toBe(2);
  });

  it('fills in sizes from the data set and refuses a mismatching network before any work', async () => {
    const data = await loadDataset(small.dataset);
    const net = resolveNetwork(parseTrainConfig(small), data);
    expect([net.inputs, net.outputs]).toEqual([16, 5]);
    await expect(runTraining({ ...small, network: { inputs: 784, layers: [{ size: 8 }] } }, { out: path.join(tmp, 'mismatch') })).rejects.toThrow(
      /network\.inputs: 784 does not match the 16 inputs of randman/,
    );
    expect(existsSync(path.join(tmp, 'mismatch', 'checkpoint.sgck'))).toBe(false);
    const fdi = resolveNetwork(parseTrainConfig({ ...small, network: { layers: [{ size: 8 }], init: { kind: 'fluctuation' } } }), data);
    expect(fdi.init.kind === 'fluctuation' && fdi.init.inputRate).toBeCloseTo(inputRate(data.splits.train, 1e-3), 10);
  });

  it('rejects bad options and an unwritable output directory before any work', async () => {
    await expect(runTraining({ ...small, lr: -1 }, { out: path.join(tmp, 'x') })).rejects.toThrow(/lr: Too small/);
    await expect(runTraining({ ...small, optimiser: 'adam' }, { out: path.join(tmp, 'x') })).rejects.toThrow(/Unrecognized key: "optimiser"/);
    await expect(runTraining({ ...small, optimizer: { kind: 'rmsprop' } }, { out: path.join(tmp, 'x') })).rejects.toThrow(/optimizer\.kind/);
    const blocker = path.join(tmp, 'a-file');
    writeFileSync(blocker, 'x');
    await expect(runTraining(small, { out: path.join(blocker, 'run') })).rejects.toThrow(/out: cannot write to .*a-file\/run \(ENOTDIR\)/);
  });

  it('stops with the epoch and batch when training diverges, keeping the last good checkpoint', async () => {
    // Adam's first step moves every weight by about lr: at 1e38 the next forward pass overflows float32.
    await expect(runTraining({ ...small, lr: 1e38 }, { out: path.join(tmp, 'diverge') })).rejects.toThrow(
      /training diverged at epoch 1, batch \d+: .*no epoch finished, so there is no checkpoint/,
    );
    // Sabotage the weights after epoch 1: the next batch overflows.
    const data = await loadDataset(small.dataset);
    const config = parseTrainConfig(small);
    const net = new Network(resolveNetwork(config, data), { threads: 1 });
    const file = path.join(tmp, 'diverge', 'good.sgck');
    const trainer = new Trainer(net, config, {
      onEpoch: (_record, state) => {
        writeCheckpoint(file, { version: 1, spikegrad: 'test', createdAt: '', config, network: net.config, rng: { kind: 'derived-per-epoch', seed: 1, nextEpoch: 1 }, state, parameters: { ...net.parameters }, finished: false });
        net.parameters['hidden.0.input'].fill(3e38);
        net.parameters.readout.fill(3e38);
      },
    });
    const err = await trainer.fit(data.splits.train, data.splits.valid).catch((e) => e);
    expect(err).toBeInstanceOf(TrainingDiverged);
    expect(err.message).toMatch(/training diverged at epoch 2, batch 1: loss is not finite/);
    expect(readCheckpoint(file).state.epoch).toBe(1);
  });

  it('--force replaces a run only once the new one starts: a refused one leaves it whole, a failed one never mixes with it', async () => {
    const out = path.join(tmp, 'forced');
    await runTraining({ ...small, epochs: 2 }, { out, threads: 2 });
    const record = readFileSync(path.join(out, 'results.json'), 'utf8');
    // Refused before it starts (a mismatching network): the old run is untouched.
    await expect(runTraining({ ...small, network: { inputs: 3, layers: [{ size: 8 }] } }, { out, force: true })).rejects.toThrow(/network\.inputs/);
    expect(readFileSync(path.join(out, 'results.json'), 'utf8')).toBe(record);
    expect(readCheckpoint(path.join(out, 'checkpoint.sgck')).state.epoch).toBe(2);
    // Fails after it started: nothing of the old run is left beside it, and the message does not call it good.
    await expect(runTraining({ ...small, lr: 1e38 }, { out, force: true })).rejects.toThrow(/no epoch finished, so there is no checkpoint/);
    expect(existsSync(path.join(out, 'results.json'))).toBe(false);
    expect(existsSync(path.join(out, 'checkpoint.sgck'))).toBe(false);
    expect(readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')).toBe('');
  });

  it('refuses empty splits, a resume without a checkpoint and a network too large, before training', async () => {
    await expect(runTraining({ ...small, dataset: { ...small.dataset, classes: 2, samplesPerClass: 2 } }, { out: path.join(tmp, 'empty') })).rejects.toThrow(
      /splits\.test: the test split of randman has 0 samples/,
    );
    await expect(runTraining(small, { out: path.join(tmp, 'no-checkpoint'), resume: true })).rejects.toThrow(/holds no checkpoint\.sgck to resume from/);
    const started = performance.now();
    await expect(runTraining({ ...small, network: { layers: [{ size: 100_000, recurrent: true }] } }, { out: path.join(tmp, 'huge') })).rejects.toThrow(
      /training a network of 10,002,100,000 weights needs about \d+ GiB of memory/,
    );
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('sizes the evaluation batch by the largest split, not by evalBatchSize alone', async () => {
    const r = await runTraining({ ...small, epochs: 1, evalBatchSize: 1 << 20 }, { out: path.join(tmp, 'eval-batch') });
    expect(r.test.samples).toBe(100);
  });

  it('reports the resolved epoch count to onStart (progress lines need it)', async () => {
    let epochs = 0;
    await runTraining({ ...small, epochs: 1 }, { out: path.join(tmp, 'on-start'), onStart: (c) => (epochs = c.epochs) });
    expect(epochs).toBe(1);
  });
});
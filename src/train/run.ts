/**
 * A complete training run as `spikegrad train` performs it: validate the config and the output directory, load
 * the data set, build the network (sizes from the data; fluctuation-driven init gets the measured input rate),
 * train with a checkpoint and a metrics line after every epoch, then evaluate the best weights on every split and
 * write results.json. With `resume`, a run killed at any point continues from its last checkpoint and ends
 * bit-identical to an uninterrupted run.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import type { AnyDataset } from '../data/dataset.js';
import { describeDataset } from '../data/describe.js';
import { loadDataset, type LoadedDataset } from '../data/registry.js';
import { version } from '../info.js';
import { type Checkpoint, readCheckpoint, writeCheckpoint } from '../io/checkpoint.js';
import { type NetworkConfig, parameterShapesOf, parseNetworkConfig } from '../model/config.js';
import { Network } from '../model/network.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { ConfigError } from '../util/errors.js';
import { availableMemory, MemoryLimitError } from '../util/memory.js';
import { stableStringify } from '../util/stable-json.js';
import type { Communicator } from '../distributed/communicator.js';
import type { SplitMetrics } from './metrics.js';
import { parseTrainConfig, type TrainConfig } from './train-config.js';
import { type BatchProgress, type EpochRecord, Trainer, TrainingDiverged } from './trainer.js';

/** The checkpoint file of a run directory, written after every epoch. */
export const CHECKPOINT_FILE = 'checkpoint.sgck';
/** The metrics file of a run directory: one JSON line per completed epoch. */
export const METRICS_FILE = 'metrics.jsonl';
/** The result of a finished run; never written by anything but the run itself. */
export const RESULTS_FILE = 'results.json';

/** Where and how `runTraining` runs: output directory, resume or force, cache, threads, and callbacks. */
export interface RunOptions {
  /** Output directory for checkpoint, metrics and results. */
  out: string;
  /** Continue from out/checkpoint.sgck: `true` requires it, 'if-present' starts a new run without it (sweep trials). */
  resume?: boolean | 'if-present';
  /** Start over even if `out` already holds a run (its files are replaced). */
  force?: boolean;
  cacheDir?: string;
  cache?: boolean;
  /** Overrides config.threads. */
  threads?: number;
  log?: (message: string) => void;
  onBatch?: (p: BatchProgress) => void;
  onEpoch?: (record: EpochRecord) => void;
  /** The run is about to train: its resolved config (every default filled in). */
  onStart?: (config: TrainConfig) => void;
  /**
   * Train data-parallel with the other ranks of this communicator (every rank calls runTraining with the same
   * config and `out`); rank 0 alone writes the checkpoint, metrics and results, every rank returns the results.
   */
  distributed?: Communicator;
}

/**
 * What a finished run writes to results.json: config, network, data set description, metrics of every split
 * (best-on-validation weights), epochs, wall time and history.
 */
export interface RunResults {
  config: TrainConfig;
  network: NetworkConfig;
  dataset: { name: string; description: Record<string, ReturnType<typeof describeDataset>> };
  train: SplitMetrics;
  valid: SplitMetrics;
  test: SplitMetrics;
  epochs: number;
  bestEpoch: number | null;
  stopped: 'early-stopping' | null;
  wallSeconds: number;
  history: EpochRecord[];
}

/** Checks that `dir` exists or can be made and that files can be written in it. */
/** A fresh directory name for a run without --out: runs/<dataset>-<YYYYMMDD-HHMMSS>[-n]. */
export function defaultRunDir(dataset: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  let dir = path.join('runs', `${dataset}-${stamp}`);
  for (let n = 2; existsSync(dir); n++) dir = path.join('runs', `${dataset}-${stamp}-${n}`);
  return dir;
}

export function ensureWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.spikegrad-write-test-${process.pid}`);
    writeFileAtomic(probe, 'ok');
    rmSync(probe, { force: true });
  } catch (err) {
    throw new ConfigError('output directory', [{ path: 'out', message: `cannot write to ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  }
}

/** Optimizer state arrays per parameter. */
const OPTIMIZER_SLOTS: Record<string, number> = { adam: 2, adamax: 2, sgd: 1, smorms3: 3 };

/**
 * Refuses, before any training, a run whose largest call (a training batch, or a validation batch of
 * evalBatchSize) would not fit in the memory available, with the sizes named.
 */
export function checkRunMemory(net: Network, config: TrainConfig, data: LoadedDataset['splits']): void {
  const train = data.train;
  const analog = train.kind === 'analog';
  const eventsPerSample = train.kind === 'events' && train.size > 0 ? train.eventCount / train.size : 0;
  const trainBatch = Math.min(config.batchSize, Math.max(1, train.size));
  // No evaluation batch is larger than the largest split.
  const evalBatch = Math.min(config.evalBatchSize, Math.max(1, data.train.size, data.valid.size, data.test.size));
  const trainCall = net.predictMemory({ batchSize: trainBatch, steps: train.steps, analog, events: eventsPerSample * trainBatch });
  const evalCall = net.predictMemory({ batchSize: evalBatch, steps: train.steps, analog, events: eventsPerSample * evalBatch, backward: false });
  const needed = Math.max(trainCall.total, evalCall.total) + runStateBytes(net.parameterCount, config);
  const available = availableMemory();
  if (needed > available) {
    throw new MemoryLimitError(needed, available, `training with batch ${config.batchSize} x ${train.steps} steps (evaluation batch ${config.evalBatchSize})`);
  }
}

/** Memory proportional to the weights beyond the network's own: optimizer slots, the best copy, a checkpoint's copy. */
function runStateBytes(weights: number, config: TrainConfig): number {
  return weights * 4 * ((OPTIMIZER_SLOTS[config.optimizer.kind] ?? 2) + 2);
}

/** Refuses a network too large for this machine before its weights are allocated and initialized. */
function checkWeightMemory(network: NetworkConfig, config: TrainConfig): void {
  const weights = parameterShapesOf(network).reduce((n, p) => n + p.rows * p.cols, 0);
  // The weights, their gradients, a call's staged copies of both, and the run's state.
  const needed = weights * 4 * 4 + runStateBytes(weights, config);
  const available = availableMemory();
  if (needed > available) {
    throw new MemoryLimitError(needed, available, `training a network of ${weights.toLocaleString('en-US')} weights`, 'use fewer or smaller layers');
  }
}

/** Every split must hold samples: an empty one would train on nothing or report accuracy 0 as a result. */
function checkSplits(data: LoadedDataset): void {
  const issues = (['train', 'valid', 'test'] as const)
    .filter((s) => data.splits[s].size === 0)
    .map((s) => ({ path: `splits.${s}`, message: `the ${s} split of ${data.config.name} has 0 samples; check the data files, --limit and --valid-fraction` }));
  if (issues.length > 0) throw new ConfigError('data set', issues);
}

/**
 * Mean input firing rate of a data set in Hz (events per unit per second). Analog input has no rate: the
 * fluctuation-driven initialization then needs `network.init.inputRate` given (a ConfigError says so).
 */
export function inputRate(data: AnyDataset, dt: number): number {
  if (data.kind === 'analog') {
    throw new ConfigError('training config', [{ path: 'network.init.inputRate', message: `${data.name} is analog input (no spikes to count): give the fluctuation init an input rate` }]);
  }
  return data.eventCount / (data.size * data.inputs * data.steps * dt);
}

/** The network config of a run: sizes from the data set (checked against any given), measured input rate. */
export function resolveNetwork(config: TrainConfig, data: LoadedDataset): NetworkConfig {
  const train = data.splits.train;
  const n = config.network;
  const issues: { path: string; message: string }[] = [];
  if (n.inputs !== undefined && n.inputs !== train.inputs) {
    issues.push({ path: 'network.inputs', message: `${n.inputs} does not match the ${train.inputs} inputs of ${data.config.name}` });
  }
  if (n.outputs !== undefined && n.outputs !== train.classes) {
    issues.push({ path: 'network.outputs', message: `${n.outputs} does not match the ${train.classes} classes of ${data.config.name}` });
  }
  if (issues.length > 0) throw new ConfigError('training config', issues);
  const init = n.init.kind === 'fluctuation' && n.init.inputRate === undefined ? { ...n.init, inputRate: inputRate(train, n.neuron.dt) } : n.init;
  return parseNetworkConfig({ ...n, inputs: train.inputs, outputs: train.classes, init, seed: config.seed });
}

function sameRun(a: TrainConfig, b: TrainConfig): boolean {
  // Threads change speed, never results.
  const strip = (c: TrainConfig) => ({ ...c, threads: undefined });
  return stableStringify(strip(a)) === stableStringify(strip(b));
}

/**
 * A complete training run as `spikegrad train` performs it: validates config and directory, loads the data,
 * refuses what would not fit in memory, trains with a checkpoint and a metrics line every epoch, evaluates the
 * kept weights and writes results.json.
 */
export async function runTraining(input: unknown, options: RunOptions): Promise<RunResults> {
  const log = options.log ?? (() => undefined);
  const checkpointFile = path.join(options.out, CHECKPOINT_FILE);
  let resumeFrom: Checkpoint | null = null;
  let config: TrainConfig;
  if (options.resume === true && !existsSync(checkpointFile)) {
    throw new ConfigError('resume', [
      { path: 'out', message: `${options.out} holds no ${CHECKPOINT_FILE} to resume from; start a new run without --resume` },
    ]);
  }
  if (options.resume && existsSync(checkpointFile)) {
    resumeFrom = readCheckpoint(checkpointFile);
    config = input === undefined ? resumeFrom.config : parseTrainConfig(input);
    if (!sameRun(config, resumeFrom.config)) {
      throw new ConfigError('resume', [
        { path: 'config', message: `${checkpointFile} was written by a run with another config; use another --out, or resume without changing options` },
      ]);
    }
    log(`resuming from ${checkpointFile} after epoch ${resumeFrom.state.epoch}`);
  } else {
    config = parseTrainConfig(input);
    if (existsSync(checkpointFile) && !options.force) {
      throw new ConfigError('output directory', [
        { path: 'out', message: `${options.out} already holds a run (${CHECKPOINT_FILE}); continue it with --resume, replace it with --force, or choose another --out` },
      ]);
    }
  }
  const comm = options.distributed;
  // Rank 0 alone writes; the other ranks read the same directory (a shared file system) to resume.
  const writer = !comm || comm.rank === 0;
  if (writer) ensureWritableDir(options.out);

  const data = await loadDataset(config.dataset, { cacheDir: options.cacheDir, cache: options.cache, threads: options.threads ?? config.threads, log });
  checkSplits(data);
  const networkConfig = resumeFrom?.network ?? resolveNetwork(config, data);
  checkWeightMemory(networkConfig, config);
  const net = new Network(networkConfig, { threads: options.threads ?? config.threads, memory: config.memory });
  if (resumeFrom) net.setParameters(resumeFrom.parameters);
  checkRunMemory(net, config, data.splits);

  if (!resumeFrom && writer) {
    // A new run replaces whatever the directory held (--force) only now that it is about to train: a run refused
    // above leaves the old one whole, and one that fails from here on is never mixed with the old one's files.
    for (const file of [RESULTS_FILE, CHECKPOINT_FILE, METRICS_FILE]) rmSync(path.join(options.out, file), { force: true });
  }
  options.onStart?.(config);
  const metricsFile = path.join(options.out, METRICS_FILE);
  // The metrics log always equals the checkpoint's history, so a killed run's partial epoch leaves no line behind.
  const writeMetrics = (history: EpochRecord[]) => {
    if (writer) writeFileAtomic(metricsFile, history.map((r) => `${JSON.stringify(r)}\n`).join(''));
  };
  writeMetrics(resumeFrom?.state.history ?? []);

  const checkpoint = (state: Checkpoint['state'], finished: boolean): Checkpoint => ({
    version: 1,
    spikegrad: version,
    createdAt: new Date().toISOString(),
    config,
    network: networkConfig,
    rng: { kind: 'derived-per-epoch', seed: config.seed, nextEpoch: state.epoch },
    state,
    parameters: Object.fromEntries(Object.entries(net.parameters).map(([n, p]) => [n, p.slice()])),
    finished,
  });

  const trainer = new Trainer(
    net,
    config,
    {
      onBatch: options.onBatch,
      onEpoch: (record, state) => {
        if (writer) writeCheckpoint(checkpointFile, checkpoint(state, false));
        writeMetrics(state.history);
        options.onEpoch?.(record);
      },
    },
    resumeFrom?.state,
    comm ? { distributed: comm } : {},
  );
  let state;
  try {
    state = await trainer.fit(data.splits.train, data.splits.valid);
  } catch (err) {
    if (err instanceof TrainingDiverged) {
      const kept = existsSync(checkpointFile) ? `the last good checkpoint (epoch ${readCheckpoint(checkpointFile).state.epoch}) is kept at ${checkpointFile}` : 'no epoch finished, so there is no checkpoint';
      throw new TrainingDiverged(err.epoch, err.batch, `${err.message.replace(/^training diverged at epoch \d+, batch \d+: /, '')}; ${kept}`);
    }
    throw err;
  }

  const evalStart = performance.now();
  const e = (d: AnyDataset) => trainer.evaluate(d);
  const results: RunResults = {
    config,
    network: networkConfig,
    dataset: {
      name: data.config.name,
      description: { train: describeDataset(data.splits.train), valid: describeDataset(data.splits.valid), test: describeDataset(data.splits.test) },
    },
    train: await e(data.splits.train),
    valid: await e(data.splits.valid),
    test: await e(data.splits.test),
    epochs: state.epoch,
    bestEpoch: trainer.bestEpoch,
    stopped: state.stopped,
    wallSeconds: state.history.reduce((s, r) => s + r.seconds, 0) + (performance.now() - evalStart) / 1000,
    history: state.history,
  };
  if (writer) {
    writeCheckpoint(checkpointFile, checkpoint(state, true));
    writeFileAtomic(path.join(options.out, RESULTS_FILE), `${JSON.stringify(results, null, 2)}\n`);
  }
  await net.dispose();
  return results;
}

/**
 * The training loop: seeded shuffled batches, loss and gradients from the engine, gradient decay and clipping, an
 * optimizer step, validation after every epoch, the best-on-validation weights kept, optional early stopping.
 * Every step is deterministic given the config, so a run resumed from an epoch checkpoint ends bit-identical to
 * an uninterrupted one. With a Communicator (`distributed`), the ranks split every batch and every evaluation
 * between them and step with the same summed gradient (distributed/data-parallel.ts).
 */
import { batchCount, epochOrder, makeBatch } from '../data/batches.js';
import type { AnyDataset } from '../data/dataset.js';
import { checkRanksAgree, type Communicator } from '../distributed/communicator.js';
import { shardedEvaluate, shardedGradient } from '../distributed/data-parallel.js';
import type { Network } from '../model/network.js';
import { addWeightDecay, clipByGlobalNorm, firstNonFinite } from './gradient-tools.js';
import { evaluate, SplitAccumulator, type SplitMetrics } from './metrics.js';
import { createOptimizer, type Optimizer, type OptimizerState } from './optimizers/index.js';
import { learningRate } from './schedules.js';
import type { TrainConfig } from './train-config.js';

/**
 * One epoch of training: its learning rate, training and validation metrics, wall time, throughput and whether it
 * set a new best.
 */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  lr: number;
  train: SplitMetrics;
  valid?: SplitMetrics;
  seconds: number;
  samplesPerSecond: number;
  /** This epoch set a new best validation score. */
  best: boolean;
}

/** What a checkpoint must hold to continue training exactly. */
export interface TrainerState {
  /** Completed epochs. */
  epoch: number;
  history: EpochRecord[];
  best: { epoch: number; score: number } | null;
  bestParameters: Record<string, Float32Array> | null;
  sinceImprovement: number;
  optimizer: OptimizerState;
  stopped: 'early-stopping' | null;
}

/** Progress within an epoch, reported after every batch. */
export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
}

/** Callbacks of a Trainer: after every batch, and after every epoch with the state to checkpoint. */
export interface TrainerHooks {
  onBatch?: (p: BatchProgress) => void;
  /** After each epoch, with the state to checkpoint (awaited: a failed checkpoint write stops training). */
  onEpoch?: (record: EpochRecord, state: TrainerState) => void | Promise<void>;
}

/** Options of a Trainer beyond its config. */
export interface TrainerOptions {
  /** Train data-parallel with the other ranks of this communicator (e.g. new MpiCommunicator()). */
  distributed?: Communicator;
  /** With `distributed`: check that every rank holds the same parameters after every this many epochs (default 1). */
  checkEvery?: number;
}

/** Training stopped because the loss, a gradient or a weight became NaN or infinite. */
export class TrainingDiverged extends Error {
  constructor(
    readonly epoch: number,
    readonly batch: number,
    reason: string,
  ) {
    super(`training diverged at epoch ${epoch}, batch ${batch}: ${reason}`);
    this.name = 'TrainingDiverged';
  }
}

/**
 * The training loop: seeded shuffled batches, loss and gradients from the network, weight decay and clipping, an
 * optimizer step, validation every epoch, best-on-validation weights, early stopping. Deterministic: resumed from
 * a checkpoint it ends bit-identical to an uninterrupted run.
 */
export class Trainer {
  readonly optimizer: Optimizer;
  private state: TrainerState;

  constructor(
    readonly net: Network,
    readonly config: TrainConfig,
    private readonly hooks: TrainerHooks = {},
    resume?: TrainerState,
    private readonly options: TrainerOptions = {},
  ) {
    this.optimizer = createOptimizer(config.optimizer, net.parameters, { threads: net.threads });
    this.state = resume ?? { epoch: 0, history: [], best: null, bestParameters: null, sinceImprovement: 0, optimizer: this.optimizer.getState(), stopped: null };
    if (resume) this.optimizer.setState(resume.optimizer);
  }

  get history(): readonly EpochRecord[] {
    return this.state.history;
  }

  get bestEpoch(): number | null {
    return this.state.best?.epoch ?? null;
  }

  /** Trains until the configured epochs (or early stopping); the best-on-validation weights are restored. */
  async fit(train: AnyDataset, valid?: AnyDataset): Promise<TrainerState> {
    const c = this.config;
    const gradients = this.net.zeroGradients();
    const batches = batchCount(train.size, { batchSize: c.batchSize });
    while (this.state.epoch < c.epochs && this.state.stopped === null) {
      const epoch = this.state.epoch;
      const started = performance.now();
      const acc = new SplitAccumulator();
      let k = 0;
      let lr = c.lr;
      const order = epochOrder(train.size, epoch, { shuffle: true, seed: c.seed });
      for (let b = 0; b < batches; b++) {
        const indices = order.subarray(b * c.batchSize, Math.min(train.size, (b + 1) * c.batchSize));
        lr = learningRate(c.schedule, c.lr, epoch, k, batches, c.epochs);
        let summary;
        try {
          summary = this.options.distributed
            ? await shardedGradient(this.options.distributed, this.net, train, indices, gradients, c.regularizers)
            : await this.net.lossAndGradient(makeBatch(train, indices), { gradients, regularizers: c.regularizers });
        } catch (err) {
          // The engine marks a non-finite loss or gradient with its own code (NonFiniteError in the core).
          if ((err as NodeJS.ErrnoException).code === 'ERR_SPIKEGRAD_NOT_FINITE') throw new TrainingDiverged(epoch + 1, k + 1, (err as Error).message);
          throw err;
        }
        acc.add(summary, indices.length);
        addWeightDecay(gradients, this.net.parameters, c.weightDecay);
        if (c.clipNorm !== undefined) clipByGlobalNorm(gradients, c.clipNorm);
        this.optimizer.step(gradients, lr);
        const bad = firstNonFinite(this.net.parameters);
        if (bad) {
          throw new TrainingDiverged(epoch + 1, k + 1, `the optimizer step made ${bad.name}[${bad.index}] = ${this.net.parameters[bad.name][bad.index]} (lower the learning rate or set clipNorm)`);
        }
        k++;
        this.hooks.onBatch?.({ epoch: epoch + 1, batch: k, batches, loss: summary.loss, accuracy: summary.accuracy });
      }
      const trainMetrics = acc.result();
      const validMetrics = valid && valid.size > 0 ? await this.evaluate(valid) : undefined;
      const seconds = (performance.now() - started) / 1000;
      const best = this.updateBest(epoch + 1, validMetrics);
      const record: EpochRecord = { epoch: epoch + 1, lr, train: trainMetrics, valid: validMetrics, seconds, samplesPerSecond: train.size / seconds, best };
      this.state.history.push(record);
      this.state.epoch = epoch + 1;
      this.state.optimizer = this.optimizer.getState();
      const comm = this.options.distributed;
      if (comm && this.state.epoch % (this.options.checkEvery ?? 1) === 0) await checkRanksAgree(comm, this.net.parameters, `after epoch ${epoch + 1}`);
      if (c.earlyStopping && this.state.sinceImprovement >= c.earlyStopping.patience) this.state.stopped = 'early-stopping';
      await this.hooks.onEpoch?.(record, this.state);
    }
    this.restoreBest();
    return this.state;
  }

  /** Metrics of a split with the current weights (shared between the ranks when distributed). */
  evaluate(data: AnyDataset): Promise<SplitMetrics> {
    const c = this.config;
    const comm = this.options.distributed;
    return comm ? shardedEvaluate(comm, this.net, data, c.evalBatchSize, c.regularizers) : evaluate(this.net, data, c.evalBatchSize, c.regularizers);
  }

  private updateBest(epoch: number, valid: SplitMetrics | undefined): boolean {
    if (!valid) return false;
    const metric = this.config.earlyStopping?.metric ?? 'accuracy';
    const score = metric === 'accuracy' ? valid.accuracy : -valid.loss;
    if (this.state.best === null || score > this.state.best.score) {
      this.state.best = { epoch, score };
      this.state.bestParameters = Object.fromEntries(Object.entries(this.net.parameters).map(([n, p]) => [n, p.slice()]));
      this.state.sinceImprovement = 0;
      return true;
    }
    this.state.sinceImprovement++;
    return false;
  }

  /** Puts the best-on-validation weights back into the network (no-op without validation). */
  restoreBest(): void {
    if (this.state.bestParameters) this.net.setParameters(this.state.bestParameters);
  }
}

/**
 * Seeded, shuffling mini-batches that fill EventBatch / AnalogBatch typed arrays directly: one TypedArray.set per
 * sample, no per-event JavaScript objects. The order of epoch e is a pure function of (seed, e), so a resumed run
 * sees exactly the batches an uninterrupted one would.
 */
import type { AnalogBatch, Batch, EventBatch } from '../model/batch.js';
import { Rng } from '../util/rng.js';
import { deriveSeed } from '../util/seeds.js';
import type { AnalogDataset, AnyDataset, EventDataset } from './dataset.js';

/**
 * How an epoch is cut into batches: batch size, shuffling (default true) and the seed of the shuffle; the order of
 * epoch e is derived from (seed, e), so any epoch can be rebuilt alone.
 */
export interface BatchOptions {
  batchSize: number;
  /** Shuffle each epoch (training); false keeps the data set's order (evaluation). */
  shuffle?: boolean;
  seed?: number;
  /** Drop a last batch smaller than batchSize. */
  dropLast?: boolean;
}

/** The sample order of one epoch. */
export function epochOrder(size: number, epoch: number, options: Pick<BatchOptions, 'shuffle' | 'seed'>): Uint32Array {
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  if (options.shuffle) new Rng(deriveSeed(options.seed ?? 0, 'epoch', epoch)).shuffle(order);
  return order;
}

/** Copies the given samples into one batch. */
export function makeBatch(dataset: AnyDataset, indices: ArrayLike<number>): Batch {
  return dataset.kind === 'events' ? makeEventBatch(dataset, indices) : makeAnalogBatch(dataset, indices);
}

export function makeEventBatch(dataset: EventDataset, indices: ArrayLike<number>): EventBatch {
  const n = indices.length;
  const offsets = new Int32Array(n + 1);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    offsets[k + 1] = offsets[k] + (dataset.offsets[i + 1] - dataset.offsets[i]);
    labels[k] = dataset.labels[i];
  }
  const times = new Int32Array(offsets[n]);
  const units = new Int32Array(offsets[n]);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    const begin = dataset.offsets[i];
    const end = dataset.offsets[i + 1];
    // set() widens Uint16 to Int32 in native code.
    times.set(dataset.times.subarray(begin, end), offsets[k]);
    units.set(dataset.units.subarray(begin, end), offsets[k]);
  }
  return { size: n, steps: dataset.steps, offsets, times, units, labels };
}

export function makeAnalogBatch(dataset: AnalogDataset, indices: ArrayLike<number>): AnalogBatch {
  const n = indices.length;
  const stride = dataset.steps * dataset.inputs;
  const values = new Float32Array(n * stride);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    values.set(dataset.values.subarray(i * stride, (i + 1) * stride), k * stride);
    labels[k] = dataset.labels[i];
  }
  return { size: n, steps: dataset.steps, values, labels };
}

/** Number of batches in one epoch. */
export function batchCount(size: number, options: BatchOptions): number {
  return options.dropLast ? Math.floor(size / options.batchSize) : Math.ceil(size / options.batchSize);
}

/** The batches of one epoch, in order. */
export function* epochBatches(dataset: AnyDataset, epoch: number, options: BatchOptions): Generator<Batch> {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new RangeError(`batchSize: expected a positive integer, got ${options.batchSize}`);
  }
  const order = epochOrder(dataset.size, epoch, options);
  const count = batchCount(dataset.size, options);
  for (let k = 0; k < count; k++) {
    yield makeBatch(dataset, order.subarray(k * options.batchSize, Math.min(dataset.size, (k + 1) * options.batchSize)));
  }
}

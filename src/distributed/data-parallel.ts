/**
 * One training batch and one evaluation split shared by the ranks of a Communicator. Every rank sees the same
 * global batch (the same shuffled order from the same seed) and computes the gradient of its contiguous shard
 * with the engine; the gradients, weighted by shard size over batch size, are summed in rank order, so every
 * rank steps with the same gradient of the whole batch's mean loss. Spike counts and loss sums travel the same way,
 * so every rank's metrics are the whole batch's.
 */
import { makeBatch } from '../data/batches.js';
import type { AnyDataset } from '../data/dataset.js';
import type { BatchSummary, Network } from '../model/network.js';
import type { RegularizerConfig } from '../model/regularizers.js';
import { SplitAccumulator, type SplitMetrics } from '../train/metrics.js';
import { type Communicator, shardRange } from './communicator.js';

/**
 * The gradient of the mean loss over `indices` (the global batch), written into `gradients`, computed by all ranks
 * together; returns the batch's summary (loss, correct, spike counts of the whole batch).
 */
export async function shardedGradient(
  comm: Communicator,
  net: Network,
  data: AnyDataset,
  indices: Uint32Array,
  gradients: Record<string, Float32Array>,
  regularizers: RegularizerConfig[],
): Promise<BatchSummary & { loss: number; accuracy: number }> {
  const { begin, end } = shardRange(indices.length, comm.rank, comm.size);
  const names = net.parameterNames;
  const acc = new SplitAccumulator();
  if (end > begin) {
    const summary = await net.lossAndGradient(makeBatch(data, indices.subarray(begin, end)), { gradients, regularizers });
    acc.add(summary, end - begin);
  } else {
    // More ranks than samples in this (last) batch: this rank adds nothing.
    for (const name of names) gradients[name].fill(0);
    acc.addEmpty(net.config.layers.map((l) => l.size));
  }
  // One buffer for all gradients: the engine's gradient is the shard's mean, the batch's is the weighted sum.
  const total = names.reduce((n, name) => n + gradients[name].length, 0);
  const packed = new Float32Array(total);
  const weight = (end - begin) / indices.length;
  let at = 0;
  for (const name of names) {
    const g = gradients[name];
    for (let i = 0; i < g.length; i++) packed[at + i] = g[i] * weight;
    at += g.length;
  }
  const summed = await comm.sum(packed);
  at = 0;
  for (const name of names) {
    gradients[name].set(summed.subarray(at, at + gradients[name].length));
    at += gradients[name].length;
  }
  const sizes = net.config.layers.map((l) => l.size);
  return SplitAccumulator.fromArray(await comm.sum(acc.toArray()), sizes).summary();
}

/** Forward passes over a whole split, each rank taking a contiguous share; every rank returns the split's metrics. */
export async function shardedEvaluate(comm: Communicator, net: Network, data: AnyDataset, batchSize: number, regularizers: RegularizerConfig[]): Promise<SplitMetrics> {
  const { begin, end } = shardRange(data.size, comm.rank, comm.size);
  const acc = new SplitAccumulator();
  const order = new Uint32Array(end - begin);
  for (let i = 0; i < order.length; i++) order[i] = begin + i;
  for (let k = 0; k < order.length; k += batchSize) {
    const part = order.subarray(k, Math.min(order.length, k + batchSize));
    acc.add(await net.forward(makeBatch(data, part), { regularizers }), part.length);
  }
  if (order.length === 0) acc.addEmpty(net.config.layers.map((l) => l.size));
  return SplitAccumulator.fromArray(await comm.sum(acc.toArray()), net.config.layers.map((l) => l.size)).result();
}

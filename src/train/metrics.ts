/** Per-split metrics: loss, accuracy and spike statistics accumulated over batches. */
import type { AnyDataset } from '../data/dataset.js';
import { epochBatches } from '../data/batches.js';
import type { BatchSummary, Network } from '../model/network.js';
import type { RegularizerConfig } from '../model/regularizers.js';

/**
 * Metrics of one split: samples, loss, cross entropy, regularization, accuracy, and per hidden layer the mean
 * spikes per neuron per sample and the fraction of silent neurons.
 */
export interface SplitMetrics {
  samples: number;
  /** Cross entropy + regularization, mean over samples. */
  loss: number;
  crossEntropy: number;
  regularization: number;
  accuracy: number;
  /** Per hidden layer: mean spikes per neuron per sample. */
  spikesPerNeuron: number[];
  /** Per hidden layer: fraction of neurons that never fired in the split. */
  silentFraction: number[];
}

/** Sums batch summaries into SplitMetrics. */
export class SplitAccumulator {
  private samples = 0;
  private loss = 0;
  private crossEntropy = 0;
  private regularization = 0;
  private correct = 0;
  private counts: Float64Array[] | null = null;

  add(summary: BatchSummary, size: number): void {
    this.samples += size;
    this.loss += (summary.loss ?? 0) * size;
    this.crossEntropy += (summary.crossEntropy ?? 0) * size;
    this.regularization += (summary.regularization ?? 0) * size;
    this.correct += summary.correct ?? 0;
    this.counts ??= summary.spikeCounts.map((c) => new Float64Array(c.length));
    summary.spikeCounts.forEach((c, l) => {
      const total = this.counts![l];
      for (let i = 0; i < c.length; i++) total[i] += c[i];
    });
  }

  /** A rank with no samples in a distributed batch: adds nothing, but has the layers' count arrays. */
  addEmpty(layerSizes: readonly number[]): void {
    this.counts ??= layerSizes.map((n) => new Float64Array(n));
  }

  /** The sums as one array (for adding up the ranks of a distributed run): samples, loss, cross entropy, regularization, correct, counts. */
  toArray(): Float64Array {
    const counts = this.counts ?? [];
    const out = new Float64Array(5 + counts.reduce((n, c) => n + c.length, 0));
    out.set([this.samples, this.loss, this.crossEntropy, this.regularization, this.correct]);
    let at = 5;
    for (const c of counts) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /** The inverse of toArray, for the same layer sizes. */
  static fromArray(values: Float64Array, layerSizes: readonly number[]): SplitAccumulator {
    const acc = new SplitAccumulator();
    [acc.samples, acc.loss, acc.crossEntropy, acc.regularization, acc.correct] = values.subarray(0, 5);
    let at = 5;
    acc.counts = layerSizes.map((n) => {
      const c = values.slice(at, at + n);
      at += n;
      return c;
    });
    return acc;
  }

  /** The accumulated samples as one batch's summary (means, correct, spike counts summed over the samples). */
  summary(): BatchSummary & { loss: number; accuracy: number } {
    const n = Math.max(1, this.samples);
    return {
      loss: this.loss / n,
      crossEntropy: this.crossEntropy / n,
      regularization: this.regularization / n,
      correct: this.correct,
      accuracy: this.correct / n,
      predictions: new Int32Array(0),
      logits: new Float32Array(0),
      spikeCounts: (this.counts ?? []).map((c) => Float32Array.from(c)),
    };
  }

  result(): SplitMetrics {
    const n = Math.max(1, this.samples);
    const counts = this.counts ?? [];
    return {
      samples: this.samples,
      loss: this.loss / n,
      crossEntropy: this.crossEntropy / n,
      regularization: this.regularization / n,
      accuracy: this.correct / n,
      spikesPerNeuron: counts.map((c) => c.reduce((a, b) => a + b, 0) / (n * c.length)),
      silentFraction: counts.map((c) => c.reduce((a, b) => a + (b === 0 ? 1 : 0), 0) / c.length),
    };
  }
}

/** Forward passes over a whole split (no gradients). */
export async function evaluate(net: Network, data: AnyDataset, batchSize: number, regularizers: RegularizerConfig[]): Promise<SplitMetrics> {
  const acc = new SplitAccumulator();
  for (const batch of epochBatches(data, 0, { batchSize, shuffle: false })) {
    acc.add(await net.forward(batch, { regularizers }), batch.size);
  }
  return acc.result();
}

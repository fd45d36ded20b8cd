/** Builders and comparisons shared by the tests. */
import { Network, Rng, type AnalogDataset, type AnyDataset, type EventBatch, type EventDataset, type NetworkConfigInput } from '../src/index.js';
import type { ReferenceBatch } from './reference/snn-reference.js';

/** Bernoulli input events with probability `density` per (sample, step, unit); labels uniform. */
export function randomEventBatch(
  seed: number,
  size: number,
  steps: number,
  inputs: number,
  classes: number,
  density: number,
): EventBatch {
  const rng = new Rng(seed);
  const times: number[] = [];
  const units: number[] = [];
  const offsets = new Int32Array(size + 1);
  const labels = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    for (let n = 0; n < steps; n++) {
      for (let u = 0; u < inputs; u++) {
        if (rng.uniform() < density) {
          times.push(n);
          units.push(u);
        }
      }
    }
    offsets[b + 1] = times.length;
    labels[b] = rng.int(classes);
  }
  return { size, steps, offsets, times: Int32Array.from(times), units: Int32Array.from(units), labels };
}

/** Dense input[b][n][k] counts for the reference implementation. */
export function toReferenceBatch(batch: EventBatch, inputs: number): ReferenceBatch {
  const input: number[][][] = [];
  for (let b = 0; b < batch.size; b++) {
    const sample = Array.from({ length: batch.steps }, () => new Array<number>(inputs).fill(0));
    for (let e = batch.offsets[b]; e < batch.offsets[b + 1]; e++) sample[batch.times[e]][batch.units[e]] += 1;
    input.push(sample);
  }
  return { size: batch.size, steps: batch.steps, input, labels: Array.from(batch.labels ?? []) };
}

/** A network whose weights are redrawn uniformly in ±gain/sqrt(fan_in) from `seed`. */
export function networkWithWeights(config: NetworkConfigInput, seed: number, gain: number, threads = 1): Network {
  const net = new Network({ ...config, seed, init: { kind: 'uniform', gain } }, { threads });
  return net;
}

/** max |a - b| and max |b| over a tensor. */
export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { diff, scale };
}

export function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The split as an EventDataset (a test of a spiking data set fails here, by name, if it is analog). */
export function eventsOf(d: AnyDataset): EventDataset {
  if (d.kind !== 'events') throw new Error(`${d.name}: expected spike events, got analog input`);
  return d;
}

/** The split as an AnalogDataset. */
export function analogOf(d: AnyDataset): AnalogDataset {
  if (d.kind !== 'analog') throw new Error(`${d.name}: expected analog input, got spike events`);
  return d;
}

/** Summary statistics of a data set: what `spikegrad data --describe` prints. */
import type { AnyDataset } from './dataset.js';

/** Sizes and activity of a data set: samples, classes, steps, inputs, events per sample and per unit. */
export interface DatasetDescription {
  name: string;
  /** 'analog': the event counts below count the non-zero input values. */
  kind: 'events' | 'analog';
  samples: number;
  classes: number;
  inputs: number;
  steps: number;
  classCounts: number[];
  events: number;
  spikesPerSample: { mean: number; min: number; max: number };
  /** Mean spikes per input unit per sample. */
  spikesPerUnit: number;
  /** Fraction of input units that never fire in this split. */
  silentUnits: number;
  /** Events per (sample, step, unit): the input density. */
  density: number;
}

/** Counts what `spikegrad data --describe` prints about a data set. */
export function describeDataset(d: AnyDataset): DatasetDescription {
  const classCounts = new Array<number>(d.classes).fill(0);
  for (const l of d.labels) classCounts[l]++;
  let events = 0;
  let min = Infinity;
  let max = 0;
  const active = new Uint8Array(d.inputs);
  if (d.kind === 'events') {
    for (let i = 0; i < d.size; i++) {
      const n = d.offsets[i + 1] - d.offsets[i];
      events += n;
      min = Math.min(min, n);
      max = Math.max(max, n);
    }
    for (const u of d.units) active[u] = 1;
  } else {
    const stride = d.steps * d.inputs;
    for (let i = 0; i < d.size; i++) {
      let n = 0;
      for (let j = 0; j < stride; j++) {
        if (d.values[i * stride + j] !== 0) {
          n++;
          active[j % d.inputs] = 1;
        }
      }
      events += n;
      min = Math.min(min, n);
      max = Math.max(max, n);
    }
  }
  const samples = d.size;
  const silent = active.reduce((s, a) => s + (a ? 0 : 1), 0);
  return {
    name: d.name,
    kind: d.kind,
    samples,
    classes: d.classes,
    inputs: d.inputs,
    steps: d.steps,
    classCounts,
    events,
    spikesPerSample: { mean: samples ? events / samples : 0, min: samples ? min : 0, max },
    spikesPerUnit: samples ? events / samples / d.inputs : 0,
    silentUnits: silent / d.inputs,
    density: samples ? events / (samples * d.steps * d.inputs) : 0,
  };
}
